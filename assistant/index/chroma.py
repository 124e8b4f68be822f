"""Access to the index: a Chroma collection (embedded or server) plus a BM25 keyword index.

The collection's metadata records how it was built (embedder, dimension, embedder runtime and
vector precision, chunker), and `open_index` refuses a collection built with another embedder
or with vectors of another precision. The keyword index
(`assistant.index.keyword`) is derived from the collection and checked against it on open.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from assistant.core.errors import AssistantError, EmbedderMismatch, IndexMissing
from assistant.core.settings import Settings
from assistant.core.types import Chunk, Passage
from assistant.index.embedder import vector_precision
from assistant.index.keyword import PAGE, KeywordIndex, ensure_keyword_index
from assistant.index.manifest import ManifestEntry, read_manifest

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection


def index_location(settings: Settings) -> str:
    """Where the index is, as messages name it: the server's host:port, or the db_dir folder."""
    return f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else str(settings.db_dir)


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
        raise AssistantError(f"cannot open the Chroma index at {index_location(settings)} ({exc}); check the address, or re-create it with `python -m ingest --reset`") from None
    except BaseException as exc:  # the Rust bindings raise their own panics on a corrupted folder
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise AssistantError(f"the Chroma index at {settings.db_dir} cannot be opened ({type(exc).__name__}); delete that folder and run `python -m ingest`") from None


def build_metadata(settings: Settings, dim: int, runtime: str | None = None) -> dict:
    """What the collection remembers about how it was built (`runtime`: the embedder's, else the settings')."""
    runtime = runtime or settings.embedder_runtime
    return {
        "hnsw:space": "cosine",
        "embedding_model": settings.embedding_model,
        "dimension": dim,
        "embedder_runtime": runtime,
        "embedder_precision": vector_precision(runtime),
        "chunk_size": settings.chunk_size,
        "chunk_overlap": settings.chunk_overlap,
    }


def check_embedder(metadata: dict, settings: Settings, dim: int | None, where: str, runtime: str | None = None) -> None:
    """Raise `EmbedderMismatch` when the collection was built with another embedder (dim None: name only)
    or with vectors of another precision than `runtime` gives (None: the settings' embedder_runtime).

    torch and onnx both give fp32 vectors (the same to ~1e-6), so either reads and extends an index
    built by the other; int8 vectors are refused by an fp32 embedder and the other way round.
    """
    built_with = (metadata.get("embedding_model"), metadata.get("dimension"))
    if built_with != (settings.embedding_model, built_with[1] if dim is None else dim):
        raise EmbedderMismatch(
            f"the index at {where} was built with embedder {built_with[0]!r} (dimension {built_with[1]}), "
            f"but the settings use {settings.embedding_model!r} (dimension {dim}): set ASSISTANT_EMBEDDING_MODEL="
            f"{built_with[0]} or rebuild with `python -m ingest --reset`"
        )
    runtime = runtime or settings.embedder_runtime
    built_runtime = metadata.get("embedder_runtime", "torch")  # an index from before the setting: PyTorch built it
    built_precision = metadata.get("embedder_precision", "fp32")
    if built_precision != vector_precision(runtime):
        raise EmbedderMismatch(
            f"the index at {where} holds {built_precision} vectors (built with embedder_runtime={built_runtime}), "
            f"but embedder_runtime={runtime} gives {vector_precision(runtime)} vectors, which must not be mixed with them: "
            f"set ASSISTANT_EMBEDDER_RUNTIME={built_runtime} or rebuild with `python -m ingest --reset`"
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


SENTENCE_SPANS, SENTENCE_VECTORS = "sentence_spans", "sentence_vectors"


def pack_sentences(spans: list[tuple[int, int]], vectors: list[np.ndarray | None]) -> dict:
    """Chunk metadata holding its sentence vectors (float16, base64) and their spans in its text.

    >>> meta = pack_sentences([(0, 5), (6, 9)], [np.array([0.6, 0.8]), None])
    >>> meta["sentence_spans"], {k: v.tolist() for k, v in sentence_vectors(meta).items()}
    ('0:5', {(0, 5): [0.60009765625, 0.7998046875]})
    """
    kept = [(span, vector) for span, vector in zip(spans, vectors) if vector is not None]
    if not kept:
        return {}
    matrix = np.stack([vector for _, vector in kept]).astype(np.float16)
    return {SENTENCE_SPANS: " ".join(f"{start}:{end}" for (start, end), _ in kept), SENTENCE_VECTORS: base64.b64encode(matrix.tobytes()).decode("ascii")}


def sentence_vectors(meta: dict) -> dict[tuple[int, int], np.ndarray]:
    """(start, end) in the chunk's text -> sentence vector, from `pack_sentences` metadata; {} if none or damaged."""
    spans, packed = meta.get(SENTENCE_SPANS), meta.get(SENTENCE_VECTORS)
    if not spans or not packed:
        return {}
    try:
        keys = [(int(a), int(b)) for a, b in (pair.split(":", 1) for pair in spans.split())]
        matrix = np.frombuffer(base64.b64decode(packed), dtype=np.float16).reshape(len(keys), -1).astype(np.float32)
    except (ValueError, binascii.Error):
        return {}  # the question then embeds the sentences itself
    return dict(zip(keys, matrix))


@dataclass
class Index:
    """An opened index: the Chroma collection and the keyword index built from it."""

    collection: Collection
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

    def documents(self) -> dict[str, ManifestEntry]:
        """Manifest entries of the ingested documents, by source name.

        A host that did not ingest (another app instance of a Chroma server) has no manifest:
        it lists the documents the server's chunks name, with their title and notice.
        """
        manifest = read_manifest(self.settings)
        return manifest.documents if manifest is not None else documents_from_chunks(self.collection)

    def texts(self) -> Iterator[str]:
        """The full text of every ingested document (`document_text`), the manifest read once."""
        for source, entry in self.documents().items():
            yield self._text(source, entry)

    def document_text(self, source: str) -> str:
        """Full text of an ingested document, the text its offsets point into.

        Only names in the index resolve, and only to the copy the index keeps, so no
        parameter can read any other file (no path traversal). Without the ingesting host's
        copy, the text is rebuilt from the document's chunks at their offsets (what lay
        between chunks, such as headings, is left blank), so every citation still points right.
        """
        entry = self.documents().get(source)
        if entry is None:
            raise AssistantError(f"no document named {source!r} in the index; pick one of the listed sources")
        return self._text(source, entry)

    def _text(self, source: str, entry: ManifestEntry) -> str:
        kept = self.settings.db_dir / "docs" / f"{entry.sha256}.txt"
        if entry.sha256 and kept.exists():
            return kept.read_text(encoding="utf-8")
        got = self.collection.get(where={"source": source}, include=["documents", "metadatas"])
        return text_from_chunks([chunk_from_record(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])])

    def passages_of(self, source: str) -> list[Passage]:
        """Every chunk of one document, in document order, with the sentence vectors stored at ingest."""
        got = self.collection.get(where={"source": source}, include=["documents", "metadatas"])
        passages = [Passage(chunk_from_record(i, d, m), 0.0, 0.0, sentence_vectors(m)) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
        return sorted(passages, key=lambda p: p.chunk.start)

    def ids_for(self, sources: list[str]) -> set[str]:
        """Chunk ids of the given documents (for filtering the keyword index), asked of Chroma."""
        return set(self.collection.get(where={"source": {"$in": list(sources)}}, include=[])["ids"])


def text_from_chunks(chunks: list[Chunk]) -> str:
    """A document's text rebuilt from its chunks, each at its own offsets, blanks between.

    >>> text_from_chunks([Chunk("b", "s", "", "", 9, 12, "two"), Chunk("a", "s", "", "", 0, 3, "One")])
    'One      two'
    """
    text = [" "] * max((c.end for c in chunks), default=0)
    for chunk in chunks:
        text[chunk.start : chunk.end] = chunk.text
    return "".join(text)


def documents_from_chunks(collection) -> dict[str, ManifestEntry]:
    """Source -> entry (title, notice, chunk ids, sections; no hash), read from the chunks' metadata page by page."""
    found: dict[str, ManifestEntry] = {}
    sections: dict[str, set[str]] = {}
    for offset in range(0, collection.count(), PAGE):
        got = collection.get(include=["metadatas"], limit=PAGE, offset=offset)
        for chunk_id, meta in zip(got["ids"], got["metadatas"]):
            entry = found.setdefault(meta["source"], ManifestEntry(title=meta.get("title", ""), notice=meta.get("notice", "")))
            entry.chunk_ids.append(chunk_id)
            sections.setdefault(meta["source"], set()).add(meta.get("section", ""))
    for source, entry in found.items():
        entry.sections = len(sections[source] - {""})
    return found


def open_index(settings: Settings, dim: int, runtime: str | None = None) -> Index:
    """Open the collection for querying by an embedder of `dim` run by `runtime` (None: the settings');
    raises `IndexMissing` or `EmbedderMismatch` with the fix."""
    where = index_location(settings)
    if not settings.chroma_host and not settings.db_dir.exists():
        raise IndexMissing.at(where)
    client = chroma_client(settings)
    try:
        collection = client.get_collection(settings.collection)
    except Exception:
        raise IndexMissing.at(where) from None
    check_embedder(collection.metadata or {}, settings, dim, where, runtime)
    if collection.count() == 0:
        raise IndexMissing.at(where)
    return Index(collection, ensure_keyword_index(collection, settings.keyword_dir), settings)
