"""Answer quality and refusal on SQuAD dev, for each answer scorer side by side in one run.

- `bench_scorers`: for each variant (heuristic blend, learned scorer, learned scorer reordering
  the retrieved passages), the full extractive answer's latency, how often it quotes a gold answer,
  how often it refuses, and recall@1 of the passages it was given.
- `bench_refusal`, the deleted-answer-sentence test: one question per paragraph of the first
  articles; for a seeded half of them the sentence holding the answer (and any other holding an
  answer string) is deleted from the paragraph *before ingesting*. A good scorer answers the intact
  half and refuses the other: reported as the AUC of the answer's evidence score and the refusal
  accuracy at the scorer's own threshold. Nobody here wrote or tuned on this text.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from assistant.core.text import sentence_spans
from eval.bench.query import first_rank, holds_answer
from eval.bench.squad import Question
from eval.bench.stats import latency
from eval.sweep import REFUSE_BY_SCORER, SCORERS, variant_settings
from ingest.run import TextDocument, ingest_documents

# Refusal differs only by the signal that decides it: the blend, or the scorer's probability.
REFUSAL_VARIANTS = ("heuristic", "learned+rerank, refuse by scorer")


def variant_pipelines(pipeline, names=None) -> dict:
    """One pipeline per variant (default: all), sharing the index and the embedder of `pipeline`."""
    from assistant.answer.pipeline import Pipeline
    from assistant.answer.scorer import get_scorer
    from assistant.index.retrieve import HybridRetriever

    out = {}
    for name in names or SCORERS:
        settings = pipeline.settings.model_copy(update=variant_settings(name))
        out[name] = Pipeline(settings, pipeline.index, pipeline.embeddings, HybridRetriever(pipeline.index, pipeline.embeddings, settings), get_scorer(settings.scorer, settings.scorer_runtime))
    return out


def bench_scorers(pipeline, questions: list[Question], log=print, names=None) -> dict:
    """Per variant (`names`, default all): answer latency p50/p95, gold answers quoted, refusals,
    recall@1 of the answer's passages."""
    results = {}
    for name, variant in variant_pipelines(pipeline, names).items():
        variant.embeddings.clear_caches()
        variant.answer(questions[0].text)  # the first answer loads the scorer; no variant should pay it
        if hasattr(variant.scorer, "clear"):
            variant.scorer.clear()  # variants share one scorer: none may reuse another's probabilities
        ms, held, refused, first = [], 0, 0, []
        for q in questions:
            variant.embeddings.clear_caches(sentences=False)
            began = time.perf_counter()
            answer = variant.answer(q.text)
            ms.append((time.perf_counter() - began) * 1000)
            held += holds_answer(answer, q)
            refused += answer.refused
            first.append(first_rank([p.chunk.source for p in answer.passages], q.gold))
        n = max(1, len(questions))
        results[name] = {"answer_ms": latency(ms), "holds_gold_answer": round(held / n, 4), "refused": round(refused / n, 4), "recall@1": round(sum(r == 1 for r in first) / n, 4), "questions": len(questions)}
        log(f"  answers ({name}): gold quoted {held / n:.3f}, refused {refused / n:.3f}, R@1 {results[name]['recall@1']:.3f}, p95 {results[name]['answer_ms']['p95']:.0f} ms")
    return results


def deleted_answer_corpus(documents: list[TextDocument], questions: list[Question], seed: int = 7) -> tuple[list[TextDocument], list[tuple[Question, bool]]]:
    """The documents with the answer sentence deleted from a seeded half of the sampled paragraphs,
    and (question, answerable) for one question per paragraph whose answer lies in one sentence."""
    rng = random.Random(seed)
    by_doc: dict[str, list[Question]] = {}
    for q in questions:
        by_doc.setdefault(q.gold, []).append(q)
    out, cases = [], []
    for doc in documents:
        options = [q for q in by_doc.get(doc.source, []) if _answer_sentences(doc.text, q)]
        if not options:
            out.append(doc)
            continue
        q = rng.choice(options)
        answerable = rng.random() < 0.5
        if answerable:
            out.append(doc)
        else:
            spans = sentence_spans(doc.text)
            kept = [doc.text[s:e] for s, e in spans if not any(a in doc.text[s:e] for a in q.answers)]
            out.append(TextDocument(doc.source, " ".join(kept) or ".", doc.title))
        cases.append((q, answerable))
    return out, cases


def _answer_sentences(text: str, q: Question) -> bool:
    """True when the first answer string lies inside one sentence (so deleting sentences removes it)."""
    at = text.find(q.answers[0])
    return at >= 0 and any(s <= at and at + len(q.answers[0]) <= e for s, e in sentence_spans(text))


def bench_refusal(pipeline, documents: list[TextDocument], questions: list[Question], workdir: Path, log=print, names=None) -> dict:
    """The deleted-answer-sentence test for each refusal signal: AUC and refusal accuracy. A
    cross-encoder folder among `names` (the bench's --scorers) is measured too, by its own probability."""
    import numpy as np

    from assistant.answer.pipeline import Pipeline
    from eval.train_scorer import auc

    corpus, cases = deleted_answer_corpus(documents, questions)
    settings = pipeline.settings.model_copy(update={"db_dir": workdir})
    ingest_documents(corpus, settings, embeddings=pipeline.embeddings, progress=False)
    base = Pipeline.load(settings, embeddings=pipeline.embeddings, scorer=pipeline.scorer)
    answerable = np.array([a for _, a in cases])
    results = {"paragraphs": len(corpus), "questions": len(cases), "answerable": int(answerable.sum())}
    folders = [f"{n}{REFUSE_BY_SCORER}" for n in names or () if n not in SCORERS and not n.endswith(REFUSE_BY_SCORER)]
    for name, variant in variant_pipelines(base, [*REFUSAL_VARIANTS, *folders]).items():
        answers = [variant.answer(q.text) for q, _ in cases]
        scores = np.array([a.evidence_score for a in answers])
        refused = np.array([a.refused for a in answers])
        results[name] = {
            "auc": round(auc(scores, answerable), 4),
            "refusal_accuracy": round(float((refused != answerable).mean()), 4),
            "refused_answerable": round(float(refused[answerable].mean()), 4),
            "refused_deleted": round(float(refused[~answerable].mean()), 4),
            "threshold": variant.refusal_threshold,
        }
        log(f"  deleted-answer test ({name}): AUC {results[name]['auc']:.3f}, refusal accuracy {results[name]['refusal_accuracy']:.3f}")
    return results
