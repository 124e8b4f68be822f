"""Citations are keys we issue and check: parse `[n]` markers, drop unknown ones, pin each
to the exact span of its passage, renumber in order of first use.

Models write markers in many ways; all of these parse: `[1]`, `[1, 2]`, `[1][2]`, `【1】`,
`[Source 1]`, and markers split across streamed pieces (see `clean_stream`).

>>> split_cited("NATO formed in 1949 [1]. It grew【2】. Odd [9, 1]")
[('NATO formed in 1949.', (1,)), ('It grew.', (2,)), ('Odd', (9, 1))]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator

from assistant.index import terms_of
from assistant.prompts import UNSUPPORTED_MARK
from assistant.sentences import sentence_spans
from assistant.types import Citation, Passage, Sentence

_IDS = r"(?:(?i:source|doc(?:ument)?)\s*)?(\d+(?:\s*[,;]\s*\d+)*)"
MARKER = re.compile(rf"\[\s*{_IDS}\s*\]|【\s*{_IDS}\s*】")
_SENTENCE_END = re.compile(
    rf"[.!?]+[\"”’)]*(?:\s*(?:{MARKER.pattern}))*(?=\s+[^a-z]|\s*$)"
)
# The tail of a streamed buffer that may be the start of a marker still being written.
_OPEN_MARKER = re.compile(r"(?:\[|【)\s*(?:s(?:o(?:u(?:r(?:c(?:e)?)?)?)?)?\s*)?(?:\d+(?:\s*[,;]\s*\d*)*)?\s*$", re.IGNORECASE)
MAX_MARKER_CHARS = 40  # a longer bracketed tail is text, not a marker being written


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
        ids = tuple(n for marker in MARKER.finditer(piece) for n in marker_ids(marker))
        text = re.sub(r"\s+([.!?,;:])", r"\1", re.sub(r"\s+", " ", MARKER.sub("", piece))).strip().replace(LITERAL, "")
        if text:
            out.append((text, ids))
    return out


def marker_ids(marker: re.Match) -> tuple[int, ...]:
    """The numbers of one matched marker, e.g. `[1, 2]` -> (1, 2)."""
    return tuple(int(n) for n in re.split(r"[,;]", "".join(g or "" for g in marker.groups())))


def clean_stream(pieces: Iterable[str], known: int) -> Iterator[str]:
    """Streamed draft pieces with every marker written `[n]` and ids outside 1..known dropped.

    A piece ending inside a marker is held back until the marker is complete:

    >>> list(clean_stream(["Set up in 1949 [", "1", "][7", "]. It grew【2", "】."], 2))
    ['Set up in 1949 ', '[1]', '. It grew', '[2].']
    """
    held = ""
    for piece in pieces:
        held += piece
        tail = _OPEN_MARKER.search(held)
        cut = tail.start() if tail and len(held) - tail.start() <= MAX_MARKER_CHARS else len(held)
        ready, held = held[:cut], held[cut:]
        if ready:
            yield normalise_markers(ready, known)
    if held:
        yield normalise_markers(held, known)


def normalise_markers(text: str, known: int) -> str:
    """Markers rewritten as `[n][m]`, unknown ids dropped.

    >>> normalise_markers("a [1, 9] b 【2】 c [Source 3]", 2)
    'a [1] b [2] c '
    """
    return MARKER.sub(lambda m: "".join(f"[{n}]" for n in dict.fromkeys(marker_ids(m)) if 1 <= n <= known), text)


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


@dataclass(frozen=True)
class Claim:
    """One answer sentence and the spans it rests on; `supported` is None when not verified."""

    text: str
    spans: tuple[Span, ...]
    supported: bool | None = None
    score: float | None = None


def attach_citations(draft: str, passages: list[Passage]) -> tuple[list[Sentence], list[Citation]]:
    """Sentences with renumbered citation ids, and the citations they use (unknown ids dropped)."""
    claims = [
        Claim(text, tuple(pin_span(text, passages[n - 1], n - 1) for n in dict.fromkeys(numbers) if 1 <= n <= len(passages)))
        for text, numbers in split_cited(draft)
    ]
    return number_citations(claims, passages)


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
