"""The expected-answer-type check: what a question asks for, whether a sentence holds it, and the
extractive answer leading with a sentence that does."""

from __future__ import annotations

import dataclasses

import pytest

from assistant.answer.answer_type import asked_for, expected_type, expressions, holds
from assistant.answer.backends import get_backend
from assistant.answer.backends.extractive import ExtractiveBackend, choose, typed_lead
from assistant.answer.evidence import ScoredSentence
from assistant.core.settings import load_settings


@pytest.mark.parametrize(("question", "kind"), [
    ("When was NATO founded?", "date"),
    ("In what year did the earthquake in Sichuan occur?", "date"),
    ("What year did France leave the integrated command?", "date"),
    ("How many members does NATO have?", "number"),
    ("How much did the mission cost?", "number"),
    ("What percentage of GDP do allies spend on defence?", "number"),
    ("Who leads the alliance?", "person"),
    ("By whom was the treaty drafted?", "person"),
    ("Where is NATO's headquarters?", "place"),
    ("Which city hosts the headquarters?", "named place"),
    ("In which country did the summit take place?", "named place"),
    ("Which region hosts the battlegroups?", "place"),
    ("What happened when the Cold War ended?", None),  # a relative "when" asks for no date
    ("What did the Berlin Plus agreement allow the EU to do?", None),
    ("Why did NATO intervene in Kosovo?", None),
])
def test_the_type_a_question_asks_for(question, kind):
    assert expected_type(question) == kind


@pytest.mark.parametrize(("kind", "sentence", "found"), [
    ("date", "The treaty was signed on 4 April 1949.", ["April", "1949"]),
    ("date", "Tensions rose in the 1960s and again in the 21st century.", ["1960s", "21st century"]),
    ("date", "Rome was founded in 753 BC.", ["753 BC"]),
    ("date", "The alliance grew after the war.", []),
    ("number", "Twelve states signed; by 2020 there were 30.", ["Twelve", "2020", "30"]),
    ("number", "Spending reached 2.5 percent, half of it on equipment.", ["2.5", "half"]),
    ("number", "The members agreed to spend more.", []),
    ("person", "The alliance is led by Jens Stoltenberg.", ["Jens", "Stoltenberg"]),
    ("person", "However, it was led by him.", []),  # a capitalised opener is no name
    ("place", "In 1967 the headquarters moved to Brussels.", ["Brussels"]),
    # a city or country GeoNames knows, or a name after "in", "from"…; a continent or a compass region is neither
    ("named place", "In Colombia, the Kingdom of Portugal and St. John's agreed.", ["Colombia", "Portugal", "St. John's"]),
    ("named place", "The battlegroups deploy in Eastern Europe, close to Asia.", []),
    ("named place", "The alliance works with the European Union and the OSCE.", []),
    ("named place", "The centre opened in Tallinn, far from Ruritania.", ["Tallinn", "Ruritania"]),
    ("named place", "Troops came from the U.S. and Brussels.", ["U.S.", "Brussels"]),
])
def test_the_expressions_of_a_type_in_a_sentence(kind, sentence, found):
    assert expressions(kind, sentence) == found


@pytest.mark.parametrize(("kind", "sentence", "question", "held"), [
    ("date", "NATO was founded in 1949.", "When was NATO founded?", True),
    ("date", "In 1949 NATO was founded by twelve countries.", "Who founded NATO in 1949?", False),  # the question's own year is no answer
    ("number", "In 1949 twelve countries signed the treaty.", "How many countries signed the treaty in 1949?", True),
    ("number", "The treaty was signed in 1949.", "How many countries signed the treaty in 1949?", False),
    ("person", "NATO was founded as a defensive alliance.", "Who founded NATO?", False),  # its only name is the question's
    ("person", "NATO was founded by the United States and Canada.", "Who founded NATO?", True),
])
def test_a_sentence_holds_an_expression_the_question_does_not(kind, sentence, question, held):
    assert holds(kind, sentence, question) is held


def test_an_unknown_type_is_an_error_naming_the_valid_ones():
    with pytest.raises(ValueError, match="date, number, person, place, named place"):
        expressions("colour", "A red flag.")


@pytest.mark.parametrize(("question", "sentences", "asked"), [
    ("In which city is NATO headquartered?", ["NATO works with the European Union.", "Its forces deploy in Eastern Europe."], "a city"),
    ("In which city is NATO headquartered?", ["NATO works with the European Union.", "NATO moved to Brussels in 1967."], ""),
    ("Which countries host the battlegroups?", ["The battlegroups deploy across Eastern Europe."], "a country"),
    ("Which countries host the battlegroups?", ["Battlegroups are based in Estonia and Poland."], ""),
    ("When was NATO founded?", ["NATO was founded as an alliance."], ""),  # a date question is never refused for want of a date
])
def test_a_city_or_country_question_is_unanswered_when_no_close_sentence_names_one(question, sentences, asked):
    assert asked_for(question, sentences) == asked


def test_the_pipeline_refuses_a_city_question_its_passages_name_no_city_for_and_says_so(pipeline):
    refused = pipeline.answer("In which city is the NATO Cooperative Cyber Defence Centre of Excellence based?")
    assert refused.refused and refused.unanswered_kind == "a city" and refused.to_dict()["unanswered_kind"] == "a city"
    relaxed = dataclasses.replace(pipeline, settings=pipeline.settings.model_copy(update={"answer_type_check": False}))
    assert not relaxed.answer("In which city is the NATO Cooperative Cyber Defence Centre of Excellence based?").refused  # as before the check


def test_the_pipeline_answers_a_country_question_its_passages_name_the_country_for(pipeline):
    answer = pipeline.answer("Which country annexed Crimea in 2014?")
    assert not answer.refused and "Russia" in answer.answer and answer.unanswered_kind == ""


def _sentence(text: str, probability: float, start: int = 0) -> ScoredSentence:
    return ScoredSentence(0, start, start + len(text), text, 0.0, 0.0, 0.0, probability=probability)


UNTYPED = _sentence("NATO was founded as a defensive alliance of North Atlantic states.", 0.9)
TYPED = _sentence("The North Atlantic Treaty was signed in Washington in April 1949.", 0.5, 100)
NAMELESS = _sentence("It was founded by twelve states after the war.", 0.9)
NAMED = _sentence("NATO was founded by the United States, Canada and ten European states.", 0.8, 100)
WEAK = _sentence("The North Atlantic Treaty was signed in Washington in April 1949.", 0.4, 100)


@pytest.mark.parametrize(("evidence", "question", "lead"), [
    ([UNTYPED, TYPED], "When was NATO founded?", TYPED),   # the date at more than half the best score leads
    ([UNTYPED, WEAK], "When was NATO founded?", UNTYPED),  # below half the best score it does not
    ([UNTYPED, TYPED], "What kind of alliance is NATO?", UNTYPED),  # no type asked for
    ([TYPED, UNTYPED], "When was NATO founded?", TYPED),
    ([NAMELESS, NAMED], "Who founded NATO?", NAMELESS),  # names are in most sentences: they choose nothing
])
def test_the_lead_sentence_holds_the_type_asked_for_when_a_close_one_does(evidence, question, lead):
    assert typed_lead(evidence, question) == lead


def test_the_typed_lead_is_quoted_first_and_the_best_sentence_after_it():
    """The best sentence still follows (at most two sentences, as before): it often names what the question names."""
    assert choose([UNTYPED, TYPED], 2, "When was NATO founded?") == [TYPED, UNTYPED]
    assert choose([UNTYPED, TYPED], 1, "When was NATO founded?") == [TYPED]
    assert choose([UNTYPED, TYPED], 1) == [UNTYPED]  # without the question: the scorer's order


RUNNER_UP = _sentence("The treaty bound its members to collective defence of the North Atlantic area.", 0.72, 200)


def test_a_runner_up_is_quoted_when_it_scores_at_least_the_floor_of_the_best():
    """At 0.8 of the best, the runner-up is quoted at the default floor (0.75) and not at 0.85 or 1."""
    assert choose([UNTYPED, RUNNER_UP], 2) == [UNTYPED, RUNNER_UP]
    assert choose([UNTYPED, RUNNER_UP], 2, floor=0.85) == [UNTYPED]
    assert choose([UNTYPED, RUNNER_UP], 1) == [UNTYPED]  # never more than the limit
    assert get_backend("extractive", load_settings(runner_up_floor=1.0)).floor == 1.0  # the setting reaches the backend
    assert get_backend("extractive", load_settings()).floor == 0.75


def test_with_real_passages_the_dated_sentence_leads_unless_the_check_is_off(pipeline):
    """The real passages and scores for a date question, with an undated sentence of them made the
    scorer's best: the check quotes a dated sentence first, the backend without it the undated one."""
    question = "When was NATO established?"
    passages, evidence, _ = pipeline._evidence(question, pipeline.settings.top_k, None, _Clock())
    undated = next(x for x in evidence if not holds("date", x.text, question))
    promoted = [dataclasses.replace(undated, probability=evidence[0].score + 0.01)] + [x for x in evidence if x is not undated]
    first = {on: next(ExtractiveBackend(max_sentences=1, type_check=on).stream(question, passages, promoted)) for on in (True, False)}
    assert holds("date", first[True], question) and undated.text in first[False]


class _Clock:
    def lap(self, stage: str) -> None:
        pass


@pytest.mark.parametrize("on", [True, False])
def test_the_setting_reaches_the_extractive_backend(on):
    assert get_backend("extractive", load_settings(answer_type_check=on)).type_check is on
