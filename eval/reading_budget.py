"""`python -m eval reading-budget`: how many sentences the answer scorer should read per answer
(`scored_sentences`) and how many retrieved passages it reorders (`rerank_candidates`), measured
with the full answer path on held-out SQuAD *train* articles (never dev, never the eval set).

Every paragraph of the held-out articles (as `train-scorer` chose them) is ingested into one
temporary index, one document per paragraph: about as many paragraphs per article as SQuAD dev
has, so a question meets its article's other paragraphs as distractors, as it does in the
full-dev bench. Each held-out question is answered by the pipeline once per setting asked for.
Printed per setting: the share of answers quoting a gold answer (95% interval), where the others
were lost (gold paragraph not among the passages retrieved for the scorer, retrieved but cut from
the top k, kept but not quoted), how often the gold paragraph comes first, the refusals, and the
rank stage's time (p50 / p95; the scorer's and the embedder's memories are cleared before each
setting).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from eval.cosine_weight import wilson
from eval.train_scorer import held_out_questions, measure_arguments


def main(args: argparse.Namespace) -> int:
    from assistant.answer.pipeline import Pipeline
    from assistant.core.settings import load_settings
    from eval.bench.query import holds_answer
    from eval.bench.squad import Question
    from ingest.run import TextDocument, ingest_documents

    by_title, held = held_out_questions(args)
    titles = sorted({q.paragraph.title for q in held})
    paragraphs = [p for title in titles for p in by_title[title]]
    asked = [Question(q.qid, q.text, q.answers, q.paragraph.pid) for q in held]
    settings_asked = [(b, c) for c in args.candidates for b in args.budgets]
    with tempfile.TemporaryDirectory(prefix="reading-budget-") as work:
        settings = load_settings(db_dir=Path(work), corpus_dir=Path(work) / "none", scorer=args.scorer)
        report = ingest_documents([TextDocument(p.pid, p.text, p.title) for p in paragraphs], settings, progress=False)
        if report.failures:
            raise SystemExit(f"ingest failed for {len(report.failures)} paragraphs, e.g. {report.failures[0]}")
        n, k = len(asked), settings.top_k
        print(f"{n} held-out SQuAD train questions, {len(paragraphs)} paragraphs of {len(titles)} articles, top {k} kept:\n")
        print("| sentences read | passages reordered | gold answer quoted | 95% interval | gold not retrieved | retrieved, cut | kept, not quoted "
              "| recall@1 | refused | rank p50 / p95 ms |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for budget, candidates in settings_asked:
            pipeline = Pipeline.load(settings.model_copy(update={"scored_sentences": budget, "rerank_candidates": candidates}))
            if pipeline.scorer is None:
                raise SystemExit("--scorer heuristic reads no sentences: pass learned or a cross-encoder folder")
            if hasattr(pipeline.scorer, "clear"):  # each setting timed from scratch, as a newly started app
                pipeline.scorer.clear()
            pipeline.embeddings.clear_caches()
            pool = max(k, candidates)
            quoted = first = not_retrieved = cut = refused = 0
            rank_ms = []
            for q in asked:
                answer = pipeline.answer(q.text)
                rank_ms.append(answer.timings_ms.get("rank", 0.0))
                kept = [p.chunk.source for p in answer.passages[:k]]
                refused += answer.refused
                first += kept[:1] == [q.gold]
                if holds_answer(answer, q):
                    quoted += 1
                elif q.gold not in kept:
                    retrieved = {p.chunk.source for p in pipeline.retriever.search(pipeline.searched(q.text), k=pool)}
                    cut += q.gold in retrieved
                    not_retrieved += q.gold not in retrieved
            lo, hi = wilson(quoted / n, n)
            p50, p95 = np.percentile(rank_ms, [50, 95])
            print(f"| {budget} | {candidates} | {quoted / n:.3f} | {lo:.3f}–{hi:.3f} | {not_retrieved} | {cut} | {n - quoted - not_retrieved - cut} "
                  f"| {first / n:.3f} | {refused} | {p50:.0f} / {p95:.0f} |", flush=True)
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    measure_arguments(parser)  # --data, --held-out, --seed (the held-out articles as train-scorer chose them), --questions, --scorer
    parser.add_argument("--budgets", type=int, nargs="+", default=[16, 24, 32], help="scored_sentences values to compare")
    parser.add_argument("--candidates", type=int, nargs="+", default=[12], help="rerank_candidates values to compare")
