"""`python -m eval runner-up`: how close to the best sentence a runner-up must score to be quoted
beside it (`settings.runner_up_floor`), on held-out SQuAD *train*
articles (never dev, never the eval set).

Each held-out question is put as the answer stage sees it (`scorer_data.calibration_cases`: its
paragraph's sentences plus the article's nearest others), its sentences scored as the pipeline
orders them (the scorer's probability plus `cosine_weight` times the cosine), and the extractive
backend's own `choose` picks up to `answer_sentences` (or each of `--limits`) of them for each
floor. Printed per limit and floor: the share of answers that quote a sentence holding the answer
(95% interval), the sentences quoted per answer, and how often a quoted runner-up is the one that
holds it.
"""

from __future__ import annotations

import argparse

import numpy as np

from eval.cosine_weight import held_out_scores, wilson
from eval.train_scorer import measure_arguments

FLOORS = (1.0, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5)


def quoted(probabilities: np.ndarray, cosines: np.ndarray, texts: list[str], weight: float, limit: int, floor: float) -> list[int]:
    """Indices of the sentences `choose` quotes, best first, at this floor.

    >>> quoted(np.array([0.9, 0.6, 0.1]), np.array([0.5, 0.5, 0.5]), ["a b", "c d", "e f"], 0.5, 2, 0.85)
    [0]
    >>> quoted(np.array([0.9, 0.6, 0.1]), np.array([0.5, 0.5, 0.5]), ["a b", "c d", "e f"], 0.5, 2, 0.7)
    [0, 1]
    """
    from assistant.answer.backends.extractive import choose
    from assistant.answer.evidence import ScoredSentence

    scored = [ScoredSentence(passage=0, start=i, end=i, text=t, semantic=float(c), lexical=0.0, cue=0.0, probability=float(p), cosine_weight=weight)
              for i, (t, p, c) in enumerate(zip(texts, probabilities, cosines))]
    ranked = sorted(scored, key=lambda x: -x.score)
    return [x.start for x in choose(ranked, limit, floor=floor)]


def main(args: argparse.Namespace) -> int:
    from assistant.core.settings import Settings

    settings, (_, rows) = Settings(), held_out_scores(args)
    n = len(rows)
    print(f"{n} held-out SQuAD train questions; cosine weight {settings.cosine_weight:g}:")
    for limit in args.limits or [settings.answer_sentences]:
        print(f"\nup to {limit} sentences quoted:\n")
        print("| floor | answer quoted | 95% interval | sentences per answer | runner-ups quoted | runner-ups holding it |\n| --- | --- | --- | --- | --- | --- |")
        for floor in args.floors:
            held_answer, sentences, runners, runner_right = 0, 0, 0, 0
            for probabilities, cosines, texts, gold in rows:
                picks = quoted(probabilities, cosines, texts, settings.cosine_weight, limit, floor)
                held_answer += any(gold[i] for i in picks)
                sentences += len(picks)
                runners += len(picks) - 1
                runner_right += sum(gold[i] and not gold[picks[0]] for i in picks[1:])
            share = held_answer / n
            low, high = wilson(share, n)
            print(f"| {floor:g} | {share:.3f} | {low:.3f}–{high:.3f} | {sentences / n:.2f} | {runners} | {runner_right / max(1, runners):.3f} |")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    measure_arguments(parser)  # --data, --held-out, --seed (the held-out articles as train-scorer chose them), --questions, --scorer
    parser.add_argument("--floors", type=float, nargs="+", default=list(FLOORS), help="relative floors to compare")
    parser.add_argument("--limits", type=int, nargs="+", help="most sentences quoted, to compare (default: settings.answer_sentences)")
