"""Citations are keys we issue and check: drop unknown markers, pin each to the exact span
of its passage, renumber in order of first use (markers are parsed in `markers.py`)."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.core.prompts import UNSUPPORTED_MARK
from assistant.core.types import Citation, Passage, Sentence


@dataclass(frozen=True)
class Span:
    """Where a citation points: passage `passage` (0-based), absolute offsets in its source."""

    passage: int
    start: int
    end: int


@dataclass(frozen=True)
class Claim:
    """One answer sentence and the spans it rests on; `supported` is None when not verified."""

    text: str
    spans: tuple[Span, ...]
    supported: bool | None = None
    score: float | None = None


def number_citations(claims: list[Claim], passages: list[Passage]) -> tuple[list[Sentence], list[Citation]]:
    """Sentences and citations numbered in order of first use, one citation per distinct span.

    A citation is supported when a supported sentence rests on it (None when not verified).
    """
    numbers: dict[tuple, int] = {}
    used: list[tuple[Span, bool | None]] = []
    sentences = []
    for claim in claims:
        ids = []
        for span in claim.spans:
            key = (passages[span.passage].chunk.source, span.start, span.end)
            if key not in numbers:
                numbers[key] = len(used) + 1
                used.append((span, claim.supported))
            else:
                known, supported = used[numbers[key] - 1]
                used[numbers[key] - 1] = (known, claim.supported if supported is None else supported or bool(claim.supported))
            ids.append(numbers[key])
        sentences.append(Sentence(claim.text, tuple(dict.fromkeys(ids)), claim.supported, claim.score))
    citations = [_citation(n, passages[span.passage], span, supported) for n, (span, supported) in enumerate(used, start=1)]
    return sentences, citations


def render(sentences: list[Sentence]) -> str:
    """The answer text: each sentence followed by its markers, e.g. `... in 1949. [1][2]`.

    A sentence the verifier found unsupported shows a warning instead of markers.
    """
    return " ".join(s.text + (f" {UNSUPPORTED_MARK}" if s.supported is False else _markers(s.citations)) for s in sentences)


def _markers(ids: tuple[int, ...]) -> str:
    return "".join(f" [{i}]" if k == 0 else f"[{i}]" for k, i in enumerate(ids))


def _citation(number: int, passage: Passage, span: Span, supported: bool | None = None) -> Citation:
    chunk = passage.chunk
    offset = span.start - chunk.start
    return Citation(
        id=number,
        source=chunk.source,
        title=chunk.title,
        section=chunk.section,
        start=span.start,
        end=span.end,
        text=chunk.text[offset : offset + span.end - span.start],
        notice=chunk.notice,
        supported=supported,
    )
