"""The data that flows through the pipeline: Chunk -> Passage -> Answer.

The CLI's JSON, the UI and the eval all read the same `Answer`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from pydantic import TypeAdapter, ValidationError
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from assistant.core.errors import AssistantError, BadInputFile

HISTORY_SHAPE = 'history must be a list of {"role": "user"|"assistant", "content": "..."} messages'


class Message(TypedDict):
    """One message of the conversation before a question: CLI history and batch files, the API, eval cases."""

    role: Literal["user", "assistant"]
    content: str


_HISTORY = TypeAdapter(list[Message])


def validate_history(data: object, *, where: str = "", error: type[AssistantError] = BadInputFile) -> list[Message]:
    """`data` as a list of `Message`s (other keys dropped), or `error` naming the first bad field and the shape.

    >>> validate_history([{"role": "user", "content": "What is NATO?", "time": 1}])
    [{'role': 'user', 'content': 'What is NATO?'}]
    >>> validate_history([{"role": "robot", "content": "x"}], where="chat.json")
    Traceback (most recent call last):
    ...
    assistant.core.errors.BadInputFile: chat.json: history[0].role: input should be 'user' or 'assistant' (got 'robot'); history must be a list of {"role": "user"|"assistant", "content": "..."} messages
    """
    try:
        return _HISTORY.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "history" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"])
        got = "" if first["type"] == "missing" else f" (got {_short(first['input'])})"
        problem = f"{field}: {first['msg'][:1].lower()}{first['msg'][1:]}{got}; {HISTORY_SHAPE}"
        raise error(f"{where}: {problem}" if where else problem) from None


def _short(value: object, limit: int = 40) -> str:
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


@dataclass(frozen=True)
class Chunk:
    """A span of one source file: `original_text[start:end] == text`."""

    chunk_id: str
    source: str
    title: str
    section: str
    start: int
    end: int
    text: str
    notice: str = ""


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused rank score and its dense similarity to the query."""

    chunk: Chunk
    score: float
    similarity: float = 0.0
    # (start, end) in chunk.text -> that sentence's vector, stored at ingest (see assistant.index.chroma.pack_sentences)
    sentence_vectors: dict = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict:
        data = asdict(self.chunk)
        data.pop("notice")
        data["score"] = round(self.score, 6)
        return data


@dataclass(frozen=True)
class Citation:
    """One reference the answer points to with marker `[id]`; `text` is the exact cited span."""

    id: int
    source: str
    title: str
    section: str
    start: int
    end: int
    text: str
    notice: str = ""
    supported: bool | None = None


@dataclass(frozen=True)
class Sentence:
    """One sentence of the answer with the citation ids that back it."""

    text: str
    citations: tuple[int, ...]
    supported: bool | None = None
    support_score: float | None = None


@dataclass(frozen=True)
class Answer:
    """What the assistant says, with its evidence; serialised by `to_dict` for `--json`."""

    question: str
    standalone_question: str
    answer: str
    refused: bool
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    sentences: tuple[Sentence, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    backend: str = "extractive"
    notice: str = ""
    evidence_score: float = 0.0
    unknown_names: tuple[str, ...] = ()  # names of the question no passage contains (assistant.answer.names)
    unanswered_kind: str = ""  # refused: what the question asks for ("a city") that no passage close to it names (assistant.answer.answer_type)
    overview: int = 0  # documents this answer is an overview of (assistant.answer.overview); 0 for an answer to a question

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "standalone_question": self.standalone_question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [asdict(c) for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "sentences": [asdict(s) | {"citations": list(s.citations)} for s in self.sentences],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "backend": self.backend,
            "notice": self.notice,
            "evidence_score": round(self.evidence_score, 4),
            "unknown_names": list(self.unknown_names),
            "unanswered_kind": self.unanswered_kind,
            "overview": self.overview,
        }
