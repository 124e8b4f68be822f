"""Sentence boundaries with exact offsets, shared by the chunker and the answer backends.

>>> text = "NATO was founded in 1949. It has 32 members.\\nIt grew."
>>> [text[s:e] for s, e in sentence_spans(text)]
['NATO was founded in 1949.', 'It has 32 members.', 'It grew.']
"""

from __future__ import annotations

import re

# Whitespace after ., ! or ? (optionally closing quotes/brackets), before a capital, digit or quote.
SENTENCE_BOUNDARY = r"(?:(?<=[.!?])|(?<=[.!?][\"”’)\]]))\s+(?=[A-Z0-9\"“‘(])"
_BOUNDARY = re.compile(SENTENCE_BOUNDARY + r"|\n\s*")
# "e.g. The", "U.S. Army", "Dr. Smith": a boundary regex alone would cut these.
_NO_BREAK_BEFORE = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|Mr|Mrs|Ms|Dr|St|No|Art|U\.S|U\.K|E\.U)\.|\b[A-Z]\.)$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, whitespace excluded, in order."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        if _NO_BREAK_BEFORE.search(text[start : match.start()]):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    return start + len(piece) - len(piece.lstrip()), end - (len(piece) - len(piece.rstrip()))
