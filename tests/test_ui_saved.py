"""The conversation the browser keeps across reloads: turns to JSON and back, unreadable copies dropped."""

from __future__ import annotations

import json

import pytest

from assistant.app import conversation, saved
from assistant.app.conversation import PipelineHolder, Turn


@pytest.fixture(scope="module")
def turns(pipeline):
    holder = PipelineHolder(pipeline.settings, pipeline)
    state: list[Turn] = []
    for question in ("When was NATO established?", "What is the capital of Peru?"):
        *_, state = conversation.reply(holder, question, state)
    return state


def test_answers_and_refusals_come_back_the_same(turns):
    assert turns[0].answer.citations and turns[1].why is not None  # an answer with citations, then a refusal with its reason
    back = saved.from_json(json.loads(json.dumps(saved.to_json(turns))))
    assert conversation.messages(back) == conversation.messages(turns)
    assert back[0].answer.citations == turns[0].answer.citations and back[0].confidence == turns[0].confidence
    assert conversation.history(back) == conversation.history(turns) and back[1].answer_id == turns[1].answer_id


def test_an_answer_cut_off_by_the_reload_comes_back_stopped():
    back = saved.from_json(saved.to_json([Turn("What is NATO?", draft="NATO is")]))
    assert back == [Turn("What is NATO?", draft="NATO is", stopped=True)]


@pytest.mark.parametrize("data", [None, "", [], {"version": 0, "turns": []}, {"version": saved.VERSION}, {"version": saved.VERSION, "turns": [{"nonsense": 1}]},
                                  {"version": saved.VERSION, "turns": ["text"]}])
def test_an_unreadable_copy_starts_an_empty_conversation(data):
    assert saved.from_json(data) == []
