"""Evaluation: the chat pipeline run over a question set, scored by pure metrics."""

from assistant import offline as _offline  # noqa: F401  (must run before library imports)
