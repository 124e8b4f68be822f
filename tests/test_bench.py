"""The benchmark on a handful of SQuAD paragraphs, so that it cannot rot between full runs.

Nothing here asserts a speed: only that every section runs end to end on real components
and reports the figures the README table is made from.
"""

from __future__ import annotations

import argparse
import json

import pytest

from eval.bench.query import first_rank, rank_metrics
from eval.bench.run import _scorers, main
from eval.bench.squad import load_squad
from eval.bench.stats import ratio, spread
from eval.bench.tables import fmt


@pytest.mark.parametrize(
    "ranks, metric, expected",
    [
        ([1, None], "recall@1", 0.5),
        ([6, 2], "recall@5", 0.5),
        ([11], "recall@10", 0.0),
        ([4, 1], "mrr@10", 0.625),
        ([3], "ndcg@10", 0.5),
    ],
)
def test_rank_metrics(ranks, metric, expected):
    assert rank_metrics(ranks)[metric] == expected


@pytest.mark.parametrize(
    "sources, gold, expected",
    [(["a", "b", "b"], "b", 2), (["a"], "b", None), ([], "b", None)],
)
def test_first_rank(sources, gold, expected):
    assert first_rank(sources, gold) == expected


@pytest.mark.parametrize(
    "values, expected",
    [([2.0], "2.0"), ([1.0, 3.0, 2.0], "2.0 (1.0–3.0)"), ([], "–")],
)
def test_spread_renders_median_and_range(values, expected):
    assert fmt(spread(values)) == expected


def test_ratio_of_missing_figures_is_none():
    assert (ratio(3.0, 2.0), ratio(None, 2.0), ratio(1.0, 0.0)) == (1.5, None, None)


def test_squad_subset_keeps_only_questions_on_kept_paragraphs():
    squad = load_squad(paragraphs=5)
    assert len(squad.documents) == 5 and {q.gold for q in squad.questions} <= {d.source for d in squad.documents}


@pytest.mark.slow
def test_every_section_runs_on_a_tiny_subset(tmp_path, capsys):
    argv = ["--paragraphs", "6", "--latency-questions", "4", "--quality-questions", "8", "--reps", "1", "--scale-sizes", "300", "--out", str(tmp_path)]
    assert main(argv) == 0
    results = json.loads((tmp_path / "bench.json").read_text())
    assert results["ingest"]["chunks"]["ours"] >= 6 and results["ingest"]["ours_over_floor"]["median"] > 0
    assert results["ingest"]["reingest_fresh_process"]["process_s"] > 0
    assert set(results["latency"]["latency_ms"]) == {"retrieve", "answer", "naive"} and results["latency"]["latency_ms"]["answer"]["p95"]["n"] == 1
    assert set(results["quality"]) == {"hybrid", "dense", "bm25"} and results["quality"]["hybrid"]["questions"] == 8
    assert all("latency_ms" in part for part in results["scale"]["300"].values())
    assert "first_answer_s" in results["cold"]["cli_ask"] and "first_answer_s" in results["cold"]["app_serve"]
    assert "| **ours, hybrid (default)** |" in capsys.readouterr().out


def test_a_missing_corpus_is_one_line_naming_the_fix(tmp_path, capsys):
    from eval.__main__ import main as eval_main

    assert eval_main(["bench", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pass --data" in err and "Traceback" not in err


def test_the_answers_section_runs_only_the_scorers_asked_for(tmp_path):
    argv = ["--only", "answers", "--paragraphs", "4", "--answer-questions", "3", "--scorers", "heuristic,learned+rerank onnx-int8", "--out", str(tmp_path)]
    assert main(argv) == 0
    answers = json.loads((tmp_path / "bench.json").read_text())["answers"]
    assert set(answers) == {"heuristic", "learned+rerank onnx-int8"} and answers["heuristic"]["questions"] == 3


def test_an_unknown_scorer_variant_stops_the_bench_before_it_starts(tmp_path):
    with pytest.raises(SystemExit, match="unknown scorer variant.*choose from heuristic"):
        main(["--only", "answers", "--scorers", "bogus", "--out", str(tmp_path)])
    assert not list(tmp_path.iterdir())


def test_scorer_variants_whose_names_hold_a_comma_are_read_whole():
    asked = argparse.Namespace(scorers="heuristic,learned+rerank, probability alone, learned+rerank, refuse by scorer,learned+rerank")
    assert _scorers(asked) == ["heuristic", "learned+rerank, probability alone", "learned+rerank, refuse by scorer", "learned+rerank"]


def test_a_cross_encoder_folder_is_a_scorer_variant_measured_beside_the_shipped_one(tmp_path):
    """A candidate model is compared with the one it would replace in one run: the shipped scorer's
    own folder, given as a path, answers and refuses exactly as the `learned` variants do."""
    from assistant.answer.scorer import SHIPPED

    argv = ["--only", "answers,refusal", "--paragraphs", "6", "--answer-questions", "3", "--refusal-paragraphs", "6", "--scorers", f"learned+rerank onnx,{SHIPPED}", "--out", str(tmp_path / "run")]
    assert main(argv) == 0
    results = json.loads((tmp_path / "run" / "bench.json").read_text())
    assert set(results["answers"]) == {"learned+rerank onnx", str(SHIPPED)}
    drop_latency = lambda row: {k: v for k, v in row.items() if k != "answer_ms"}  # noqa: E731
    assert drop_latency(results["answers"][str(SHIPPED)]) == drop_latency(results["answers"]["learned+rerank onnx"])
    assert results["refusal"][f"{SHIPPED}, refuse by scorer"] == results["refusal"]["learned+rerank, refuse by scorer"]
    with pytest.raises(SystemExit, match="or the path of a cross-encoder folder"):
        main(["--only", "answers", "--scorers", str(tmp_path), "--out", str(tmp_path / "not-run")])
