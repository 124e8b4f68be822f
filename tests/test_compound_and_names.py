"""Compound questions answered part by part, the sentence that carries an answer on, and names the
documents never mention: pure rules on their own, then through the real pipeline and index."""

from __future__ import annotations

import dataclasses
import json

import pytest

from assistant.answer.decompose import parts
from assistant.answer.names import about_unknown, unknown_names
from assistant.app import conversation
from assistant.app.conversation import PipelineHolder
from assistant.app.refusal import Refusal, said
from assistant.app.render import refusal_html


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Who founded NATO, and why?", ["Who founded NATO, and why?"]),  # "why" alone: no second question
        ("How did the EU respond, and what did NATO do?", ["How did the EU respond?", "What did NATO do?"]),
        ("What is the OSCE, and where is it based?", ["What is the OSCE?", "Where is the OSCE based?"]),
        ("What was NATO's original purpose, and how did its mission change?", ["What was NATO's original purpose?", "How did NATO’s mission change?"]),  # "its": the owner
        ("What is the EU's budget, and how is it spent?", ["What is the EU's budget?", "How is the EU's budget spent?"]),  # "it": the thing owned
        ("What do the articles say about the PfP and about who joins it?", ["What do the articles say about the PfP?", "What do the articles say about who joins the PfP?"]),
        ("How do NATO and the EU cooperate?", ["How do NATO and the EU cooperate?"]),
        ("What are the aims of NATO and the EU?", ["What are the aims of NATO and the EU?"]),
        ("What role does NATO play in Europe and in Asia?", ["What role does NATO play in Europe?", "What role does NATO play in Asia?"]),
        ("What are the strengths and weaknesses of the alliance?", ["What are the strengths of the alliance?", "What are the weaknesses of the alliance?"]),
    ],
)
def test_compound_questions_split_into_questions_that_stand_alone(question, expected):
    assert parts(question) == expected


class Keywords:
    """A keyword index that knows these stems only (the rule needs `terms` and `document_frequency`)."""

    known = {"nato", "join", "lead", "isaf", "mission", "russia"}

    def terms(self, text):
        return [w.strip("?,.").lower() for w in text.split() if w.strip("?,.").lower() not in {"the", "of"}]

    def document_frequency(self, term):
        return int(term in self.known)

    def vocabulary(self):
        return sorted(self.known)


@pytest.mark.parametrize(
    "question, missing, about",
    [
        ("When did Finland and Sweden join NATO?", ["Finland", "Sweden"], True),
        ("Why did NATO lead the ISAF mission in Iraq?", ["Iraq"], False),
        ("What did NATO do about Russian forces?", [], False),  # a demonym: the documents may name the country
        ("Which Asia-Pacific partners join NATO?", [], False),  # a compound adjective: the documents may name the region's countries
        ("Did Guinea-Bissau join NATO?", ["Guinea-Bissau"], True),  # a hyphenated name, not an adjective
        ("Why? (following up on: What did NATO do?)", [], False),  # capitalised only as a sentence start
        ("What is the Secretary General of NATO?", ["Secretary General"], True),
    ],
)
def test_unknown_names_and_whether_the_question_is_about_them(question, missing, about):
    found = unknown_names(question, Keywords())
    assert found == missing and about_unknown(question, found) is about


def test_a_compound_question_is_answered_for_each_part(pipeline):
    """Asked as one, the passages about the founding crowd out Article 5; asked part by part, both are quoted."""
    answer = pipeline.answer("When was NATO established, and what does Article 5 of the treaty stipulate?")
    assert not answer.refused
    assert "1949" in answer.answer and "attack" in answer.answer.lower()
    assert {"retrieve", "rank"} <= set(answer.timings_ms)


def test_the_sentence_that_carries_the_answer_on_is_quoted(pipeline):
    """The issue's example: the answer is the sentence after the one naming Berlin Plus, "This agreement allowed…"."""
    answer = pipeline.answer("What did the Berlin Plus agreement allow the EU to do?")
    assert "This agreement allowed the EU to access NATO’s military assets" in answer.answer
    assert all(s.supported for s in answer.sentences)


@pytest.mark.parametrize(
    ("sentence", "carries_on"),
    [
        ("This agreement allowed the EU to access NATO’s military assets.", True),
        ("The alliance responded through reinforced military presence in Eastern Europe.", True),
        ("It promotes military transparency.", True),
        ("They are primarily embodied in Article 5.", True),
        ("The European Union was founded later.", False),  # a new subject, not the one just named
        ("However, the EU relies on NATO.", False),  # a turn, not a carrying-on
        ("Itself a founding member, France…", False),
        ("Its headquarters moved to Brussels in 1967.", False),  # a possessive: on held-out SQuAD no likelier to hold the answer than any next sentence (`eval carry-on`)
        ("He served as Secretary General until 2014.", False),
        ("Key areas include satellite communication and electronic warfare.", True),  # the claim's instances
        ("Notable examples are partnerships with Australia and Japan.", True),
        ("For instance, the EU trains police forces.", True),
        ("Examples of this include joint exercises.", True),
        ("Many member states hesitated.", False),
        ("Areas of cooperation remain limited.", False),
    ],
)
def test_a_next_sentence_carries_on_when_it_opens_by_pointing_back_at_the_subject(sentence, carries_on):
    from assistant.answer.backends.extractive import CARRIES_ON

    assert bool(CARRIES_ON.match(sentence)) is carries_on


def test_the_examples_are_quoted_after_the_general_claim_they_spell_out(pipeline):
    """"NATO invests considerably in upgrading its military hardware…" names the investing; the next
    sentence, "Key areas include satellite communication…", names the technologies asked for."""
    answer = pipeline.answer("Which technologies is NATO investing in?")
    assert "Key areas include satellite communication, electronic warfare, and artificial intelligence" in answer.answer
    assert all(s.supported for s in answer.sentences)


def test_the_alliances_response_is_quoted_after_the_sentence_naming_crimea(pipeline):
    """The issue's Crimea case: "…the 2014 annexation of Crimea by Russia." is followed by its answer, "The alliance responded…"."""
    answer = pipeline.answer("How did NATO respond to Russia's annexation of Crimea?")
    assert "The alliance responded through reinforced military presence" in answer.answer
    assert all(s.supported for s in answer.sentences)


def test_a_question_about_a_name_the_documents_never_mention_is_refused_and_says_so(pipeline):
    answer = pipeline.answer("When did Finland join NATO?")
    assert answer.refused and answer.unknown_names == ("Finland",)
    assert answer.to_dict()["unknown_names"] == ["Finland"]
    json.dumps(answer.to_dict())
    turn = list(conversation.reply(PipelineHolder(pipeline.settings, pipeline), "When did Finland join NATO?", []))[-1][-1]
    assert turn.why.kind == "unknown" and turn.why.names == ("Finland",)
    assert "The documents never mention Finland." in turn.reply_html(0)


def test_a_misspelt_name_the_documents_hold_is_not_called_missing(pipeline):
    """A slip of the keyboard ("Pluss", "Atlantc") is no name the documents never mention: the question is answered."""
    answer = pipeline.answer("What did the Berlin Pluss agreement allow the EU to do?")
    assert not answer.refused and answer.unknown_names == ()
    assert "military assets" in answer.answer
    assert pipeline.unknown_names("Which countries signed the North Atlantc Treaty?") == []
    assert pipeline.unknown_names("When did Finnland join NATO?") == ["Finnland"]  # two slips from nothing held: still missing


def test_a_detail_the_documents_never_mention_is_answered_with_a_premise_notice(pipeline):
    answer = pipeline.answer("Why did NATO lead the ISAF mission in Iraq?")
    assert not answer.refused and "Afghanistan" in answer.answer
    assert "never mention Iraq" in answer.notice and answer.unknown_names == ("Iraq",)


def test_the_names_rule_can_be_switched_off(pipeline):
    relaxed = dataclasses.replace(pipeline, settings=pipeline.settings.model_copy(update={"refuse_unknown_names": False}))
    answer = relaxed.answer("Why did NATO lead the ISAF mission in Iraq?")
    assert answer.unknown_names == () and "Iraq" not in answer.notice


def test_an_unknown_name_refusal_reads_plainly():
    why = Refusal("unknown", names=("Finland", "<Sweden>"))
    assert said(why) == "Why: the documents never mention Finland or <Sweden>."
    assert refusal_html(why, 0) == "<p>The documents never mention Finland or &lt;Sweden&gt;.</p>"


def test_the_keyword_vocabulary_is_every_stem_some_chunk_holds():
    from assistant.index.keyword import KeywordIndex

    index = KeywordIndex.build(["a", "b"], ["NATO was founded in 1949.", "Melbourne Airport opened."])
    vocabulary = index.vocabulary()
    assert {"nato", "melbourn", "airport", "1949"} <= set(vocabulary) and "was" not in vocabulary
    assert all(index.document_frequency(t) == 1 for t in vocabulary)
