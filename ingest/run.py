"""Ingest orchestration: only what changed is parsed, embedded and written.

Documents are compared by content hash with the manifest; a chunk id is derived from its
text and place, so unchanged chunks of an edited document are not embedded again. The
manifest is written last: a run killed midway is repaired by the next run.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

from assistant.core.errors import AssistantError
from assistant.core.settings import Settings
from assistant.core.types import Chunk
from assistant.index.keyword import saved_build_id
from assistant.index.manifest import Manifest, ManifestEntry, read_manifest
from ingest.load import Failure, SourceFile, discover, read_text
from ingest.parse import parse_document
from ingest.split import SPLITTER_VERSION, chunk_document, make_splitter

if TYPE_CHECKING:
    from langchain_text_splitters import RecursiveCharacterTextSplitter


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"documents: {len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.failures)} failed; chunks: {self.chunks} "
            f"({self.embedded} embedded); {self.seconds:.1f}s"
        )


@dataclass(frozen=True)
class TextDocument:
    """A document in memory: `source` names it in the index, offsets point into `text`.

    `title` is used when the text has no title line of its own; `path` is only recorded.
    """

    source: str
    text: str
    title: str = ""
    path: str = ""


def ingest(paths: list[Path], settings: Settings, *, reset: bool = False, prune: bool = False, embeddings=None, progress: bool = True) -> IngestReport:
    """Bring the index in line with the documents under `paths`; safe to re-run at any time."""
    files, failures = discover(paths)
    return _locked(settings, _read_files(files, failures), failures, len(files), reset, prune, embeddings, progress)


def ingest_documents(documents: Iterable[TextDocument], settings: Settings, *, reset: bool = False, prune: bool = False, embeddings=None, progress: bool = True) -> IngestReport:
    """`ingest` for documents already in memory (e.g. a dataset's paragraphs); same guarantees."""
    documents = list(documents)
    return _locked(settings, documents, [], len(documents), reset, prune, embeddings, progress)


def _locked(settings: Settings, documents, failures: list[Failure], total: int, *options) -> IngestReport:
    with ingest_lock(settings):
        return _ingest_locked(documents, failures, total, settings, *options)


@contextmanager
def ingest_lock(settings: Settings) -> Iterator[None]:
    """Held by every write to the index (CLI ingest, the app's uploads and removals); refuses at once when taken."""
    settings.db_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(settings.db_dir / "ingest.lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise AssistantError(f"another ingest is writing to {settings.db_dir}; wait for it to finish, then run again") from None
    try:
        yield
    finally:
        lock.release()


def _read_files(files: list[SourceFile], failures: list[Failure]) -> Iterator[TextDocument]:
    """Each readable file as a `TextDocument`; unreadable ones are added to `failures`."""
    for file in files:
        try:
            text = read_text(file.path)
        except (OSError, ValueError) as exc:
            failures.append(Failure(file.source, str(exc)))
            continue
        yield TextDocument(file.source, text, file.path.stem.replace("-", " ").replace("_", " "), str(file.path.resolve()))


def _ingest_locked(documents, failures, total, settings, reset, prune, embeddings, progress) -> IngestReport:
    began = time.perf_counter()
    report = IngestReport(failures=failures)
    known = None if reset else read_manifest(settings)
    rechunk = known is not None and known.splitter != SPLITTER_VERSION  # cut by an older sentence rule: every document is cut again
    entries: dict[str, ManifestEntry] = dict(known.documents) if known else {}
    splitter = partial(make_splitter, settings.chunk_size, settings.chunk_overlap)  # made when a document changed
    fresh: list[Chunk] = []
    stale: list[str] = []
    texts: dict[str, str] = {}  # content hash -> text, for the documents that changed
    seen: set[str] = set()
    for document in _progress(documents, total, progress):
        seen.add(document.source)
        before = entries.get(document.source)
        changed = _ingest_document(document, before, splitter, report, rechunk)
        if changed is None:
            continue
        entry, chunks = changed
        old_ids = set(before.chunk_ids) if before else set()
        fresh.extend(c for c in chunks if c.chunk_id not in old_ids)
        stale.extend(old_ids - set(entry.chunk_ids))
        texts[entry.sha256] = document.text
        entries[document.source] = entry
    if prune:
        present = seen | {f.source for f in report.failures}
        for source in sorted(set(entries) - present):
            stale.extend(entries.pop(source).chunk_ids)
            report.removed.append(source)
    manifest = Manifest(**settings.chunker_config(), splitter=SPLITTER_VERSION, embedding_model=settings.embedding_model, embedder_runtime=settings.embedder_runtime, documents=entries)
    # Equal only when no document was added, changed or removed and nothing was reset (an entry
    # written anew carries its own time), so there is nothing to embed, delete or keep.
    if manifest == known and _index_in_place(settings):
        report.chunks = len(manifest.chunk_ids())  # nothing to write: Chroma and the embedder are not even imported
    else:
        from assistant.index.embedder import Embedder
        from assistant.index.writer import IndexWriter

        report.chunks = IndexWriter(settings, Embedder.around(embeddings) if embeddings else None, progress).commit(manifest, fresh, stale, texts, reset=reset)
    report.embedded = len(fresh)
    report.seconds = time.perf_counter() - began
    return report


def _index_in_place(settings: Settings) -> bool:
    """True when the local index the manifest describes is on disk: the Chroma store and a keyword
    index that finished building (the manifest is written after both). A Chroma server may have
    other writers, so its index is always opened and checked."""
    return not settings.chroma_host and (settings.db_dir / "chroma.sqlite3").is_file() and saved_build_id(settings.keyword_dir) is not None


def _ingest_document(document: TextDocument, known: ManifestEntry | None, splitter: Callable[[], RecursiveCharacterTextSplitter], report: IngestReport,
                     rechunk: bool = False) -> tuple[ManifestEntry, list[Chunk]] | None:
    """The new manifest entry of a changed document and its chunks; None when it is unchanged (or
    empty). With `rechunk`, an unchanged document is cut again too (its chunks that did not move
    keep their ids, so only the others are embedded)."""
    text = document.text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if known and known.sha256 == digest and not rechunk:
        report.unchanged.append(document.source)
        return None
    parsed = parse_document(text, fallback_title=document.title)
    chunks = chunk_document(document.source, text, parsed, splitter())
    if not chunks:
        report.failures.append(Failure(document.source, "no content left after removing boilerplate"))
        return None
    (report.updated if known else report.added).append(document.source)
    entry = ManifestEntry(sha256=digest, path=document.path, title=parsed.title, notice=parsed.notice, chunk_ids=[c.chunk_id for c in chunks],
                          sections=len({c.section for c in chunks if c.section}), indexed_at=datetime.now(UTC).isoformat(timespec="seconds"))
    return entry, chunks


def _progress(documents, total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(documents, total=total, desc="reading", unit="file", disable=not enabled or total < 20)
