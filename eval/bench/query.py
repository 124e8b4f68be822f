"""Query latency and retrieval quality on SQuAD, ours and the naive pipeline side by side.

A question's gold paragraph is one document; a retrieved chunk is relevant when it comes
from that document, so each ranking reduces to the rank of its first relevant chunk.
"""

from __future__ import annotations

import math
import time

from assistant.index.retrieve import MODES
from eval.bench.squad import Question
from eval.bench.stats import latency, ratio, spread
from eval.metrics import normalise

CUTOFFS = (1, 5, 10)


def first_rank(sources: list[str], gold: str) -> int | None:
    """1-based rank of the first result from document `gold`, or None.

    >>> first_rank(["a", "b", "b"], "b"), first_rank(["a"], "b")
    (2, None)
    """
    return next((rank for rank, source in enumerate(sources, 1) if source == gold), None)


def rank_metrics(ranks: list[int | None]) -> dict:
    """recall@1/5/10, MRR@10 and nDCG@10 (one relevant document per question) from first ranks.

    >>> rank_metrics([1, 3, None])["ndcg@10"]
    0.5
    """
    n = max(1, len(ranks))
    found = [r for r in ranks if r is not None and r <= 10]
    scores = {f"recall@{k}": sum(r <= k for r in found) / n for k in CUTOFFS}
    scores["mrr@10"] = sum(1 / r for r in found) / n
    scores["ndcg@10"] = sum(1 / math.log2(r + 1) for r in found) / n
    return {k: round(v, 4) for k, v in scores.items()} | {"questions": len(ranks)}


def holds_answer(answer, question: Question) -> bool:
    """True when the (not refused) answer quotes one of the question's gold answer strings."""
    text = normalise(answer.answer)
    return not answer.refused and any(normalise(a) in text for a in question.answers)


def bench_latency(pipeline, naive, questions: list[Question], reps: int, log=print) -> dict:
    """Per question, in turn: our retrieval (top 10), our full extractive answer, the naive
    `similarity_search` (top 10). Each round takes fresh questions and starts with an empty
    sentence-vector cache, as a newly started app would."""
    per_round = len(questions) // reps
    rounds = []
    for rep in range(reps):
        pipeline.embeddings.clear_caches()
        rounds.append(_round(pipeline, naive, questions[rep * per_round : (rep + 1) * per_round]))
        log(f"  latency round {rep + 1}/{reps}: " + ", ".join(f"{k} p50 {v['p50']:.0f} ms" for k, v in rounds[-1]["latency_ms"].items() if k in ("retrieve", "answer", "naive")))
    return _combine(rounds)


def _round(pipeline, naive, questions: list[Question]) -> dict:
    ms = {"retrieve": [], "answer": [], "naive": []}
    stages: dict[str, list[float]] = {}
    ranks = {"ours": [], "naive": []}
    held = refused = 0
    for q in questions:
        pipeline.embeddings.clear_caches(sentences=False)  # each timed call embeds the question itself
        began = time.perf_counter()
        passages = pipeline.retriever.search(q.text, k=10)
        ms["retrieve"].append((time.perf_counter() - began) * 1000)
        pipeline.embeddings.clear_caches(sentences=False)
        began = time.perf_counter()
        answer = pipeline.answer(q.text)
        ms["answer"].append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        docs = naive.similarity_search(q.text, k=10)
        ms["naive"].append((time.perf_counter() - began) * 1000)
        for stage, value in answer.timings_ms.items():
            stages.setdefault(stage, []).append(value)
        ranks["ours"].append(first_rank([p.chunk.source for p in passages], q.gold))
        ranks["naive"].append(first_rank([d.metadata["source"] for d in docs], q.gold))
        held += holds_answer(answer, q)
        refused += answer.refused
    return {
        "latency_ms": {name: latency(values) for name, values in ms.items()},
        "answer_stages_ms": {stage: latency(values) for stage, values in stages.items() if stage != "total"},
        "ranks": ranks,
        "answers": {"holds_gold_answer": held / max(1, len(questions)), "refused": refused / max(1, len(questions))},
    }


def _combine(rounds: list[dict]) -> dict:
    """Medians over rounds (with their range) of each percentile; the quality of all rounds pooled."""
    pick = lambda key, name, q: spread([r[key][name][q] for r in rounds if name in r[key]], 2)  # noqa: E731
    out = {
        "questions_per_round": rounds[0]["latency_ms"]["answer"]["n"],
        "rounds": len(rounds),
        "latency_ms": {name: {q: pick("latency_ms", name, q) for q in ("p50", "p95")} for name in rounds[0]["latency_ms"]},
        "answer_stages_ms": {name: {q: pick("answer_stages_ms", name, q) for q in ("p50", "p95")} for name in rounds[0]["answer_stages_ms"]},
        "quality_same_questions": {who: rank_metrics([x for r in rounds for x in r["ranks"][who]]) for who in ("ours", "naive")},
        "answers": {k: round(sum(r["answers"][k] for r in rounds) / len(rounds), 4) for k in rounds[0]["answers"]},
    }
    out["naive_over_retrieve_p50"] = spread([ratio(r["latency_ms"]["naive"]["p50"], r["latency_ms"]["retrieve"]["p50"]) for r in rounds])
    return out


def bench_quality(pipeline, questions: list[Question], log=print) -> dict:
    """recall/MRR/nDCG of hybrid, dense-only and BM25-only retrieval over the same chunks."""
    retriever = pipeline.retriever  # the three modes share the question's vector (the embedder's cache)
    ranks = {mode: [] for mode in MODES}
    for number, q in enumerate(questions, 1):
        for mode in MODES:
            ranks[mode].append(first_rank([p.chunk.source for p in retriever.search(q.text, k=10, mode=mode)], q.gold))
        if number % 2000 == 0:
            log(f"  quality: {number}/{len(questions)} questions")
    return {mode: rank_metrics(values) for mode, values in ranks.items()}
