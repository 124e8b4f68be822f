"""The ingest manifest (documents, their hashes and chunk ids) and the document copies the offsets point into.

Both are written so that a crash leaves the old file or the new one, never half.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from assistant.core.errors import AssistantError
from assistant.core.settings import Settings


def read_manifest(settings: Settings) -> dict:
    """The ingest manifest (documents, their hashes and chunk ids); empty when never ingested."""
    try:
        return json.loads(settings.manifest_path.read_text())
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError:
        raise AssistantError(f"the manifest {settings.manifest_path} is damaged: run `python -m ingest --reset`") from None


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
