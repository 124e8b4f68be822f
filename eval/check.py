"""The CI floor: a fresh extractive run must not fall below the committed baseline.

`eval/baseline.json` keeps the headline metrics of a committed run and a floor for each:
the committed value minus one case's worth of that metric (1 / the cases it averages), and
at least 0.02. The extractive pipeline is deterministic, so the tolerance only absorbs a
near-tie that another CPU's arithmetic may break differently; a real regression moves more.
Latency has no floor: it measures the machine, not the change.
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant.core.errors import BadInputFile
from eval.summary import HEADLINE, label
from eval.tables import table

BASELINE = Path(__file__).resolve().parent / "baseline.json"
MIN_TOLERANCE = 0.02
CHECK_BACKEND = "extractive"


def floor(value: float, cases: int) -> float:
    """The lowest acceptable value: one case (or 0.02, whichever is larger) below `value`.

    >>> floor(0.809, 89), floor(0.5556, 18), floor(0.5, 200)
    (0.789, 0.5, 0.48)
    """
    return round(max(0.0, value - max(MIN_TOLERANCE, 1 / max(cases, 1))), 4)


def make_baseline(report: dict, backend: str = CHECK_BACKEND) -> dict:
    """The baseline record of a run: when, where, and each headline metric with its floor."""
    one = report["summary"][backend]
    metrics = {
        m: {"value": one["overall"][m], "cases": one["counts"][m], "floor": floor(one["overall"][m], one["counts"][m])}
        for m in HEADLINE
        if one["overall"].get(m) is not None
    }
    meta = report["meta"]
    return {
        "created": meta["date"], "machine": meta["machine"], "git": meta["git"], "backend": backend,
        "set": meta["set"], "cases": meta["cases"], "settings": meta["settings"], "judge": meta["judge"],
        "rule": f"floor = value - max({MIN_TOLERANCE}, 1 / cases behind the metric)",
        "metrics": metrics,
    }


def load_baseline(path: Path = BASELINE) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInputFile(f"cannot read the baseline {path}: {exc}; write one with `python -m eval baseline RUN`") from None


def below_floor(overall: dict, baseline: dict) -> list[list]:
    """[metric, baseline, floor, now] for each metric that fell below its floor (or went missing).

    >>> below_floor({"mrr": 0.6, "recall@4": 0.8}, {"metrics": {"mrr": {"value": 0.7, "floor": 0.68},
    ...                                                      "recall@4": {"value": 0.81, "floor": 0.79}}})
    [['mrr', 0.7, 0.68, 0.6]]
    """
    fell = []
    for metric, ref in baseline["metrics"].items():
        now = overall.get(metric)
        if now is None or now < ref["floor"]:
            fell.append([label(metric), ref["value"], ref["floor"], now])
    return fell


def check(report: dict, baseline: dict) -> tuple[bool, str]:
    """Whether the run holds every floor, and a table saying so."""
    overall = report["summary"][CHECK_BACKEND]["overall"]
    fell = below_floor(overall, baseline)
    rows = [[label(m), ref["value"], ref["floor"], overall.get(m), "FELL" if label(m) in {f[0] for f in fell} else "ok"] for m, ref in baseline["metrics"].items()]
    head = f"eval check against the baseline of {baseline['created']} ({baseline['rule']}):"
    verdict = f"{len(fell)} headline metric(s) fell below the floor" if fell else "every headline metric holds its floor"
    return not fell, "\n".join([head, table(["metric", "baseline", "floor", "now", ""], rows), verdict])
