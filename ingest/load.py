"""Find files under the given paths and read each into text, one failure per file.

`.txt`/`.md` are read as UTF-8 exactly (offsets point into the file); `.html` and `.pdf` are
turned into text first, and offsets point into that text (kept in the index for the viewer).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf")


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest: `source` is its stable name in the index, e.g. `corpus/a.txt`."""

    path: Path
    source: str


@dataclass(frozen=True)
class Failure:
    """A file that could not be ingested, with the reason shown to the user."""

    source: str
    reason: str


MAX_FILE_MB = 20  # larger files would take hours to embed on a laptop; split them first


def discover(paths: list[Path]) -> tuple[list[SourceFile], list[Failure]]:
    """Supported files under `paths`; a folder's files are named `<folder>/<relative path>`."""
    found: list[SourceFile] = []
    failures: list[Failure] = []
    for root in paths:
        if root.is_file():
            found.append(SourceFile(root, root.name))
        elif root.is_dir():
            inside = _walk(root, failures)
            found.extend(inside)
            if not inside:
                failures.append(Failure(str(root), f"no {', '.join(SUPPORTED)} files in this folder"))
        else:
            failures.append(Failure(str(root), "no such file or folder"))
    return sorted(set(found), key=lambda f: f.source), failures


def _walk(root: Path, failures: list[Failure]) -> list[SourceFile]:
    base = root.resolve()
    files = []
    for folder, dirs, names in os.walk(base, followlinks=False):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.suffix.lower() not in SUPPORTED or name.startswith("."):
                continue
            source = f"{base.name}/{path.relative_to(base).as_posix()}"
            problem = _link_problem(path, base)
            if problem:
                failures.append(Failure(source, problem))
                continue
            files.append(SourceFile(path, source))
    return files


def _link_problem(path: Path, base: Path) -> str | None:
    """Why a symlink cannot be ingested (a loop, a dangling link, a target outside the folder)."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "broken or looping symlink; skipped"
    if not target.is_relative_to(base):
        return "symlink points outside the folder; skipped"
    return None


def read_text(path: Path, max_mb: float = MAX_FILE_MB) -> str:
    """The document text of `path`; raises ValueError with a user-facing reason."""
    size_mb = path.stat().st_size / 1e6
    if size_mb > max_mb:
        raise ValueError(f"{size_mb:.1f} MB is over the {max_mb:g} MB limit; split the file into smaller documents")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _read_pdf(path)
    data = path.read_bytes()
    if not data.strip():
        raise ValueError("empty file")
    if b"\x00" in data[:8192]:
        raise ValueError("binary file, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 (byte {exc.start}); convert it to UTF-8") from None
    return _html_to_text(text) if suffix in (".html", ".htm") else text


def _html_to_text(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript"]):
        tag.decompose()
    lines = (line.strip() for line in soup.get_text("\n").splitlines())
    return "\n".join(line for line in lines if line)


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise ValueError("encrypted PDF; decrypt it first (e.g. `qpdf --decrypt`)")
        text = "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)
    except (PdfReadError, OSError, KeyError, TypeError) as exc:
        raise ValueError(f"broken PDF ({exc})") from None
    if not text.strip():
        raise ValueError("PDF has no extractable text (scanned images need OCR first)")
    return text
