"""The chat's logic without a browser: streamed replies, follow-ups, retries and friendly problems."""

from __future__ import annotations

import pytest

from assistant.app import conversation
from assistant.app.conversation import PipelineHolder, Turn
from assistant.core.errors import BadQuestion
from assistant.core.settings import load_settings
from assistant.core.types import Answer


@pytest.fixture(scope="module")
def holder(pipeline):
    return PipelineHolder(pipeline.settings, pipeline)


def last(states: list[list[Turn]]) -> Turn:
    return states[-1][-1]


def test_a_reply_shows_the_question_then_drafts_then_the_answer(holder):
    states = list(conversation.reply(holder, "When was NATO established?", []))
    assert states[0] == [Turn("When was NATO established?", draft="")]
    assert any(state[-1].draft for state in states[1:-1])
    answer = last(states).answer
    assert isinstance(answer, Answer) and "1949" in answer.answer and answer.citations
    assert [m["role"] for m in conversation.messages(states[-1])] == ["user", "assistant"]


def test_a_follow_up_is_searched_as_a_standalone_question(holder):
    first = last(list(conversation.reply(holder, "What is Berlin Plus?", [])))
    failed = Turn("", problem="the question is empty: type a question about the documents")
    follow_up = last(list(conversation.reply(holder, "When was it agreed?", [first, failed])))
    assert follow_up.answer.standalone_question == "When was Berlin Plus agreed?"
    assert "2002" in follow_up.answer.answer


def test_search_again_adds_a_turn_and_keeps_the_earlier_answer(holder):
    first = last(list(conversation.reply(holder, "What is Berlin Plus?", [])))
    turns = [first, last(list(conversation.reply(holder, "When was it agreed?", [first])))]
    states = list(conversation.reply(holder, "", turns, standalone="When was NATO established?", retry=True))
    assert len(states[-1]) == 3 and states[-1][:2] == turns and last(states).again
    retried = last(states).answer
    assert (retried.question, retried.standalone_question) == ("When was it agreed?", "When was NATO established?")
    assert "1949" in retried.answer
    assert conversation.history(states[-1])[-1]["content"] == retried.answer  # only the latest search counts as context
    assert len(conversation.history(states[-1])) == 4
    assert conversation.asked_after(states[-1], 2) == [first]
    assert "(searched again)" in conversation.messages(states[-1])[-2]["content"]


def test_a_stopped_draft_is_kept_and_marked(holder):
    turns = [Turn("What is NATO?", draft="NATO is")]
    stopped = conversation.stop(turns)
    assert stopped[-1].stopped and "Stopped" in conversation.messages(stopped)[-1]["content"] and "NATO is" in conversation.messages(stopped)[-1]["content"]
    assert conversation.history(stopped) == [] and conversation.stop([]) == []
    done = last(list(conversation.reply(holder, "When was NATO established?", stopped)))
    assert "1949" in done.answer.answer and not done.stopped


def test_settings_reach_the_pipeline(holder):
    source = "corpus/nato-relations-with-the-european-union.txt"
    answer = last(list(conversation.reply(holder, "When was NATO established?", [], k=2, sources=[source], backend="extractive"))).answer
    assert len(answer.passages) == 2 and {p.chunk.source for p in answer.passages} == {source}
    assert answer.citations and {c.source for c in answer.citations} == {source}


@pytest.mark.parametrize(
    "message, turns, options, problem",
    [
        ("", [], {}, "the question is empty"),
        ("  \n ", [], {}, "the question is empty"),
        ("x" * 2001, [], {}, "shorten it to at most 2000"),
        ("When?", [], {"retry": True}, "there is no question to search again yet"),
        ("", [Turn("What is NATO?")], {"retry": True, "standalone": " "}, "the question is empty"),
        ("When was NATO established?", [], {"backend": "nonsense"}, "unknown answer backend 'nonsense'"),
    ],
)
def test_bad_requests_end_in_one_friendly_problem(holder, message, turns, options, problem):
    states = list(conversation.reply(holder, message, turns, **options))
    assert problem in last(states).problem and last(states).answer is None


def test_a_missing_index_says_how_to_build_one(fresh_settings):
    turn = last(list(conversation.reply(PipelineHolder(fresh_settings), "When was NATO established?", [])))
    assert "python -m ingest" in turn.problem


def test_an_unexpected_failure_is_reported_without_a_traceback():
    class BrokenHolder(PipelineHolder):
        def get(self):
            raise RuntimeError("boom")

    turn = last(list(conversation.reply(BrokenHolder(load_settings()), "When was NATO established?", [])))
    assert turn.problem.startswith("something went wrong while answering (RuntimeError)") and "boom" not in turn.problem


@pytest.mark.parametrize(
    "index, expected",
    [(0, 0), (1, 1), (2, 1), (3, 2), (4, 2), (5, None)],  # turn 0 has no user bubble (empty question)
)
def test_turn_of_message(index, expected):
    turns = [Turn("", problem="empty"), Turn("Q1", draft="..."), Turn("Q2", problem="oops")]
    assert conversation.turn_of_message(turns, index) == expected


@pytest.mark.parametrize(
    "history, expected",
    [
        (None, []),
        ([{"role": "user", "content": "What is NATO?"}], [{"role": "user", "content": "What is NATO?"}]),
        ([{"role": "assistant", "content": [{"type": "text", "text": "An alliance."}]}], [{"role": "assistant", "content": "An alliance."}]),
    ],
)
def test_clean_history(history, expected):
    assert conversation.clean_history(history) == expected


@pytest.mark.parametrize("history", ["What is NATO?", [{"role": "system", "content": "x"}], [["user", "x"]]])
def test_clean_history_rejects_other_shapes(history):
    with pytest.raises(BadQuestion, match="history must be a list"):
        conversation.clean_history(history)


@pytest.mark.parametrize(
    "request_, fragment",
    [
        ({"source": "corpus/nato-role-in-global-security.txt", "start": 771, "end": 919}, '<mark id="hit">North Atlantic Treaty Organization (NATO) was established in 1949'),
        ({"source": "../../etc/passwd", "start": 0, "end": 5}, "that document is not in the index"),
        ({"source": "/etc/passwd", "start": 0, "end": 5}, "that document is not in the index"),
        ({"source": "corpus/nato-role-in-global-security.txt", "start": "x", "end": 5}, "the article cannot be shown"),
        ("not a dict", "the article cannot be shown"),
    ],
)
def test_the_article_viewer_only_opens_indexed_documents(holder, request_, fragment):
    from assistant.app.ui import _article

    assert fragment in _article(holder, request_)


@pytest.mark.parametrize(
    "message, turns, options, problem",
    [
        ("When was NATO established?", [], {}, ""),
        ("", [], {}, "the question is empty"),
        ("x" * 2001, [], {}, "the question has 2001 characters; shorten it to at most 2000"),
        ("?!", [], {}, "the question has no words"),
        ("", [], {"retry": True}, "there is no question to search again yet"),
        ("", [Turn("What is NATO?")], {"retry": True, "standalone": " "}, "the question is empty"),
        ("", [Turn("What is NATO?")], {"retry": True, "standalone": "What is NATO?"}, ""),
    ],
)
def test_problem_with_a_request_is_found_before_anything_is_searched(message, turns, options, problem):
    found = conversation.problem_with(load_settings(), message, turns, **options)
    assert (problem in found and bool(found) == bool(problem)) if problem else found == ""
