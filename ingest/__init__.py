"""Ingest: load -> parse (clean, structure) -> split -> embed -> write (Chroma + keyword index)."""

from assistant import offline as _offline  # noqa: F401  (must run before library imports)
