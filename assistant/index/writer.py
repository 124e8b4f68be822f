"""Write side of the index: the collection, its chunks, the keyword index, the manifest, the document copies.

`IndexWriter.commit` is the one call ingest makes once it knows what changed; the manifest is
written last, so a run killed midway is repaired by the next run.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from assistant.core.errors import ChunkerMismatch
from assistant.core.settings import Settings
from assistant.core.text import sentence_spans
from assistant.core.types import Chunk
from assistant.index.chroma import build_metadata, check_embedder, chroma_client, chunk_metadata, index_location, pack_sentences
from assistant.index.embedder import Embedder, embedder_for
from assistant.index.keyword import PAGE, KeywordIndex, all_records, keyword_is_current, record_build
from assistant.index.manifest import Manifest, save_document_text, write_manifest


@dataclass
class IndexWriter:
    """Writes one ingest's changes: chunks in and out of Chroma, the keyword index, the kept texts, the manifest."""

    settings: Settings
    embeddings: Embedder | None = None  # loaded only when something must be embedded
    progress: bool = False

    def commit(self, manifest: Manifest, fresh: list[Chunk], stale: list[str], texts: dict[str, str], *, reset: bool = False) -> int:
        """Upsert `fresh` chunks, delete `stale` ids, keep `texts` (content hash -> document text),
        rebuild the keyword index if anything changed, then write `manifest`; the number of chunks kept."""
        settings = self.settings
        # The embedder takes seconds to load: an unchanged corpus never loads it. A first ingest
        # loads it even with nothing to embed: a new collection records the embedder's dimension.
        if fresh or reset or not settings.manifest_path.exists():
            self.embeddings = self.embeddings or embedder_for(settings)
        runtime = self.embeddings.runtime if self.embeddings else None
        collection = open_collection(settings, self.embeddings.dimension if self.embeddings else None, reset, runtime)
        for digest, text in texts.items():
            save_document_text(settings.db_dir / "docs", digest, text)
        if fresh:
            assert self.embeddings is not None
            embed_and_upsert(collection, fresh, self.embeddings, settings.embed_batch_size, self.progress)
        delete_ids(collection, sorted(stale))
        keep = manifest.chunk_ids()
        if fresh or stale or reset or not keyword_is_current(collection, settings.keyword_dir):
            rebuild_keyword_index(collection, keep, settings.keyword_dir)
        write_manifest(settings, manifest)
        return len(keep)

def open_collection(settings: Settings, dim: int | None, reset: bool, runtime: str | None = None):
    """The collection to write into, created with its build metadata; checked when it exists.

    `dim` is None when nothing will be embedded: then the embedder's name (and precision) alone is
    checked. `runtime` is the embedder's (None: the settings' embedder_runtime).
    """
    client = chroma_client(settings)
    existing = [c.name for c in client.list_collections()]
    if reset and settings.collection in existing:
        client.delete_collection(settings.collection)
    if dim is None and (reset or settings.collection not in existing):
        raise ValueError("a new collection needs the embedder dimension: pass dim")
    collection = client.get_or_create_collection(settings.collection, metadata=build_metadata(settings, dim or 0, runtime), embedding_function=None)
    where = index_location(settings)
    check_embedder(collection.metadata or {}, settings, dim, where, runtime)
    built = {k: (collection.metadata or {}).get(k) for k in settings.chunker_config()}
    if built != settings.chunker_config():
        raise ChunkerMismatch(f"the index at {where} was built with chunker settings {built}, now {settings.chunker_config()}: re-ingest with `python -m ingest --reset`")
    return collection


def embed_and_upsert(collection, chunks: list[Chunk], embeddings: Embedder, batch_size: int, progress: bool) -> None:
    """Embed `chunks` in batches (with a progress bar) and upsert them by id.

    Chunks go in order of length so that each batch pads little: on a CPU this makes the
    embedder about as fast as one `encode` call over all texts, which sorts the same way.
    The same forward pass gives each sentence its vector, kept in the chunk's metadata.
    """
    chunks = sorted(chunks, key=lambda c: len(embed_text(c)))
    bar = tqdm(total=len(chunks), desc="embedding", unit="chunk", disable=not progress or not chunks)
    for i in range(0, len(chunks), batch_size):
        batch = chunks[i : i + batch_size]
        texts = [embed_text(c) for c in batch]
        spans = [sentence_spans(c.text) for c in batch]
        shifts = [len(t) - len(c.text) for t, c in zip(texts, batch)]  # the heading line before the text
        vectors, sentences = embeddings.with_sentences(texts, [[(s + shift, e + shift) for s, e in spans_] for spans_, shift in zip(spans, shifts)])
        collection.upsert(
            ids=[c.chunk_id for c in batch],
            embeddings=vectors,
            documents=[c.text for c in batch],
            metadatas=[chunk_metadata(c) | pack_sentences(spans_, vectors_) for c, spans_, vectors_ in zip(batch, spans, sentences)],
        )
        bar.update(len(batch))
    bar.close()


def embed_text(chunk: Chunk) -> str:
    """What the embedder sees: the heading path gives a chunk the context its sentences assume."""
    heading = " > ".join(part for part in (chunk.title, chunk.section) if part)
    return f"{heading}\n{chunk.text}" if heading else chunk.text


def delete_ids(collection, ids: list[str]) -> None:
    for i in range(0, len(ids), PAGE):
        collection.delete(ids=ids[i : i + PAGE])


def rebuild_keyword_index(collection, keep: set[str], folder: Path) -> int:
    """Drop orphans (ids no manifest entry owns), rebuild BM25 from what Chroma holds, record its build id."""
    ids, texts = all_records(collection)
    orphans = [i for i in ids if i not in keep]
    delete_ids(collection, orphans)
    pairs = [(i, t) for i, t in zip(ids, texts) if i in keep]
    if not pairs:  # BM25 cannot index nothing; an empty index is reported by `open_index`
        shutil.rmtree(folder, ignore_errors=True)
        return len(orphans)
    keyword = KeywordIndex.build([i for i, _ in pairs], [t for _, t in pairs])
    keyword.save(folder)
    record_build(collection, keyword.build_id)  # other instances compare their copy with this
    return len(orphans)

