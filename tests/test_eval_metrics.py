"""The eval's pure metrics, table by table, and one case scored by hand end to end."""

from __future__ import annotations

import math
import random

import pytest

from assistant.core.types import Answer, Chunk, Citation, Passage, Sentence
from eval import metrics
from eval.calibrate import Point, best_threshold, threshold_curve
from eval.cases import Case
from eval.check import below_floor, floor
from eval.compare import case_moves
from eval.run import score_case
from eval.summary import means, refusal_scores

RANKED = ["The EU grew out of trade.", "NATO was founded in 1949 as an alliance.", "Twelve countries signed the treaty."]


def never(sentence: str, cited: str) -> bool:
    return False


@pytest.mark.parametrize(
    "passage, quote, expected",
    [
        ("NATO was founded in 1949.", "founded in 1949", True),
        ("NATO’s role grew.", "NATO's role", True),  # curly apostrophe
        ("Spaces   and\nlines fold.", "spaces and lines", True),
        ("...the alliance was founded in 1949", "founded in 1949 by twelve", True),  # chunk cut: 15 of 25 characters
        ("the alliance was founded", "founded in 1949 by twelve countries", False),
        ("", "anything", False),
    ],
)
def test_holds(passage, quote, expected):
    assert metrics.holds(passage, quote) is expected


@pytest.mark.parametrize(
    "evidence, k, expected",
    [(["founded in 1949"], 1, 0.0), (["founded in 1949"], 2, 1.0), (["Twelve countries"], 4, 1.0), (["not there"], 10, 0.0), (["EU grew", "1949"], 1, 1.0)],
)
def test_recall_at(evidence, k, expected):
    assert metrics.recall_at(RANKED, evidence, k) == expected


@pytest.mark.parametrize(
    "evidence, expected",
    [(["EU grew"], 1.0), (["founded in 1949"], 0.5), (["Twelve countries", "founded in 1949"], 0.5), (["not there"], 0.0)],
)
def test_reciprocal_rank(evidence, expected):
    assert metrics.reciprocal_rank(RANKED, evidence) == expected


@pytest.mark.parametrize(
    "evidence, k, expected",
    [
        (["EU grew"], 10, 1.0),
        (["founded in 1949"], 10, 0.6309),  # 1/log2(3)
        (["founded in 1949", "Twelve countries"], 10, 0.6934),  # (1/log2 3 + 1/log2 4) / (1 + 1/log2 3)
        (["Twelve countries"], 2, 0.0),
        (["not there"], 10, 0.0),
    ],
)
def test_ndcg_at(evidence, k, expected):
    assert round(metrics.ndcg_at(RANKED, evidence, k), 4) == expected


@pytest.mark.parametrize(
    "facts, answer, expected",
    [
        ([["1949"]], "Founded in 1949.", 1.0),
        ([["1949"], ["Washington", "treaty"]], "Founded in 1949.", 0.5),
        ([["Soviet"]], "It countered soviet influence.", 1.0),  # case folded
        ([["1949"]], "", 0.0),
        ([], "anything", 1.0),
    ],
)
def test_fact_recall(facts, answer, expected):
    assert metrics.fact_recall(facts, answer) == expected


@pytest.mark.parametrize(
    "answer, reference, expected",
    [
        ("NATO was founded in 1949 [1]", "NATO was founded in 1949.", 1.0),
        ("The founding year was 1949", "1949", 0.4),  # 1 shared of 4 and 1 tokens: 2 * 0.25 * 1 / 1.25
        ("an alliance", "the alliance", 1.0),  # articles removed
        ("", "anything", 0.0),
        ("completely different", "NATO 1949", 0.0),
    ],
)
def test_token_f1(answer, reference, expected):
    assert round(metrics.token_f1(answer, reference), 4) == expected


@pytest.mark.parametrize(
    "sentences, judge, expected",
    [
        ([("A b.", ["A b."])], metrics.contained, 1.0),
        ([("A b.", ["A b."]), ("C d.", ["x"])], metrics.contained, 0.5),
        ([("A b.", [])], metrics.contained, 0.0),  # uncited: unsupported
        ([("A b.", ["A", "b."])], metrics.contained, 1.0),  # supported by the two spans together
        ([("A b.", ["A b."])], never, 0.0),
        ([], metrics.contained, 0.0),
    ],
)
def test_citation_recall(sentences, judge, expected):
    assert metrics.citation_recall(sentences, judge) == expected


@pytest.mark.parametrize(
    "sentences, expected",
    [
        ([("A b.", ["A b."])], 1.0),
        ([("A b.", ["A b.", "unrelated"])], 0.5),  # the extra citation is not needed
        ([("A b.", ["A", "b."])], 1.0),  # neither alone, both needed
        ([("A b.", ["x", "y"])], 0.0),  # not supported at all: no citation is precise
        ([("A b.", ["A b."]), ("C d.", [])], 1.0),  # an uncited sentence has no citation to count
        ([], 0.0),
    ],
)
def test_citation_precision(sentences, expected):
    assert metrics.citation_precision(sentences, metrics.contained) == expected


@pytest.mark.parametrize(
    "cited, evidence, expected",
    [
        (["NATO was founded in 1949."], ["founded in 1949"], 1.0),
        (["founded in 1949"], ["NATO was founded in 1949 in Washington"], 1.0),  # the cited span lies within the quote
        (["Washington hosted it"], ["NATO was founded in 1949 in Washington"], 0.0),  # too little in common either way
        (["in 1949"], ["in 1949."], 1.0),
        ([], ["founded in 1949"], 0.0),
        (["other text"], ["founded in 1949"], 0.0),
    ],
)
def test_citations_hold_evidence(cited, evidence, expected):
    assert metrics.citations_hold_evidence(cited, evidence) == expected


@pytest.mark.parametrize("values, q, expected", [([1, 2, 3, 4], 50, 2), ([1, 2, 3, 4], 95, 4), ([5], 50, 5), ([], 50, 0.0), (list(range(1, 101)), 95, 95)])
def test_percentile(values, q, expected):
    assert metrics.percentile(values, q) == expected


def test_percentile_is_the_nearest_rank():
    """numpy's inverted_cdf gives the value at rank ceil(q/100 * n), counting from 1, for every size and q tried."""
    rng = random.Random(0)
    for n in range(1, 120):
        values = [rng.random() for _ in range(n)]
        ordered = sorted(values)
        for q in [i / 4 for i in range(401)] + [33.3, 66.7, 99.9]:
            assert metrics.percentile(values, q) == ordered[max(0, math.ceil(q / 100 * n) - 1)], (n, q)


@pytest.mark.parametrize(
    "rows, expected",
    [
        ([{"refused": True, "answerable": False}, {"refused": False, "answerable": False}], (1.0, 0.5)),
        ([{"refused": True, "answerable": True}, {"refused": True, "answerable": False}], (0.5, 1.0)),
        ([{"refused": False, "answerable": True}], (None, None)),  # nothing refused, nothing to refuse
    ],
)
def test_refusal_precision_and_recall(rows, expected):
    scores = refusal_scores(rows)
    assert (scores["refusal_precision"], scores["refusal_recall"]) == expected


@pytest.mark.parametrize(
    "rows, expected",
    [
        ([{"mrr": 1.0}, {"mrr": 0.0}], {"mrr": 0.5}),
        ([{"mrr": 1.0}, {"fact_recall": 0.5}], {"mrr": 1.0, "fact_recall": 0.5}),  # each over its own cases
        ([{"id": "q", "refused": True, "evidence_score": 0.4}], {}),  # not metrics
    ],
)
def test_means(rows, expected):
    assert means(rows)[0] == expected


@pytest.mark.parametrize(
    "cases, threshold, expected",
    [
        ([Point(0.2, False), Point(0.5, True)], 0.3, (1.0, 1.0, 1.0)),
        ([Point(0.2, False), Point(0.5, True)], 0.1, (0.5, None, 0.0)),
        ([Point(0.2, False), Point(0.5, True)], 0.6, (0.5, 0.5, 1.0)),
        ([Point(0.9, False, forced=True), Point(0.5, True)], 0.1, (1.0, 1.0, 1.0)),  # refused whatever the threshold
    ],
)
def test_threshold_curve(cases, threshold, expected):
    (point,) = threshold_curve(cases, (threshold,))
    assert (point["accuracy"], point["precision"], point["recall"]) == expected


def test_best_threshold_prefers_refusing_more_when_equally_accurate():
    cases = [Point(0.30, False), Point(0.35, True), Point(0.36, False), Point(0.5, True)]
    # 0.31: refuses the first only (3 of 4 right); 0.37: refuses three (3 of 4 right, both unanswerable)
    assert best_threshold(threshold_curve(cases, (0.31, 0.37)))["threshold"] == 0.37


@pytest.mark.parametrize("value, cases, expected", [(0.809, 89, 0.789), (0.5556, 18, 0.5), (0.01, 10, 0.0), (1.0, 1000, 0.98)])
def test_floor(value, cases, expected):
    assert floor(value, cases) == expected


@pytest.mark.parametrize(
    "overall, expected",
    [({"mrr": 0.69}, []), ({"mrr": 0.68}, []), ({"mrr": 0.67}, [["mrr", 0.7, 0.68, 0.67]]), ({}, [["mrr", 0.7, 0.68, None]])],
)
def test_below_floor(overall, expected):
    assert below_floor(overall, {"metrics": {"mrr": {"value": 0.7, "floor": 0.68}}}) == expected


@pytest.mark.parametrize(
    "before, after, group",
    [
        ({"passed": 1.0}, {"passed": 0.0}, "newly failing"),
        ({"passed": 0.0}, {"passed": 1.0}, "newly passing"),
        ({"passed": 0.0, "mrr": 0.5}, {"passed": 0.0, "mrr": 1.0}, "changed"),
        ({"passed": 1.0}, {"passed": 1.0}, None),
    ],
)
def test_case_moves(before, after, group):
    moves = case_moves([{"id": "q", "kind": "factoid", "answer": "a"} | before], [{"id": "q", "kind": "factoid", "answer": "b"} | after])
    assert {g for g, found in moves.items() if found} == ({group} if group else set())


def _cited_answer() -> Answer:
    chunk = Chunk("c1", "corpus/a.txt", "A", "", 0, 100, RANKED[1] + " " + RANKED[2])
    citations = (
        Citation(1, "corpus/a.txt", "A", "", 0, 40, "NATO was founded in 1949 as an alliance."),
        Citation(2, "corpus/a.txt", "A", "", 41, 76, "Twelve countries signed the treaty."),
    )
    sentences = (Sentence("NATO was founded in 1949 as an alliance.", (1,)), Sentence("It had many members.", (1, 2)))
    text = "NATO was founded in 1949 as an alliance. [1] It had many members. [1][2]"
    return Answer("When was NATO founded?", "When was NATO founded?", text, False, citations, (Passage(chunk, 1.0),), sentences)


def test_reference_case_scored_by_hand():
    """One answerable case, every metric worked out by hand.

    Retrieval: the ranking is [EU, "founded in 1949" passage, "Twelve countries" passage].
    The first relevant passage is at rank 2: recall@1 = 0, recall@4 = recall@10 = 1, MRR = 1/2.
    nDCG@10: new evidence at ranks 2 and 3, DCG = 1/log2(3) + 1/log2(4) = 0.6309 + 0.5;
    ideal (two quotes at ranks 1, 2) = 1 + 0.6309; nDCG = 1.1309 / 1.6309 = 0.6934.
    Citations (containment judge): sentence 1 is quoted by citation 1 (supported; its one
    citation is precise); sentence 2 "It had many members." is in neither span (unsupported;
    neither of its two citations counts). Recall 1/2; precision 1 of 3 citations = 0.3333.
    Citation 1 holds the evidence "founded in 1949": evidence cited = 1.
    Answer: of the fact groups 1949 / twelve / Washington only 1949 is there: fact recall 1/3,
    all facts 0. Token F1 (markers, punctuation and articles dropped): the answer has 11
    tokens, the reference "NATO was founded in 1949 by twelve countries in Washington." 10;
    they share nato, was, founded, in, 1949 = 5; P = 5/11, R = 1/2, F1 = 10/21 = 0.4762.
    Refusal: answerable and answered, so the decision is right (1.0), but the case did not
    pass, since not every fact is there.
    """
    case = Case("ref", "factoid", "When was NATO founded?", [], True, ["founded in 1949", "Twelve countries signed"],
                [["1949"], ["twelve", "12"], ["Washington"]], "NATO was founded in 1949 by twelve countries in Washington.")
    row = score_case(case, _cited_answer(), RANKED + ["filler"] * 7, metrics.contained)
    got = {k: round(row[k], 4) for k in ("recall@1", "recall@4", "recall@10", "mrr", "ndcg@10", "citation_recall", "citation_precision",
                                         "evidence_cited", "fact_recall", "all_facts", "token_f1", "refusal_accuracy", "passed")}
    assert got == {"recall@1": 0.0, "recall@4": 1.0, "recall@10": 1.0, "mrr": 0.5, "ndcg@10": 0.6934, "citation_recall": 0.5,
                   "citation_precision": 0.3333, "evidence_cited": 1.0, "fact_recall": 0.3333, "all_facts": 0.0, "token_f1": 0.4762,
                   "refusal_accuracy": 1.0, "passed": 0.0}


@pytest.mark.parametrize(
    "kind, answerable, refused, facts_there, expected",
    [
        ("unanswerable", False, True, None, (1.0, 1.0)),
        ("unanswerable", False, False, None, (0.0, 0.0)),
        ("factoid", True, True, False, (0.0, 0.0)),
        ("false-premise", True, False, True, (1.0, 1.0)),  # answered with the correcting fact
        ("false-premise", True, False, False, (0.0, 0.0)),  # answered, but the premise stands
        ("false-premise", True, True, False, (0.0, 0.0)),
    ],
)
def test_refusal_accuracy_and_passed(kind, answerable, refused, facts_there, expected):
    case = Case("q", kind, "Why was NATO founded in 1975?", [], answerable, ["founded in 1949"] if answerable else [], [["1949"]] if answerable else [], "In 1949.")
    text = "NATO was founded in 1949." if facts_there else "It was founded long ago."
    answer = Answer(case.question, case.question, "refused" if refused else text, refused, (), ())
    row = score_case(case, answer, [])
    assert (row["refusal_accuracy"], row["passed"]) == expected
