"""`python -m eval carry-on`: which next sentences the extractive answer should quote after the one
it chose (`assistant.answer.backends.extractive.CARRIES_ON`), on held-out SQuAD *train* articles
(never dev, never the eval set).

Each held-out question is put as the answer stage sees it (`scorer_data.calibration_cases`), its
sentences ordered as the pipeline orders them, and the backend's own `choose` picks the quoted ones
(`eval.runner_up.quoted`). For each quoted sentence of the gold paragraph, its next sentence there is
tested against each rule below. Printed per rule: how many next sentences it would add (per 100
answers), and how often an added one holds the answer that none of the quoted ones holds (its
precision: what a reader gains for each sentence more to read). A rule earns its place when its
precision is clearly above the base rate (quoting every next sentence), on the same questions.
SQuAD's questions were written looking at the sentence that answers, so they share its words and
their answer is rarely in the next one: the figures show which rules help, not how often.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

from eval.cosine_weight import held_out_scores, wilson
from eval.runner_up import quoted
from eval.train_scorer import measure_arguments

_CONNECTIVE = r"(?:However|Moreover|Furthermore|In addition|Additionally|As a result|Consequently|Thus|Therefore|Instead|Nevertheless|Still|Yet|Also|Meanwhile)"
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z]*[A-Z])\)")  # "Common Security and Defence Policy (CSDP)"
_LEAD_WORDS = 8


def _acronym_again(before: str, after: str) -> bool:
    """The next sentence names, within its first words, an acronym the sentence before spelled out.

    >>> _acronym_again("The Common Security and Defence Policy (CSDP) began in 1999.", "Though distinct from NATO, CSDP complements it.")
    True
    >>> _acronym_again("The Common Security and Defence Policy (CSDP) began in 1999.", "NATO was older.")
    False
    """
    lead = set(re.findall(r"\w+", " ".join(after.split()[:_LEAD_WORDS])))
    return any(a in lead for a in _ACRONYM.findall(before))


def rules() -> dict[str, Callable[[str, str], bool]]:
    """The rules compared: the shipped one, and the candidates (each tested on its own)."""
    from assistant.answer.backends.extractive import CARRIES_ON, NAMES_ITS_KIND, POINTS_BACK, SUBJECT_KINDS

    pointer = re.compile(rf"^{_CONNECTIVE},? (?:this|these|such|it|they|the (?:{SUBJECT_KINDS}))\b", re.IGNORECASE)
    possessive = re.compile(r"^(?:He|She|His|Her|Its|Their)\b")
    pronoun, kind = re.compile(rf"^{POINTS_BACK}", re.IGNORECASE), re.compile(rf"^{NAMES_ITS_KIND}", re.IGNORECASE)  # CARRIES_ON's own parts
    return {
        "shipped (CARRIES_ON)": lambda before, after: bool(CARRIES_ON.match(after)),
        "  of it: this / these / such / it / they": lambda before, after: bool(pronoun.match(after)),
        "  of it: the alliance / agreement / …": lambda before, after: bool(kind.match(after)),
        "  of it: the rest (examples, instances)": lambda before, after: bool(CARRIES_ON.match(after)) and not pronoun.match(after) and not kind.match(after),
        "he / she / his / her / its / their": lambda before, after: bool(possessive.match(after)),
        "connective + pointer (However, it…)": lambda before, after: bool(pointer.match(after)),
        "acronym spelled out before, named again": _acronym_again,
        "any next sentence (the base rate)": lambda before, after: True,
    }


def main(args: argparse.Namespace) -> int:
    from assistant.core.settings import Settings

    settings, (held, rows) = Settings(), held_out_scores(args)
    tests, n = rules(), len(rows)
    added = {name: 0 for name in tests}
    rescued = {name: 0 for name in tests}
    for q, (probabilities, cosines, texts, gold) in zip(held, rows):
        picks = quoted(probabilities, cosines, texts, settings.cosine_weight, settings.answer_sentences, settings.runner_up_floor)
        missed = not any(gold[i] for i in picks)
        for i in picks:
            after = i + 1
            if after >= len(q.paragraph.sentences) or after in picks:  # no next sentence in the paragraph, or quoted already
                continue
            for name, rule in tests.items():
                if rule(texts[i], texts[after]):
                    added[name] += 1
                    rescued[name] += bool(missed and gold[after])
    print(f"{n} held-out SQuAD train questions; up to {settings.answer_sentences} sentences quoted at floor {settings.runner_up_floor:g}:")
    print("| rule | next sentences added per 100 answers | added holding the answer the quoted miss | precision | 95% interval |\n| --- | --- | --- | --- | --- |")
    for name in tests:
        share = rescued[name] / max(1, added[name])
        low, high = wilson(share, max(1, added[name]))
        print(f"| {name} | {100 * added[name] / n:.1f} | {rescued[name]} of {added[name]} | {share:.3f} | {low:.3f}–{high:.3f} |")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    measure_arguments(parser)  # --data, --held-out, --seed (the held-out articles as train-scorer chose them), --questions, --scorer
