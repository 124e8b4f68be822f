"""A question's "the alliance" or "the Union" is searched as the name the documents give it (assistant.answer.aliases)."""

from __future__ import annotations

import pytest

from assistant.answer.aliases import Aliases
from tests.support import CORPUS

DEFINED = [
    "NATO, established in 1949, originated as a collective defense alliance. The North Atlantic Treaty Organization (NATO) grew.",
    "NATO operates as a military alliance with a mandate. NATO, as a transatlantic alliance, defends its members.",
]
UNION = ["Ties between NATO and the European Union grew; the European Union and the African Union met.", "Talks with the European Union went on."]


@pytest.fixture(scope="module")
def articles() -> Aliases:
    return Aliases.of(path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt")))


def test_the_five_articles_resolve_the_alliance_and_the_union(articles):
    assert articles.defined == {"alliance": "NATO"}
    assert articles.heads["union"] == "the EU"  # written "EU" more often than "European Union"
    assert articles.named("Who gives the green light for the alliance's crisis operations?") == "Who gives the green light for NATO's crisis operations?"
    assert articles.named("Where does the Union put its security emphasis?") == "Where does the EU put its security emphasis?"


def test_a_short_form_the_documents_write_themselves_is_searched_as_asked(articles):
    assert "alliance" in articles.written and "union" not in articles.written  # "the alliance" 38 times; "the Union" never
    asked = "How closely do the alliance and the Union work together?"
    assert articles.searched(asked) == "How closely do the alliance and the EU work together?"
    assert articles.named(asked) == "How closely do NATO and the EU work together?"


@pytest.mark.parametrize(
    "question",
    [
        "What did the war change?",  # a common noun, not the Cold War
        "Which states joined?",
        "What does the union of states mean?",  # "union" in lower case is no name
        "How did the Union Council vote?",  # a longer name goes on
        "What did the Union of Soviet republics do?",
        "What did the Soviet Union do?",
        "Who founded the rival alliance?",  # not a word the documents use of NATO
    ],
)
def test_a_short_form_the_articles_do_not_resolve_is_left_as_asked(articles, question):
    assert articles.named(question) == question


def test_a_definition_resolves_a_short_form_with_the_words_the_documents_use_of_it():
    aliases = Aliases.of(DEFINED)
    assert aliases.named("How did the alliance respond?") == "How did NATO respond?"
    assert aliases.named("What is the transatlantic alliance's aim?") == "What is NATO's aim?"  # "as a transatlantic alliance"
    assert aliases.named("What is the Atlantic alliance?") == "What is NATO?"  # "North Atlantic Treaty Organization (NATO)"
    assert aliases.named("What is the eastern alliance?") == "What is the eastern alliance?"


def test_a_single_definition_or_a_split_one_resolves_nothing():
    assert Aliases.of(DEFINED[:1]).defined == {}  # once is no usage
    split = Aliases.of([*DEFINED, "SEATO was a military alliance. SEATO is a regional alliance."])
    assert split.defined == {}  # NATO 3, SEATO 2: neither holds two thirds of the definitions


def test_a_name_s_last_word_resolves_when_most_names_ending_in_it_are_that_one():
    aliases = Aliases.of(UNION)
    assert aliases.heads == {"union": "the European Union"}
    assert aliases.named("What did the Union decide?") == "What did the European Union decide?"
    assert Aliases.of([*UNION, "The African Union met the African Union."]).heads == {}  # 3 of 5: no two thirds


def test_a_word_that_is_a_name_of_its_own_is_no_short_form():
    text = "The Eastern Mediterranean is warm. Ships cross the Mediterranean. Fish swim in the Mediterranean. The Eastern Mediterranean is deep."
    assert Aliases.of([text]).named("How deep is the Mediterranean?") == "How deep is the Mediterranean?"


def test_university_of_the_name_is_its_head():
    aliases = Aliases.of(["Students at the University of Notre Dame pray.", "The University of Notre Dame grew; the University of Notre Dame is old."])
    assert aliases.named("When was the University founded?") == "When was the University of Notre Dame founded?"


def test_nothing_to_resolve_leaves_every_question():
    assert Aliases().named("How did the alliance respond?") == "How did the alliance respond?"
    assert Aliases.of(["Headings Only Here", ""]).named("What did the Union do?") == "What did the Union do?"


def test_the_pipeline_searches_the_resolved_question_and_shows_the_asked_one(pipeline):
    asked = "How do dangers from outside, such as terrorism, tend to affect how closely the alliance and the Union work together?"
    resolved = pipeline.answer(asked)
    named = pipeline.answer("How do dangers from outside, such as terrorism, tend to affect how closely the alliance and the EU work together?")
    assert resolved.answer == named.answer and resolved.evidence_score == pytest.approx(named.evidence_score)
    assert resolved.answer.startswith("External threats, such as terrorism and regional conflicts, underscored the importance of collaboration.")
    assert resolved.standalone_question == asked  # the user still sees what they asked


def test_resolve_aliases_off_searches_the_question_as_asked(pipeline, plain):
    asked = "How do dangers from outside, such as terrorism, tend to affect how closely the alliance and the Union work together?"
    assert plain.aliases == Aliases()
    assert not plain.answer(asked).answer.startswith("External threats, such as terrorism and regional conflicts")


def test_the_subject_of_a_question_is_the_name_its_short_form_stands_for(pipeline, plain):
    """An unknown name is a refusal only when it is the subject; "the alliance" is, and it is NATO."""
    asked = "Why did the alliance, under Stoltenberg, reinforce its military presence in Eastern Europe after the annexation of Crimea?"
    answer = pipeline.answer(asked)
    assert not answer.refused and answer.unknown_names == ("Stoltenberg",) and "Stoltenberg" in answer.notice
    assert "annexation of Crimea" in answer.answer
    assert plain.answer(asked).refused  # Stoltenberg, the first name, read as the subject


@pytest.fixture(scope="module")
def plain(pipeline):
    import dataclasses

    return dataclasses.replace(pipeline, settings=pipeline.settings.model_copy(update={"resolve_aliases": False}))
