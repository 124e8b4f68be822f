"""Ingest: load -> parse (clean, structure) -> split -> diff against the manifest -> `assistant.index.writer` (Chroma + keyword index)."""

from assistant import offline as _offline  # noqa: F401  (must run before library imports)
