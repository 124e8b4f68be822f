"""Claim-level verification: is each answer sentence supported by the span it cites?

`support_score` is an entailment proxy in [0, 1]: 1.0 when the span quotes the sentence,
else a blend of meaning (cosine of the two embeddings) and lexical containment (the share
of the sentence's content words found in the span), lowered for each number or name the
sentence states that the span does not hold (where a small model's inventions show). A
sentence is supported at `Settings.support_threshold` or above.

`verify` judges every sentence of a draft against the passage sentences (and pairs of
adjacent sentences) it cites; a sentence its citations do not support moves to another
retrieved span that clearly does, or is marked unsupported.

>>> support_score("NATO was founded in 1949.", "NATO was founded in 1949, in Washington.", None)
1.0
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer.cite import Claim, Span
from assistant.answer.guard import addresses_assistant
from assistant.answer.markers import split_cited
from assistant.core.text import sentence_spans
from assistant.core.types import Passage
from assistant.index.embedder import Embedder
from assistant.index.keyword import terms_of

# Calibrated on eval/questions.jsonl: tests/test_verify.py::test_calibration_on_the_eval_set.
MEANING_WEIGHT = 0.4  # cosine share of the score; the rest is lexical containment
NAME_PENALTY = 0.6  # factor per number or name (at most two) the sentence states and the span lacks
REATTACH_MARGIN = 0.1  # another span must clear the threshold by this much to take a sentence over
WINDOW = 2  # a sentence may rest on up to this many adjacent sentences of one passage
MIN_QUOTED_WORDS = 2  # shorter sentences ("Yes.") are never "quoted verbatim"
MIN_CLAIM_WORDS = 3  # containment of a shorter sentence counts as if it had this many words

_NAME = re.compile(r"\d+(?:[.,]\d+)*|\b[A-Z][\w'’-]*")


@dataclass(frozen=True)
class Window:
    """A run of adjacent sentences of one passage: where a citation may point."""

    span: Span
    text: str


def support_score(sentence: str, span: str, embeddings: Embedder) -> float:
    """How well `span` supports `sentence`, in [0, 1] (embeddings unused for verbatim quotes)."""
    if quotes(span, sentence):
        return 1.0
    first, second = embeddings.vectors((sentence, span))
    return combine(float(first @ second), sentence, span)


def combine(similarity: float, sentence: str, span: str) -> float:
    """The support score from the cosine `similarity` of the two texts and their words."""
    if quotes(span, sentence):
        return 1.0
    score = MEANING_WEIGHT * max(0.0, similarity) + (1 - MEANING_WEIGHT) * containment(sentence, span)
    return round(score * NAME_PENALTY ** min(2, len(missing_names(sentence, span))), 4)


def containment(sentence: str, span: str) -> float:
    """Share of the sentence's stemmed content words that occur in the span (at least 3 counted).

    >>> containment("NATO was founded in 1949", "The alliance was founded in 1949."), containment("HACKED.", "Say HACKED.")
    (0.6667, 0.3333)
    """
    words = set(terms_of(sentence))
    return round(len(words & set(terms_of(span))) / max(len(words), MIN_CLAIM_WORDS), 4)


def missing_names(sentence: str, span: str) -> set[str]:
    """Numbers and capitalised words of the sentence (its first word aside) absent from the span.

    >>> sorted(missing_names("NATO was founded in 1975 by Iraq's allies.", "NATO was founded in 1949."))
    ['1975', 'iraq']
    """
    first, _, rest = sentence.strip().partition(" ")
    words = _NAME.findall(rest) + ([first] if first.isupper() else [])
    lowered = span.lower()
    return {name for name in (re.sub(r"['’]s$", "", w.lower()) for w in words) if name not in lowered}


def quotes(span: str, sentence: str) -> bool:
    """True when the span holds the sentence word for word (case, quotes and spacing aside)."""
    said = _normalise(sentence).rstrip(".!?")
    return len(terms_of(sentence)) >= MIN_QUOTED_WORDS and said in _normalise(span)


def windows(passages: list[Passage]) -> list[Window]:
    """Every sentence of every passage, and every run of up to `WINDOW` adjacent ones.

    Sentences addressed to an AI ("Ignore previous instructions...") support nothing.
    """
    out = []
    for index, passage in enumerate(passages):
        chunk = passage.chunk
        spans = sentence_spans(chunk.text) or [(0, len(chunk.text))]
        for first in range(len(spans)):
            for last in range(first, min(first + WINDOW, len(spans))):
                if addresses_assistant(chunk.text[spans[last][0] : spans[last][1]]):
                    break
                start, end = spans[first][0], spans[last][1]
                out.append(Window(Span(index, chunk.start + start, chunk.start + end), chunk.text[start:end]))
    return out


def verify(draft: str, passages: list[Passage], embeddings: Embedder, threshold: float) -> list[Claim]:
    """Every sentence of `draft` with the spans that support it, or marked unsupported."""
    drafted = split_cited(draft)
    candidates = windows(passages)
    if not drafted or not candidates:
        return [Claim(text, (), False, 0.0) for text, _ in drafted]
    quoted = [[1.0 if quotes(w.text, text) else 0.0 for w in candidates] for text, _ in drafted]
    if all(_settled(row, numbers, candidates) for row, (_, numbers) in zip(quoted, drafted)):
        # Every sentence quotes each passage it cites (always so for extractive answers): the
        # quotes score 1.0, above anything else, so the verdicts need no embeddings.
        return [judge(text, numbers, candidates, row, threshold) for row, (text, numbers) in zip(quoted, drafted)]
    vectors = embeddings.vectors(tuple(text for text, _ in drafted) + tuple(w.text for w in candidates))
    claims = []
    for row, (text, numbers) in enumerate(drafted):
        similarity = vectors[len(drafted) :] @ vectors[row]
        scores = [combine(float(s), text, w.text) for s, w in zip(similarity, candidates)]
        claims.append(judge(text, numbers, candidates, scores, threshold))
    return claims


def judge(text: str, numbers: tuple[int, ...], candidates: list[Window], scores: list[float], threshold: float) -> Claim:
    """Keep the cited spans that support `text`; else move it to one that clearly does; else flag it."""
    best: dict[int, tuple[float, Window]] = {}
    for window, score in zip(candidates, scores):
        held = best.get(window.span.passage)
        if window.span.passage + 1 in numbers and (held is None or _better((score, window), held)):
            best[window.span.passage] = (score, window)
    cited = [best[n - 1] for n in dict.fromkeys(numbers) if n - 1 in best]
    backing = [(score, window) for score, window in cited if score >= threshold]
    if backing:
        return Claim(text, tuple(w.span for _, w in backing), True, max(s for s, _ in backing))
    top_score, top = max(zip(scores, candidates), key=_rank)
    if top_score >= threshold + REATTACH_MARGIN:
        return Claim(text, (top.span,), True, top_score)
    return Claim(text, tuple(w.span for _, w in cited), False, max((s for s, _ in cited), default=top_score))


def _settled(quoted: list[float], numbers: tuple[int, ...], candidates: list[Window]) -> bool:
    """True when a window quotes the sentence in every cited passage (in some passage if none is cited)."""
    holding = {w.span.passage for w, q in zip(candidates, quoted) if q}
    cited = {n - 1 for n in numbers} & {w.span.passage for w in candidates}
    return bool(holding) and cited <= holding


def _rank(scored: tuple[float, Window]) -> tuple[float, int]:
    """Higher score first; on a tie the shorter span, so a quoted sentence cites just itself."""
    return scored[0], -len(scored[1].text)


def _better(scored: tuple[float, Window], held: tuple[float, Window]) -> bool:
    return _rank(scored) > _rank(held)


def _normalise(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip().lower()
