"""What moved between two runs: headline deltas, then case by case, newly failing first.

Runs are matched backend by backend; two single-backend runs of different backends are
compared with each other (how does `local` do against `extractive`?).
"""

from __future__ import annotations

from eval.summary import HEADLINE, label
from eval.tables import fmt, ms, table

TRACKED = ("passed", "refused", "recall@4", "recall@10", "mrr", "evidence_cited", "fact_recall",
           "citation_recall", "citation_precision", "token_f1", "refusal_accuracy")
GROUPS = ("newly failing", "newly passing", "changed")


def backend_pairs(a: dict, b: dict) -> list[tuple[str, str]]:
    """(backend in A, backend in B) pairs to compare."""
    common = [x for x in a["summary"] if x in b["summary"]]
    if common:
        return [(x, x) for x in common]
    if len(a["summary"]) == 1 and len(b["summary"]) == 1:
        return [(next(iter(a["summary"])), next(iter(b["summary"])))]
    return []


def headline_moves(a: dict, b: dict, pairs: list[tuple[str, str]]) -> tuple[list[list], list[str]]:
    """[metric, backend(s), value in A, value in B, change] for each headline metric that moved,
    and the names of those that did not."""
    moved, still = [], []
    for x, y in pairs:
        name = x if x == y else f"{x} → {y}"
        for metric in HEADLINE:
            va, vb = a["summary"][x]["overall"].get(metric), b["summary"][y]["overall"].get(metric)
            if va == vb:
                still.append(label(metric))
                continue
            delta = round(vb - va, 4) if va is not None and vb is not None else None
            moved.append([label(metric), name, va, vb, _signed(delta)])
        for q in ("p50", "p95"):
            va, vb = (r["summary"][z]["latency_ms"].get("total", {}).get(q) for r, z in ((a, x), (b, y)))
            moved.append([f"latency {q}, ms", name, ms(va), ms(vb), _signed(round(vb - va)) if va and vb else None])
    return moved, list(dict.fromkeys(still))


def case_moves(a_rows: list[dict], b_rows: list[dict]) -> dict[str, list[dict]]:
    """Cases whose tracked metrics changed, grouped as newly failing / newly passing / changed.

    >>> moves = case_moves([{"id": "q1", "passed": 1.0}], [{"id": "q1", "passed": 0.0}])
    >>> moves["newly failing"][0]["changes"]
    {'passed': (1.0, 0.0)}
    """
    before = {r["id"]: r for r in a_rows}
    groups: dict[str, list[dict]] = {g: [] for g in GROUPS}
    for row in b_rows:
        old = before.get(row["id"])
        if old is None:
            continue
        changes = {m: (old.get(m), row.get(m)) for m in TRACKED if old.get(m) != row.get(m)}
        if not changes:
            continue
        group = "newly failing" if old.get("passed") and not row.get("passed") else "newly passing" if row.get("passed") and not old.get("passed") else "changed"
        groups[group].append({"id": row["id"], "kind": row.get("kind", ""), "changes": changes, "before": old.get("answer", ""), "after": row.get("answer", "")})
    return groups


def compare(a: dict, b: dict) -> str:
    """The printed comparison of run A (before) and run B (after)."""
    pairs = backend_pairs(a, b)
    if not pairs:
        return f"nothing to compare: run A has backends {list(a['summary'])}, run B {list(b['summary'])}"
    lines = [f"A: {a['meta']['date']} (git {a['meta']['git']})", f"B: {b['meta']['date']} (git {b['meta']['git']})", ""]
    moved, still = headline_moves(a, b, pairs)
    lines += [table(["metric", "backend", "A", "B", "change"], moved), ""]
    lines += [f"unchanged: {', '.join(still)}", ""] if still else []
    for x, y in pairs:
        moves = case_moves([r for r in a["rows"] if r["backend"] == x], [r for r in b["rows"] if r["backend"] == y])
        for group in GROUPS:
            lines.append(f"{group} ({x if x == y else f'{x} → {y}'}): {len(moves[group])}")
            lines += [_case_line(m) for m in moves[group]]
            lines.append("")
        only = {r["id"] for r in a["rows"]} ^ {r["id"] for r in b["rows"]}
        if only:
            lines.append(f"in one run only: {', '.join(sorted(only))}")
    return "\n".join(lines).rstrip() + "\n"


def _case_line(move: dict) -> str:
    changes = "; ".join(f"{label(m)} {fmt(x)} → {fmt(y)}" for m, (x, y) in move["changes"].items())
    text = f"  {move['id']} ({move['kind']}): {changes}"
    if move["before"] != move["after"]:
        text += f"\n      before: {_clip(move['before'])}\n      after:  {_clip(move['after'])}"
    return text


def _clip(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _signed(value):
    return None if value is None else (f"+{value}" if value > 0 else str(value))
