"""Every error a user can meet, each with a message that names the fix.

Only the CLI and the UI turn these into friendly text; library code raises them.
"""

import functools
import os
import sys
from collections.abc import Callable
from typing import ParamSpec

P = ParamSpec("P")


class AssistantError(Exception):
    """Base class: the message is shown to the user as is."""

    exit_code = 2


class BadQuestion(AssistantError):
    """The question is empty, blank or too long."""


class IndexMissing(AssistantError):
    """No index at the configured location, or it holds no chunks."""

    @classmethod
    def at(cls, where: str) -> "IndexMissing":
        return cls(f"index is empty or missing at {where}: run `python -m ingest` (or `make run`) first")


class EmbedderMismatch(AssistantError):
    """The index was built with another embedding model than the one configured."""


class ChunkerMismatch(AssistantError):
    """The index was built with other chunker settings than the ones configured."""


class UnknownName(AssistantError):
    """A backend, embedder or retrieval mode name that no factory knows."""

    @classmethod
    def among(cls, kind: str, name: str, valid: list[str]) -> "UnknownName":
        return cls(f"unknown {kind} {name!r}: choose one of {', '.join(sorted(valid))}")


class BadInputFile(AssistantError):
    """A file passed on the command line cannot be used (history, batch)."""


class BackendUnavailable(AssistantError):
    """An answer backend cannot run here (package or model file missing, nothing configured)."""


class BackendFailed(AssistantError):
    """A language model failed while answering (server down, too slow, garbage, stream cut).

    The pipeline catches it and answers extractively, with a notice; users never see it raised.
    """


def cli_guard(interrupted: str = "") -> Callable[[Callable[P, int]], Callable[P, int]]:
    """Decorate a CLI's `main` so no error reaches the user as a traceback; returns the exit status.

    An `AssistantError` becomes `error: <message>` and its exit code (2); Ctrl-C prints `interrupted`
    (if given) and gives 130; anything else is a bug, reported by `report_unexpected` (1).
    """

    def decorate(main: Callable[P, int]) -> Callable[P, int]:
        @functools.wraps(main)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> int:
            try:
                return main(*args, **kwargs)
            except AssistantError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return exc.exit_code
            except KeyboardInterrupt:
                if interrupted:
                    print(interrupted, file=sys.stderr)
                return 130
            except Exception as exc:  # the last guard: a bug must still not print a traceback at a user
                return report_unexpected(exc)

        return guarded

    return decorate


def report_unexpected(exc: Exception) -> int:
    """One line instead of a traceback (re-raised when ASSISTANT_DEBUG is set); exit status 1."""
    if os.environ.get("ASSISTANT_DEBUG"):
        raise exc
    print(f"error: unexpected {type(exc).__name__}: {exc}. Set ASSISTANT_DEBUG=1 to see the traceback and report it.", file=sys.stderr)
    return 1
