"""Pure metrics: each a function of an eval case and what the pipeline returned.

Retrieval is scored apart from the answer: an evidence quote counts as found in a passage
when the passage contains it, or covers most of it where a chunk boundary cuts it.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Callable
from difflib import SequenceMatcher

import numpy as np

Judge = Callable[[str, str], bool]  # judge(sentence, cited_text) -> does the text support the sentence?

COVER_SHARE = 0.6  # share of a quote a passage must hold when a chunk boundary cuts it


def normalise(text: str) -> str:
    """Lower case, curly quotes straightened, whitespace folded."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip().lower()


def holds(passage: str, quote: str) -> bool:
    """True when `passage` contains `quote`, or a contiguous run of most of it.

    >>> holds("NATO was founded in 1949 in Washington.", "founded in 1949")
    True
    >>> holds("the alliance was founded", "founded in 1949 by twelve countries")
    False
    """
    p, q = normalise(passage), normalise(quote)
    if q in p:
        return True
    match = SequenceMatcher(None, p, q, autojunk=False).find_longest_match(0, len(p), 0, len(q))
    return match.size >= COVER_SHARE * len(q)


def first_relevant_rank(passages: list[str], evidence: list[str]) -> int | None:
    """1-based rank of the first passage holding any evidence quote, or None."""
    return next((rank for rank, text in enumerate(passages, 1) if any(holds(text, q) for q in evidence)), None)


def recall_at(passages: list[str], evidence: list[str], k: int) -> float:
    """1.0 when one of the top `k` passages holds an evidence quote."""
    rank = first_relevant_rank(passages, evidence)
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(passages: list[str], evidence: list[str]) -> float:
    """1 / rank of the first passage holding an evidence quote; 0.0 when none does."""
    rank = first_relevant_rank(passages, evidence)
    return 1.0 / rank if rank else 0.0


def ndcg_at(passages: list[str], evidence: list[str], k: int = 10) -> float:
    """Binary-relevance nDCG: a passage is relevant when it holds an evidence quote not yet found.

    >>> round(ndcg_at(["x", "founded in 1949"], ["founded in 1949"]), 4)
    0.6309
    """
    found: set[int] = set()
    dcg = 0.0
    for rank, text in enumerate(passages[:k], 1):
        new = {i for i, q in enumerate(evidence) if i not in found and holds(text, q)}
        if new:
            found |= new
            dcg += 1.0 / math.log2(rank + 1)
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(evidence), k) + 1))
    return dcg / ideal if ideal else 0.0


def fact_recall(facts: list[list[str]], answer: str) -> float:
    """Share of fact groups of which the answer contains at least one acceptable string.

    >>> fact_recall([["1949"], ["Washington", "North Atlantic Treaty"]], "Founded in 1949.")
    0.5
    """
    if not facts:
        return 1.0
    text = normalise(answer)
    return sum(any(normalise(option) in text for option in group) for group in facts) / len(facts)


def _tokens(text: str) -> list[str]:
    text = normalise(re.sub(r"\[\d+\]", " ", text))
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    return [t for t in text.split() if t not in {"a", "an", "the"}]


def token_f1(answer: str, reference: str) -> float:
    """SQuAD-style token F1 (lower case, punctuation and articles removed, markers ignored).

    >>> token_f1("NATO was founded in 1949 [1]", "NATO was founded in 1949.")
    1.0
    """
    a, r = _tokens(answer), _tokens(reference)
    common = sum((Counter(a) & Counter(r)).values())
    if not common:
        return 0.0
    precision, recall = common / len(a), common / len(r)
    return 2 * precision * recall / (precision + recall)


def contained(sentence: str, cited: str) -> bool:
    """The strictest support judge: the cited text holds the sentence word for word.

    >>> contained("NATO was founded in 1949.", "In short, NATO was founded in 1949. It grew.")
    True
    """
    return normalise(sentence).rstrip(".!?") in normalise(cited)


def citation_recall(sentences: list[tuple[str, list[str]]], judge: Judge) -> float:
    """ALCE citation recall: share of sentences that their cited texts, joined, support.

    `sentences` pairs each answer sentence with the texts it cites; uncited ones count as
    unsupported.
    >>> citation_recall([("A b.", ["A b."]), ("C d.", [])], contained)
    0.5
    """
    if not sentences:
        return 0.0
    return sum(bool(cited) and judge(text, " ".join(cited)) for text, cited in sentences) / len(sentences)


def citation_precision(sentences: list[tuple[str, list[str]]], judge: Judge) -> float:
    """ALCE citation precision: share of citations that support their sentence.

    A citation counts when its sentence is supported by all its citations together and it
    either supports the sentence alone or is needed (the others without it do not).
    >>> citation_precision([("A b.", ["A b.", "unrelated"])], contained)
    0.5
    """
    precise = total = 0
    for text, cited in sentences:
        total += len(cited)
        if not cited or not judge(text, " ".join(cited)):
            continue
        for i, one in enumerate(cited):
            rest = cited[:i] + cited[i + 1 :]
            precise += judge(text, one) or not (rest and judge(text, " ".join(rest)))
    return precise / total if total else 0.0


def citations_hold_evidence(citation_texts: list[str], evidence: list[str]) -> float:
    """1.0 when some cited span holds (or is held by) an evidence quote."""
    for cited in citation_texts:
        for quote in evidence:
            if holds(cited, quote) or holds(quote, cited):
                return 1.0
    return 0.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): the smallest value with q% of them at or below it; 0.0 for none.

    numpy's `inverted_cdf` method is that rank (Hyndman and Fan's definition 1), never an interpolation.

    >>> percentile([1, 2, 3, 4], 50), percentile([1, 2, 3, 4], 95), percentile([], 50)
    (2.0, 4.0, 0.0)
    """
    return float(np.percentile(values, q, method="inverted_cdf")) if values else 0.0
