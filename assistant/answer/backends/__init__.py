"""Answer backends: the one factory that turns a backend name into an object.

A backend writes a draft answer with `[n]` markers, n being the 1-based number of a
retrieved passage; `assistant.answer.verify` and `assistant.answer.cite` check and pin those markers
afterwards. `extractive` quotes sentences (no model), `local` runs a GGUF model with
llama.cpp in a supervised worker process, `openai` calls any OpenAI-compatible endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol

from assistant.core.errors import UnknownName
from assistant.core.settings import Settings

if TYPE_CHECKING:  # the worker process imports this package: keep it light
    from assistant.answer.evidence import ScoredSentence
    from assistant.core.types import Passage


class AnswerBackend(Protocol):
    name: str

    def stream(self, question: str, passages: list[Passage], evidence: list[ScoredSentence]) -> Iterator[str]:
        """The draft answer, piece by piece (tokens or sentences), with `[n]` passage markers."""
        ...

    def condense(self, question: str, history: list[dict]) -> str:
        """The follow-up `question` rewritten to stand alone, given the conversation `history`."""
        ...


def _extractive(settings: Settings) -> AnswerBackend:
    from assistant.answer.backends.extractive import ExtractiveBackend

    return ExtractiveBackend(max_sentences=settings.answer_sentences, type_check=settings.answer_type_check, floor=settings.runner_up_floor)


def _local(settings: Settings) -> AnswerBackend:
    from assistant.answer.backends.local import local_backend

    return local_backend(settings)


def _openai(settings: Settings) -> AnswerBackend:
    from assistant.answer.backends.openai_api import openai_backend

    return openai_backend(settings)


def _local_problem(settings: Settings, wait: bool) -> str | None:
    from assistant.answer.backends.local import probe, problem

    return problem(settings) or probe(settings, wait)


def _openai_problem(settings: Settings, wait: bool) -> str | None:
    from assistant.answer.backends.openai_api import problem

    return problem(settings)


BACKENDS: dict[str, Callable[[Settings], AnswerBackend]] = {"extractive": _extractive, "local": _local, "openai": _openai}
PROBLEMS: dict[str, Callable[[Settings, bool], str | None]] = {"extractive": lambda settings, wait: None, "local": _local_problem, "openai": _openai_problem}


def available_backends(settings: Settings, *, wait: bool = True, names: list[str] | None = None) -> dict[str, str | None]:
    """Each backend name (`names`, default all) -> None when it can run here, else the reason it
    cannot (with the fix).

    Checks packages, model files and configuration; `local` also needs a worker to have loaded
    its model and written a word once in this process (`local.probe`: a few seconds in the
    background, then cached), so it is only probed when asked about. `wait=False` returns at
    once, `local` "still checking" meanwhile. No remote server is called.
    """
    return {name: PROBLEMS[name](settings, wait) for name in (names or list(BACKENDS))}


def get_backend(name: str, settings: Settings) -> AnswerBackend:
    """The backend called `name`; an unknown name lists the valid ones."""
    if name not in BACKENDS:
        raise UnknownName.among("answer backend", name, list(BACKENDS))
    return BACKENDS[name](settings)
