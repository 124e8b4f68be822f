"""The extractive backend: no language model, it quotes the sentences that best answer.

Every sentence it writes is a verbatim sentence of a retrieved passage, so its citations
are exact by construction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.answer import decompose
from assistant.answer.answer_type import DATE, NAMED_PLACE, NUMBER, TYPED_FLOOR, expected_type, holds
from assistant.answer.condense import condense
from assistant.answer.evidence import ScoredSentence, next_sentence, previous_sentence
from assistant.answer.guard import addresses_assistant
from assistant.answer.markers import literal
from assistant.core.types import Passage
from assistant.index.keyword import terms_of

# A further sentence must score at least this share of the best one (settings.runner_up_floor). On 600
# held-out SQuAD train questions (`python -m eval runner-up`), the runner-ups quoted down to 0.75 of the
# best hold the answer about one time in five (the answer quoted 0.848 at 0.85, 0.867 at 0.75); the
# further ones below it, 8 of 126 down to 0.5.
RELATIVE_FLOOR = 0.75
# "How do the articles describe…", "…across the documents": the best sentence of each document
# that scores at least this share of the best one, up to ACROSS_DOCUMENTS of them.
ACROSS = re.compile(r"(?<!according to )\bthe (?:different |various |several |other )?(?:articles|documents|sources)\b|\bacross (?:the )?(?:articles|documents|sources)\b", re.IGNORECASE)
ACROSS_FLOOR, ACROSS_DOCUMENTS = 0.5, 3
MAX_OVERLAP = 0.6  # ...and must not repeat the words of a sentence already chosen
# "When…", "How many…": when the best sentence holds no expression of the type asked for, the best
# one that does leads the answer, if it scores at least TYPED_FLOOR of the best.
# Only for the types whose expressions tell answer sentences from the others: on 5,000 SQuAD train
# questions, a date is in 93% of the gold sentences of date questions and 37% of the paragraph's
# other sentences, a number in 97% and 57%; a name in 95% and 86% (who), 91% and 85% (where). On the
# 109 held-out ones asking which city or country, a named place is in 93% and 49%.
TYPED_KINDS = frozenset({DATE, NUMBER, NAMED_PLACE})
# The kinds of subject these articles name, as "The alliance…" points back at one.
SUBJECT_KINDS = "alliance|organi[sz]ation|agreement|treaty|initiative|policy|union|bloc|programme|program|mission|operation|framework|partnership|strategy|pact|council"
# A sentence that opens by pointing back ("This agreement…", "It…", "As a result,…") is quoted
# after the sentence it points to, so the answer reads on its own.
LEANS_BACK = re.compile(
    r"^(?:(?:This|That|These|Those|Such|It|Its|They|Their|Them|He|She|His|Her)\b"
    rf"|The (?:former|latter|{SUBJECT_KINDS}|group|move|decision|body|war|law|act|plan|project|process|approach|effort|measure)\b"
    r"|(?:As a result|In response|In turn|However|Therefore|Thus|Consequently|Additionally|Moreover|Furthermore|In addition|Subsequently|Nevertheless|Instead|Similarly|Likewise)\b)"
)

# A next sentence that carries on by pointing back at what was just named (a demonstrative: "This
# agreement allowed…", "This led to…"; a pronoun: "It promotes…"; or the subject's kind: "The alliance
# responded…") is quoted after the sentence it continues: it says what that sentence's subject
# did or allowed, which is what questions about it ask. So is one that spells it out with examples
# ("NATO invests in its hardware." + "Key areas include satellite communication…"; "Notable
# examples are…", "For instance, …"): a general claim's instances are what "which…?" asks for.
# A connective ("However, …") turns elsewhere and does not count.
POINTS_BACK = r"(?:This|These|Such|It|They)\b"
NAMES_ITS_KIND = rf"The (?:{SUBJECT_KINDS})\b"
_INSTANCES = r"(?:examples?|instances?|cases?|areas?|elements?|components?|measures?|steps?|priorities|forms?|types?|kinds?|tools?)"
CARRIES_ON = re.compile(
    rf"^(?:{POINTS_BACK}"
    rf"|{NAMES_ITS_KIND}"
    rf"|(?:[A-Z]\w+ )?{_INSTANCES} (?:include|includes|are|is|involve|involves|range)\b"
    rf"|(?:Examples?|Instances?|Cases?) (?:of \w+ )?(?:include|are)\b"
    r"|(?:For (?:example|instance)|Among (?:them|these|others)|In particular|Notably|Specifically),)",
    re.IGNORECASE,
)


@dataclass
class ExtractiveBackend:
    max_sentences: int = 3  # settings.answer_sentences
    name: str = "extractive"
    type_check: bool = True  # a sentence holding the type of answer asked for leads (`typed_lead`)
    floor: float = RELATIVE_FLOOR  # a runner-up is quoted when it scores at least this share of the best

    def stream(self, question: str, passages: list[Passage], evidence: list[ScoredSentence]) -> Iterator[str]:
        """The chosen sentences, each after the one it leans on; for a compound question, the
        choice is made for each part (`ScoredSentence.part`) in turn."""
        quoted: set[str] = set()
        chosen: list[ScoredSentence] = []
        across = bool(ACROSS.search(question))
        asked = decompose.parts(question)  # what each part was scored for, as the pipeline split it
        for part in sorted({x.part for x in evidence}):  # each part's best that the answer does not hold yet
            held = {c.text for c in chosen}
            candidates = [x for x in evidence if x.part == part and x.text not in held]
            typed = (asked[part] if part < len(asked) else question) if self.type_check else ""
            chosen += choose_across(candidates, passages) if across else choose(candidates, self.max_sentences, typed, self.floor)
        for sentence in chosen:
            for text in (antecedent(sentence, passages), sentence.text, continuation(sentence, passages)):
                if text and text not in quoted:
                    quoted.add(text)
                    yield f"{literal(text)} [{sentence.passage + 1}] "

    def condense(self, question: str, history: list[dict]) -> str:
        """The rule-based standalone question (see `assistant.answer.condense`)."""
        return condense(question, history)


def choose(evidence: list[ScoredSentence], limit: int, question: str = "", floor: float = RELATIVE_FLOOR) -> list[ScoredSentence]:
    """The best sentence, then close runners-up (scoring at least `floor` of it) that add something
    new, best first; with the `question`, the lead is the best sentence holding the type of answer it
    asks for (`typed_lead`)."""
    if not evidence:
        return []
    picks = [typed_lead(evidence, question) if question else evidence[0]]
    for candidate in evidence:
        if len(picks) >= limit or candidate.score < floor * evidence[0].score:
            break
        if candidate is not picks[0] and all(_overlap(candidate.text, p.text) < MAX_OVERLAP for p in picks):
            picks.append(candidate)
    return picks


def typed_lead(evidence: list[ScoredSentence], question: str) -> ScoredSentence:
    """The best sentence, unless the question asks for a date or a number (`TYPED_KINDS`,
    `assistant.answer.answer_type`) that it does not hold and a sentence scoring at least
    `TYPED_FLOOR` of it does: then the best of those. "When was NATO founded?" is answered by
    "The treaty was signed on 4 April 1949.", not by "NATO was founded as a defensive alliance."."""
    kind = expected_type(question)
    best = evidence[0]
    if kind not in TYPED_KINDS or holds(kind, best.text, question):
        return best
    typed = (x for x in evidence[1:] if x.score >= TYPED_FLOOR * best.score and holds(kind, x.text, question))
    return next(typed, best)


def choose_across(evidence: list[ScoredSentence], passages: list[Passage]) -> list[ScoredSentence]:
    """The best sentence of each document, best first, for a question about what the documents
    say: those scoring at least `ACROSS_FLOOR` of the best one, from `ACROSS_DOCUMENTS` at most."""
    picks: dict[str, ScoredSentence] = {}
    for candidate in evidence:
        source = passages[candidate.passage].chunk.source
        if len(picks) >= ACROSS_DOCUMENTS or candidate.score < ACROSS_FLOOR * evidence[0].score:
            break
        picks.setdefault(source, candidate)
    return list(picks.values())


def antecedent(sentence: ScoredSentence, passages: list[Passage]) -> str:
    """The sentence before `sentence` in its passage when `sentence` leans on it, else ""."""
    if not LEANS_BACK.match(sentence.text):
        return ""
    before = previous_sentence(passages[sentence.passage], sentence.start)
    return "" if addresses_assistant(before) else before  # never quote an injection


def continuation(sentence: ScoredSentence, passages: list[Passage]) -> str:
    """The sentence after `sentence` in its passage when it carries on from it ("This agreement
    allowed…", "This led to…"), else "": the answer to a question is often there, after the
    sentence that names what the question names."""
    after = next_sentence(passages[sentence.passage], sentence.end)
    return after if CARRIES_ON.match(after) and not addresses_assistant(after) else ""


def _overlap(a: str, b: str) -> float:
    """Jaccard overlap of the two sentences' stemmed words."""
    x, y = set(terms_of(a)), set(terms_of(b))
    return len(x & y) / max(1, len(x | y))
