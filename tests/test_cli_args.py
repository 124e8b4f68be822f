"""What the three command lines share: the index flags (one parent parser) and the last-resort guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app.cli import build_parser as assistant_parser
from assistant.core.errors import BadQuestion, cli_guard
from assistant.core.settings import settings_from
from eval.__main__ import build_parser as eval_parser
from ingest.__main__ import parse_args as ingest_args

INDEX_FLAGS = ["--db", "/tmp/somewhere", "--chroma-host", "chroma.lan", "--chroma-port", "9000"]


@pytest.mark.parametrize(
    "parse, argv",
    [
        (assistant_parser().parse_args, ["ask", "What is NATO?"]),
        (assistant_parser().parse_args, ["serve"]),
        (assistant_parser().parse_args, ["settings"]),
        (ingest_args, ["corpus"]),
        (eval_parser().parse_args, ["run"]),
        (eval_parser().parse_args, ["sweep"]),
        (eval_parser().parse_args, ["calibrate"]),
    ],
)
def test_every_command_takes_the_index_flags_into_its_settings(parse, argv):
    settings = settings_from(parse([*argv, *INDEX_FLAGS]))
    assert (settings.db_dir, settings.chroma_host, settings.chroma_port) == (Path("/tmp/somewhere"), "chroma.lan", 9000)


def test_flags_not_given_leave_the_settings_alone():
    args = assistant_parser().parse_args(["serve", "--port", "7999", "--scorer", "heuristic"])
    settings = settings_from(args)
    assert (settings.port, settings.scorer, settings.host, settings.backend) == (7999, "heuristic", "127.0.0.1", "extractive")


def _raising(exc: BaseException):
    def main() -> int:
        raise exc

    return main


@pytest.mark.parametrize(
    "exc, status, line",
    [
        (BadQuestion("the question is empty: type a question"), 2, "error: the question is empty: type a question"),
        (KeyboardInterrupt(), 130, ""),
        (ZeroDivisionError("division by zero"), 1, "error: unexpected ZeroDivisionError: division by zero. Set ASSISTANT_DEBUG=1 to see the traceback and report it."),
    ],
)
def test_the_guard_turns_errors_into_one_line_and_an_exit_status(monkeypatch, capsys, exc, status, line):
    monkeypatch.delenv("ASSISTANT_DEBUG", raising=False)
    assert cli_guard()(_raising(exc))() == status
    assert capsys.readouterr().err.strip() == line


def test_the_guard_says_what_an_interruption_left(capsys):
    assert cli_guard(interrupted="interrupted: run it again")(_raising(KeyboardInterrupt()))() == 130
    assert capsys.readouterr().err == "interrupted: run it again\n"


def test_the_guard_passes_the_status_through_and_shows_a_bug_in_debug_mode(monkeypatch):
    assert cli_guard()(lambda: 0)() == 0
    monkeypatch.setenv("ASSISTANT_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        cli_guard()(_raising(ZeroDivisionError()))()
