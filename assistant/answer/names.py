"""Names a question asks about that no indexed passage contains.

"When did Finland and Sweden join NATO?" cannot be answered from documents that never mention
Finland or Sweden, however close the passages about NATO's enlargement score. When the missing
name is what the question is about (its first name, usually its subject), the question is
refused and the refusal says which names are missing (`assistant.app.refusal`). When it is a
detail ("Why did NATO lead the ISAF mission in Iraq?"), the question is answered from what the
documents do say, with a notice that they never mention it: the premise may be wrong.

A name is a capitalised phrase of the question (`assistant.answer.condense.entities`), split
at "and", "of", "for", "in" and "on"; it is missing when one of its words (stemmed as the keyword index stems them) occurs in
no chunk: documents that never say "Secretary" do not name a Secretary General. A single word that looks like a demonym or an adjective ("Russian", "Eurasian",
"Chinese"), or a compound ending in one ("Asia-Pacific", "Euro-Atlantic"), is never called
missing: the documents may name the place it comes from. Nor is a
word one slip away from one the documents hold ("Melborne" for Melbourne, "Phillipines",
"Obregon" for Obregón: `misspelling_of`): the question then means that name.

>>> class Keywords:  # a keyword index that knows these stems only
...     known = {"nato", "join", "russia"}
...     def terms(self, text): return [w.lower() for w in text.split()]
...     def document_frequency(self, term): return int(term in self.known)
...     def vocabulary(self): return sorted(self.known)
>>> unknown_names("When did Finland and Sweden join NATO?", Keywords())
['Finland', 'Sweden']
>>> unknown_names("Why did NATO fight Russian forces?", Keywords()), unknown_names("What is NATO?", Keywords())
([], [])
>>> unknown_names("Which Asia-Pacific states join NATO?", Keywords()), unknown_names("Did Guinea-Bissau join NATO?", Keywords())
([], ['Guinea-Bissau'])
>>> unknown_names("And then? (following up on: What did NATO join?)", Keywords())
[]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from assistant.answer.condense import JOINING, entities

_ADJECTIVE = re.compile(r"^[A-Z][a-z]+(?:an|ian|ean|ese|ish|ic|i)$")
# Capitalised only because a sentence starts there ("(following up on: What is…)")
_NOT_NAMES = frozenset("what when where which who whom whose why how does did do is are was were can could will would should "
                       "has have had may might must shall and or but if in on at for from to of by with about as according".split())


def about_unknown(question: str, missing: list[str]) -> bool:
    """True when the first name of `question`, usually its subject, is one of the `missing` ones;
    a first name that only owns the subject ("NATO's Secretary General") gives way to the next.

    >>> about_unknown("When did Finland and Sweden join NATO?", ["Finland", "Sweden"])
    True
    >>> about_unknown("Why did NATO lead the ISAF mission in Iraq?", ["Iraq"])
    False
    >>> about_unknown("Who is NATO's current Secretary General?", ["Secretary General"])
    True
    """
    names = [n for n in entities(question) if n.lower() not in _NOT_NAMES]
    if len(names) > 1 and re.search(rf"\b{re.escape(names[0])}['’]s\b", question):
        names = names[1:]
    return bool(names) and _parts(names[0])[0] in missing


def unknown_names(question: str, keyword) -> list[str]:
    """The names of `question` that no chunk of the index contains, in the question's order."""
    out = []
    for entity in entities(question):
        for name in _parts(entity):
            terms = keyword.terms(name)
            if not terms or _ADJECTIVE.match(name.split("-")[-1]) or name.lower() in _NOT_NAMES:  # "Russian"; "Asia-Pacific" as "Pacific"
                continue
            if any(keyword.document_frequency(t) == 0 and misspelling_of(t, keyword.vocabulary()) is None for t in terms):
                out.append(name)
    return list(dict.fromkeys(out))


SLIP = 0.85  # the least similarity (difflib's ratio) of a misspelling to the word it stands for
SHORTEST_SLIP = 5  # shorter words are left alone: "TX" is no slip of "TV"


def misspelling_of(term: str, vocabulary: Sequence[str]) -> str | None:
    """The known term that `term` is most likely a slip of, or None: the same but for accents, or one
    as long give or take a letter, with the same first letter, at least `SLIP` alike.

    >>> misspelling_of("melborn", ["melbourn", "airport"]), misspelling_of("obregon", ["obregón"])
    ('melbourn', 'obregón')
    >>> misspelling_of("finland", ["inland", "fine"]), misspelling_of("secretari", ["secretariat"])
    (None, None)
    """
    plain = _folded(term)
    unaccented, by_initial = _spellings(tuple(vocabulary))
    if plain in unaccented or len(plain) < SHORTEST_SLIP:
        return unaccented.get(plain)
    alike = [(SequenceMatcher(None, plain, folded).ratio(), known) for known, folded in by_initial.get(term[:1], ())
             if abs(len(known) - len(term)) <= 1]
    return next((known for ratio, known in sorted(alike, reverse=True) if ratio >= SLIP), None)


@lru_cache(maxsize=2)
def _spellings(vocabulary: tuple[str, ...]) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """The vocabulary folded once per index, not once per word asked about: each unaccented form
    to the first term that has it, and the (term, unaccented form) pairs by first letter."""
    unaccented: dict[str, str] = {}
    by_initial: dict[str, list[tuple[str, str]]] = {}
    for known in vocabulary:
        folded = _folded(known)
        unaccented.setdefault(folded, known)
        by_initial.setdefault(known[:1], []).append((known, folded))
    return unaccented, by_initial


def _folded(word: str) -> str:
    """`word` without accents: "obregón" -> "obregon"."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _parts(entity: str) -> list[str]:
    """The names an entity phrase joins ("the Partnership for Peace" -> Partnership, Peace), without "the"."""
    return [re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE) for name in JOINING.split(entity)]
