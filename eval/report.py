"""A run on disk: `report.json` (everything), `report.md` (tables), `ragas-<backend>.jsonl`, plots."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from assistant.core.errors import BadInputFile
from eval.summary import HEADLINE, label
from eval.tables import ms, table

RUNS_DIR = Path(__file__).resolve().parent / "runs"
KIND_COLUMNS = ("recall@4", "mrr", "citation_recall", "evidence_cited", "fact_recall", "all_facts", "token_f1", "refusal_accuracy", "passed")


def headline_table(summary: dict, metrics: tuple[str, ...] = HEADLINE) -> str:
    """Metrics down, backends across, then latency; each metric names how many cases it averages."""
    backends = list(summary)
    rows = []
    for m in metrics:
        counts = {summary[b]["counts"].get(m) for b in backends} - {None}
        n = f" (n={counts.pop()})" if len(counts) == 1 else ""
        rows.append([label(m) + n] + [summary[b]["overall"].get(m) for b in backends])
    for q in ("p50", "p95"):
        rows.append([f"latency {q}, ms"] + [ms(summary[b]["latency_ms"].get("total", {}).get(q)) for b in backends])
    return table(["metric"] + backends, rows)


def kind_table(backend_summary: dict) -> str:
    rows = [[kind, means.get("n", "")] + [means.get(c) for c in KIND_COLUMNS] for kind, means in backend_summary["by_kind"].items()]
    return table(["kind", "n"] + [label(c) for c in KIND_COLUMNS], rows)


def latency_table(summary: dict) -> str:
    stages = list(dict.fromkeys(s for b in summary.values() for s in b["latency_ms"]))
    header = ["stage"] + [f"{b} {q}" for b in summary for q in ("p50", "p95")]
    rows = [[s] + [ms(summary[b]["latency_ms"].get(s, {}).get(q)) for b in summary for q in ("p50", "p95")] for s in stages]
    return table(header, rows)


def failing_table(rows: list[dict]) -> str:
    """The cases that did not pass, with what went wrong."""
    failing = [r for r in rows if not r["passed"]]
    body = [[r["id"], r["kind"], _why(r), r.get("recall@10"), _short(r["answer"])] for r in failing]
    return table(["case", "kind", "why", "recall@10", "answer"], body) if body else "None."


def _why(row: dict) -> str:
    if "error" in row:
        return f"error: {row['error']}"
    if not row["answerable"]:
        return "answered an unanswerable question"
    return "refused" if row["refused"] else f"fact recall {row['fact_recall']:.2f}"


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split()).replace("|", "/")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_markdown(report: dict, plots: list[str] = ()) -> str:
    """The human-readable report."""
    meta, summary = report["meta"], report["summary"]
    s = meta["settings"]
    parts = [
        f"# Eval run {meta['date']}",
        f"{meta['cases']} cases from `{meta['set']}` · machine: {meta['machine']} · load average {meta.get('load', '?')} · git {meta['git']}",
        f"retrieval {s['retrieval_mode']}, chunk {s['chunk_size']}, k {meta['k']}, refusal threshold "
        f"{s['refusal_threshold']}, embedder {s['embedding_model']} · citation judge: {meta['judge']}",
    ]
    parts += [f"**{name} was not run:** {reason}" for name, reason in meta.get("skipped_backends", {}).items()]
    parts += ["## Headline", headline_table(summary), "## Latency (ms)", latency_table(summary)]
    if len(summary) > 1:
        parts.append("Sentence vectors are cached per process, so a backend run after another finds them warm "
                     "(its `rank` stage looks faster); run backends one at a time, or `python -m eval bench`, for cold timings.")
    for backend, one in summary.items():
        parts += [f"## By kind: {backend}", kind_table(one)]
    parts += [f"![{Path(p).stem}]({Path(p).name})" for p in plots]
    for backend in summary:
        parts += [f"## Cases not passed: {backend}", failing_table([r for r in report["rows"] if r["backend"] == backend])]
    return "\n\n".join(parts) + "\n"


def ragas_records(rows: list[dict]) -> list[dict]:
    """Rows in the shape RAGAS reads: current names (`EvaluationDataset.from_jsonl`) and the legacy ones.

    The question is the standalone one that was searched for, so follow-ups read on their own.
    """
    return [
        {
            "user_input": r["standalone_question"], "response": r["answer"], "retrieved_contexts": r["contexts"],
            "reference": r["reference_answer"], "reference_contexts": r["evidence"],
            "question": r["standalone_question"], "answer": r["answer"], "contexts": r["contexts"],
            "ground_truth": r["reference_answer"], "id": r["id"], "kind": r["kind"],
        }
        for r in rows
    ]


def run_folder(out_dir: Path = RUNS_DIR, name: str = "") -> Path:
    """A fresh folder `<out_dir>/<YYYY-MM-DD_HHMMSS>[-name]`."""
    stamp = dt.datetime.now().strftime("%Y-%m-%d_%H%M%S") + (f"-{name}" if name else "")
    folder, n = Path(out_dir) / stamp, 1
    while folder.exists():
        n += 1
        folder = Path(out_dir) / f"{stamp}-{n}"
    folder.mkdir(parents=True)
    return folder


def write_run(report: dict, folder: Path, plots: bool = True) -> list[Path]:
    """Write every output of a run into `folder`; returns the paths written."""
    from eval import plots as charts

    written = charts.write_plots(report, folder) if plots else []
    (folder / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    (folder / "report.md").write_text(to_markdown(report, [p.name for p in written]), encoding="utf-8")
    for backend in report["summary"]:
        records = ragas_records([r for r in report["rows"] if r["backend"] == backend])
        path = folder / f"ragas-{backend}.jsonl"
        path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in records), encoding="utf-8")
        written.append(path)
    return [folder / "report.json", folder / "report.md", *written]


def load_report(path: Path) -> dict:
    """A run's `report.json`, given the file or its folder."""
    path = Path(path)
    file = path / "report.json" if path.is_dir() else path
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInputFile(f"cannot read eval report {file}: {exc}; pass a run folder under eval/runs/") from None
