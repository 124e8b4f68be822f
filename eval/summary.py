"""Per-case rows -> the numbers of a report: means overall and by kind, refusal, latency.

Every function is pure; a summary is plain JSON-ready data, one per backend.
"""

from __future__ import annotations

from eval.metrics import percentile

# The metrics a report leads with, in order; each is a mean over the cases it applies to.
# `passed`: answered with every fact, or rightly refused: the one number a user would feel.
HEADLINE = (
    "passed", "recall@1", "recall@4", "recall@10", "mrr", "ndcg@10",
    "citation_recall", "citation_precision", "evidence_cited",
    "fact_recall", "all_facts", "token_f1", "premise_rejected",
    "refusal_precision", "refusal_recall", "refusal_accuracy", "fell_back",
)
LABELS = {
    "citation_recall": "citation recall", "citation_precision": "citation precision",
    "evidence_cited": "citations include evidence", "fact_recall": "fact recall",
    "all_facts": "all facts", "token_f1": "token F1", "premise_rejected": "false premise rejected",
    "refusal_precision": "refusal precision", "refusal_recall": "refusal recall",
    "refusal_accuracy": "refusal accuracy", "passed": "cases passed",
    "fell_back": "fell back to extractive",
}
_NOT_MEANS = {"evidence_score", "answerable", "refused"}


def summarise(rows: list[dict]) -> dict[str, dict]:
    """Backend -> its summary (see `summarise_backend`), in the order backends first appear."""
    backends = list(dict.fromkeys(r["backend"] for r in rows))
    return {b: summarise_backend([r for r in rows if r["backend"] == b]) for b in backends}


def summarise_backend(rows: list[dict]) -> dict:
    """`overall` and `by_kind` metric means, `counts` (cases behind each mean) and `latency_ms`."""
    overall, counts = means(rows)
    refusal = refusal_scores(rows)
    overall |= {k: v for k, v in refusal.items() if not k.startswith("n_")}
    counts |= {"refusal_precision": refusal["n_refused"], "refusal_recall": refusal["n_unanswerable"]}
    by_kind = {}
    for kind in sorted({r["kind"] for r in rows}):
        group = [r for r in rows if r["kind"] == kind]
        by_kind[kind] = {"n": len(group)} | means(group)[0]
    return {"cases": len(rows), "errors": sum("error" in r for r in rows), "overall": overall, "counts": counts,
            "by_kind": by_kind, "latency_ms": latency(rows)}


def means(rows: list[dict]) -> tuple[dict[str, float], dict[str, int]]:
    """Mean of every numeric metric over the rows that have it, and how many rows that was.

    >>> means([{"mrr": 1.0, "refused": True}, {"mrr": 0.5}, {"fact_recall": 0.0}])
    ({'mrr': 0.75, 'fact_recall': 0.0}, {'mrr': 2, 'fact_recall': 1})
    """
    keys = [k for k in dict.fromkeys(k for r in rows for k in r) if k not in _NOT_MEANS]
    keys = [k for k in keys if all(isinstance(r[k], float) for r in rows if k in r)]
    counts = {k: sum(k in r for r in rows) for k in keys}
    return {k: round(sum(r[k] for r in rows if k in r) / counts[k], 4) for k in keys}, counts


def refusal_scores(rows: list[dict]) -> dict:
    """Precision and recall of refusing, taking unanswerable cases as the ones to refuse.

    (Accuracy is the mean of the per-case `refusal_accuracy`.) Precision is None when nothing
    was refused.
    >>> refusal_scores([{"refused": True, "answerable": False}, {"refused": True, "answerable": True}])["refusal_precision"]
    0.5
    """
    refused = [r for r in rows if r["refused"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    hits = sum(not r["answerable"] for r in refused)
    return {
        "refusal_precision": round(hits / len(refused), 4) if refused else None,
        "refusal_recall": round(hits / len(unanswerable), 4) if unanswerable else None,
        "n_refused": len(refused),
        "n_unanswerable": len(unanswerable),
    }


def latency(rows: list[dict]) -> dict[str, dict[str, float]]:
    """Stage -> p50 and p95 milliseconds, over the answers that went through that stage."""
    stages: dict[str, list[float]] = {}
    for row in rows:
        for stage, ms in row.get("timings_ms", {}).items():
            stages.setdefault(stage, []).append(ms)
    return {s: {"p50": round(percentile(v, 50), 1), "p95": round(percentile(v, 95), 1), "n": len(v)} for s, v in stages.items()}


def label(metric: str) -> str:
    """How a metric is named in tables."""
    return LABELS.get(metric, metric)
