"""The eval runner, report files, compare, the CI check and the CLI, on the real pipeline."""

from __future__ import annotations

import copy
import json
import sys
import types
from dataclasses import asdict

import pytest

from eval.__main__ import main
from eval.cases import load_cases
from eval.check import check, make_baseline
from eval.compare import compare
from eval.report import write_run
from eval.run import evaluate, open_pipeline, runnable_backends

IDS = ("factoid-01", "followup-01", "falsepremise-05", "unanswerable-11", "unanswerable-02")  # unanswerable-02 is answered (a failing case)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def cases():
    return [c for c in load_cases() if c.id in IDS]


@pytest.fixture(scope="module")
def report(pipeline, cases):
    return evaluate(pipeline, cases, ["extractive"], progress=False, set_name="test").to_dict()


@pytest.fixture
def set_file(tmp_path, cases):
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(asdict(c)) + "\n" for c in cases), encoding="utf-8")
    return path


def row(report: dict, case_id: str) -> dict:
    return next(r for r in report["rows"] if r["id"] == case_id)


def test_every_case_gets_one_row_per_backend(report):
    assert sorted((r["backend"], r["id"]) for r in report["rows"]) == sorted(("extractive", i) for i in IDS)


def test_answerable_case_is_found_answered_and_cited(report):
    got = row(report, "factoid-01")
    assert (got["recall@4"], got["fact_recall"], got["citation_recall"], got["evidence_cited"], got["passed"]) == (1.0, 1.0, 1.0, 1.0, 1.0)


def test_unanswerable_case_is_refused(report):
    assert (row(report, "unanswerable-11")["refused"], row(report, "unanswerable-11")["passed"]) == (True, 1.0)


def test_follow_up_is_scored_on_its_standalone_question(report):
    assert "NATO" in row(report, "followup-01")["standalone_question"]


def test_summary_is_by_backend_and_by_kind(report):
    one = report["summary"]["extractive"]
    assert (one["cases"], sorted(one["by_kind"]), sorted(one["latency_ms"]["total"])) == (5, ["factoid", "false-premise", "follow-up", "unanswerable"], ["n", "p50", "p95"])


def test_run_folder_holds_report_tables_plots_and_ragas_export(report, tmp_path):
    write_run(report, tmp_path)
    pngs = sorted(p.name for p in tmp_path.glob("*.png") if p.read_bytes().startswith(PNG))
    records = [json.loads(line) for line in (tmp_path / "ragas-extractive.jsonl").read_text().splitlines()]
    md = (tmp_path / "report.md").read_text()
    assert pngs == ["latency.png", "metrics_by_kind.png", "refusal_threshold.png"]
    assert "## Headline" in md and "| refusal recall (n=2) |" in md
    assert json.loads((tmp_path / "report.json").read_text())["summary"] == report["summary"]
    assert all({"user_input", "response", "retrieved_contexts", "reference", "question", "answer", "contexts", "ground_truth"} <= set(r) for r in records)
    assert records[0]["retrieved_contexts"] == row(report, records[0]["id"])["contexts"] != []


def test_compare_lists_newly_failing_cases_first(report):
    after = copy.deepcopy(report)
    row(after, "factoid-01").update(passed=0.0, fact_recall=0.0, answer="Something else.")
    row(after, "unanswerable-02").update(passed=1.0, refused=True)
    text = compare(report, after)
    failing, passing = text.index("newly failing (extractive): 1"), text.index("newly passing (extractive): 1")
    assert failing < text.index("factoid-01 (factoid)") < passing < text.index("unanswerable-02")


def test_check_holds_its_own_baseline_and_fails_when_a_metric_falls(report):
    baseline = make_baseline(report)
    worse = copy.deepcopy(report)
    worse["summary"]["extractive"]["overall"]["fact_recall"] = 0.0
    ok, text = check(worse, baseline)
    assert (check(report, baseline)[0], ok, "| fact recall |" in text and "FELL" in text) == (True, False, True)


def test_cli_check_exit_codes(report, corpus_index, set_file, tmp_path):
    baseline = make_baseline(report)
    (tmp_path / "ok.json").write_text(json.dumps(baseline))
    for metric in baseline["metrics"].values():
        metric["floor"] = 1.01
    (tmp_path / "high.json").write_text(json.dumps(baseline))
    common = ["--set", str(set_file), "--db", str(corpus_index.db_dir), "--out", str(tmp_path / "runs"), "--quiet", "--no-plots", "--check"]
    codes = [main(common + ["--baseline", str(tmp_path / name)]) for name in ("ok.json", "high.json")]
    assert (codes, len(list((tmp_path / "runs").glob("*/report.md")))) == ([0, 1], 2)


def test_cli_compare_prints_the_moves(report, tmp_path, capsys):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        write_run(report, tmp_path / name, plots=False)
    assert (main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]), "newly failing (extractive): 0" in capsys.readouterr().out) == (0, True)


def test_cli_error_names_the_fix(tmp_path, capsys):
    code = main(["compare", str(tmp_path / "nowhere"), str(tmp_path / "nowhere")])
    assert (code, "pass a run folder" in capsys.readouterr().err) == (2, True)


def test_missing_index_is_ingested_first(small_corpus, fresh_settings, embeddings):
    pipeline = open_pipeline(fresh_settings.model_copy(update={"corpus_dir": small_corpus}), embeddings, progress=False)
    assert (len(pipeline.index.documents()), pipeline.index.count() > 0) == (2, True)


def test_unknown_backend_lists_the_valid_ones(corpus_index):
    from assistant.core.errors import UnknownName

    with pytest.raises(UnknownName, match="extractive"):
        runnable_backends(["nonsense"], corpus_index)


def test_unavailable_backend_is_reported_with_its_reason(corpus_index, monkeypatch):
    from assistant.answer import backends

    monkeypatch.setattr(backends, "available_backends", lambda settings, names: {"extractive": "no reason to run"})
    assert runnable_backends(["extractive"], corpus_index) == ([], {"extractive": "no reason to run"})


def test_an_extractive_run_starts_no_local_model(corpus_index):
    """Only the backends asked for are checked: the local model's probe (a worker loading it) never starts."""
    from assistant.answer.backends import local

    before = dict(local._probes)
    assert runnable_backends(["extractive"], corpus_index) == (["extractive"], {})
    assert local._probes == before


def test_bench_is_handed_its_arguments(monkeypatch):
    seen = []
    monkeypatch.setitem(sys.modules, "eval.bench.run", types.SimpleNamespace(main=lambda argv: seen.append(argv) or 7))
    assert (main(["bench", "--quick"]), seen) == (7, [["--quick"]])
