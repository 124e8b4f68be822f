"""Score every sentence of the retrieved passages as an answer to the question.

Two stages. `score_sentences`, the heuristic, scores every sentence cheaply: by meaning (cosine
to the question), by the rare question words it holds (IDF-weighted coverage) and by whether it
has what the question asks for (a date for "when", a reason for "why"). `learned_ranking` then
has the answer scorer (`assistant.answer.scorer`) read the most promising sentences, each with the
sentence before it, and the sentence after each of the best (the answer is often the next one:
"This agreement allowed…"); its probability becomes the score, reorders the passages and keeps
the top k. The best score decides refusal; the extractive backend quotes the best sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer.guard import addresses_assistant
from assistant.core.text import sentence_spans
from assistant.core.types import Passage
from assistant.index.embedder import Embedder

if TYPE_CHECKING:
    from assistant.answer.scorer import Scorer

SEMANTIC_WEIGHT, LEXICAL_WEIGHT, CUE_WEIGHT = 0.5, 0.35, 0.15
# "When" and "how many" want a date or a number: a sentence without one cannot answer.
STRICT_TYPES, MISSING_ANSWER_FACTOR = ("when", "how many"), 0.75
MIN_SENTENCE_CHARS = 20
# Sentences are ranked by the vectors stored at ingest (pooled in the context of their chunk);
# this many of the best are then scored by their own embedding, as the refusal threshold was
# calibrated. On the 107 eval questions, against embedding every sentence: the same refusal
# decision for all, the same extractive answer for 102 (96 with 3, 103 with 5).
RESCORED = 4

_CUES = {
    "when": re.compile(r"\b(1[5-9]\d\d|20\d\d|\d{4}s|\d{1,2}/\d{1,2}|(January|February|March|April|May|June|July|August|September|October|November|December)|(\w+ )?century|Cold War|post-\w+|World War( I| II)?)\b", re.I),
    "why": re.compile(r"\b(because|due to|in order to|aim(s|ed)? (to|at)|so that|to (ensure|counter|deter|prevent|protect|promote|address|provide|enhance|strengthen|maintain)|reason|purpose|result(ed)? (of|in|from)|driven by|owing to|given)\b", re.I),
    "how many": re.compile(r"\b(\d[\d,.]*|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|dozens?|hundreds?|thousands?|millions?|billions?)\b", re.I),
    "who": re.compile(r"(?<!^)\b([A-Z][a-z]+(?:\s+[A-Z][a-z]+)+|[A-Z]{2,}|member states|allies|countries|nations)\b"),
    "where": re.compile(r"\b(in|across|within|near|to)\s+(the\s+)?[A-Z][a-z]+", re.I),
    "how": re.compile(r"\b(through|by|via|using|with|including|such as)\b", re.I),
}
_QUESTION_TYPE = [
    ("how many", re.compile(r"\bhow (many|much)\b", re.I)),
    ("when", re.compile(r"\b(when|what year|which year|what date|since when)\b", re.I)),
    ("why", re.compile(r"\b(why|what (was|is) the (reason|purpose|aim|goal))\b", re.I)),
    ("who", re.compile(r"\b(who|whom|whose|which (countries|organi[sz]ations?|states|nations|partners|alliances?))\b", re.I)),
    ("where", re.compile(r"\b(where|which (region|country|place))\b", re.I)),
    ("how", re.compile(r"\bhow\b", re.I)),
]


@dataclass(frozen=True)
class ScoredSentence:
    """A sentence of passage `passage` (index into the passages), at absolute offsets in its source."""

    passage: int
    start: int
    end: int
    text: str
    semantic: float
    lexical: float
    cue: float
    strict: bool = False
    probability: float | None = None  # the answer scorer's, when it read this sentence
    cosine_weight: float = 0.0  # with a probability: the weight of `semantic` added to it (see learned_ranking)
    part: int = 0  # which part of a compound question it was scored for (assistant.answer.decompose)

    @property
    def score(self) -> float:
        if self.probability is not None:
            return self.probability + self.cosine_weight * self.semantic
        base = SEMANTIC_WEIGHT * self.semantic + LEXICAL_WEIGHT * self.lexical + CUE_WEIGHT * self.cue
        return base * MISSING_ANSWER_FACTOR if self.strict and not self.cue else base


def question_type(question: str) -> str | None:
    """'when', 'why', 'who', 'where', 'how many', 'how' or None (what/which/other)."""
    return next((name for name, pattern in _QUESTION_TYPE if pattern.search(question)), None)


def candidate_sentences(passages: list[Passage]) -> list[tuple[int, int, int, str]]:
    """(passage index, absolute start, absolute end, text) of every sentence worth quoting."""
    out = []
    for index, passage in enumerate(passages):
        chunk = passage.chunk
        for start, end in sentence_spans(chunk.text):
            text = chunk.text[start:end]
            if len(text) >= MIN_SENTENCE_CHARS and not addresses_assistant(text):  # never quote an injection
                out.append((index, chunk.start + start, chunk.start + end, text))
    return out


def score_sentences(question: str, passages: list[Passage], embeddings: Embedder, keyword, rescore: bool = True) -> list[ScoredSentence]:
    """Every candidate sentence with its scores, best first. With `rescore`, the best few are scored
    by their own embedding (the heuristic's threshold was calibrated so); without, stored vectors only
    (enough when the answer scorer reads the best of them next)."""
    candidates = candidate_sentences(passages)
    if not candidates:
        return []
    stored = [passages[p].sentence_vectors.get((s - passages[p].chunk.start, e - passages[p].chunk.start)) for p, s, e, _ in candidates]
    asked = embeddings.question(question)  # retrieval embedded it already
    fresh = iter(embeddings.vectors(tuple(c[3] for c, v in zip(candidates, stored) if v is None)))
    semantic = np.stack([next(fresh) if v is None else v for v in stored]) @ asked
    terms = _weighted_terms(question, keyword)
    kind = question_type(question)
    scored = [
        ScoredSentence(p, s, e, text, float(sem), _coverage(terms, text, keyword), _cue(kind, text), kind in STRICT_TYPES)
        for (p, s, e, text), sem in zip(candidates, semantic)
    ]
    ranked = sorted(scored, key=lambda x: -x.score)
    if not rescore:
        return ranked
    # The best few, whose scores decide refusal and the answer, are scored by their own embedding.
    best = ranked[:RESCORED]
    best = [replace(x, semantic=float(v @ asked)) for x, v in zip(best, embeddings.vectors(tuple(x.text for x in best)))]
    return sorted(best, key=lambda x: -x.score) + ranked[RESCORED:]


def learned_ranking(question: str, passages: list[Passage], ranked: list[ScoredSentence], scorer: Scorer, k: int, budget: int, rerank: bool = True,
                    cosine_weight: float = 0.0, fusion: float | None = None) -> tuple[list[Passage], list[ScoredSentence]]:
    """The top `k` passages and their sentences, the sentences ordered by the answer scorer's
    probability plus `cosine_weight` times their cosine to the question.

    The cosine is a second opinion: the bi-encoder was trained on paraphrases, the scorer on SQuAD,
    whose questions reuse their paragraph's words, so it misses answers worded unlike the question.
    The scorer reads at most `budget` sentences, in this order of priority: each of the heuristic's
    best, followed by the sentence after it, then the rest by heuristic rank. With `rerank`, a
    passage ranks by its best probability (passages it read nothing of keep their retrieval order,
    after those), or with `fusion`, by that rank fused with its retrieval rank (`fused_order`);
    without, the passages keep their retrieval order. Sentences it did not read get score 0: they
    come after every read sentence.
    """
    if not ranked:
        return passages[:k], []
    chosen = _reading_order(passages, ranked)[:budget]
    contexts = [context_of(passages[x.passage], x) for x in chosen]
    probabilities = scorer.probabilities(question, [(x.text, c) for x, c in zip(chosen, contexts)])
    read = {(x.passage, x.start): float(p) for x, p in zip(chosen, probabilities)}
    best = {}
    for (passage, _), probability in read.items():
        best[passage] = max(best.get(passage, 0.0), probability)
    order = fused_order(best, len(passages), fusion)[:k] if rerank else list(range(len(passages)))[:k]
    new_index = {old: new for new, old in enumerate(order)}
    rescored = [
        replace(x, passage=new_index[x.passage], probability=read.get((x.passage, x.start), 0.0), cosine_weight=cosine_weight if (x.passage, x.start) in read else 0.0)
        for x in ranked
        if x.passage in new_index
    ]
    return [passages[i] for i in order], sorted(rescored, key=lambda x: -x.score)


def fused_order(best: dict[int, float], n: int, fusion: float | None) -> list[int]:
    """Passages 0..n-1 (in retrieval order) reordered by their best probability `best` (unread
    ones after the read, in retrieval order); with `fusion` a constant c, by the reciprocal-rank
    fusion 1/(c + retrieval rank) + 1/(c + probability rank), ranks from 1, ties to retrieval.

    The fusion keeps what retrieval put first from falling out of the top k when the scorer
    misreads a paraphrase: its probabilities come from SQuAD questions, which echo their answers.

    >>> fused_order({0: 0.1, 1: 0.2, 2: 0.9}, 4, None)
    [2, 1, 0, 3]
    >>> fused_order({0: 0.1, 1: 0.2, 2: 0.9}, 4, 1.0)
    [0, 2, 1, 3]
    """
    by_probability = sorted(range(n), key=lambda i: (-best.get(i, -1.0), i))
    if fusion is None:
        return by_probability
    place = {i: rank for rank, i in enumerate(by_probability, start=1)}
    return sorted(range(n), key=lambda i: (-(1 / (fusion + i + 1) + 1 / (fusion + place[i])), i))


def merge_parts(rankings: list[tuple[list[Passage], list[ScoredSentence]]], k: int) -> tuple[list[Passage], list[ScoredSentence]]:
    """One answer's passages and sentences from those of each part of a compound question.

    The passages are taken in turn, the first of each part, then the second of each, until `k`
    (a passage two parts found counts once); each sentence keeps its score and is tagged with
    its part, best first.
    """
    passages: list[Passage] = []
    place: dict[str, int] = {}
    for rank in range(max((len(p) for p, _ in rankings), default=0)):
        for found, _ in rankings:
            if rank < len(found) and len(passages) < k and found[rank].chunk.chunk_id not in place:
                place[found[rank].chunk.chunk_id] = len(passages)
                passages.append(found[rank])
    sentences = [
        replace(x, passage=place[found[x.passage].chunk.chunk_id], part=part)
        for part, (found, ranked) in enumerate(rankings)
        for x in ranked
        if found[x.passage].chunk.chunk_id in place
    ]
    return passages, sorted(sentences, key=lambda x: -x.score)


def _reading_order(passages: list[Passage], ranked: list[ScoredSentence]) -> list[ScoredSentence]:
    """Each sentence by heuristic rank, followed by its passage's next sentence; no repeats."""
    by_place = {(x.passage, x.start): x for x in ranked}
    following = {}
    for index in {x.passage for x in ranked}:  # each passage split once
        chunk = passages[index].chunk
        starts = [chunk.start + s for s, _ in sentence_spans(chunk.text)]
        for here, after in zip(starts, starts[1:]):
            if (index, here) in by_place:
                following[(index, here)] = by_place.get((index, after))
    out: dict[tuple[int, int], ScoredSentence] = {}
    for x in ranked:
        for y in (x, following.get((x.passage, x.start))):
            if y is not None:
                out.setdefault((y.passage, y.start), y)
    return list(out.values())


def context_of(passage: Passage, sentence: ScoredSentence) -> str:
    """What the scorer reads beside a sentence: the sentence before it in its passage, else the
    passage's innermost heading (else its title), as a first sentence is read after its heading."""
    chunk = passage.chunk
    before = previous_sentence(passage, sentence.start)
    if before:
        return before
    return (chunk.section.split(" > ")[-1] if chunk.section else "") or chunk.title


def previous_sentence(passage: Passage, start: int) -> str:
    """The sentence of the passage just before the one at absolute offset `start` ("" if first)."""
    chunk = passage.chunk
    previous = ""
    for s, e in sentence_spans(chunk.text):
        if chunk.start + s >= start:
            return previous
        previous = chunk.text[s:e]
    return ""


def next_sentence(passage: Passage, end: int) -> str:
    """The sentence of the passage just after the one ending at absolute offset `end` ("" if last)."""
    chunk = passage.chunk
    return next((chunk.text[s:e] for s, e in sentence_spans(chunk.text) if chunk.start + s >= end), "")


def _weighted_terms(question: str, keyword) -> dict[str, float]:
    """Stemmed content words of the question with their IDF in the indexed corpus."""
    return {term: keyword.idf(term) for term in keyword.terms(question)}


def _coverage(terms: dict[str, float], text: str, keyword) -> float:
    """Share of the question's IDF mass whose terms occur in `text`."""
    total = sum(terms.values())
    if not total:
        return 0.0
    present = set(keyword.terms(text))
    return sum(w for t, w in terms.items() if t in present) / total


def _cue(kind: str | None, text: str) -> float:
    pattern = _CUES.get(kind or "")
    if pattern is None:
        return 0.5
    return 1.0 if pattern.search(text) else 0.0
