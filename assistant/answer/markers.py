"""Citation markers in a draft: parse `[n]`, normalise them while streaming, keep document text literal.

Models write markers in many ways; all of these parse: `[1]`, `[1, 2]`, `[1][2]`, `【1】`,
`[Source 1]`, and markers split across streamed pieces (see `clean_stream`).

>>> split_cited("NATO formed in 1949 [1]. It grew【2】. Odd [9, 1]")
[('NATO formed in 1949.', (1,)), ('It grew.', (2,)), ('Odd', (9, 1))]
>>> split_cited("It was named after John M. Olin in 1988. [1]")
[('It was named after John M. Olin in 1988.', (1,))]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from assistant.core.text import ends_in_abbreviation

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
        if not MARKER.search(match.group()) and ends_in_abbreviation(draft[start : match.end()]):
            continue  # "John M. Olin", "e.g. Paris": one claim, unless a marker closes it
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
