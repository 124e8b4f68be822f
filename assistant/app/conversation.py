"""A conversation without Gradio: turns, the history the pipeline sees, one streamed reply.

`ui.py` turns these into components; tests drive them directly. A reply never raises: bad
input, a missing index or a failing backend end as a turn whose `problem` says what to do.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from assistant.answer.pipeline import Pipeline, clean_question
from assistant.app import render as ui_render
from assistant.app.confidence import Confidence, of_answer
from assistant.app.refusal import Refusal, explain
from assistant.core.errors import AssistantError, BadQuestion
from assistant.core.settings import Settings
from assistant.core.types import Answer, Message, validate_history
from assistant.index.chroma import open_index

log = logging.getLogger(__name__)
NOTHING_TO_RETRY = "there is no question to search again yet: ask one first"


@dataclass(frozen=True)
class Turn:
    """One exchange: what the user typed, then the answer, a draft while it streams, or a problem."""

    question: str
    answer: Answer | None = None
    draft: str | None = None
    problem: str = ""
    confidence: Confidence | None = None  # how well the answer is supported (None: refused, or no answer yet)
    why: Refusal | None = None  # why the answer was refused
    answer_id: str = ""  # the key of its feedback record
    again: bool = False  # a "Search again" of the turn before it, which stays on screen but leaves the history
    stopped: bool = False  # the user stopped this answer while it streamed: its draft stays, marked

    def reply_html(self, number: int) -> str:
        if self.answer is not None:
            return ui_render.answer_html(self.answer, number, self.confidence, self.why)
        if self.problem:
            return ui_render.problem_html(self.problem)
        return ui_render.draft_html(self.draft or "", stopped=self.stopped)


class PipelineHolder:
    """The pipeline, loaded on first use; a failed load (say, no index yet) is retried next time."""

    def __init__(self, settings: Settings, pipeline: Pipeline | None = None):
        self.settings, self._pipeline, self._lock = settings, pipeline, threading.Lock()

    def get(self) -> Pipeline:
        """The loaded pipeline; raises the `AssistantError` that says how to fix a failed load."""
        with self._lock:
            if self._pipeline is None:
                self._pipeline = Pipeline.load(self.settings)
            return self._pipeline

    def refresh(self) -> None:
        """See the index as the last write left it (after an upload or removal): reopen the collection, reload the keyword index.

        An index that cannot be opened any more (its last document removed) drops the pipeline: the next use says what to do.
        """
        with self._lock:
            if self._pipeline is None:
                return
            try:
                fresh = open_index(self.settings, self._pipeline.embeddings.dimension)
            except AssistantError:
                self._pipeline = None
                return
            self._pipeline.index.collection, self._pipeline.index.keyword = fresh.collection, fresh.keyword

    def document_text(self, source: str) -> str | None:
        """Full text of an indexed document, or None when it is not (or no longer) in the index."""
        try:
            return self.get().index.document_text(source)
        except (AssistantError, OSError):
            return None


def history(turns: Sequence[Turn]) -> list[dict]:
    """The conversation as the pipeline sees it: answered turns only, answers as plain text.

    Of a question searched again, only the latest answer counts: the earlier ones stay on screen.
    """
    messages = []
    for run in _runs(turns):
        answered_in_run = [turn for turn in run if turn.answer is not None]
        if answered_in_run:
            turn = answered_in_run[-1]
            messages += [{"role": "user", "content": turn.question}, {"role": "assistant", "content": turn.answer.answer}]
    return messages


def asked_after(turns: Sequence[Turn], number: int) -> list[Turn]:
    """The turns turn `number` was asked after: for a search again, those before the question it redoes."""
    start = number
    while start > 0 and turns[start].again:
        start -= 1
    return list(turns[:start])


def _runs(turns: Sequence[Turn]) -> Iterator[list[Turn]]:
    """Each question with the searches again that follow it, e.g. [A, B, B', B''] -> [A], [B, B', B'']."""
    run: list[Turn] = []
    for turn in turns:
        if run and not turn.again:
            yield run
            run = []
        run.append(turn)
    if run:
        yield run


def _layout(turns: Sequence[Turn]) -> Iterator[tuple[int, str, str]]:
    """(turn number, role, html) of every chat message; an empty question has no user bubble."""
    for number, turn in enumerate(turns):
        if turn.question:
            yield number, "user", ui_render.user_html(turn.question, again=turn.again)
        yield number, "assistant", turn.reply_html(number)


def messages(turns: Sequence[Turn]) -> list[dict]:
    """Chat messages ({role, content}) for the chatbot."""
    return [{"role": role, "content": content} for _, role, content in _layout(turns)]


def turn_of_message(turns: Sequence[Turn], index: int) -> int | None:
    """The number of the turn a chat message (by position) belongs to."""
    owners = [number for number, _, _ in _layout(turns)]
    return owners[index] if 0 <= index < len(owners) else None


def answered(turns: Sequence[Turn]) -> list[tuple[int, Answer]]:
    """(turn number, answer) of the turns that have an answer."""
    return [(number, turn.answer) for number, turn in enumerate(turns) if turn.answer is not None]


def clean_history(history: object) -> list[Message]:
    """A [{role, content}] list from an API caller; content may be Gradio's [{type, text}] parts."""
    if history in (None, ""):
        return []
    if isinstance(history, list):  # content as plain text first: Gradio sends parts, and may leave it out
        history = [m | {"content": _text(m.get("content"))} if isinstance(m, dict) else m for m in history]
    return validate_history(history, error=BadQuestion)


def _text(content: object) -> str:
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content if isinstance(content, str) else ""


def problem_with(settings: Settings, message: str, turns: Sequence[Turn], *, standalone: str | None = None, retry: bool = False) -> str:
    """What is wrong with a request before anything is searched, as `reply` would say it ("" when nothing is)."""
    if retry and (not turns or not turns[-1].question):
        return NOTHING_TO_RETRY
    try:
        clean_question(turns[-1].question if retry else message, settings.max_question_chars)
        if standalone is not None:
            clean_question(standalone, settings.max_question_chars)
    except BadQuestion as exc:
        return str(exc)
    return ""


def reply(holder: PipelineHolder, message: str, turns: Sequence[Turn], *, backend: str | None = None, k: int | None = None,
          sources: list[str] | None = None, standalone: str | None = None, retry: bool = False) -> Iterator[list[Turn]]:
    """The turns after each step: question with a placeholder, growing drafts, then the answer.

    `retry` answers the last turn's question again as a new turn (the earlier answer stays on
    screen, out of the history), with `standalone` as the question searched for (the user's
    edit of what the assistant searched).
    """
    turns = list(turns)
    if retry:
        if not turns or not turns[-1].question:
            yield turns + [Turn("", problem=NOTHING_TO_RETRY)]
            return
        message = turns[-1].question
    try:
        question = clean_question(message, holder.settings.max_question_chars)
        if standalone is not None:
            standalone = clean_question(standalone, holder.settings.max_question_chars)
    except BadQuestion as exc:
        yield turns + [Turn((message or "").strip(), problem=str(exc))]
        return
    yield turns + [Turn(question, draft="", again=retry)]
    asked = history(asked_after(turns + [Turn(question, again=retry)], len(turns)))
    for turn in _stream(holder, question, asked, backend=backend, k=k, sources=sources, standalone=standalone):
        yield turns + [replace(turn, again=retry)]


def _stream(holder: PipelineHolder, question: str, asked: list[dict], **options) -> Iterator[Turn]:
    """The reply's turn after each step, asked after the history `asked`."""
    draft = ""
    try:
        pipeline = holder.get()
        for item in pipeline.stream(question, history=asked, **options):
            if isinstance(item, Answer):
                yield finished(pipeline, question, item, asked, options)
                return
            draft += item
            yield Turn(question, draft=draft)
        yield Turn(question, problem="the answer ended before it was complete; try again")
    except AssistantError as exc:
        yield Turn(question, problem=str(exc))
    except Exception as exc:  # a bug or a broken backend: the user gets a message, the log the traceback
        log.exception("answering %r failed", question)
        yield Turn(question, problem=f"something went wrong while answering ({type(exc).__name__}); the details are in the server log. Try again, or pick another answer backend.")


def stop(turns: Sequence[Turn]) -> list[Turn]:
    """The turns after the user stopped the answer in progress: its draft kept, marked stopped (nothing else changes)."""
    turns = list(turns)
    if turns and turns[-1].answer is None and not turns[-1].problem and turns[-1].draft is not None:
        turns[-1] = replace(turns[-1], stopped=True)
    return turns


def finished(pipeline: Pipeline, question: str, answer: Answer, asked_after: list[dict], options: dict) -> Turn:
    """The turn holding a complete answer: how well it is supported, or why it was refused."""
    if answer.refused:
        why = explain(pipeline, answer, history=asked_after, sources=options.get("sources"), k=options.get("k"))
        return Turn(question, answer=answer, why=why, answer_id=uuid.uuid4().hex)
    return Turn(question, answer=answer, confidence=of_answer(answer, pipeline.refusal_threshold), answer_id=uuid.uuid4().hex)
