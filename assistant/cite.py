"""Citations are keys we issue and check: parse `[n]` markers, drop unknown ones, pin each
to the exact span of its passage, renumber in order of first use.

>>> split_cited("NATO formed in 1949 [1]. It grew【2】. Odd [9, 1]")
[('NATO formed in 1949.', (1,)), ('It grew.', (2,)), ('Odd', (9, 1))]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.index import terms_of
from assistant.sentences import sentence_spans
from assistant.types import Citation, Passage, Sentence

MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]|【\s*(\d+)\s*】")
_SENTENCE_END = re.compile(
    r"[.!?]+[\"”’)]*(?:\s*(?:\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]|【\s*\d+\s*】))*(?=\s+[^a-z]|\s*$)"
)


LITERAL = "\u2060"  # WORD JOINER: invisible, and it breaks the marker pattern


def literal(text: str) -> str:
    """Quote document text in a draft so that markers inside it stay text, not citations.

    >>> split_cited(literal("Founded by twelve countries [2].") + " [1]")
    [('Founded by twelve countries [2].', (1,))]
    """
    return re.sub(r"([\[【])(?=\s*\d)", "\\1" + LITERAL, text)


def split_cited(draft: str) -> list[tuple[str, tuple[int, ...]]]:
    """Sentences of a draft answer with the marker numbers each carries (markers removed)."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(draft):
        pieces.append(draft[start : match.end()])
        start = match.end()
    pieces.append(draft[start:])
    out = []
    for piece in pieces:
        ids = tuple(int(n) for group in MARKER.findall(piece) for n in re.split(r"[,;]", "".join(group)))
        text = re.sub(r"\s+([.!?,;:])", r"\1", re.sub(r"\s+", " ", MARKER.sub("", piece))).strip().replace(LITERAL, "")
        if text:
            out.append((text, ids))
    return out


@dataclass(frozen=True)
class Span:
    """Where a citation points: passage `passage` (0-based), absolute offsets in its source."""

    passage: int
    start: int
    end: int


def pin_span(sentence: str, passage: Passage, index: int) -> Span:
    """The passage sentence that `sentence` quotes, else the one sharing most of its words."""
    chunk = passage.chunk
    words = set(terms_of(sentence))

    def fit(span: tuple[int, int]) -> tuple[bool, int]:
        piece = chunk.text[span[0] : span[1]]
        return piece == sentence, len(words & set(terms_of(piece)))

    start, end = max(sentence_spans(chunk.text) or [(0, len(chunk.text))], key=fit)
    return Span(index, chunk.start + start, chunk.start + end)


def attach_citations(draft: str, passages: list[Passage]) -> tuple[list[Sentence], list[Citation]]:
    """Sentences with renumbered citation ids, and the citations they use (unknown ids dropped)."""
    spans: dict[tuple, int] = {}
    citations: list[Citation] = []
    sentences: list[Sentence] = []
    for text, numbers in split_cited(draft):
        ids: list[int] = []
        for n in dict.fromkeys(numbers):
            if not 1 <= n <= len(passages):
                continue
            span = pin_span(text, passages[n - 1], n - 1)
            key = (passages[n - 1].chunk.source, span.start, span.end)
            if key not in spans:
                spans[key] = len(citations) + 1
                citations.append(_citation(spans[key], passages[n - 1], span))
            ids.append(spans[key])
        sentences.append(Sentence(text=text, citations=tuple(dict.fromkeys(ids))))
    return sentences, citations


def render(sentences: list[Sentence]) -> str:
    """The answer text: each sentence followed by its markers, e.g. `... in 1949. [1][2]`."""
    return " ".join(s.text + ("".join(f" [{i}]" if k == 0 else f"[{i}]" for k, i in enumerate(s.citations))) for s in sentences)


def _citation(number: int, passage: Passage, span: Span) -> Citation:
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
    )
