"""`python -m eval cosine-weight`: how the weight of the cosine beside the scorer's probability
changes the sentence an answer quotes, on held-out SQuAD *train* articles (never dev, never the
eval set), so `cosine_weight` is set on data nobody measures with.

Each held-out question is put as the answer stage sees it (`scorer_data.calibration_cases`: its
paragraph's sentences plus the article's nearest others), and for each weight w the sentence with
the best `probability + w · cosine` is taken: the share of questions whose taken sentence holds
the answer is printed, with its 95% interval (Wilson), beside w = 0 (the probability alone).
"""

from __future__ import annotations

import argparse
import math
import random

import numpy as np

from eval import scorer_data
from eval.train_scorer import held_out_questions, measure_arguments

WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 2.0)


def chosen_share(probabilities: list[np.ndarray], cosines: list[np.ndarray], gold: list[np.ndarray], weight: float) -> float:
    """Share of questions whose best `probability + weight * cosine` sentence holds the answer.

    >>> p, c, g = [np.array([0.9, 0.8])], [np.array([0.1, 0.6])], [np.array([False, True])]
    >>> chosen_share(p, c, g, 0.0), chosen_share(p, c, g, 0.5)
    (0.0, 1.0)
    """
    return float(np.mean([g[int(np.argmax(p + weight * c))] for p, c, g in zip(probabilities, cosines, gold)]))


def wilson(share: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% interval of a share of n.

    >>> [round(x, 3) for x in wilson(0.8, 600)]
    [0.766, 0.83]
    """
    centre, half = (share + z * z / (2 * n)) / (1 + z * z / n), z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def held_out_scores(args: argparse.Namespace) -> tuple[list, list[tuple[np.ndarray, np.ndarray, list[str], np.ndarray]]]:
    """The held-out questions, and (probabilities, cosines, sentences, holds the answer) of each one's
    candidates, as the answer stage sees them (`scorer_data.calibration_cases`)."""
    from assistant.answer.scorer import get_scorer
    from assistant.core.settings import Settings
    from assistant.index.embedder import embedder_for

    settings = Settings()
    by_title, held = held_out_questions(args)
    scorer, embedder, rng = get_scorer(args.scorer, settings.scorer_runtime), embedder_for(settings), random.Random(args.seed)
    if scorer is None:
        raise SystemExit("--scorer heuristic has no probability: pass learned or a cross-encoder folder")
    rows = []
    for q in held:
        text, candidates, _, _ = scorer_data.calibration_cases(q, by_title[q.paragraph.title], rng)[0]
        sentences = [s for s, _ in candidates]
        rows.append((scorer.probabilities(text, candidates), embedder.vectors(tuple(sentences)) @ embedder.question(text), sentences,
                     np.array([scorer_data.holds_answer(s, q) for s in sentences])))
    return held, rows


def main(args: argparse.Namespace) -> int:
    held, rows = held_out_scores(args)
    probabilities, cosines, gold = [r[0] for r in rows], [r[1] for r in rows], [r[3] for r in rows]
    n = len(gold)
    print(f"{n} held-out SQuAD train questions ({len(set(q.paragraph.title for q in held))} articles); the quoted sentence holds the answer:")
    print("| cosine weight | share | 95% interval |\n| --- | --- | --- |")
    for weight in args.weights:
        share = chosen_share(probabilities, cosines, gold, weight)
        low, high = wilson(share, n)
        print(f"| {weight:g} | {share:.3f} | {low:.3f}–{high:.3f} |")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    measure_arguments(parser)  # --data, --held-out, --seed (the held-out articles as train-scorer chose them), --questions, --scorer
    parser.add_argument("--weights", type=float, nargs="+", default=list(WEIGHTS), help="cosine weights to compare")
