"""Overviews: "Summarize the article on NATO and the EU", "What are the main topics?" answered
with a few sentences quoted from the document(s), each cited at its exact offsets.

question -> `request`: which documents (the question's words matched against the titles; none
named, or "the articles", means all) and how many sentences (`sentences_asked`) -> `chosen`: per
document, the sentences nearest the document's centroid embedding with a redundancy penalty
(maximal marginal relevance), at most one per section while sections remain, in document order.
No language model writes anything: every sentence is a sentence span of its document.

>>> asks_for_summary("Summarize the article"), asks_for_summary("When was NATO established?")
(True, False)
>>> asks_for_summary("What do the articles say about enlargement?")
False
>>> sentences_asked("Summarize it in three sentences", 1), sentences_asked("Briefly: the main topics?", 1)
(3, 3)
>>> sentences_asked("The main points, in detail", 1), sentences_asked("Summarize the articles", 5)
(10, 10)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from assistant.answer.backends.extractive import LEANS_BACK
from assistant.answer.cite import Claim, Span, render
from assistant.answer.guard import addresses_assistant
from assistant.answer.verify import quotes
from assistant.core.text import sentence_spans
from assistant.core.types import Citation, Passage, Sentence
from assistant.index.chroma import Index
from assistant.index.embedder import Embedder
from assistant.index.keyword import terms_of

SUMMARY = re.compile(
    r"\b(summari[sz]e|summary|summaries|overview|outline|tl;?dr|gist|main (topics?|points?|ideas?|themes?)|key (points|takeaways|topics|ideas)"
    r"|what (is|are) (this|these|the|that) (articles?|documents?|texts?|pages?) about"
    # "What do the articles say?" asks for an overview; "…say about enlargement?" asks a question
    r"|what (do|does) (this|these|the) (articles?|documents?) (say|cover|discuss)(?=\W*$))\b",
    re.IGNORECASE,
)
ONE_DOCUMENT, EACH_DOCUMENT = 5, 2  # sentences by default: of one document; of each of several
BRIEF, DETAILED = 3, 10  # "briefly", "in detail": of one document (of several: 1 and 4 each)
BRIEF_EACH, DETAILED_EACH = 1, 4
MAX_SENTENCES = 15  # whatever is asked
RELEVANCE = 0.7  # MMR: weight of closeness to the centroid; the rest penalises likeness to sentences chosen
MIN_WORDS = 6  # shorter lines are headings or fragments, not sentences worth quoting

NUMBERS = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen".split()
_COUNT = re.compile(rf"\b(\d+|{'|'.join(NUMBERS)})[ -](?:short |key |main |brief )?(sentences?|points?|lines?|bullets?)\b", re.IGNORECASE)
_BRIEF = re.compile(r"\b(brief(ly)?|short(ly)?|quick(ly)?|concise(ly)?|in a nutshell|tl;?dr)\b", re.IGNORECASE)
_DETAILED = re.compile(r"\b(in (more |great |full |some )?detail|detailed|long(er)?|thorough(ly)?|in[ -]depth|comprehensive(ly)?)\b", re.IGNORECASE)
_PLURAL = re.compile(r"\b(articles|documents|texts|sources|all)\b", re.IGNORECASE)
_ENDS = re.compile(r"[.!?][\"”’)\]]?$")
_POINTS_BACK = re.compile(r"\b(it|this|that|the same)\b(?! (articles|documents))", re.IGNORECASE)  # "Summarize it", "that article"
FOLLOWED = 2  # messages of the conversation read for the document a follow-up points back to


# Words of an overview request that name no topic ("Give me a brief overview of the articles, please").
_ASKING = (
    "summarize summarise summary summaries overview overviews outline tldr tl dr gist main topic topics point points idea ideas theme "
    "themes key takeaways article articles document documents text texts page pages piece pieces source sources say says said cover "
    "covers discuss discusses describe describes brief briefly short shortly quick quickly concise concisely nutshell detail detailed "
    "details long longer thorough thoroughly depth comprehensive comprehensively sentence sentences line lines bullet bullets give me "
    "please can could would will you provide write tell us what which whole entire all each every about on of in the a an and or is "
    "are was were do does did it its this that these those there their them they for with to from by as be into my our i we get "
    "need want like overall general generally everything anything things thing stuff"
)


@dataclass(frozen=True)
class Request:
    """What an overview question asks for: the documents (source -> title, in order) and how many sentences each."""

    documents: dict[str, str]
    sentences: tuple[int, ...]


@dataclass(frozen=True)
class Candidate:
    """A quotable sentence of a document: where it is (passage, absolute offsets) and its section."""

    passage: int
    start: int
    end: int
    text: str
    section: str


def asks_for_summary(text: str) -> bool:
    """True for "summarize…", "main topics", "overview", "what is this article about" and the like."""
    return bool(SUMMARY.search(text))


def wanted(question: str, titles: dict[str, str]) -> bool:
    """An overview request that is not a question about one topic: "Summarize what the articles say
    about enlargement" names no document and asks about enlargement, so it is answered as a question.

    >>> wanted("Summarize the article on NATO and the EU", {"a": "NATO and the European Union"})
    True
    >>> wanted("Summarize what the articles say about enlargement", {"a": "NATO and the European Union"})
    False
    """
    if not asks_for_summary(question):
        return False
    named = set().union(*(_title_terms(t) for t in titles.values())) if titles else set()
    topic = set(terms_of(question)) - named - _asking_terms() - {str(n) for n in range(1, MAX_SENTENCES + 1)}
    return not topic or len(documents_asked(question, titles)) < len(titles)


def as_question(question: str) -> str:
    """A summary of one topic as the question the answer path searches for.

    >>> as_question("Summarize what the articles say about enlargement")
    'What do the articles say about enlargement?'
    >>> as_question("Give an overview of the Partnership for Peace, briefly")
    'What do the articles say about Partnership for Peace?'
    """
    topical = [m for m in re.finditer(r"[\w’'-]+", question) if not set(terms_of(m.group())) <= _asking_terms()]
    if not topical:
        return question
    return f"What do the articles say about {question[topical[0].start() : topical[-1].end()]}?"  # the words between kept as written


@cache
def _asking_terms() -> frozenset[str]:
    return frozenset(terms_of(_ASKING)) | frozenset(terms_of(" ".join(NUMBERS)))


def sentences_asked(question: str, documents: int) -> int:
    """How many sentences in all: "in N sentences", "briefly", "in detail", else the default; capped."""
    counted = _COUNT.search(question)
    if counted:
        word = counted.group(1).lower()
        wanted = int(word) if word.isdigit() else NUMBERS.index(word) + 1
    elif _BRIEF.search(question):
        wanted = BRIEF if documents == 1 else BRIEF_EACH * documents
    elif _DETAILED.search(question):
        wanted = DETAILED if documents == 1 else DETAILED_EACH * documents
    else:
        wanted = ONE_DOCUMENT if documents == 1 else EACH_DOCUMENT * documents
    return max(1, min(MAX_SENTENCES, wanted))


def documents_asked(question: str, titles: dict[str, str]) -> list[str]:
    """The sources whose titles the question names, in the order given; all of them when it names none.

    A title word counts by how rare it is among the titles (a word of every title names none), and
    an acronym counts for the words it abbreviates ("EU": "European Union"). "The article on…"
    takes the best matches; "the articles on…" every document that matches at all.

    >>> documents_asked("Summarize the article on NATO and the EU", {"a": "NATO and the European Union", "b": "NATO in Asia"})
    ['a']
    >>> documents_asked("What are the main topics?", {"a": "NATO and the European Union", "b": "NATO in Asia"})
    ['a', 'b']
    """
    words = set(terms_of(question))
    named = {source: _title_terms(title) for source, title in titles.items()}
    weight = {term: math.log(len(titles) / sum(term in other for other in named.values())) for terms in named.values() for term in terms}
    scores = {source: sum(weight[t] for t in terms & words) for source, terms in named.items()}
    best = max(scores.values(), default=0.0)
    if best <= 0:
        return list(titles)
    floor = 1e-9 if _PLURAL.search(question) else best - 1e-9
    return [source for source, score in scores.items() if score >= floor]


def request(question: str, titles: dict[str, str], sources: list[str] | None = None, history: list[dict] | tuple = ()) -> Request:
    """The documents an overview question asks for among those the filter `sources` keeps, and
    the sentences of each (the total split evenly, earlier documents taking the remainder, at least one each).

    A follow-up that names no document but points back ("Summarize it", "that article") takes the
    documents the last exchange names, if it names some.
    """
    kept = {s: t for s, t in sorted(titles.items()) if not sources or s in sources}
    chosen = documents_asked(question, kept) if kept else []
    if len(chosen) == len(kept) > 1 and history and _POINTS_BACK.search(question):
        before = documents_asked(" ".join(str(m.get("content", "")) for m in history[-FOLLOWED:]), kept)
        chosen = before if len(before) < len(kept) else chosen
    total = max(len(chosen), sentences_asked(question, len(chosen) or 1))
    share, extra = divmod(total, len(chosen) or 1)
    return Request({s: kept[s] for s in chosen}, tuple(share + (i < extra) for i in range(len(chosen))))


def candidates(text: str, passages: list[Passage], notice: str = "") -> list[Candidate]:
    """The sentences of a document's chunks worth quoting, once each, in document order.

    Only sentence spans of the whole text `text` count (a chunk may open mid-sentence); headings,
    fragments, the AI notice, sentences that point back ("This…", "They…") and sentences
    addressed to an AI assistant are left out.
    """
    real = set(sentence_spans(text))
    found: dict[tuple[int, int], Candidate] = {}
    for number, passage in enumerate(passages):
        chunk = passage.chunk
        for start, end in sentence_spans(chunk.text):
            where = (chunk.start + start, chunk.start + end)
            said = chunk.text[start:end]
            if where in real and where not in found and _quotable(said, notice):
                found[where] = Candidate(number, *where, said, chunk.section)
    return sorted(found.values(), key=lambda c: c.start)


def chosen(found: list[Candidate], vectors: np.ndarray, count: int) -> list[Candidate]:
    """`count` sentences by maximal marginal relevance to the centroid of `vectors` (one row per
    candidate), a section repeated only once every section has one; in document order."""
    if not found or count <= 0:
        return []
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    relevance, likeness = vectors @ centroid, vectors @ vectors.T
    picks: list[int] = []
    while len(picks) < min(count, len(found)):
        covered = {found[p].section for p in picks}
        fresh = [i for i in range(len(found)) if i not in picks and found[i].section not in covered]
        pool = fresh or [i for i in range(len(found)) if i not in picks]
        penalty = [max((likeness[i, p] for p in picks), default=0.0) for i in pool]
        picks.append(max(zip(pool, penalty), key=lambda ip: RELEVANCE * relevance[ip[0]] - (1 - RELEVANCE) * ip[1])[0])
    return sorted((found[p] for p in picks), key=lambda c: c.start)


def sentence_matrix(found: list[Candidate], passages: list[Passage], embeddings: Embedder) -> np.ndarray:
    """Each candidate's normalised vector: the one stored at ingest, else embedded now."""
    stored = [passages[c.passage].sentence_vectors.get((c.start - passages[c.passage].chunk.start, c.end - passages[c.passage].chunk.start)) for c in found]
    missing = [c.text for c, v in zip(found, stored) if v is None]
    fresh = iter(embeddings.vectors(missing)) if missing else iter(())
    rows = np.stack([np.asarray(v if v is not None else next(fresh), dtype=np.float32) for v in stored])
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def claims(picked: list[Candidate], passages: list[Passage]) -> list[Claim]:
    """One claim per sentence, citing its own span; supported when the span quotes it (as `verify` checks)."""
    out = []
    for candidate in picked:
        chunk = passages[candidate.passage].chunk
        span = chunk.text[candidate.start - chunk.start : candidate.end - chunk.start]
        supported = quotes(span, candidate.text)
        out.append(Claim(candidate.text, (Span(candidate.passage, candidate.start, candidate.end),), supported, 1.0 if supported else 0.0))
    return out


def written(asked: Request, index: Index, embeddings: Embedder) -> tuple[list[Passage], list[Claim]]:
    """The overview asked for: the passages it quotes and one claim per sentence, document by document."""
    quoted: dict[str, int] = {}  # chunk id -> its place among the passages quoted
    passages: list[Passage] = []
    picked: list[Candidate] = []
    for source, count in zip(asked.documents, asked.sentences):
        own = index.passages_of(source)
        found = candidates(index.document_text(source), own, own[0].chunk.notice if own else "")
        for candidate in chosen(found, sentence_matrix(found, own, embeddings), count) if found else []:
            passage = own[candidate.passage]
            if passage.chunk.chunk_id not in quoted:
                quoted[passage.chunk.chunk_id] = len(passages)
                passages.append(passage)
            picked.append(replace(candidate, passage=quoted[passage.chunk.chunk_id]))
    return passages, claims(picked, passages)


def grouped(sentences: list[Sentence], citations: list[Citation], documents: dict[str, str]) -> str:
    """The overview's text: its sentences with their markers, under each document's title when there are several.

    >>> one = [Sentence("NATO grew.", (1,), True)]
    >>> grouped(one, [Citation(1, "a", "A", "", 0, 10, "NATO grew.")], {"a": "A", "b": "B"})
    'A:\\nNATO grew. [1]'
    """
    source_of = {c.id: c.source for c in citations}
    parts: dict[str, list[Sentence]] = {}
    for sentence in sentences:
        parts.setdefault(source_of.get(sentence.citations[0], "") if sentence.citations else "", []).append(sentence)
    if len(documents) == 1:
        return render(sentences)
    return "\n\n".join(f"{documents.get(source, source)}:\n{render(said)}" for source, said in parts.items())


def _quotable(sentence: str, notice: str) -> bool:
    """A whole sentence that reads on its own ("These threats…" points back to one not quoted)."""
    return (len(sentence.split()) >= MIN_WORDS and bool(_ENDS.search(sentence)) and not LEANS_BACK.match(sentence)
            and not addresses_assistant(sentence) and not (notice and sentence in notice))


def _title_terms(title: str) -> set[str]:
    """A title's stemmed words, and the acronyms of its runs of two or three capitalised words."""
    capitals = re.findall(r"\b[A-Z][\w’'-]*", title)
    acronyms = {"".join(w[0] for w in capitals[i : i + n]).lower() for n in (2, 3) for i in range(len(capitals) - n + 1)}
    return set(terms_of(title)) | acronyms
