"""Access to the index: a Chroma collection (embedded or server) plus a BM25 keyword index.

The collection's metadata records how it was built (embedder, dimension, chunker), and
`open_index` refuses a collection built with another embedder. The keyword index is
built once per ingest from the collection's own documents and saved beside the manifest.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import AssistantError, EmbedderMismatch, IndexMissing
from assistant.settings import Settings
from assistant.types import Chunk

KEYWORD_FILES = ("params.index.json", "ids.json")


def chroma_client(settings: Settings):
    """An embedded `PersistentClient` in db_dir, or an `HttpClient` when chroma_host is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_host:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
        return chromadb.PersistentClient(path=str(settings.db_dir), settings=chroma_settings)
    except ValueError as exc:
        where = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else str(settings.db_dir)
        raise AssistantError(f"cannot open the Chroma index at {where} ({exc}); check the address, or re-create it with `python -m ingest --reset`") from None
    except BaseException as exc:  # the Rust bindings raise their own panics on a corrupted folder
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise AssistantError(f"the Chroma index at {settings.db_dir} cannot be opened ({type(exc).__name__}); delete that folder and run `python -m ingest`") from None


def build_metadata(settings: Settings, dim: int) -> dict:
    """What the collection remembers about how it was built."""
    return {
        "hnsw:space": "cosine",
        "embedding_model": settings.embedding_model,
        "dimension": dim,
        "chunk_size": settings.chunk_size,
        "chunk_overlap": settings.chunk_overlap,
    }


def check_embedder(metadata: dict, settings: Settings, dim: int | None, where: str) -> None:
    """Raise `EmbedderMismatch` when the collection was built with another embedder (dim None: name only)."""
    built_with = (metadata.get("embedding_model"), metadata.get("dimension"))
    if built_with != (settings.embedding_model, built_with[1] if dim is None else dim):
        raise EmbedderMismatch(
            f"the index at {where} was built with embedder {built_with[0]!r} (dimension {built_with[1]}), "
            f"but the settings use {settings.embedding_model!r} (dimension {dim}): set ASSISTANT_EMBEDDING_MODEL="
            f"{built_with[0]} or rebuild with `python -m ingest --reset`"
        )


def chunk_from_record(chunk_id: str, text: str, meta: dict) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        source=meta["source"],
        title=meta.get("title", ""),
        section=meta.get("section", ""),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        notice=meta.get("notice", ""),
    )


def chunk_metadata(chunk: Chunk) -> dict:
    return {
        "source": chunk.source,
        "title": chunk.title,
        "section": chunk.section,
        "start": chunk.start,
        "end": chunk.end,
        "notice": chunk.notice,
    }


class KeywordIndex:
    """BM25 (bm25s, English stopwords, Snowball stemming) over the chunk texts, position -> chunk id."""

    def __init__(self, bm25, ids: list[str]):
        self.bm25, self.ids = bm25, ids

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> "KeywordIndex":
        import bm25s

        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        return cls(bm25, list(ids))

    def save(self, folder: Path) -> None:
        """Write atomically enough for readers: files go to a sibling folder, then swap names."""
        import shutil

        staging = folder.with_name(folder.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        self.bm25.save(str(staging))
        (staging / "ids.json").write_text(json.dumps(self.ids))
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex":
        import bm25s

        if not all((folder / name).exists() for name in KEYWORD_FILES):
            raise IndexMissing.at(str(folder))
        bm25 = bm25s.BM25.load(str(folder), mmap=True)
        return cls(bm25, json.loads((folder / "ids.json").read_text()))

    def terms(self, text: str) -> list[str]:
        """The stemmed, stopword-free tokens BM25 sees in `text`."""
        return list(terms_of(text))

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of `term` (highest for terms no chunk has)."""
        token = self.bm25.vocab_dict.get(term)
        indptr = self.bm25.scores["indptr"]
        df = 0 if token is None else int(indptr[token + 1] - indptr[token])
        n = len(self.ids)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query: str, allowed: set[str] | None = None) -> np.ndarray:
        """BM25 score of every chunk for `query` (zero where filtered out)."""
        known = [t for t in self.terms(query) if t in self.bm25.vocab_dict]
        if not known or not self.ids:
            return np.zeros(len(self.ids), dtype=np.float32)
        mask = None
        if allowed is not None:
            mask = np.array([chunk_id in allowed for chunk_id in self.ids], dtype=np.float32)
        return self.bm25.get_scores(known, weight_mask=mask)

    def top(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """The `k` best (chunk id, score) pairs with a positive score, best first."""
        scores = self.scores(query, allowed)
        k = min(k, len(scores))
        if k == 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best])]
        return [(self.ids[i], float(scores[i])) for i in best if scores[i] > 0]


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=50_000)
def terms_of(text: str) -> tuple[str, ...]:
    """Stemmed, stopword-free tokens of `text`, as BM25 indexes them."""
    import bm25s

    return tuple(bm25s.tokenize([text], stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)[0])


@dataclass
class Index:
    """An opened index: the Chroma collection and the keyword index built from it."""

    collection: object
    keyword: KeywordIndex
    settings: Settings

    def count(self) -> int:
        return self.collection.count()

    def get_chunks(self, ids: list[str]) -> dict[str, Chunk]:
        """Chunks by id, fetched from Chroma in one call."""
        if not ids:
            return {}
        got = self.collection.get(ids=ids, include=["documents", "metadatas"])
        return {i: chunk_from_record(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}

    def documents(self) -> dict[str, dict]:
        """Manifest entries of the ingested documents, by source name."""
        return read_manifest(self.settings).get("documents", {})

    def document_text(self, source: str) -> str:
        """Full text of an ingested document, the text its offsets point into.

        Only names in the manifest resolve, and only to the copy the index keeps, so no
        parameter can read any other file (no path traversal).
        """
        entry = self.documents().get(source)
        if entry is None:
            raise AssistantError(f"no document named {source!r} in the index; pick one of the listed sources")
        return (self.settings.db_dir / "docs" / f"{entry['sha256']}.txt").read_text(encoding="utf-8")

    def ids_for(self, sources: list[str]) -> set[str]:
        """Chunk ids of the given documents (for filtering the keyword index)."""
        documents = self.documents()
        return {i for s in sources for i in documents.get(s, {}).get("chunk_ids", [])}


def read_manifest(settings: Settings) -> dict:
    """The ingest manifest (documents, their hashes and chunk ids); empty when never ingested."""
    try:
        return json.loads(settings.manifest_path.read_text())
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError:
        raise AssistantError(f"the manifest {settings.manifest_path} is damaged: run `python -m ingest --reset`") from None


def open_index(settings: Settings, dim: int) -> Index:
    """Open the collection for querying; raises `IndexMissing` or `EmbedderMismatch` with the fix."""
    where = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else str(settings.db_dir)
    if not settings.chroma_host and not settings.db_dir.exists():
        raise IndexMissing.at(where)
    client = chroma_client(settings)
    try:
        collection = client.get_collection(settings.collection)
    except Exception:
        raise IndexMissing.at(where) from None
    check_embedder(collection.metadata or {}, settings, dim, where)
    if collection.count() == 0:
        raise IndexMissing.at(where)
    return Index(collection, KeywordIndex.load(settings.keyword_dir), settings)
