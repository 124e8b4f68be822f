"""Command line: `python -m assistant ask|serve|settings`.

The JSON of `ask --json` is the contract other tools and the eval rely on. Errors become one
line on stderr that names the fix, with exit status 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.app.confidence import answer_json, of_answer
from assistant.app.refusal import explain, said
from assistant.core.errors import AssistantError, BadInputFile, cli_guard
from assistant.core.settings import index_arguments, settings_from
from assistant.core.types import Answer, Message, validate_history


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="Ask the documents; every sentence cites its passage.")
    commands = parser.add_subparsers(dest="command", required=True)
    shared = [index_arguments(), _answer_arguments()]
    ask = commands.add_parser("ask", parents=shared, help="answer one question, or a batch")
    ask.add_argument("question", nargs="?", help="the question (omit with --batch)")
    ask.add_argument("--history", type=Path, help="JSON list of {role, content} messages before the question")
    ask.add_argument("--batch", type=Path, help="JSONL file, one {question, history} request a line")
    ask.add_argument("--k", type=int, help="passages to retrieve")
    ask.add_argument("--backend", help="answer backend (extractive, local, openai)")
    ask.add_argument("--source", action="append", help="only search this document (repeatable)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    serve = commands.add_parser("serve", parents=shared, help="start the chat app")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    commands.add_parser("settings", parents=shared, help="print the effective settings")
    return parser


def _answer_arguments() -> argparse.ArgumentParser:
    """The answering flags of every command (a parent parser); each `dest` is a settings field."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--model-path", type=Path, help="GGUF file for the local backend")
    parser.add_argument("--openai-base-url", help="OpenAI-compatible endpoint for the openai backend (env OPENAI_BASE_URL); the key only from OPENAI_API_KEY")
    parser.add_argument("--openai-model", help="model name sent to that endpoint")
    parser.add_argument("--scorer", help="answer scorer: learned (default), heuristic, or a cross-encoder folder")
    return parser


@cli_guard()
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = settings_from(args)
    if args.command == "settings":
        print(settings.describe())
        return 0
    if args.command == "serve":
        from assistant.app.ui import main as serve

        return serve(settings)
    return _ask(args, settings)


def _ask(args: argparse.Namespace, settings) -> int:
    from assistant.answer.pipeline import Pipeline, clean_question

    if args.batch:
        requests = read_batch(args.batch)
        pipeline = Pipeline.load(settings)
        return _ask_batch(pipeline, requests, args)
    if args.question is None:
        raise BadInputFile("no question given: `python -m assistant ask \"your question\"` or `--batch FILE.jsonl`")
    question = clean_question(args.question, settings.max_question_chars)
    history = read_history(args.history) if args.history else []
    pipeline = Pipeline.load(settings)
    stream = pipeline.stream(question, history=history, k=args.k, backend=args.backend, sources=args.source)
    answer = _consume(stream, echo=not args.json and pipeline.backend(args.backend).name != "extractive")
    if answer.refused and not args.json:
        why = explain(pipeline, answer, history=history, sources=args.source, k=args.k)
        print(format_answer(answer, pipeline.refusal_threshold, said(why, "--source")))
        return 0
    print(_shown(answer, pipeline.refusal_threshold, args.json))
    return 0


def _ask_batch(pipeline, requests: list[dict], args) -> int:
    failed = 0
    for request in requests:
        try:
            answer = pipeline.answer(request["question"], history=request.get("history", []), k=args.k, backend=args.backend, sources=args.source)
            print(_shown(answer, pipeline.refusal_threshold, args.json) + ("" if args.json else "\n"), flush=True)
        except AssistantError as exc:
            failed += 1
            print(json.dumps({"question": request.get("question"), "error": str(exc)}, ensure_ascii=False), flush=True)
    return 1 if failed else 0


def _consume(stream, echo: bool) -> Answer:
    """Drain a pipeline stream, echoing draft pieces to stderr when asked; return the Answer."""
    for item in stream:
        if isinstance(item, Answer):
            if echo:
                print(file=sys.stderr)
            return item
        if echo:
            print(item, end="", file=sys.stderr, flush=True)
    raise AssistantError("the answer stream ended without an answer; try again")


def _shown(answer: Answer, threshold: float, as_json: bool) -> str:
    """The answer as printed: one JSON line with its `confidence`, or text."""
    if as_json:
        return json.dumps(answer_json(answer, threshold), ensure_ascii=False)
    return format_answer(answer, threshold)


def format_answer(answer: Answer, threshold: float | None = None, why: str = "") -> str:
    """The answer (after a notice, if any), how well it is supported or why it was refused, then its numbered sources with the quoted span."""
    lines = ([f"Note: {answer.notice}", ""] if answer.notice else []) + [answer.answer, ""] + ([why, ""] if why else [])
    support = of_answer(answer, threshold) if threshold is not None else None
    if support:
        lines += [f"{'' if support.level == 'overview' else 'Confidence: '}{support.label} ({support.detail})", ""]
    if answer.citations:
        lines.append("Sources:")
        for c in answer.citations:
            where = " > ".join(part for part in (c.title, c.section) if part)
            unsupported = " [does not support the sentence citing it]" if c.supported is False else ""
            lines.append(f"[{c.id}] {where} ({c.source}, characters {c.start}-{c.end}){unsupported}\n    “{c.text}”")
    elif answer.passages:
        lines.append("Closest passages:")
        for i, p in enumerate(answer.passages, start=1):
            lines.append(f"  {i}. {p.chunk.title} > {p.chunk.section} ({p.chunk.source}): {p.chunk.text[:160]}…")
    return "\n".join(lines)


def read_history(path: Path) -> list[Message]:
    """A JSON list of {role, content} messages; raises `BadInputFile` naming the file and the bad field."""
    return validate_history(_load_json(path), where=str(path))


def read_batch(path: Path) -> list[dict]:
    """JSONL requests `{question, history}`; raises `BadInputFile` with the bad line's number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputFile(f"cannot read {path}: {exc}") from None
    requests = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInputFile(f"{path} line {number}: not JSON ({exc.msg}); each line must be {{\"question\": ..., \"history\": [...]}}") from None
        if not isinstance(request, dict) or not isinstance(request.get("question"), str):
            raise BadInputFile(f"{path} line {number}: needs a string \"question\" and an optional \"history\" list of {{role, content}}")
        requests.append(request | {"history": validate_history(request.get("history", []), where=f"{path} line {number}")})
    if not requests:
        raise BadInputFile(f"{path} has no requests: write one JSON object a line")
    return requests


def _load_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputFile(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BadInputFile(f"{path} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
