"""Turn a follow-up question into one that stands alone, using the conversation so far.

Without a language model, a question that leans on the history (a pronoun, "what about",
or too few words of its own) borrows the subject of the previous user question; one that
only points back ("that mission") also borrows the names the previous answer added; one
that says what it asks in words of its own borrows only the conversation's names.

>>> condense("When was it founded?", [{"role": "user", "content": "What is NATO?"}])
'When was NATO founded?'
>>> condense("And the challenges?", [{"role": "user", "content": "How do allies view cyber defense?"}])
'And the challenges? (following up on: How do allies view cyber defense?)'
>>> condense("What about the EU's?", [{"role": "user", "content": "What are NATO's core strategic pillars?"}])
"What are the EU's core strategic pillars?"
>>> condense("What did that mission do there?", [{"role": "user", "content": "Which force did NATO lead in Afghanistan?"},
...                                               {"role": "assistant", "content": "NATO led ISAF in Afghanistan. [1]"}])
'What did that mission do there? (following up on: Which force did NATO lead in Afghanistan? ISAF)'
>>> condense("And why does enlargement cause friction?", [{"role": "user", "content": "What is NATO?"}, {"role": "user", "content": "Can you say more?"}])
'And why does enlargement cause friction? (following up on: NATO)'
>>> condense("What is NATO?", [])
'What is NATO?'
"""

from __future__ import annotations

import re

from assistant.answer.markers import MARKER
from assistant.core.prompts import REFUSAL
from assistant.core.text import sentence_spans

_DEPENDENT = re.compile(
    r"\b(it|its|they|them|their|theirs|this|that|these|those|he|she|him|her|his|there|then|former|latter|same|such)\b"
    r"|^\s*(and|also|what about|how about|how so)\b",
    re.IGNORECASE,
)
_CONTENT_WORD = re.compile(r"[A-Za-z][\w’'-]{3,}")
_QUESTION_WORDS = {"what", "when", "where", "which", "who", "whom", "whose", "why", "how", "does", "did", "were", "was", "is", "are", "about", "also", "tell", "more"}
MIN_OWN_WORDS = 2
FULL_QUESTION_WORDS = 3  # a follow-up with this many words of its own says what it asks; it needs only the subject
MAX_NAMES = 2  # borrowed from the conversation: its subject, or what the previous answer named


def own_words(question: str) -> list[str]:
    """The words that carry the question's own content: not question words, not words pointing back."""
    return [w for w in _CONTENT_WORD.findall(question) if w.lower() not in _QUESTION_WORDS and not _DEPENDENT.fullmatch(w)]


def needs_history(question: str) -> bool:
    """True when the question cannot be understood without the conversation."""
    return bool(_DEPENDENT.search(question)) or len(own_words(question)) < MIN_OWN_WORDS


def condense(question: str, history: list[dict]) -> str:
    """The standalone question: unchanged, or the follow-up plus the topic it continues."""
    question = question.strip()
    previous = [m["content"].strip() for m in history if m.get("role") == "user" and m.get("content", "").strip()]
    if not previous or not needs_history(question):
        return question
    topic = _topic(previous)
    asked_instead = instead(question, topic)
    if asked_instead:
        return asked_instead
    pronoun = PRONOUN.search(question)
    if pronoun and (stands_for := referent(pronoun.group(0), topic)):
        return PRONOUN.sub(lambda m: with_owner(m.group(0), stands_for), question, count=1)
    if not pronoun and len(own_words(question)) >= FULL_QUESTION_WORDS:
        subject = next(filter(None, map(entities, reversed(previous))), [])
        if subject:
            return f"{question} (following up on: {', '.join(subject[:MAX_NAMES])})"
    added = ", ".join(answer_names(_last_answer(history), topic)) if not pronoun else ""
    return f"{question} (following up on: {topic}{' ' + added if added else ''})"


def referent(pronoun: str, topic: str) -> str:
    """What `pronoun` stands for in `topic`: its subject (its first name), two names for "they", or
    else the plural noun a "Which…" question asked about; "" when none is likely.

    >>> referent("it", "What is NATO?"), referent("they", "Why does the EU rely on NATO?"), referent("they", "What is NATO?")
    ('NATO', 'the EU and NATO', '')
    """
    names = entities(topic)
    if pronoun.lower() not in _PLURAL:
        return names[0] if names else ""
    return " and ".join(names[:2]) if len(names) > 1 else plural_subject(topic)  # one name is likely not the referent of "they"


PRONOUN = re.compile(r"\b(its|it|their|they|them)\b", re.IGNORECASE)
_PLURAL = {"their", "they", "them"}
_ENTITY = re.compile(r"(?:\bthe\s+)?(?:[A-Z][\w’'-]*(?:\s+(?:of|for|and|the|on|in)\s+|\s+)?)*[A-Z][\w’'-]*(?:\s+\d+\b)?")
_POSSESSIVE = re.compile(r"['’]s$")


def entities(question: str) -> list[str]:
    """The capitalised names of `question` in order, without a trailing possessive (its first
    word only when an acronym); the first is usually its subject.

    >>> entities("What role does the OSCE play in European security?")
    ['the OSCE', 'European']
    >>> entities("How did NATO respond to Russia's annexation of Crimea?"), entities("What does Article 5 say?")
    (['NATO', 'Russia', 'Crimea'], ['Article 5'])
    """
    words = question.split(maxsplit=1)
    body = words[1] if len(words) > 1 and not words[0].isupper() else question
    names = [_POSSESSIVE.sub("", m.group(0).strip()) for m in _ENTITY.finditer(body)]
    return list(dict.fromkeys(n for n in names if n and n.lower() != "the"))


# "What about X?", "And how about X?", or "And X?" with X a few words that ask nothing themselves.
_WHAT_ABOUT = re.compile(
    r"^\s*(?:(?:and\s+)?(?:what|how)\s+about|and(?!\s+(?:what|when|where|which|who|whom|whose|why|how|is|are|was|were|do|does|did|can|could|has|have|had|will|would|should)\b))"
    r"\s+(?P<other>[^?\s][^?]*?)\s*\??\s*$",
    re.IGNORECASE,
)
MAX_INSTEAD_WORDS = 5


def instead(question: str, topic: str) -> str:
    """"What about X?" (or "And X?") asks the previous question again of X: the topic with its subject (its
    first name) replaced by X, a possessive kept as the topic had it; "" when the follow-up is not
    of that shape, X names nothing, or the topic has no name to replace.

    >>> instead("And what about the EU?", "When was NATO founded?"), instead("How about Russia's?", "What is NATO's main goal?")
    ('When was the EU founded?', "What is Russia's main goal?")
    >>> instead("And the EU?", "What role does NATO play in crisis management?")
    'What role does the EU play in crisis management?'
    >>> [instead(q, "What is NATO?") for q in ("What about the challenges?", "When was it founded?", "And when did NATO intervene?")]
    ['', '', '']
    """
    match = _WHAT_ABOUT.match(question)
    names = entities(topic)
    if not match or not names or not entities(match.group("other")) or len(match.group("other").split()) > MAX_INSTEAD_WORDS:
        return ""
    other = _POSSESSIVE.sub("", match.group("other").strip())
    subject = re.compile(rf"(?<!\w){re.escape(names[0])}(?P<owner>['’]s)?(?!\w)")
    return subject.sub(lambda m: other + (m.group("owner") or ""), topic, count=1)


def with_owner(pronoun: str, entity: str) -> str:
    """What replaces `pronoun`: `entity`, or its possessive for "its"/"their"."""
    return f"{entity}’s" if pronoun.lower() in ("its", "their") else entity


# "Which international norms guide…?": what the question asks about is its first words after the wh-word,
# up to a plural noun, when no verb comes between.
_PLURAL_SUBJECT = re.compile(r"^\s*(?:which|what)\s+(?P<subject>(?:[a-z][\w-]*\s+){0,2}?[a-z][\w-]*[^s\W]s)\b(?!\s*\?)", re.IGNORECASE)


def plural_subject(question: str) -> str:
    """The plural noun phrase a "Which…"/"What…" question asks about, or "".

    >>> plural_subject("Which international norms guide security alliances?"), plural_subject("What challenges does NATO face?")
    ('international norms', 'challenges')
    >>> plural_subject("What are NATO's core strategic pillars?"), plural_subject("What does NATO do?")
    ('', '')
    """
    match = _PLURAL_SUBJECT.match(question)
    if not match or any(re.fullmatch(_VERB_OR_POINTER, w, re.IGNORECASE) for w in match.group("subject").split()):
        return ""
    return match.group("subject")


_VERB_OR_POINTER = r"is|are|was|were|does|do|did|has|have|had|can|could|will|would|should|its|this|these|those"  # no part of the noun phrase


def answer_names(answer: str, topic: str) -> list[str]:
    """The names the first sentence of the previous answer adds to its question (at most two).

    >>> answer_names("NATO led ISAF, the International Security Assistance Force, in Afghanistan. [1]", "Which force did NATO lead in Afghanistan?")
    ['ISAF', 'the International Security Assistance Force']
    >>> answer_names("It is NATO's Partnership for Peace in Europe. It began in 1994.", "Which programme does NATO run for Europe?")
    ["NATO's Partnership for Peace"]
    """
    text = MARKER.sub("", answer).strip()
    if not text or answer.strip() == REFUSAL:
        return []
    start, end = sentence_spans(text)[0]
    new = [_without(n, topic) for n in entities(text[start:end])]
    return [n for n in new if n and not _names(n, topic)][:MAX_NAMES]


def _without(name: str, topic: str) -> str:
    """`name` less the names at its ends that `topic` holds: "ISAF in Afghanistan" after Afghanistan is "ISAF"."""
    parts = re.split(f"({JOINING.pattern})", name)  # names and the words joining them, alternately
    while parts and _names(parts[0], topic):
        parts = parts[2:]
    while parts and _names(parts[-1], topic):
        parts = parts[:-2]
    return "".join(parts)


# The words that join names into one entity phrase ("ISAF in Afghanistan", "Partnership for Peace").
JOINING = re.compile(r"\s+(?:and|of|for|in|on)\s+")


def _names(name: str, text: str) -> bool:
    """True when `text` holds `name` (without a leading "the") as words."""
    return bool(re.search(rf"(?<!\w){re.escape(name.removeprefix('the '))}(?!\w)", text, re.IGNORECASE))


def _last_answer(history: list[dict]) -> str:
    """The latest assistant message of the conversation, or ""."""
    return next((m.get("content", "") for m in reversed(history) if m.get("role") == "assistant"), "")


def _topic(questions: list[str]) -> str:
    """The latest earlier question, itself completed by the ones before it when it was a follow-up."""
    latest = questions[-1]
    if len(questions) > 1 and needs_history(latest):
        return f"{latest} {_topic(questions[:-1])}"
    return latest
