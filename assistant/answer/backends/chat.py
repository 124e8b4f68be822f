"""Language-model answers: any LangChain chat model drafts from fenced, numbered sources.

`ChatBackend` wraps a `BaseChatModel` (llama.cpp in-process, or any OpenAI-compatible API),
streams its tokens, and turns every failure of the model's library into `BackendFailed`
with secrets removed; the pipeline then answers extractively with a notice.

Sources are fenced and cleaned of instructions by `assistant.answer.guard` before a model sees them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.answer.condense import condense, needs_history
from assistant.answer.evidence import ScoredSentence
from assistant.answer.guard import fence, quarantine
from assistant.core import prompts
from assistant.core.errors import BackendFailed
from assistant.core.types import Passage
from assistant.index.keyword import terms_of

HISTORY_TURNS = 4  # messages of the conversation shown to the model when condensing
MAX_REWRITE_CHARS = 300
MAX_REASON_CHARS = 200
_MARKERS = re.compile(r"\s*\[\d+\]")


def answer_messages(question: str, passages: list[Passage]) -> list[BaseMessage]:
    """System rules, then the numbered, fenced sources and the question."""
    sources = "\n\n".join(prompts.SOURCE.format(number=n, text=fence(quarantine(p.chunk.text))) for n, p in enumerate(passages, start=1))
    return [SystemMessage(prompts.ANSWER_SYSTEM), HumanMessage(prompts.ANSWER_USER.format(sources=sources, question=fence(question)))]


def condense_messages(question: str, history: list[dict]) -> list[BaseMessage]:
    """The last turns of the conversation (citation markers removed) and the follow-up."""
    turns = "\n".join(f"{m['role'].title()}: {_MARKERS.sub('', m['content']).strip()}" for m in history[-HISTORY_TURNS:])
    return [SystemMessage(prompts.CONDENSE_SYSTEM), HumanMessage(prompts.CONDENSE_USER.format(history=turns, question=question))]


def accept_rewrite(question: str, rewrite: str) -> str | None:
    """The model's standalone question when it keeps every word of the follow-up and adds some.

    >>> accept_rewrite("When was it founded?", "When was NATO founded?")
    'When was NATO founded?'
    >>> accept_rewrite("When was it founded?", "NATO is an alliance.") is None
    True
    """
    lines = [line for line in rewrite.strip().splitlines() if line.strip()]
    text = lines[0].strip().strip("\"'“”") if lines else ""
    text = re.sub(r"^(rewritten question|question)\s*:\s*", "", text, flags=re.I).strip()
    own, new = set(terms_of(question)), set(terms_of(text))
    return text if text and len(text) <= MAX_REWRITE_CHARS and own <= new and new - own else None


@dataclass
class ChatBackend:
    """An answer backend around a LangChain chat model."""

    name: str
    model: BaseChatModel
    timeout: float
    failures: tuple[type[BaseException], ...]  # the model library's errors that mean "it failed"
    secrets: tuple[str, ...] = ()  # removed from every message we pass on
    where: str = ""  # the endpoint, named in failure messages

    def stream(self, question: str, passages: list[Passage], evidence: list[ScoredSentence]) -> Iterator[str]:
        yield from self._tokens(answer_messages(question, passages))

    def condense(self, question: str, history: list[dict]) -> str:
        """The standalone question, rewritten by the model; the rule-based one if that fails."""
        by_rule = condense(question, history)
        if not history or not needs_history(question):
            return by_rule
        try:
            return accept_rewrite(question, "".join(self._tokens(condense_messages(question, history)))) or by_rule
        except BackendFailed:
            return by_rule

    def _tokens(self, messages: list[BaseMessage]) -> Iterator[str]:
        deadline = time.monotonic() + self.timeout
        try:
            for chunk in self.model.stream(messages, stop=prompts.STOP):
                if isinstance(chunk.content, str) and chunk.content:
                    yield chunk.content
                if time.monotonic() > deadline:
                    raise BackendFailed(prompts.TIMEOUT_REASON.format(seconds=self.timeout))
        except self.failures as exc:
            raise BackendFailed(self.describe(exc)) from None

    def describe(self, exc: BaseException) -> str:
        """One line naming the failure, without any secret."""
        message = " ".join(str(exc).split()) or "no details"
        reason = f"{self.where + ': ' if self.where else ''}{type(exc).__name__}: {message}"[:MAX_REASON_CHARS]
        return redact(reason, self.secrets)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with the given secrets and anything shaped like an API key masked.

    >>> redact("Incorrect API key provided: sk-proj-abc123def456. Key abc", ("abc",))
    'Incorrect API key provided: sk-***. Key ***'
    """
    text = re.sub(r"\b(sk|key|api)[-_][A-Za-z0-9_*\-]{6,}", lambda m: m.group(1) + "-***", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
