"""`python -m eval aliases`: what resolving short forms (`resolve_aliases`: "the Union" searched
as the EU, `assistant.answer.aliases`) does to the questions it changes, on held-out SQuAD *train*
articles (never dev, never the eval set): the questions whose searched form changes
(`Aliases.searched`).

Every paragraph of the held-out articles (as `train-scorer` chose them) is ingested into one
temporary index, one document per paragraph, so the short forms are read from all of them at
once, as from any corpus. Each held-out question that resolving changes ("Who did the Fusion
fighters battle?" where the paragraphs name Digimon Fusion) is answered by the full pipeline
with `resolve_aliases` on and off. Printed: how many questions it changes, a few of them, and per
setting the share whose gold paragraph comes first and among the top k, whose answer quotes a gold
answer, and how many are refused (all of them are answerable); then each question whose outcome
moved.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from eval.cosine_weight import wilson
from eval.train_scorer import held_out_questions, split_arguments

SHOWN = 8  # changed questions printed


def main(args: argparse.Namespace) -> int:
    from assistant.answer.aliases import Aliases
    from assistant.answer.pipeline import Pipeline
    from assistant.core.settings import load_settings
    from eval.bench.query import holds_answer
    from eval.bench.squad import Question
    from ingest.run import TextDocument, ingest_documents

    limit, args.questions = args.questions, None
    by_title, held = held_out_questions(args)
    paragraphs = [p for title in sorted({q.paragraph.title for q in held}) for p in by_title[title]]
    aliases = Aliases.of(p.text for p in paragraphs)
    changed = [q for q in held if aliases.searched(q.text) != q.text][:limit]
    print(f"{len(held)} held-out SQuAD train questions, {len(paragraphs)} paragraphs; short forms resolved: "
          f"{len(aliases.defined)} by definition, {len(aliases.heads)} by a name's last word; questions changed: {len(changed)}")
    for q in changed[:SHOWN]:
        print(f"- {q.text} -> {aliases.searched(q.text)}")
    if not changed:
        return 0
    asked = [Question(q.qid, q.text, q.answers, q.paragraph.pid) for q in changed]
    with tempfile.TemporaryDirectory(prefix="aliases-") as work:
        settings = load_settings(db_dir=Path(work), corpus_dir=Path(work) / "none")
        report = ingest_documents([TextDocument(p.pid, p.text, p.title) for p in paragraphs], settings, progress=False)
        if report.failures:
            raise SystemExit(f"ingest failed for {len(report.failures)} paragraphs, e.g. {report.failures[0]}")
        n, k = len(asked), settings.top_k
        print(f"| resolve_aliases | recall@1 | 95% interval | recall@{k} | gold answer quoted | 95% interval | refused |\n| --- | --- | --- | --- | --- | --- | --- |")
        outcomes = {}
        for on in (False, True):
            pipeline = Pipeline.load(settings.model_copy(update={"resolve_aliases": on}))
            answers = [(pipeline.answer(q.text), q) for q in asked]
            outcomes[on] = [(q.gold in {p.chunk.source for p in a.passages[:k]}, holds_answer(a, q)) for a, q in answers]
            first = sum([p.chunk.source for p in a.passages[:1]] == [q.gold] for a, q in answers) / n
            top = sum(q.gold in {p.chunk.source for p in a.passages[:k]} for a, q in answers) / n
            quoted = sum(holds_answer(a, q) for a, q in answers) / n
            (lo, hi), (qlo, qhi) = wilson(first, n), wilson(quoted, n)
            print(f"| {'on' if on else 'off'} | {first:.3f} | {lo:.3f}–{hi:.3f} | {top:.3f} | {quoted:.3f} | {qlo:.3f}–{qhi:.3f} | "
                  f"{sum(a.refused for a, _ in answers)} of {n} |")
    for q, before, after in zip(asked, outcomes[False], outcomes[True]):
        if before != after:
            print(f"- {q.text!r}: gold paragraph in the top {k}, gold answer quoted: {before} -> {after}")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    split_arguments(parser)  # --data, --held-out, --seed: the held-out articles as train-scorer chose them
    parser.add_argument("--questions", type=int, default=None, help="at most this many of the changed questions (default: all)")
