"""Sentence vectors stored at ingest: the extractive answer ranks passage sentences with them
instead of embedding every sentence for every question (real Chroma, real embedder)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from assistant.answer.backends.extractive import choose
from assistant.answer.evidence import RESCORED, score_sentences
from assistant.answer.scorer import HEURISTIC_THRESHOLD
from assistant.core.settings import REPO_ROOT
from assistant.core.text import sentence_spans
from assistant.index.chroma import chroma_client, pack_sentences, sentence_vectors
from assistant.index.embedder import Embedder
from tests.support import CountingEmbeddings


def _records(settings) -> list[tuple[str, dict]]:
    got = chroma_client(settings).get_collection(settings.collection).get(include=["documents", "metadatas"])
    return list(zip(got["documents"], got["metadatas"]))


def test_ingest_stores_a_unit_vector_for_every_sentence_of_every_chunk(corpus_index):
    records = _records(corpus_index)
    assert len(records) > 100
    for text, meta in records:
        stored = sentence_vectors(meta)
        assert list(stored) == sentence_spans(text)
        assert all(abs(np.linalg.norm(v) - 1) < 0.01 and v.shape == (384,) for v in stored.values())


def test_a_stored_vector_stands_for_its_own_sentence(corpus_index, embeddings):
    """Pooled in context, a sentence's vector is nearest to that sentence's own embedding among
    the sentences of its chunk for most sentences (481 of 577 when written; a short sentence
    leans on its neighbours), which is why the best few are re-scored by their own embedding."""
    hits = total = 0
    for text, meta in _records(corpus_index):
        stored = sentence_vectors(meta)
        if len(stored) < 2:
            continue
        own = np.asarray(embeddings.embed_documents([text[s:e] for s, e in stored]), dtype=np.float32)
        nearest = (np.stack(list(stored.values())) @ own.T).argmax(axis=1)
        hits += int((nearest == np.arange(len(stored))).sum())
        total += len(stored)
    assert total > 300 and hits / total >= 0.8


@pytest.mark.parametrize("question", ["When was NATO established?", "What does Article 5 of the NATO treaty stipulate?", "How many members does NATO have?"])
def test_ranking_embeds_only_the_question_and_the_best_sentences(pipeline, embeddings, question):
    passages = pipeline.retriever.search(question)
    assert all(p.sentence_vectors for p in passages)
    counted = CountingEmbeddings(embeddings)  # inside a new Embedder: its caches start empty
    ranked = score_sentences(question, passages, Embedder.around(counted), pipeline.index.keyword)
    assert len(ranked) > 2 * RESCORED
    assert counted.texts[0] == question and sorted(counted.texts[1:]) == sorted(s.text for s in ranked[:RESCORED])


def test_stored_vectors_pick_the_answers_that_embedding_every_sentence_picks(pipeline, embeddings):
    """Over the eval questions: the same extractive answer for at least 95% (102 of 107 when
    written), and the same refusal decision for at least 98% (all 107)."""
    questions = [json.loads(line)["question"] for line in (REPO_ROOT / "eval" / "questions.jsonl").read_text().splitlines() if line.strip()]
    threshold = HEURISTIC_THRESHOLD  # the blend's own threshold: this compares the blend with itself
    same_answer = same_refusal = 0
    for question in questions:
        passages = pipeline.retriever.search(question)
        stored = score_sentences(question, passages, embeddings, pipeline.index.keyword)
        each = score_sentences(question, [dataclasses.replace(p, sentence_vectors={}) for p in passages], embeddings, pipeline.index.keyword)
        same_answer += [s.text for s in choose(stored, 2)] == [s.text for s in choose(each, 2)]
        same_refusal += (stored[0].score < threshold) == (each[0].score < threshold)
    assert len(questions) > 100
    assert same_answer / len(questions) >= 0.95 and same_refusal / len(questions) >= 0.98


def test_passages_without_stored_vectors_embed_their_sentences(pipeline, embeddings):
    """An index built before sentence vectors existed still answers, embedding what it needs."""
    question = "When was NATO established?"
    passages = [dataclasses.replace(p, sentence_vectors={}) for p in pipeline.retriever.search(question)]
    counted = CountingEmbeddings(embeddings)
    ranked = score_sentences(question, passages, Embedder.around(counted), pipeline.index.keyword)
    assert len(counted.texts) == 1 + len(ranked) and "1949" in ranked[0].text


def test_embedders_that_do_not_mean_pool_store_no_sentence_vectors(embeddings):
    class Plain:  # a LangChain embedder without a sentence-transformers model inside
        def embed_documents(self, texts):
            return embeddings.embed_documents(texts)

    vectors, sentences = Embedder.around(Plain()).with_sentences(["NATO grew. The EU too."], [[(0, 10), (11, 22)]])
    assert len(vectors) == 1 and sentences == [[None, None]]
    assert pack_sentences([(0, 10), (11, 22)], sentences[0]) == {}


@pytest.mark.parametrize("meta", [{}, {"sentence_spans": "0:5"}, {"sentence_spans": "0:5", "sentence_vectors": "not base64!"}, {"sentence_spans": "0:5 6:9", "sentence_vectors": "AAAA"}])
def test_missing_or_damaged_sentence_metadata_reads_as_none(meta):
    assert sentence_vectors(meta) == {}
