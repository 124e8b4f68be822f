"""How well an answer is supported, in words a person reads at a glance.

The bands sit above the refusal threshold `t` (below it the assistant refuses), as shares of
the room left between `t` and 1, so they follow whichever signal and threshold decide refusal:

- "Weakly supported": under `t + 0.15 * (1 - t)` (0.38 to 0.47 with the default 0.38);
- "Partly supported": up to `t + 0.40 * (1 - t)` (0.47 to 0.63);
- "Well supported": from there on (0.63 and above).

>>> confidence(0.72, 0.38).label
'Well supported'
>>> confidence(0.55, 0.38).label
'Partly supported'
>>> confidence(0.42, 0.38).label
'Weakly supported'
>>> confidence(0.42, 0.38).detail
'evidence score 0.42; the assistant refuses below 0.38'

An overview (`Answer.overview`) quotes sentences chosen to cover whole documents, not evidence
ranked for a question, so it claims no support level: it is labelled "Overview of N documents".
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.core.types import Answer

WEAK_SHARE = 0.15  # of the room above the threshold: the first 15% is weak support
WELL_SHARE = 0.40  # from 40% of that room on, the support is good
LABELS = {"well": "Well supported", "partly": "Partly supported", "weakly": "Weakly supported"}
OVERVIEW_DETAIL = "sentences quoted from the documents to cover them, not ranked evidence for a question, so no evidence score applies"


@dataclass(frozen=True)
class Confidence:
    """A band of the evidence score (`level`: well, partly or weakly) and its label; or `level`
    overview with the number of `documents` covered."""

    level: str
    score: float
    threshold: float
    documents: int = 0

    @property
    def label(self) -> str:
        if self.level == "overview":
            return f"Overview of {self.documents} document{'' if self.documents == 1 else 's'}"
        return LABELS[self.level]

    @property
    def detail(self) -> str:
        """The number behind the label, for a tooltip or a CLI line."""
        if self.level == "overview":
            return OVERVIEW_DETAIL
        return f"evidence score {self.score:.2f}; the assistant refuses below {self.threshold:.2f}"


def confidence(score: float, threshold: float) -> Confidence:
    """The band of `score` above the refusal `threshold`."""
    room = max(1.0 - threshold, 1e-9)
    share = (score - threshold) / room
    level = "weakly" if share < WEAK_SHARE else "partly" if share < WELL_SHARE else "well"
    return Confidence(level, score, threshold)


def of_answer(answer: Answer, threshold: float) -> Confidence | None:
    """The confidence of an answer; None for a refusal (nothing is claimed)."""
    if answer.refused or not answer.sentences:
        return None
    if answer.overview:
        return Confidence("overview", 0.0, threshold, answer.overview)
    return confidence(answer.evidence_score, threshold)


def answer_json(answer: Answer, threshold: float) -> dict:
    """`Answer.to_dict()` plus `confidence`: the label, or None for a refusal."""
    shown = of_answer(answer, threshold)
    return answer.to_dict() | {"confidence": shown.label if shown else None}
