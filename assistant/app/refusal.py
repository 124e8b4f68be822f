"""Why the assistant refused, in the user's terms. The pipeline's decision stands; this explains it.

Checked in this order, cheapest first: the question is not in English; it asks for a summary
or an overview that could not be given (no documents, or a filter that keeps none); a document filter left out the documents that answer it (the same question
over all documents is answered); it asks about a name the documents never mention; it asks
for a city or a country and the closest passages name none; otherwise the fact is not in the documents.

>>> looks_non_english("Wann wurde die NATO gegründet?"), looks_non_english("When was NATO established?")
(True, False)
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from assistant.answer.overview import wanted
from assistant.core.errors import AssistantError
from assistant.core.types import Answer, Passage

log = logging.getLogger(__name__)

# Function words: a question in English has some of the first, one in another language more of the second.
ENGLISH = frozenset(
    "a an the of in on at to for from by with about as is are was were be been do does did have has had what when where who whom "
    "whose which why how whether not no and or but if than that this these those it its they their them he his she her we our you "
    "your i me my can could would should will may might must there many much any some all each both after before during between "
    "into over under since until while against through".split()
)
FOREIGN = frozenset(
    # German, French, Spanish, Italian, Dutch, Portuguese; words that are also English are left out
    "der das und ist sie es wo wann wurde wer wie warum welche welcher nicht ein eine einen mit von zu im den dem des sind haben auf für oder "
    "le la les et est quand qui quoi comment pourquoi quel quelle quels une du avec pour dans sur pas été sont elle ils nous vous ce qu "
    "el los las y es cuándo cuando qué que cómo por para con una del fue quién dónde se "
    "il gli è di che chi perché della nel "
    "de het een en wanneer wat wie hoe waarom niet werd zijn "
    "os é em quem como porque foi são".split()
)
NON_ASCII_SHARE = 0.3  # of the letters: Cyrillic, Greek, Arabic, CJK, ... scripts
CLOSEST = 2  # passages shown when the fact is missing


@dataclass(frozen=True)
class Refusal:
    """Why an answer was refused (`kind`: language, summary, filter, unknown, unnamed or missing) and what to show with it."""

    kind: str
    searched: tuple[str, ...] = ()  # filter, summary: titles of the documents the filter kept (summary: all without one)
    total: int = 0  # filter, summary: how many documents there are
    titles: tuple[str, ...] = ()  # summary: every document's title; filter: the titles that answer it
    closest: tuple[Passage, ...] = ()  # unknown, unnamed, missing: the closest passages searched
    names: tuple[str, ...] = ()  # unknown: the names no document mentions; unnamed: what the question asks for ("a city")


def said(why: Refusal, filter_name: str = "the document filter") -> str:
    """The reason as one plain sentence (for the command line; the app renders its own HTML).

    >>> said(Refusal("filter", searched=("A",), total=5), "--source")
    'Why: --source left the answer out (1 of 5 documents searched); over all documents it is answered.'
    """
    if why.kind == "language":
        return "Why: the question does not look like English; the documents are searched in English only, so ask in English."
    if why.kind == "summary":
        if not why.total:
            return "Why: there are no documents to give an overview of; add documents with `python -m ingest`."
        kept = f"{filter_name} keeps none of the {why.total} documents" if not why.searched else "the documents hold no sentence to quote"
        return f"Why: there is no overview to give: {kept}. The documents: {'; '.join(why.titles)}."
    if why.kind == "filter":
        return f"Why: {filter_name} left the answer out ({len(why.searched)} of {why.total} documents searched); over all documents it is answered."
    if why.kind == "unknown":
        return f"Why: the documents never mention {' or '.join(why.names)}."
    if why.kind == "unnamed":
        return f"Why: {unnamed(why.names[0])}"
    return "Why: the documents do not seem to contain this."


def unnamed(asked_for: str) -> str:
    """The reason for a question asking for a kind of name the closest passages do not hold.

    >>> unnamed("a city")
    'the question asks for a city, and the passages closest to it name none.'
    """
    return f"the question asks for {asked_for}, and the passages closest to it name none."


def looks_non_english(text: str) -> bool:
    """A cheap guess: mostly non-Latin letters, or more foreign than English function words."""
    letters = [c for c in text if c.isalpha()]
    if letters and sum(not c.isascii() for c in letters) / len(letters) >= NON_ASCII_SHARE:
        return True
    words = re.findall(r"[^\W\d_]+", text.lower())
    english, foreign = sum(w in ENGLISH for w in words), sum(w in FOREIGN for w in words)
    return foreign > english


def explain(pipeline, answer: Answer, *, history: list[dict], sources: list[str] | None = None, k: int | None = None) -> Refusal:
    """Why `answer` (a refusal) was refused; re-asks over all documents when a filter is active."""
    documents = _titles(pipeline)
    if looks_non_english(answer.question):
        return Refusal("language")
    kept = [s for s in (sources or []) if s in documents]
    if wanted(answer.question, documents) or wanted(answer.standalone_question, documents):
        searched = tuple(documents[s] for s in kept) if sources else tuple(documents.values())
        return Refusal("summary", searched=searched, total=len(documents), titles=tuple(sorted(documents.values(), key=str.lower)))
    if sources and len(kept) < len(documents):
        wider = _over_all_documents(pipeline, answer, history, k)
        if wider is not None and not wider.refused:
            answering = tuple(dict.fromkeys(c.title for c in wider.citations))
            return Refusal("filter", searched=tuple(documents[s] for s in kept), total=len(documents), titles=answering)
    if answer.unknown_names:
        return Refusal("unknown", closest=answer.passages[:CLOSEST], names=answer.unknown_names)
    if answer.unanswered_kind:
        return Refusal("unnamed", closest=answer.passages[:CLOSEST], names=(answer.unanswered_kind,))
    return Refusal("missing", closest=answer.passages[:CLOSEST])


def _over_all_documents(pipeline, answer: Answer, history: list[dict], k: int | None) -> Answer | None:
    """The same question (as searched) over every document, answered extractively: only whether it is answered matters."""
    try:
        return pipeline.answer(answer.question, history=history, k=k, backend="extractive", standalone=answer.standalone_question)
    except Exception:  # only an explanation: whatever fails here must not cost the user the refusal itself
        log.warning("could not re-ask %r over all documents", answer.question, exc_info=True)
        return None


def _titles(pipeline) -> dict[str, str]:
    """Source -> title of every indexed document."""
    try:
        return {source: entry.title or source for source, entry in pipeline.index.documents().items()}
    except AssistantError:
        return {}
