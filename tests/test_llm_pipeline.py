"""The answer path around a language model, driven by LangChain's fake chat model (fixed drafts).

Real index, embedder and verifier; only the model's text is fixed, to pin down the logic:
marker clean-up while streaming, unsupported sentences, fallbacks and their notices.
"""

from __future__ import annotations

import dataclasses

from langchain_core.language_models import FakeListChatModel
from langchain_core.language_models.fake_chat_models import FakeListChatModelError

from assistant.answer.backends.chat import ChatBackend
from assistant.core import prompts
from assistant.core.types import Answer
from tests.support import original

QUESTION = "When was NATO established?"


def with_model(pipeline, *responses: str, fail_at: int | None = None):
    """A copy of the pipeline whose `fake` backend answers with `responses`, in turn."""
    model = FakeListChatModel(responses=list(responses), error_on_chunk_number=fail_at)
    backend = ChatBackend("fake", model, timeout=60, failures=(FakeListChatModelError, ValueError))
    return dataclasses.replace(pipeline, _backends={"fake": backend})


def number_of(pipeline, needle: str, question: str = QUESTION) -> int:
    """The 1-based number of the first passage retrieved for `question` holding `needle`."""
    passages = pipeline.retriever.search(question)
    return next(n for n, p in enumerate(passages, start=1) if needle in p.chunk.text)


def run(pipeline, question: str = QUESTION, **kwargs) -> tuple[list[str], Answer]:
    *pieces, answer = pipeline.stream(question, backend="fake", **kwargs)
    return pieces, answer


def test_streamed_markers_are_cleaned_and_unknown_ids_never_shown(pipeline):
    n = number_of(pipeline, "1949")
    fake = with_model(pipeline, f"NATO was established in 1949 [{n}][9]. It grew【{n}】.")
    pieces, answer = run(fake)
    assert len(pieces) > 10  # the fake model streams one character at a time
    shown = "".join(pieces)
    assert f"[{n}]" in shown and "[9]" not in shown and "【" not in shown
    assert answer.sentences[0].supported and answer.sentences[0].citations == (1,)
    assert all(original(c.source)[c.start : c.end] == c.text for c in answer.citations)


def test_an_invented_sentence_is_marked_unsupported_not_cited(pipeline):
    n = number_of(pipeline, "1949")
    fake = with_model(pipeline, f"NATO was established in 1949 [{n}]. Its headquarters are on the Moon [{n}].")
    _, answer = run(fake)
    true, invented = answer.sentences
    assert true.supported and true.support_score >= pipeline.settings.support_threshold
    assert invented.supported is False and invented.support_score < pipeline.settings.support_threshold
    assert answer.answer.endswith(f"on the Moon. {prompts.UNSUPPORTED_MARK}")
    assert not answer.refused and not answer.notice and answer.backend == "fake"
    assert {c.id: c.supported for c in answer.citations}[true.citations[0]] is True


def test_an_answer_with_no_supported_sentence_gives_way_to_the_extractive_one(pipeline):
    _, answer = run(with_model(pipeline, "NATO was founded by aliens in 1066 [1]."))
    assert answer.notice == prompts.UNSUPPORTED_NOTICE.format(backend="fake")
    assert answer.backend == "extractive" and "1949" in answer.answer
    assert all(s.supported for s in answer.sentences)


def test_a_model_failing_mid_answer_gives_way_to_the_extractive_one(pipeline):
    pieces, answer = run(with_model(pipeline, "NATO was established in 1949 [1].", fail_at=8))
    assert "".join(pieces) == "NATO was"  # what was streamed before the failure
    assert answer.notice.startswith("The fake model failed (FakeListChatModelError")
    assert answer.backend == "extractive" and "1949" in answer.answer


def test_a_blank_answer_gives_way_to_the_extractive_one(pipeline):
    _, answer = run(with_model(pipeline, "  \n "))
    assert answer.notice == prompts.EMPTY_NOTICE.format(backend="fake") and "1949" in answer.answer


def test_the_model_saying_the_sources_do_not_answer_is_a_refusal(pipeline):
    _, answer = run(with_model(pipeline, prompts.NO_ANSWER))
    assert answer.refused and answer.answer == prompts.REFUSAL and not answer.notice


def test_no_model_call_when_the_evidence_is_too_weak(pipeline):
    fake = with_model(pipeline, "never used")
    _, answer = run(fake, "What is the best recipe for banana bread?")
    assert answer.refused and fake.backend("fake").model.i == 0


def test_a_follow_up_is_condensed_by_the_model(pipeline):
    history = [{"role": "user", "content": "Tell me about the North Atlantic alliance."}, {"role": "assistant", "content": "It is NATO. [1]"}]
    fake = with_model(pipeline, "When was NATO established?", "NATO was established in 1949 [1].")
    _, answer = run(fake, "When was it established?", history=history)
    assert answer.standalone_question == "When was NATO established?"


def test_a_bad_rewrite_falls_back_to_the_rule_based_condensation(pipeline):
    history = [{"role": "user", "content": "What is NATO?"}]
    fake = with_model(pipeline, "I cannot help with that.", "NATO was established in 1949 [1].")
    _, answer = run(fake, "When was it established?", history=history)
    assert answer.standalone_question == "When was NATO established?"
