"""Sentence boundaries with exact offsets, shared by the chunker and the answer backends.

>>> text = "NATO was founded in 1949. It has 32 members.\\nIt grew."
>>> [text[s:e] for s, e in sentence_spans(text)]
['NATO was founded in 1949.', 'It has 32 members.', 'It grew.']
>>> text = "The school was named for George W. Brown, a St. Louis donor. It grew."
>>> [text[s:e] for s, e in sentence_spans(text)]
['The school was named for George W. Brown, a St. Louis donor.', 'It grew.']
"""

from __future__ import annotations

import re

# "e.g. The", "U.S. Army", "Dr. Smith", "St. Louis", "John M. Olin": a period that ends no sentence.
_ABBREVIATIONS = ("e.g", "i.e", "etc", "vs", "Mr", "Mrs", "Ms", "Dr", "St", "No", "Art", "U.S", "U.K", "E.U")
_NO_BREAK_BEFORE = re.compile(r"(?:\b(?:" + "|".join(map(re.escape, _ABBREVIATIONS)) + r")\.|\b[A-Z]\.)$")
# The same rule as fixed-width look-behinds, so that a splitter given only the boundary regex (the
# chunker's) keeps it too.
_NOT_AFTER_ABBREVIATION = "".join(rf"(?<!\b{re.escape(a)}\.)" for a in _ABBREVIATIONS) + r"(?<!\b[A-Z]\.)"
# Whitespace after ., ! or ? (optionally closing quotes/brackets), before a capital, digit or quote.
SENTENCE_BOUNDARY = r"(?:(?<=[.!?])|(?<=[.!?][\"”’)\]]))" + _NOT_AFTER_ABBREVIATION + r"\s+(?=[A-Z0-9\"“‘(])"
_BOUNDARY = re.compile(SENTENCE_BOUNDARY + r"|\n\s*")


def ends_in_abbreviation(text: str) -> bool:
    """True when `text` ends with an abbreviation or an initial, whose period ends no sentence.

    >>> ends_in_abbreviation("named after entrepreneur John M."), ends_in_abbreviation("It has 32 members.")
    (True, False)
    """
    return _NO_BREAK_BEFORE.search(text) is not None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, whitespace excluded, in order."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        if ends_in_abbreviation(text[start : match.start()]):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    return start + len(piece) - len(piece.lstrip()), end - (len(piece) - len(piece.rstrip()))
