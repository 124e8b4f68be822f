"""The extractive backend: no language model, it quotes the sentences that best answer.

Every sentence it writes is a verbatim sentence of a retrieved passage, so its citations
are exact by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from assistant.cite import literal
from assistant.condense import condense
from assistant.evidence import ScoredSentence
from assistant.index import terms_of
from assistant.types import Passage

RELATIVE_FLOOR = 0.85  # a further sentence must score at least this share of the best one
MAX_OVERLAP = 0.6  # ...and must not repeat the words of a sentence already chosen


@dataclass
class ExtractiveBackend:
    max_sentences: int = 2
    name: str = "extractive"

    def stream(self, question: str, passages: list[Passage], evidence: list[ScoredSentence]) -> Iterator[str]:
        for sentence in choose(evidence, self.max_sentences):
            yield f"{literal(sentence.text)} [{sentence.passage + 1}] "

    def condense(self, question: str, history: list[dict]) -> str:
        """The rule-based standalone question (see `assistant.condense`)."""
        return condense(question, history)


def choose(evidence: list[ScoredSentence], limit: int) -> list[ScoredSentence]:
    """The best sentence, then close runners-up that add something new, best first."""
    if not evidence:
        return []
    picks = [evidence[0]]
    for candidate in evidence[1:]:
        if len(picks) >= limit or candidate.score < RELATIVE_FLOOR * evidence[0].score:
            break
        if all(_overlap(candidate.text, p.text) < MAX_OVERLAP for p in picks):
            picks.append(candidate)
    return picks


def _overlap(a: str, b: str) -> float:
    """Jaccard overlap of the two sentences' stemmed words."""
    x, y = set(terms_of(a)), set(terms_of(b))
    return len(x & y) / max(1, len(x | y))
