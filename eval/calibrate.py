"""The refusal threshold, chosen from data: refusal accuracy, precision and recall vs threshold.

The pipeline refuses when the best evidence score of a question is below
`settings.refusal_threshold`. Run once with the threshold at 0 so every case is answered and
scored; then each threshold's refusals follow from the scores alone. The best threshold
maximises the accuracy of the decision (refuse exactly the unanswerable cases); among equally
accurate ones it refuses the most unanswerable questions, since a confident wrong answer
costs a user more than a refusal.
"""

from __future__ import annotations

from typing import NamedTuple

THRESHOLDS = tuple(round(i * 0.01, 2) for i in range(101))


class Point(NamedTuple):
    score: float  # the answer's `evidence_score`
    answerable: bool
    forced: bool = False  # refused whatever the threshold (no citable sentence)


def points(rows: list[dict], threshold: float) -> list[Point]:
    """Curve points from eval rows scored at `threshold` (a refusal at or above it was forced)."""
    return [Point(r["evidence_score"], r["answerable"], r["refused"] and r["evidence_score"] >= threshold) for r in rows]


def threshold_curve(cases: list[Point], thresholds: tuple[float, ...] = THRESHOLDS) -> list[dict]:
    """Refusal accuracy, precision and recall at each threshold (precision None when none refused).

    >>> curve = threshold_curve([Point(0.2, False), Point(0.5, True), Point(0.3, True)], (0.25, 0.4))
    >>> [(c["threshold"], c["accuracy"], c["precision"], c["recall"]) for c in curve]
    [(0.25, 1.0, 1.0, 1.0), (0.4, 0.6667, 0.5, 1.0)]
    """
    unanswerable = sum(not c.answerable for c in cases)
    curve = []
    for t in thresholds:
        refused = [c.forced or c.score < t for c in cases]
        hits = sum(r and not c.answerable for r, c in zip(refused, cases))
        curve.append({
            "threshold": t,
            "accuracy": round(sum(r != c.answerable for r, c in zip(refused, cases)) / len(cases), 4),
            "precision": round(hits / sum(refused), 4) if any(refused) else None,
            "recall": round(hits / unanswerable, 4) if unanswerable else None,
            "refused": sum(refused),
        })
    return curve


def best_threshold(curve: list[dict]) -> dict:
    """The most accurate point of the curve; ties go to the higher recall, then the higher threshold.

    >>> best_threshold([{"threshold": 0.3, "accuracy": 0.9, "recall": 0.5},
    ...                 {"threshold": 0.4, "accuracy": 0.9, "recall": 0.6},
    ...                 {"threshold": 0.5, "accuracy": 0.8, "recall": 0.9}])["threshold"]
    0.4
    """
    return max(curve, key=lambda c: (c["accuracy"], c["recall"] or 0.0, c["threshold"]))


def describe(curve: list[dict], current: float, around: int = 5) -> str:
    """The best threshold, the current one, and the curve near the best as a table."""
    from eval.tables import table

    best = best_threshold(curve)
    at = next(i for i, c in enumerate(curve) if c is best)
    rows = [[f"{c['threshold']:.2f}", c["accuracy"], c["precision"], c["recall"], c["refused"]] for c in curve[max(0, at - around) : at + around + 1]]
    now = min(curve, key=lambda c: abs(c["threshold"] - current))
    verdict = "matches the setting" if abs(best["threshold"] - current) < 1e-9 else f"differs from the setting ({current})"
    return "\n".join([
        f"best refusal threshold: {best['threshold']} (accuracy {best['accuracy']}, refuses {best['refused']}) — {verdict}",
        f"current setting {current}: accuracy {now['accuracy']}, precision {now['precision']}, recall {now['recall']}",
        "", table(["threshold", "accuracy", "precision", "recall", "refused"], rows),
    ])
