"""The question's words about the documents themselves are not searched or scored (assistant.answer.framing)."""

from __future__ import annotations

import pytest

from assistant.answer.framing import about_content


@pytest.mark.parametrize(
    "question, expected",
    [
        ("According to the articles, when was NATO founded?", "when was NATO founded?"),
        ("When was NATO founded, according to the documents?", "When was NATO founded?"),
        ("In the sources, who leads the mission?", "who leads the mission?"),
        ("What does the security article say NATO did in Kosovo?", "What NATO did in Kosovo?"),
        ("What do these documents say about enlargement?", "What about enlargement?"),
        ("What obstacles do the articles identify?", "What obstacles are identified?"),
        ("How do the articles describe the Berlin Plus agreement?", "How is the Berlin Plus agreement described?"),
        ("Which partners are named throughout the texts?", "Which partners are named?"),
    ],
)
def test_the_words_about_the_documents_are_dropped(question, expected):
    assert about_content(question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "What does Article 5 of the NATO treaty stipulate?",
        "Which articles of the treaty were invoked?",  # the treaty's articles: what is asked about
        "What did the Harmel report recommend?",
        "What are the sources of NATO's funding?",
        "What do the articles say?",  # nothing would be left to search for
        "Summarize the documents",
    ],
)
def test_a_question_about_the_content_is_left_as_asked(question):
    assert about_content(question) == question


def test_the_pipeline_answers_a_framed_question_as_the_plain_one(pipeline):
    framed = pipeline.answer("According to the articles, which agreement of 2002 facilitated NATO-EU cooperation?")
    plain = pipeline.answer("Which agreement of 2002 facilitated NATO-EU cooperation?")
    assert not framed.refused and "Berlin Plus" in framed.answer
    assert framed.answer == plain.answer and framed.evidence_score == pytest.approx(plain.evidence_score)
    assert framed.standalone_question.startswith("According to the articles")  # the user still sees what they asked
