"""`python -m eval answer-type`: what the answer-type check (`answer_type_check`) does to the
questions it refuses for ("Which city…", "What country…"), on held-out SQuAD *train* articles
(never dev, never the eval set).

The paragraphs of the held-out articles those questions come from are indexed in a temporary
folder, and every held-out question asking which city or country (`NAMED_PLACE`) is answered by
the full pipeline with the check on and off: over the paragraphs as they are (all answerable: how many are refused,
how many answers quote the gold answer), and over the deleted-answer corpus of the benchmark
(`eval.bench.answers.deleted_answer_corpus`: the answer sentence removed from a seeded half),
where refusing the unanswerable half is right.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from eval.train_scorer import held_out_questions, split_arguments


def main(args: argparse.Namespace) -> int:
    from assistant.answer.answer_type import NAMED_PLACE, expected_type
    from assistant.answer.pipeline import Pipeline
    from assistant.core.settings import load_settings
    from assistant.index.embedder import embedder_for
    from eval.bench.answers import deleted_answer_corpus
    from eval.bench.query import holds_answer
    from eval.bench.squad import Question
    from ingest.run import TextDocument, ingest_documents

    limit, args.questions = args.questions, None  # the draw of every held-out question: the kinds refused for are rare
    by_title, held = held_out_questions(args)
    typed = [q for q in held if expected_type(q.text) == NAMED_PLACE][:limit]
    documents = [TextDocument(p.pid, p.text, p.title) for title in sorted({q.paragraph.title for q in typed}) for p in by_title[title]]
    asked = [Question(q.qid, q.text, q.answers, q.paragraph.pid) for q in typed]
    print(f"{len(asked)} held-out SQuAD train questions asking for a {NAMED_PLACE}, {len(documents)} paragraphs")
    print("| corpus | answer_type_check | answerable: refused | answerable: gold answer quoted | unanswerable: refused |\n| --- | --- | --- | --- | --- |")
    settings = load_settings()
    embeddings = embedder_for(settings)
    deleted, cases = deleted_answer_corpus(documents, asked)
    with tempfile.TemporaryDirectory() as tmp:
        for name, corpus, labelled in (("as is", documents, [(q, True) for q in asked]), ("answer deleted", deleted, cases)):
            folder = load_settings(db_dir=Path(tmp) / name.replace(" ", "-"))
            ingest_documents(corpus, folder, embeddings=embeddings, progress=False)
            for on in (True, False):
                pipeline = Pipeline.load(folder.model_copy(update={"answer_type_check": on}), embeddings=embeddings)
                answers = [(pipeline.answer(q.text), q, answerable) for q, answerable in labelled]
                answerable = [(a, q) for a, q, ok in answers if ok]
                unanswerable = [a for a, _, ok in answers if not ok]
                refused = sum(a.refused for a, _ in answerable)
                quoted = sum(holds_answer(a, q) for a, q in answerable)
                print(f"| {name} | {'on' if on else 'off'} | {refused} of {len(answerable)} | {quoted} of {len(answerable)} | "
                      + (f"{sum(a.refused for a in unanswerable)} of {len(unanswerable)} |" if unanswerable else "– |"))
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    split_arguments(parser)  # --data, --held-out, --seed: the held-out articles as train-scorer chose them
    parser.add_argument("--questions", type=int, default=None, help="at most this many of those questions (default: all)")
