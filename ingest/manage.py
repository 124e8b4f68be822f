"""Documents added and removed one at a time (the app's Documents tab), through the CLI's own path.

An added file is copied into the corpus folder (`settings.corpus_dir`) and named as
`python -m ingest` names it there (`corpus/<file>`), then ingested by `ingest.run` under the
same ingest lock: a later re-ingest of the folder finds it unchanged. Nothing is deleted: a
replaced or removed file is moved into `<db_dir>/removed/`, from where it can be put back.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.core.errors import AssistantError
from assistant.core.settings import Settings
from assistant.index.manifest import read_manifest
from assistant.index.writer import IndexWriter
from ingest.load import SUPPORTED, Failure, SourceFile, read_text
from ingest.run import IngestReport, _ingest_locked, _read_files, ingest_lock

REPLACE_HINT = "tick “Replace documents with the same name” to replace it"


@dataclass(frozen=True)
class Removal:
    """A document taken out of the index; `kept_at` is where its file was moved (None: it was not in the corpus folder)."""

    source: str
    title: str
    kept_at: Path | None


def source_name(settings: Settings, name: str) -> str:
    """The index name of file `name` in the corpus folder, as the CLI's folder walk gives it, e.g. `corpus/a.txt`."""
    return f"{settings.corpus_dir.resolve().name}/{name}"


def removed_dir(settings: Settings) -> Path:
    """Where replaced and removed files are moved to."""
    return settings.db_dir / "removed"


def add_files(uploads: list[Path], settings: Settings, *, replace: bool = False, embeddings=None, progress: bool = False,
              step: Callable[[float, str], None] | None = None) -> IngestReport:
    """Store `uploads` in the corpus folder and ingest them; a bad file is reported by name, the rest still ingested.

    A name already in the folder or the index is refused unless `replace`; `step(fraction, text)` hears the progress.
    """
    step = step or (lambda fraction, text: None)
    with ingest_lock(settings):
        known = read_manifest(settings)
        sources = set(known.documents) if known else set()
        failures: list[Failure] = []
        stored: list[SourceFile] = []
        for number, upload in enumerate(uploads):
            step(0.3 * number / len(uploads), f"Checking {upload.name}")
            target = settings.corpus_dir / upload.name
            problem = _store(upload, target, settings, replace, source_name(settings, upload.name) in sources)
            if problem:
                failures.append(Failure(upload.name, problem))
            else:
                stored.append(SourceFile(target, source_name(settings, upload.name)))
        if not stored:  # nothing to write: the index is left as it is
            return IngestReport(failures=failures)
        step(0.3, "Reading and embedding")
        return _ingest_locked(_read_files(stored, failures), failures, len(stored), settings, False, False, embeddings, progress)


def _store(upload: Path, target: Path, settings: Settings, replace: bool, indexed: bool) -> str:
    """Copy `upload` to `target` (the old file set aside when replacing); what is wrong with it, or ""."""
    if upload.name.startswith(".") or upload.suffix.lower() not in SUPPORTED:
        return f"not a {', '.join(SUPPORTED)} file; convert it to one of these"
    try:
        read_text(upload)
    except (OSError, ValueError) as exc:
        return str(exc)
    if (target.exists() or indexed) and not replace:
        return f"a document named {upload.name} is already in the index or {settings.corpus_dir}: {REPLACE_HINT}"
    try:
        if target.exists() and target.read_bytes() == upload.read_bytes():
            return ""
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.part")  # a dotted name: the folder walk skips it
        shutil.copyfile(upload, partial)
        if target.exists():
            set_aside(target, settings)
        os.replace(partial, target)
    except OSError as exc:
        return f"cannot be stored in {settings.corpus_dir} ({exc.strerror or exc}); make that folder writable"
    return ""


def set_aside(path: Path, settings: Settings) -> Path:
    """Move `path` into the removed folder under a dated name, e.g. `removed/a.20261201T170000Z.txt`; the new path."""
    folder = removed_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target, number = folder / f"{path.stem}.{stamp}{path.suffix}", 1
    while target.exists():
        number += 1
        target = folder / f"{path.stem}.{stamp}-{number}{path.suffix}"
    shutil.move(path, target)
    return target


def remove_document(source: str, settings: Settings) -> Removal:
    """Take `source` out of Chroma, the keyword index, the manifest and the kept texts; its file is set aside."""
    with ingest_lock(settings):
        manifest = read_manifest(settings)
        if manifest is None or source not in manifest.documents:
            raise AssistantError(f"no document named {source!r} in the index (any more): reload the page to see the list")
        entry = manifest.documents.pop(source)
        IndexWriter(settings).commit(manifest, [], list(entry.chunk_ids), {})
        if entry.sha256 and all(other.sha256 != entry.sha256 for other in manifest.documents.values()):
            (settings.db_dir / "docs" / f"{entry.sha256}.txt").unlink(missing_ok=True)
        path = Path(entry.path) if entry.path else None
        inside = path is not None and path.is_file() and path.resolve().is_relative_to(settings.corpus_dir.resolve())
        return Removal(source, entry.title or source, set_aside(path, settings) if inside else None)
