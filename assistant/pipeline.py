"""The one answer path shared by the CLI, the UI and the eval.

question -> condense (history) -> retrieve -> score evidence -> refuse, or draft with a
backend -> pin citations -> `Answer`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Iterator

from assistant import cite
from assistant.backends import AnswerBackend, get_backend
from assistant.condense import condense
from assistant.embeddings import dimension, get_embeddings
from assistant.errors import BadQuestion, IndexMissing
from assistant.evidence import score_sentences
from assistant.index import Index, open_index
from assistant.prompts import REFUSAL
from assistant.retrieve import HybridRetriever
from assistant.settings import Settings, load_settings
from assistant.types import Answer, Passage

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_question(question: str, max_chars: int) -> str:
    """The question without control characters; raises `BadQuestion` when unusable."""
    question = _CONTROL.sub(" ", question or "").strip()
    if not question:
        raise BadQuestion("the question is empty: type a question about the documents")
    if len(question) > max_chars:
        raise BadQuestion(f"the question has {len(question)} characters; shorten it to at most {max_chars}")
    if not re.search(r"\w", question):
        raise BadQuestion("the question has no words: ask something about the documents")
    return question


@dataclass
class Pipeline:
    """Loaded models and index; build once with `Pipeline.load`, then ask many questions."""

    settings: Settings
    index: Index
    embeddings: object
    retriever: HybridRetriever
    _backends: dict[str, AnswerBackend] = field(default_factory=dict)

    @classmethod
    def load(cls, settings: Settings | None = None, embeddings=None) -> "Pipeline":
        settings = settings or load_settings()
        if not settings.chroma_host and not settings.manifest_path.exists():
            raise IndexMissing.at(str(settings.db_dir))  # before seconds of model loading
        embeddings = embeddings or get_embeddings(settings.embedding_model, settings.embed_batch_size)
        index = open_index(settings, dimension(embeddings))
        return cls(settings, index, embeddings, HybridRetriever(index, embeddings, settings))

    def backend(self, name: str | None = None) -> AnswerBackend:
        name = name or self.settings.backend
        if name not in self._backends:
            self._backends[name] = get_backend(name, self.settings)
        return self._backends[name]

    def answer(self, question: str, **kwargs) -> Answer:
        """The complete answer (see `stream` for the arguments)."""
        *_, final = self.stream(question, **kwargs)
        return final

    def stream(self, question: str, *, history: list[dict] | tuple = (), k: int | None = None, backend: str | None = None, sources: list[str] | None = None, standalone: str | None = None) -> Iterator[str | Answer]:
        """Draft pieces (str) as the backend writes them, then the checked `Answer` last.

        `standalone` replaces the condensed question (a user editing what was searched for).
        """
        clock = _Clock()
        question = clean_question(question, self.settings.max_question_chars)
        standalone = clean_question(standalone, self.settings.max_question_chars) if standalone else condense(question, list(history))
        clock.lap("condense")
        passages = self.retriever.search(standalone, k=k, sources=sources)
        clock.lap("retrieve")
        evidence = score_sentences(question if standalone == question else standalone, passages, self.embeddings, self.index.keyword)
        clock.lap("rank")
        chosen = self.backend(backend)
        strength = evidence[0].score if evidence else 0.0
        if strength < self.settings.refusal_threshold:
            yield REFUSAL
            yield Answer(question, standalone, REFUSAL, True, (), tuple(passages), timings_ms=clock.done(), backend=chosen.name, evidence_score=strength)
            return
        draft = []
        for piece in chosen.stream(standalone, passages, evidence):
            draft.append(piece)
            yield piece
        clock.lap("generate")
        yield self._finish(question, standalone, "".join(draft), passages, clock, chosen.name, strength)

    def _finish(self, question: str, standalone: str, draft: str, passages: list[Passage], clock: "_Clock", backend: str, strength: float) -> Answer:
        sentences, citations = cite.attach_citations(draft, passages)
        clock.lap("cite")
        if not any(s.citations for s in sentences):
            return Answer(question, standalone, REFUSAL, True, (), tuple(passages), timings_ms=clock.done(), backend=backend, evidence_score=strength)
        return Answer(question, standalone, cite.render(sentences), False, tuple(citations), tuple(passages), tuple(sentences), clock.done(), backend, evidence_score=strength)


class _Clock:
    """Milliseconds spent in each stage, plus `total`."""

    def __init__(self) -> None:
        self.began = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = (now - self.last) * 1000
        self.last = now

    def done(self) -> dict[str, float]:
        return self.laps | {"total": (time.perf_counter() - self.began) * 1000}


def answer(question: str, *, history: list[dict] | tuple = (), pipeline: Pipeline | None = None, settings: Settings | None = None, **kwargs) -> Answer:
    """One question, one answer: loads a pipeline when none is passed in."""
    return (pipeline or Pipeline.load(settings)).answer(question, history=history, **kwargs)
