"""Retrieval assistant whose every sentence cites the passage it came from."""

from assistant import offline as _offline  # noqa: F401  (must run before library imports)
