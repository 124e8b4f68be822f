"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused by reciprocal rank.

BM25 catches exact names and numbers, the embedder catches paraphrase; RRF needs no score
calibration between the two. No cross-encoder runs offline here, so fusion is the reranker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, InstanceOf

from assistant.core.errors import UnknownName
from assistant.core.settings import Settings
from assistant.core.types import Chunk, Passage
from assistant.index.chroma import Index, chunk_from_record, sentence_vectors
from assistant.index.embedder import Embedder

MODES = ("hybrid", "dense", "bm25")


def rrf(rankings: list[list[str]], weights: list[float], k: int) -> dict[str, float]:
    """Reciprocal rank fusion: sum of weight / (k + rank) over the rankings an id appears in.

    >>> sorted(rrf([["a", "b"], ["b", "c"]], [1.0, 1.0], k=0).items())
    [('a', 1.0), ('b', 1.5), ('c', 0.5)]
    """
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


@dataclass
class HybridRetriever:
    """Search the index; `search` returns the top-k passages in rank order."""

    index: Index
    embeddings: Embedder
    settings: Settings

    def search(self, query: str, *, k: int | None = None, sources: list[str] | None = None, mode: str | None = None) -> list[Passage]:
        mode = mode or self.settings.retrieval_mode
        if mode not in MODES:
            raise UnknownName.among("retrieval mode", mode, list(MODES))
        k = k or self.settings.top_k
        vector = self.embeddings.question(query)
        dense = self._dense(vector, sources) if mode != "bm25" else {}
        lexical = self._lexical(query, sources) if mode != "dense" else []
        rankings, weights = [], []
        if mode != "bm25":
            rankings.append(list(dense))
            weights.append(self.settings.dense_weight)
        if mode != "dense":
            rankings.append(lexical)
            weights.append(self.settings.bm25_weight)
        fused = rrf(rankings, weights, self.settings.rrf_k)
        best = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        missing = [i for i in best if i not in dense]
        dense.update(self._fetch(missing, vector))
        # An id the keyword index still has but Chroma no longer does (a re-ingest while serving) is skipped;
        # sentence vectors are decoded for the returned passages only.
        return [Passage(dense[i][0], fused[i], dense[i][1], sentence_vectors(dense[i][2])) for i in best if i in dense]

    def _dense(self, vector: np.ndarray, sources: list[str] | None) -> dict[str, tuple[Chunk, float, dict]]:
        """Chunk id -> (chunk, cosine similarity, metadata), best first."""
        got = self.index.collection.query(
            query_embeddings=[vector.tolist()],
            n_results=min(self.settings.candidates, self.index.count()),
            where={"source": {"$in": sources}} if sources else None,
            include=["documents", "metadatas", "distances"],
        )
        rows = zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])
        return {i: (chunk_from_record(i, d, m), 1.0 - dist, m) for i, d, m, dist in rows}

    def _lexical(self, query: str, sources: list[str] | None) -> list[str]:
        allowed = self.index.ids_for(sources) if sources else None
        return [i for i, _ in self.index.keyword.top(query, self.settings.candidates, allowed)]

    def _fetch(self, ids: list[str], vector: np.ndarray) -> dict[str, tuple[Chunk, float, dict]]:
        """Chunks found by BM25 alone, with their cosine similarity to the query."""
        if not ids:
            return {}
        got = self.index.collection.get(ids=ids, include=["documents", "metadatas", "embeddings"])
        rows = zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])
        return {i: (chunk_from_record(i, d, m), float(np.dot(vector, np.asarray(e, dtype=np.float32))), m) for i, d, m, e in rows}


class ChunkRetriever(BaseRetriever):
    """The hybrid retriever as a LangChain `BaseRetriever`, for use in LangChain chains.

    `k` and `sources` are the defaults; `invoke(query, k=2, sources=[...])` overrides them for one
    call, as LangChain's retriever conformance suite expects (tests/test_ecosystem.py runs it).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    hybrid: InstanceOf[HybridRetriever]  # checked by type only: its fields are not pydantic's to validate
    k: int = Field(default=4, ge=1)
    sources: list[str] | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None, sources: list[str] | None = None
    ) -> list[Document]:
        if k is not None and k < 1:
            raise ValueError(f"k must be at least 1, not {k}")
        passages = self.hybrid.search(query, k=k or self.k, sources=self.sources if sources is None else sources)
        return [
            Document(page_content=p.chunk.text, id=p.chunk.chunk_id, metadata=p.to_dict() | {"similarity": p.similarity})
            for p in passages
        ]
