"""The running app through `gradio_client`: the same answers as the CLI, streamed, plus lookup."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from gradio_client import Client

from assistant.core.settings import REPO_ROOT
from tests.support import running_app

QUESTION = "When was NATO established?"
SAME_AS_CLI = ("question", "standalone_question", "answer", "refused", "citations", "passages", "sentences", "backend", "evidence_score", "confidence")


@pytest.fixture(scope="module")
def client(pipeline, tmp_path_factory):
    settings = pipeline.settings.model_copy(update={"feedback_file": tmp_path_factory.mktemp("api") / "feedback.jsonl"})
    with running_app(pipeline, settings) as url:
        yield Client(url, verbose=False)


def cli_json(question: str, db) -> dict:
    run = subprocess.run([sys.executable, "-m", "assistant", "ask", question, "--json", "--db", str(db)], capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_only_the_three_documented_endpoints_are_public(client):
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == {"/ask", "/ask_json", "/lookup"}


def test_the_api_answers_as_the_cli_does(client, corpus_index):
    expected = cli_json(QUESTION, corpus_index.db_dir)
    assert client.predict(QUESTION, api_name="/ask") == expected["answer"]
    got = client.predict(QUESTION, api_name="/ask_json")
    assert {key: got[key] for key in SAME_AS_CLI} == {key: expected[key] for key in SAME_AS_CLI}


def test_ask_streams_growing_drafts_then_the_answer(client, pipeline):
    job = client.submit(QUESTION, [], api_name="/ask")
    final = job.result(timeout=300)
    *drafts, last = job.outputs()
    assert last == final == pipeline.answer(QUESTION).answer
    assert drafts and all(later.startswith(earlier) for earlier, later in zip(drafts, drafts[1:]))


def test_a_follow_up_through_the_api_uses_the_history(client):
    history = [{"role": "user", "content": "What is Berlin Plus?"}, {"role": "assistant", "content": "An arrangement between NATO and the EU. [1]"}]
    got = client.predict("When was it agreed?", history, api_name="/ask_json")
    assert got["standalone_question"] == "When was Berlin Plus agreed?" and "2002" in got["answer"]


def test_lookup_returns_passages_with_exact_offsets_and_a_reference(client, corpus_index):
    passages = client.predict("Berlin Plus", "keyword", 3, api_name="/lookup")
    assert 1 <= len(passages) <= 3
    for passage in passages:
        text = (REPO_ROOT / passage["source"]).read_text(encoding="utf-8")
        assert text[passage["start"] : passage["end"]] == passage["text"]
        assert passage["reference"].endswith(f"{passage['source']}, characters {passage['start']}–{passage['end']}")



def test_lookup_opens_a_copied_reference_as_that_exact_passage_first(client, corpus_index):
    copied = client.predict("Article 5 collective defence", "keyword", 4, api_name="/lookup")[2]
    got = client.predict(copied["reference"], "hybrid", 8, api_name="/lookup")
    first = got[0]
    assert (first["source"], first["start"], first["end"], first["text"]) == (copied["source"], copied["start"], copied["end"], copied["text"])
    assert first["exact"] is True and first["note"] == "the passage this reference points to" and first["reference"] == copied["reference"]
    assert (REPO_ROOT / first["source"]).read_text(encoding="utf-8")[first["start"] : first["end"]] == first["text"]


def test_lookup_records_label_their_scores_by_mode(client, corpus_index):
    keyword, semantic, hybrid = (client.predict("Berlin Plus", mode, 3, api_name="/lookup")[0] for mode in ("keyword", "semantic", "hybrid"))
    assert (keyword["score_label"], semantic["score_label"], hybrid["score_label"]) == ("BM25 score", "similarity", "rank (fused)")
    assert keyword["score"] == keyword["bm25_score"] and semantic["score"] == semantic["similarity"] and hybrid["score"] == hybrid["fused_score"]
    assert {"bm25_score", "similarity"} <= set(hybrid)

@pytest.mark.parametrize(
    "args, endpoint, message",
    [
        (("",), "/ask", "the question is empty"),
        (("x" * 2001,), "/ask_json", "shorten it to at most 2000"),
        (("NATO", "telepathic"), "/lookup", "unknown search mode 'telepathic'"),
        (("corpus/missing.txt:0-10",), "/lookup", "'corpus/missing.txt', which is not in the index"),
    ],
)
def test_api_errors_name_the_fix(client, args, endpoint, message):
    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name=endpoint)
