"""Turn a follow-up question into one that stands alone, using the conversation so far.

Without a language model, a question that leans on the history (a pronoun, "what about",
or too few words of its own) borrows the subject of the previous user question.

>>> condense("When was it founded?", [{"role": "user", "content": "What is NATO?"}])
'When was NATO founded?'
>>> condense("And the challenges?", [{"role": "user", "content": "How do allies view cyber defense?"}])
'And the challenges? (following up on: How do allies view cyber defense?)'
>>> condense("What about the EU's?", [{"role": "user", "content": "What are NATO's core strategic pillars?"}])
"What are the EU's core strategic pillars?"
>>> condense("What is NATO?", [])
'What is NATO?'
"""

from __future__ import annotations

import re

_DEPENDENT = re.compile(
    r"\b(it|its|they|them|their|theirs|this|that|these|those|he|she|him|her|his|there|then|former|latter|same|such)\b"
    r"|^\s*(and|also|what about|how about|how so)\b",
    re.IGNORECASE,
)
_CONTENT_WORD = re.compile(r"[A-Za-z][\w’'-]{3,}")
_QUESTION_WORDS = {"what", "when", "where", "which", "who", "whom", "whose", "why", "how", "does", "did", "were", "was", "is", "are", "about", "also", "tell", "more"}
MIN_OWN_WORDS = 2


def needs_history(question: str) -> bool:
    """True when the question cannot be understood without the conversation."""
    own = [w for w in _CONTENT_WORD.findall(question) if w.lower() not in _QUESTION_WORDS]
    return bool(_DEPENDENT.search(question)) or len(own) < MIN_OWN_WORDS


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
    names = entities(topic)
    if pronoun and names:
        plural = pronoun.group(0).lower() in _PLURAL
        if not plural or len(names) > 1:  # "they" needs two names; one is likely not its referent
            entity = " and ".join(names[:2]) if plural else names[0]
            return PRONOUN.sub(lambda m: with_owner(m.group(0), entity), question, count=1)
    return f"{question} (following up on: {topic})"


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


def _topic(questions: list[str]) -> str:
    """The latest earlier question, itself completed by the ones before it when it was a follow-up."""
    latest = questions[-1]
    if len(questions) > 1 and needs_history(latest):
        return f"{latest} {_topic(questions[:-1])}"
    return latest
