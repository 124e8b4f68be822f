"""One `Message` type for every conversation history: CLI history and batch files, the API, eval cases."""

from __future__ import annotations

import json

import pytest

from assistant.app.cli import read_batch, read_history
from assistant.app.conversation import clean_history
from assistant.core.errors import BadInputFile, BadQuestion
from assistant.core.types import HISTORY_SHAPE, validate_history
from eval.cases import load_cases


@pytest.mark.parametrize(
    "history, fragment",
    [
        ("What is NATO?", "history: input should be a valid list (got 'What is NATO?')"),
        (None, "history: input should be a valid list (got None)"),
        ([["user", "x"]], "history[0]: input should be a valid dictionary"),
        ([{"role": "user", "content": "x"}, {"role": "robot", "content": "x"}], "history[1].role: input should be 'user' or 'assistant' (got 'robot')"),
        ([{"role": "user"}], "history[0].content: field required;"),
        ([{"role": "user", "content": 5}], "history[0].content: input should be a valid string (got 5)"),
    ],
)
def test_a_bad_history_names_the_field_and_the_shape(history, fragment):
    with pytest.raises(BadInputFile) as raised:
        validate_history(history, where="chat.json")
    assert str(raised.value).startswith("chat.json: ") and fragment in str(raised.value) and str(raised.value).endswith(HISTORY_SHAPE)


def test_a_good_history_keeps_role_and_content_only():
    assert validate_history([{"role": "assistant", "content": "An alliance.", "id": 3}]) == [{"role": "assistant", "content": "An alliance."}]


def test_a_long_bad_value_is_shortened_to_one_line():
    with pytest.raises(BadQuestion) as raised:
        validate_history([{"role": "x" * 500, "content": ""}], error=BadQuestion)
    assert len(str(raised.value)) < 250 and "\n" not in str(raised.value)


def test_history_file(tmp_path):
    path = tmp_path / "chat.json"
    path.write_text(json.dumps([{"role": "user", "content": "What is NATO?"}, {"role": "system", "content": "x"}]))
    with pytest.raises(BadInputFile, match=rf"^{path}: history\[1\]\.role: "):
        read_history(path)


@pytest.mark.parametrize("history", [None, [{"role": "user", "content": None}], "not a list"])
def test_batch_line_with_a_bad_history_names_its_line(tmp_path, history):
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps({"question": "Q1"}) + "\n" + json.dumps({"question": "Q2", "history": history}) + "\n")
    with pytest.raises(BadInputFile, match=rf"^{path} line 2: history"):
        read_batch(path)


def test_batch_requests_carry_a_validated_history(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps({"question": "Q1"}) + "\n" + json.dumps({"question": "Q2", "history": [{"role": "user", "content": "Q1"}]}) + "\n")
    assert [r["history"] for r in read_batch(path)] == [[], [{"role": "user", "content": "Q1"}]]


def test_api_history_is_a_bad_question():
    with pytest.raises(BadQuestion, match=r"^history\[0\]\.role: .*history must be a list"):
        clean_history([{"role": "system", "content": "x"}])


def test_eval_case_with_a_bad_history_names_its_line(tmp_path):
    case = {"id": "c1", "kind": "follow-up", "question": "When?", "history": [{"role": "user", "content": 1}], "answerable": True, "evidence": [], "facts": [], "reference_answer": ""}
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(case) + "\n")
    with pytest.raises(BadInputFile, match=rf"^{path}, line 1: history\[0\]\.content: input should be a valid string"):
        load_cases(path)
