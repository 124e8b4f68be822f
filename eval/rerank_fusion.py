"""`python -m eval rerank-fusion`: how the passages the answer reads are best ordered, measured on
held-out SQuAD *train* articles (never dev, never the eval set), so `rerank_fusion` is set on data
nobody measures with.

The held-out articles (as `train-scorer` chose them) are ingested into a temporary index, one
document per paragraph. Each held-out question goes through the answer path's own retrieval
(`rerank_candidates` passages, hybrid) and answer scorer, and its passages are ordered: as
retrieved, by the best probability alone, and by their fusion with each constant c asked for
(`assistant.answer.evidence.fused_order`). Printed: the share of questions whose gold paragraph
is first, and among the top k, with 95% intervals.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from eval.cosine_weight import wilson
from eval.train_scorer import held_out_questions, measure_arguments

CONSTANTS = (1.0, 2.0, 5.0, 10.0, 20.0, 60.0)


def main(args: argparse.Namespace) -> int:
    from assistant.answer.evidence import learned_ranking, score_sentences
    from assistant.answer.pipeline import Pipeline
    from assistant.core.settings import load_settings
    from ingest.run import TextDocument, ingest_documents

    by_title, held = held_out_questions(args)
    paragraphs = {p.pid: p for title in {q.paragraph.title for q in held} for p in by_title[title]}
    documents = [TextDocument(p.pid, p.text, p.title) for p in paragraphs.values()]
    with tempfile.TemporaryDirectory(prefix="rerank-fusion-") as work:
        settings = load_settings(db_dir=Path(work), corpus_dir=Path(work) / "none", scorer=args.scorer)
        report = ingest_documents(documents, settings, progress=False)
        if report.failures:
            raise SystemExit(f"ingest failed for {len(report.failures)} paragraphs, e.g. {report.failures[0]}")
        pipeline = Pipeline.load(settings)
        if pipeline.scorer is None:
            raise SystemExit("--scorer heuristic has no probability to order by: pass learned or a cross-encoder folder")
        k, pool = settings.top_k, max(settings.top_k, settings.rerank_candidates)
        orders: dict[str, list[list[str]]] = {"retrieval alone": [], "probability alone": [], **{f"fusion c={c:g}": [] for c in args.constants}}
        for q in held:
            text = pipeline.searched(q.text)  # as the pipeline searches and scores it: its content words, short forms resolved
            passages = pipeline.retriever.search(text, k=pool)
            ranked = score_sentences(text, passages, pipeline.embeddings, pipeline.index.keyword, rescore=False)
            orders["retrieval alone"].append([p.chunk.source for p in passages[:k]])
            for name, fusion in [("probability alone", None), *((f"fusion c={c:g}", c) for c in args.constants)]:
                found, _ = learned_ranking(text, passages, ranked, pipeline.scorer, k, settings.scored_sentences, True, settings.cosine_weight, fusion)
                orders[name].append([p.chunk.source for p in found])
    gold = [q.paragraph.pid for q in held]
    n = len(gold)
    print(f"{n} held-out SQuAD train questions, {len(documents)} paragraphs of {len({q.paragraph.title for q in held})} articles, "
          f"{pool} passages retrieved, top {k} kept:")
    print(f"| passage order | recall@1 | 95% interval | recall@{k} | 95% interval |\n| --- | --- | --- | --- | --- |")
    for name, found in orders.items():
        first = sum(f[:1] == [g] for f, g in zip(found, gold)) / n
        top = sum(g in f for f, g in zip(found, gold)) / n
        (a, b), (c, d) = wilson(first, n), wilson(top, n)
        print(f"| {name} | {first:.3f} | {a:.3f}–{b:.3f} | {top:.3f} | {c:.3f}–{d:.3f} |")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    measure_arguments(parser)  # --data, --held-out, --seed (the held-out articles as train-scorer chose them), --questions, --scorer
    parser.add_argument("--constants", type=float, nargs="+", default=list(CONSTANTS), help="fusion constants c to compare")
