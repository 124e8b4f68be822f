"""The command-line contract other tools and the eval depend on, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from assistant.core.settings import REPO_ROOT

ANSWER_KEYS = {"question", "standalone_question", "answer", "refused", "citations", "passages", "timings_ms"}
CITATION_KEYS = {"id", "source", "title", "section", "start", "end", "text"}
PASSAGE_KEYS = {"chunk_id", "source", "title", "section", "start", "end", "text", "score"}


def cli(*args: str, db=None) -> subprocess.CompletedProcess:
    extra = ["--db", str(db)] if db else []
    return subprocess.run([sys.executable, "-m", "assistant", *args, *extra], capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)


def test_ask_json_contract(corpus_index):
    run = cli("ask", "When was NATO established?", "--json", "--k", "5", db=corpus_index.db_dir)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert ANSWER_KEYS <= set(answer)
    assert answer["question"] == answer["standalone_question"] == "When was NATO established?"
    assert answer["refused"] is False and "1949" in answer["answer"]
    assert len(answer["passages"]) == 5 and all(PASSAGE_KEYS <= set(p) for p in answer["passages"])
    for citation in answer["citations"]:
        assert CITATION_KEYS <= set(citation)
        assert f"[{citation['id']}]" in answer["answer"]
        text = (REPO_ROOT / citation["source"]).read_text(encoding="utf-8")
        assert text[citation["start"] : citation["end"]] == citation["text"]
    assert answer["timings_ms"]["total"] > 0


def test_ask_text_lists_numbered_sources(corpus_index):
    run = cli("ask", "What is the Partnership for Peace?", db=corpus_index.db_dir)
    assert run.returncode == 0, run.stderr
    assert "Sources:" in run.stdout and "[1] " in run.stdout and "corpus/" in run.stdout


def test_ask_says_how_well_an_answer_is_supported(corpus_index, tmp_path):
    """Text output has a confidence line with its number; JSON a `confidence` label, null for a refusal."""
    run = cli("ask", "When was NATO established?", db=corpus_index.db_dir)
    assert run.returncode == 0, run.stderr
    assert "Confidence: Well supported (evidence score 0.72; the assistant refuses below 0.38)" in run.stdout
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"question": "When was NATO established?"}) + "\n" + json.dumps({"question": "What is the capital of Peru?"}) + "\n")
    run = cli("ask", "--batch", str(batch), "--json", db=corpus_index.db_dir)
    assert run.returncode == 0, run.stderr
    answered, refused = (json.loads(line) for line in run.stdout.splitlines())
    assert (answered["confidence"], refused["refused"], refused["confidence"]) == ("Well supported", True, None)


def test_a_refusal_says_why(corpus_index):
    """--source left out the articles that answer it; the same question without it is answered."""
    run = cli("ask", "When was NATO established?", "--source", "corpus/nato-and-the-european-security-architecture.txt", db=corpus_index.db_dir)
    assert run.returncode == 0, run.stderr
    assert "Why: --source left the answer out (1 of 5 documents searched); over all documents it is answered." in run.stdout
    assert "Confidence:" not in run.stdout


def test_history_file_makes_a_follow_up_standalone(corpus_index, tmp_path):
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"role": "user", "content": "What is NATO?"}, {"role": "assistant", "content": "An alliance."}]))
    run = cli("ask", "When was it established?", "--history", str(history), "--json", db=corpus_index.db_dir)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["standalone_question"] == "When was NATO established?" and "1949" in answer["answer"]


def test_batch_answers_one_line_per_request_in_order(corpus_index, tmp_path):
    batch = tmp_path / "batch.jsonl"
    questions = ["What is Berlin Plus?", "How many troops took part in the Steadfast Defender exercise?", "When was it established?"]
    lines = [{"question": questions[0]}, {"question": questions[1], "history": []}, {"question": questions[2], "history": [{"role": "user", "content": "What is NATO?"}]}]
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    run = cli("ask", "--batch", str(batch), "--json", db=corpus_index.db_dir)
    assert run.returncode == 0, run.stderr
    answers = [json.loads(line) for line in run.stdout.splitlines()]
    assert [a["question"] for a in answers] == questions
    assert [a["refused"] for a in answers] == [False, True, False]


@pytest.mark.parametrize(
    "args, message",
    [
        (["ask", ""], "the question is empty"),
        (["ask", "   "], "the question is empty"),
        (["ask", "x" * 2001], "shorten it to at most 2000"),
        (["ask"], "no question given"),
    ],
)
def test_bad_questions_exit_2_with_the_fix(corpus_index, args, message):
    run = cli(*args, db=corpus_index.db_dir)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_missing_index_names_the_fix(tmp_path):
    run = cli("ask", "What is NATO?", db=tmp_path / "nothing-here")
    assert run.returncode == 2
    assert "run `python -m ingest`" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "nothing-here").exists()  # asking never creates an index


def test_empty_index_names_the_fix(tmp_path):
    from assistant.core.settings import load_settings
    from ingest.run import ingest

    empty = tmp_path / "empty"
    empty.mkdir()
    settings = load_settings(db_dir=tmp_path / "db")
    ingest([empty], settings, progress=False, embeddings=_embeddings())
    run = cli("ask", "What is NATO?", db=settings.db_dir)
    assert run.returncode == 2 and "run `python -m ingest`" in run.stderr


@pytest.mark.parametrize("content", ["not json", json.dumps({"role": "user"}), json.dumps([{"role": "robot", "content": "x"}])])
def test_bad_history_file_is_explained(corpus_index, tmp_path, content):
    history = tmp_path / "h.json"
    history.write_text(content)
    run = cli("ask", "What is NATO?", "--history", str(history), db=corpus_index.db_dir)
    assert run.returncode == 2 and str(history) in run.stderr and "Traceback" not in run.stderr


def test_settings_command_prints_effective_values(tmp_path):
    run = cli("settings", db=tmp_path / "x")
    assert run.returncode == 0
    assert f"db_dir = {tmp_path / 'x'}" in run.stdout and "refusal_threshold" in run.stdout


def _embeddings():
    from assistant.index.embedder import get_embeddings

    return get_embeddings("all-MiniLM-L6-v2")
