"""The one answer path shared by the CLI, the UI and the eval.

question -> condense (history) -> retrieve -> score evidence -> refuse, or draft with a
backend -> verify each sentence against its cited span -> number citations -> `Answer`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from assistant.answer import cite, decompose, markers, overview
from assistant.answer.aliases import Aliases
from assistant.answer.answer_type import TYPED_FLOOR, asked_for
from assistant.answer.backends import AnswerBackend, get_backend
from assistant.answer.evidence import learned_ranking, merge_parts, score_sentences
from assistant.answer.framing import about_content
from assistant.answer.names import about_unknown, unknown_names
from assistant.answer.scorer import Scorer, get_scorer, refusal_default
from assistant.answer.verify import verify
from assistant.core import prompts
from assistant.core.errors import BackendFailed, BadQuestion, IndexMissing
from assistant.core.prompts import REFUSAL
from assistant.core.settings import Settings, load_settings
from assistant.core.types import Answer, Passage
from assistant.index.chroma import Index, open_index
from assistant.index.embedder import Embedder, embedder_for
from assistant.index.retrieve import HybridRetriever

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NO_ANSWER = re.compile(r"\bsources? (do|does)(n['’]t| not) (answer|contain the answer)", re.IGNORECASE)  # prompts.NO_ANSWER


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
    embeddings: Embedder
    retriever: HybridRetriever
    scorer: Scorer | None = None  # None: the heuristic blend alone
    _backends: dict[str, AnswerBackend] = field(default_factory=dict)

    @classmethod
    def load(cls, settings: Settings | None = None, embeddings=None, scorer: Scorer | None = None) -> Pipeline:
        settings = settings or load_settings()
        if not settings.chroma_host and not settings.manifest_path.exists():
            raise IndexMissing.at(str(settings.db_dir))  # before seconds of model loading
        embeddings = Embedder.around(embeddings) if embeddings else embedder_for(settings)
        index = open_index(settings, embeddings.dimension, embeddings.runtime)
        scorer = scorer or get_scorer(settings.scorer, settings.scorer_runtime)
        return cls(settings, index, embeddings, HybridRetriever(index, embeddings, settings), scorer)

    @property
    def refusal_threshold(self) -> float:
        """The set threshold, else the one calibrated for the score refusal is decided on."""
        return self.settings.refusal_threshold if self.settings.refusal_threshold is not None else refusal_default(self.settings)

    @cached_property
    def aliases(self) -> Aliases:
        """The short forms the indexed documents resolve ("the alliance" -> NATO), read once."""
        return Aliases.of(self.index.texts()) if self.settings.resolve_aliases else Aliases()

    def searched(self, question: str) -> str:
        """What is searched and scored for `question`: what it is about ("According to the articles, …"
        dropped), its short forms as the names they stand for."""
        return self.aliases.searched(about_content(question))

    def unknown_names(self, question: str) -> list[str]:
        """The names `question` asks about that no passage contains (refused: `assistant.answer.names`)."""
        return unknown_names(question, self.index.keyword) if self.settings.refuse_unknown_names else []

    def unanswered_kind(self, question: str, evidence: list) -> str:
        """What `question` asks for ("a city") when no sentence that could lead its answer names one
        (`assistant.answer.answer_type.asked_for`; refused), else ""."""
        if not self.settings.answer_type_check or not evidence or len(decompose.parts(question)) > 1:
            return ""
        return asked_for(question, [x.text for x in evidence if x.score >= TYPED_FLOOR * evidence[0].score])

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
        A language model that fails, or whose answer the sources do not support, gives way to
        the extractive answer, with `Answer.notice` saying why.
        """
        clock = _Clock()
        question, chosen, standalone = self._understood(question, history, backend, standalone, clock)
        titles = {s: e.title or s for s, e in self.index.documents().items()}
        if overview.wanted(question, titles) or overview.wanted(standalone, titles):
            yield from self._overview(question, standalone, titles, sources, history, clock)
            return
        if overview.asks_for_summary(standalone):  # of one topic: "…what the articles say about enlargement"
            standalone = overview.as_question(standalone)
        passages, evidence, strength = self._evidence(standalone, k or self.settings.top_k, sources, clock)
        missing = self.unknown_names(standalone)
        reply = _Reply(question, standalone, tuple(passages), strength, tuple(missing), self.unanswered_kind(standalone, evidence))
        # The subject of "What did the alliance take on once the East-West standoff was over?" is NATO, not East-West.
        if strength < self.refusal_threshold or about_unknown(self.aliases.named(standalone), missing) or reply.unanswered_kind:
            yield REFUSAL
            yield reply.refusal(clock, chosen.name)
            return
        draft, notice = yield from self._drafted(chosen, standalone, passages, evidence, clock)
        claims, chosen, notice = self._verified(chosen, draft, notice, standalone, passages, evidence, clock)
        premise = prompts.UNKNOWN_NAMES_NOTICE.format(names=" or ".join(missing)) if missing else ""
        yield reply.checked(claims, clock, chosen.name, " ".join(n for n in (premise, notice) if n))

    def _understood(self, question: str, history, backend: str | None, standalone: str | None, clock: _Clock) -> tuple[str, AnswerBackend, str]:
        """The cleaned question, the backend that answers, and the standalone question it searches for."""
        question = clean_question(question, self.settings.max_question_chars)
        chosen = self.backend(backend)
        clock.lap("backend")  # loads a local model on first use
        standalone = clean_question(standalone, self.settings.max_question_chars) if standalone else chosen.condense(question, list(history))
        clock.lap("condense")
        return question, chosen, standalone

    def _overview(self, question: str, standalone: str, titles: dict[str, str], sources: list[str] | None, history, clock: _Clock) -> Iterator[str | Answer]:
        """An overview of the documents asked for, quoted and cited (`assistant.answer.overview`);
        refused when no document is left to quote (an empty index, or a filter that keeps none)."""
        asked_for = question if standalone == question else f"{question} {standalone}"  # the follow-up's own words, and those condensed in
        asked = overview.request(asked_for, titles, sources, history)
        passages, claims = overview.written(asked, self.index, self.embeddings)
        clock.lap("overview")
        answer = _Reply(question, standalone, tuple(passages), 0.0).overview(claims, clock, asked.documents)
        yield answer.answer
        yield answer

    def _drafted(self, chosen: AnswerBackend, standalone: str, passages: list[Passage], evidence: list, clock: _Clock) -> Generator[str, None, tuple[str, str]]:
        """Yields the backend's draft pieces (markers normalised); returns the draft and a failure notice."""
        draft, notice = [], ""
        try:
            for piece in markers.clean_stream(chosen.stream(standalone, passages, evidence), len(passages)):
                draft.append(piece)
                yield piece
        except BackendFailed as exc:
            notice = prompts.FALLBACK_NOTICE.format(backend=chosen.name, reason=exc)
        clock.lap("generate")
        return "".join(draft), notice

    def _verified(self, chosen: AnswerBackend, draft: str, notice: str, standalone: str, passages: list[Passage], evidence: list, clock: _Clock) -> tuple[list[cite.Claim], AnswerBackend, str]:
        """The draft's claims checked against the passages; the extractive answer's instead when the
        backend failed or the sources do not support its draft (the notice says which)."""
        claims = verify(draft, passages, self.embeddings, self.settings.support_threshold)
        notice = notice or _rejection(chosen.name, draft, claims)
        if notice:
            chosen = self.backend("extractive")
            claims = verify("".join(chosen.stream(standalone, passages, evidence)), passages, self.embeddings, self.settings.support_threshold)
        clock.lap("verify")
        return claims, chosen, notice

    def _evidence(self, question: str, k: int, sources: list[str] | None, clock: _Clock) -> tuple[list[Passage], list, float]:
        """The top-k passages, their scored sentences best first, and the score refusal is decided on.

        A compound question ("When was NATO founded, and when did it first invoke Article 5?") is
        also ranked part by part, and its answer draws on the best passages of each part. It is
        refused when neither the whole question nor every one of its parts is supported."""
        asked = decompose.parts(question)
        passages, evidence, strength = self._ranked(question, k, sources, clock, answering=len(asked) == 1)
        if len(asked) > 1:
            each = [self._ranked(part, k, sources, clock) for part in asked]
            passages, evidence = merge_parts([(found, ranked) for found, ranked, _ in each], k)
            strength = max(strength, min(s for _, _, s in each))
        return passages, evidence, strength

    def _ranked(self, question: str, k: int, sources: list[str] | None, clock: _Clock, answering: bool = True) -> tuple[list[Passage], list, float]:
        """Retrieval, the heuristic blend and the answer scorer for one question. Not `answering`
        (a compound question's whole, whose parts give the answer), only its refusal score
        is wanted: the scorer reads nothing unless it decides refusal."""
        question = self.searched(question)
        pool = max(k, self.settings.rerank_candidates) if self.scorer else k
        passages = self.retriever.search(question, k=pool, sources=sources)
        clock.lap("retrieve")
        # The blend over the top k, its best few re-scored by their own embedding: as its threshold was calibrated.
        # Not needed when the scorer decides refusal and reads a larger pool of its own.
        needs_blend = self.scorer is None or self.settings.refuse_by != "scorer" or pool == k
        blend = score_sentences(question, passages[:k], self.embeddings, self.index.keyword) if needs_blend else []
        strength = blend[0].score if blend else 0.0
        evidence = blend
        if self.scorer and (answering or self.settings.refuse_by == "scorer"):
            ranked = score_sentences(question, passages, self.embeddings, self.index.keyword, rescore=False) if pool > k else blend
            passages, evidence = learned_ranking(question, passages, ranked, self.scorer, k, self.settings.scored_sentences, pool > k, self.settings.cosine_weight,
                                                 self.settings.rerank_fusion)
            if self.settings.refuse_by == "scorer":
                strength = max((x.probability or 0.0 for x in evidence), default=0.0)  # the probability alone: its threshold was calibrated so
        clock.lap("rank")
        return passages[:k], evidence, strength


def says_no_answer(text: str) -> bool:
    """True when a model sentence is the instructed "the sources do not answer" reply."""
    return bool(_NO_ANSWER.search(text))


def _rejection(backend: str, draft: str, claims: list[cite.Claim]) -> str:
    """Why a language model's draft is not used (its notice), or "" when it is."""
    if backend == "extractive" or any(c.supported for c in claims) or says_no_answer(draft):
        return ""
    return (prompts.UNSUPPORTED_NOTICE if draft.strip() else prompts.EMPTY_NOTICE).format(backend=backend)


@dataclass(frozen=True)
class _Reply:
    """What every answer to one question shares; builds the final `Answer`."""

    question: str
    standalone: str
    passages: tuple[Passage, ...]
    strength: float
    unknown_names: tuple[str, ...] = ()
    unanswered_kind: str = ""

    def refusal(self, clock: _Clock, backend: str, notice: str = "") -> Answer:
        return Answer(self.question, self.standalone, REFUSAL, True, (), self.passages, timings_ms=clock.done(), backend=backend, notice=notice,
                      evidence_score=self.strength, unknown_names=self.unknown_names, unanswered_kind=self.unanswered_kind)

    def checked(self, claims: list[cite.Claim], clock: _Clock, backend: str, notice: str) -> Answer:
        """The answer from verified claims; a refusal when no sentence is supported."""
        sentences, citations = cite.number_citations([c for c in claims if not says_no_answer(c.text)], list(self.passages))
        clock.lap("cite")
        if not any(s.supported for s in sentences):
            return self.refusal(clock, backend, notice)
        text = cite.render(sentences)
        return Answer(self.question, self.standalone, text, False, tuple(citations), self.passages, tuple(sentences), clock.done(), backend, notice,
                      self.strength, self.unknown_names)


    def overview(self, claims: list[cite.Claim], clock: _Clock, documents: dict[str, str]) -> Answer:
        """The overview from its quoted claims, a title over each document's sentences when there are several."""
        sentences, citations = cite.number_citations(claims, list(self.passages))
        clock.lap("cite")
        if not any(s.supported for s in sentences):
            return self.refusal(clock, "extractive")
        text = overview.grouped(sentences, citations, documents)
        return Answer(self.question, self.standalone, text, False, tuple(citations), self.passages, tuple(sentences), clock.done(), "extractive",
                      overview=len({c.source for c in citations}))


class _Clock:
    """Milliseconds spent in each stage (added up when a stage runs more than once), plus `total`."""

    def __init__(self) -> None:
        self.began = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = self.laps.get(stage, 0.0) + (now - self.last) * 1000
        self.last = now

    def done(self) -> dict[str, float]:
        return self.laps | {"total": (time.perf_counter() - self.began) * 1000}

