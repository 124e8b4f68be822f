"""The ingest manifest (documents, their hashes and chunk ids) and the document copies the offsets point into.

Both are written so that a crash leaves the old file or the new one, never half.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from assistant.core.errors import AssistantError
from assistant.core.settings import Settings

MANIFEST_VERSION = 1


class ManifestEntry(BaseModel):
    """One ingested document: its content hash (the name of its kept copy), title, notice and chunk ids.

    A document listed from a Chroma server's chunks (a host that did not ingest) has no hash or path;
    one from a manifest written before a field existed has its default (sections None, indexed_at "").
    """

    sha256: str = ""
    path: str = ""
    title: str = ""
    notice: str = ""
    chunk_ids: list[str] = Field(default_factory=list)
    sections: int | None = None  # headed sections its chunks fall in (None: not recorded)
    indexed_at: str = ""  # when this version was ingested, ISO 8601 UTC ("": not recorded)


class Manifest(BaseModel):
    """What the last ingest wrote: how it chunked and embedded, and every document by source name."""

    version: int = MANIFEST_VERSION
    chunk_size: int | None = None
    chunk_overlap: int | None = None
    embedding_model: str = ""
    embedder_runtime: str = ""  # the settings' runtime at that ingest ("": not recorded)
    splitter: int = 1  # the sentence rule its chunks were cut by (ingest.split.SPLITTER_VERSION; 1: not recorded, the first)
    documents: dict[str, ManifestEntry] = Field(default_factory=dict)

    def chunk_ids(self) -> set[str]:
        return {i for entry in self.documents.values() for i in entry.chunk_ids}


def read_manifest(settings: Settings) -> Manifest | None:
    """The ingest manifest; None when this host never ingested."""
    try:
        return Manifest.model_validate_json(settings.manifest_path.read_bytes())
    except FileNotFoundError:
        return None
    except ValidationError:
        raise AssistantError(f"the manifest {settings.manifest_path} is damaged: run `python -m ingest --reset`") from None


def write_manifest(settings: Settings, manifest: Manifest) -> None:
    write_json_atomic(settings.manifest_path, manifest.model_dump(mode="json"))


def write_json_atomic(path: Path, data: dict) -> None:
    """Write `data` so that a crash leaves either the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def save_document_text(folder: Path, digest: str, text: str) -> None:
    """Keep the document text the offsets point into, for the citation viewer."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}.txt"
    if not target.exists():
        tmp = target.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
