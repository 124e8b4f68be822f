"""The data that flows through the pipeline: Chunk -> Passage -> Answer.

The CLI's JSON, the UI and the eval all read the same `Answer`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


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
    # (start, end) in chunk.text -> that sentence's vector, stored at ingest (see assistant.index.pack_sentences)
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
        }
