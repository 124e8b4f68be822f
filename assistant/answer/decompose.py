"""Split a question that asks two things into the questions it asks, each standing alone.

"When was NATO founded, and when did it first invoke Article 5?" asks for two facts that usually
sit in different passages. Retrieved and scored as one, the passages and sentences about its
first half crowd out the second, and the answer quotes one half only. Each part is retrieved and
scored on its own instead, and the answer quotes the best of each (`assistant.answer.pipeline`).

Three shapes of English coordination are split, by rule (no language model):
- two clauses, the second opening with a question word or an auxiliary ("…, and how does it…");
- one preposition repeated ("…within NATO and within the partnership?");
- two plural nouns before "of"/"for" ("the benefits and drawbacks of enlargement").
A later part that leans on the first ("it", "them") borrows its subject, as a follow-up does
(`assistant.answer.condense`). Anything else is one question.

>>> parts("When was NATO founded, and when did it first invoke Article 5?")
['When was NATO founded?', 'When did NATO first invoke Article 5?']
>>> parts("What challenges do the articles name within NATO and within the EU?")
['What challenges do the articles name within NATO?', 'What challenges do the articles name within the EU?']
>>> parts("What are the benefits and drawbacks of enlargement?")
['What are the benefits of enlargement?', 'What are the drawbacks of enlargement?']
>>> parts("What are hybrid threats, and how does NATO counter them?")
['What are hybrid threats?', 'How does NATO counter hybrid threats?']
>>> parts("What was NATO's original purpose, and how did its mission change?")  # "its": the owner's
["What was NATO's original purpose?", 'How did NATO’s mission change?']
>>> parts("What is NATO's budget, and how is it spent?")  # "it": what the first part asks about
["What is NATO's budget?", "How is NATO's budget spent?"]
>>> parts("How many troops took part, and in what year was the exercise held?")
['How many troops took part?', 'In what year was the exercise held?']
>>> parts("What do NATO and the EU agree on?")
['What do NATO and the EU agree on?']
"""

from __future__ import annotations

import re

from assistant.answer.condense import PRONOUN, condense, with_owner

MAX_PARTS = 3

_CLAUSE = re.compile(
    r",?\s+and\s+(?:(?=(?:(?:in|on|at|for|by|with|from|to)\s+)?(?:what|when|where|which|who|whom|whose|why|how)\b)"
    r"|(?=(?:did|does|do|is|are|was|were|has|have|can|could|will|would)\b)|(?=about\b))",
    re.IGNORECASE,
)
_PREPOSITIONS = "for|within|in|on|about|to|with|from|between|among|by|inside|outside|across"
_REPEATED = re.compile(rf"\b(?:both\s+)?({_PREPOSITIONS})\s+([^,;]+?)\s+and\s+\1\s+([^,;]+)$", re.IGNORECASE)
_DEFINES = re.compile(r"^(?:what|who)\s+(?:is|are|was|were)\s+((?:the\s+|an?\s+)?[\w’'-]+(?:\s+[\w’'-]+){0,3})\?$", re.IGNORECASE)
_POINTS_BACK = re.compile(r"\b(each|this|that|these|those|there|then|both)\b", re.IGNORECASE)
_OWNER = re.compile(r"^(?:the\s+)?([\w’'-]+(?:\s+[\w’'-]+)?)['’]s\s")  # "NATO's original purpose" -> NATO
_NOUN_PAIR = re.compile(r"\bthe\s+([a-z]+s)\s+and\s+([a-z]+s)\s+(of|for)\s+(.+)$", re.IGNORECASE)


def parts(question: str) -> list[str]:
    """The questions `question` asks, each standing alone; `[question]` when it asks one thing."""
    question = question.strip()
    for split in (_clauses, _repeated_preposition, _noun_pair):
        found = split(question)
        if 1 < len(found) <= MAX_PARTS:
            return found
    return [question]


def _clauses(question: str) -> list[str]:
    """"Q1, and Q2" -> [Q1, Q2], Q2 completed from Q1 when it leans on it; "…about X and about Y"
    -> two questions with the same head."""
    pieces = [p.strip(" ,") for p in _CLAUSE.split(question) if p.strip(" ,")]
    if len(pieces) < 2 or any(len(p.rstrip("?").split()) < 2 for p in pieces):  # "…, and why?" asks no new question
        return [question]
    first = _ask(pieces[0])
    out = [first]
    for piece in pieces[1:]:
        if piece.lower().startswith("about "):  # "say about X and about Y": the head is the first part's
            head = re.match(r"(.*?\babout)\s", pieces[0], re.IGNORECASE)
            if not head:
                return [question]
            piece = f"{head.group(1)} {piece[len('about '):]}"
        out.append(_ask(_completed(_ask(piece), first)))
    return out


def _completed(part: str, first: str) -> str:
    """`part` standing alone: a pronoun that points to what the first part defines ("What are
    hybrid threats, and how does NATO counter them?") is replaced by it; else as a follow-up."""
    pronoun = PRONOUN.search(part)
    if not pronoun and not _POINTS_BACK.search(part):
        return part
    defined = _DEFINES.match(first)
    if defined and pronoun:
        entity = defined.group(1)
        owner = _OWNER.match(entity)
        if owner and pronoun.group(0).lower() in ("its", "their"):  # "What was NATO's purpose, and how did its mission…": NATO's mission
            entity = owner.group(1)
        return part[: pronoun.start()] + with_owner(pronoun.group(0), entity) + part[pronoun.end() :]
    return condense(part, [{"role": "user", "content": first}])


def _repeated_preposition(question: str) -> list[str]:
    """"Head within A and within B?" -> ["Head within A?", "Head within B?"]."""
    match = _REPEATED.search(question)
    if not match:
        return [question]
    head = question[: match.start()].rstrip()
    preposition, first, second = match.group(1), match.group(2), match.group(3)
    return [_ask(f"{head} {preposition} {first}"), _ask(f"{head} {preposition} {second}")]


def _noun_pair(question: str) -> list[str]:
    """"What are the A and B of X?" -> ["What are the A of X?", "What are the B of X?"]."""
    match = _NOUN_PAIR.search(question)
    if not match:
        return [question]
    head = question[: match.start()]
    one, two, link, rest = match.groups()
    return [_ask(f"{head}the {noun} {link} {rest}") for noun in (one, two)]


def _ask(text: str) -> str:
    """`text` as a question: capitalised, ending in one question mark."""
    text = text.strip().rstrip("?").rstrip(" ,")
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith(")") else "?")
