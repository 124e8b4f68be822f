"""Retrieval assistant whose every sentence cites the passage it came from.

Stages, each a folder, imports one way: `app -> answer -> index -> core`.
The public face (`Pipeline`, `Settings`, `Answer`, `ChunkRetriever`) is re-exported lazily,
so `import assistant` stays cheap.
"""

from assistant import offline as _offline  # noqa: F401  (must run before library imports)

_PUBLIC = {
    "Pipeline": "assistant.answer.pipeline",
    "Settings": "assistant.core.settings",
    "Answer": "assistant.core.types",
    "ChunkRetriever": "assistant.index.retrieve",
}
__all__ = list(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
