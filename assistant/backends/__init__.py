"""Answer backends: the one factory that turns a backend name into an object.

A backend writes a draft answer with `[n]` markers, n being the 1-based number of a
retrieved passage; `assistant.cite` checks and pins those markers afterwards.
"""

from __future__ import annotations

from typing import Callable, Iterator, Protocol

from assistant.errors import UnknownName
from assistant.evidence import ScoredSentence
from assistant.settings import Settings
from assistant.types import Passage


class AnswerBackend(Protocol):
    name: str

    def stream(self, question: str, passages: list[Passage], evidence: list[ScoredSentence]) -> Iterator[str]:
        """The draft answer, piece by piece (tokens or sentences), with `[n]` passage markers."""
        ...


def _extractive(settings: Settings) -> AnswerBackend:
    from assistant.backends.extractive import ExtractiveBackend

    return ExtractiveBackend(max_sentences=settings.answer_sentences)


BACKENDS: dict[str, Callable[[Settings], AnswerBackend]] = {"extractive": _extractive}


def available_backends(settings: Settings) -> dict[str, str | None]:
    """Every backend name -> None when it can run here, else the reason it cannot (with the fix)."""
    return {name: None for name in BACKENDS}


def get_backend(name: str, settings: Settings) -> AnswerBackend:
    """The backend called `name`; an unknown name lists the valid ones."""
    if name not in BACKENDS:
        raise UnknownName.among("answer backend", name, list(BACKENDS))
    return BACKENDS[name](settings)
