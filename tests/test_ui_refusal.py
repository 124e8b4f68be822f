"""Refusals that say why: not English, an overview with no document to quote, a filter that left the answer out, a missing fact.

The guesses are pure functions (tables); the reasons come from the real pipeline over the corpus.
"""

from __future__ import annotations

import pytest

from assistant.app import conversation
from assistant.app import render as render
from assistant.app.conversation import PipelineHolder
from assistant.app.refusal import Refusal, explain, looks_non_english, said
from assistant.core.types import Chunk, Passage

ARCHITECTURE = "corpus/nato-and-the-european-security-architecture.txt"  # says nothing about when NATO was founded
ROLE = "corpus/nato-role-in-global-security.txt"


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Wann wurde die NATO gegründet?", True),
        ("Was ist Berlin Plus und wo wurde es vereinbart?", True),
        ("Quand l'OTAN a-t-elle été créée ?", True),
        ("¿Cuándo se fundó la OTAN?", True),
        ("Wat is Berlin Plus en wanneer werd het gesloten?", True),
        ("Когда была основана НАТО?", True),
        ("北约是什么时候成立的？", True),
        ("When was NATO established?", False),
        ("What is Berlin Plus?", False),
        ("Berlin Plus", False),  # no function words at all: not enough to call it foreign
        ("NATO Article 5?", False),
        ("What role does Ursula von der Leyen play?", False),
        ("What is la Francophonie's role in the EU?", False),  # a foreign name in an English question
        ("How did the EU's Common Security and Defence Policy (CSDP) evolve?", False),
    ],
)
def test_looks_non_english(question, expected):
    assert looks_non_english(question) == expected


@pytest.fixture(scope="module")
def holder(pipeline):
    return PipelineHolder(pipeline.settings, pipeline)


def refusal_of(holder, question: str, **options) -> conversation.Turn:
    turn = list(conversation.reply(holder, question, [], **options))[-1][-1]
    assert turn.answer is not None and turn.answer.refused, turn
    return turn


def test_a_filter_that_left_the_answer_out_is_named(holder, pipeline):
    """Only the architecture article is searched: refused; over all five documents the same question is answered."""
    turn = refusal_of(holder, "When was NATO established?", sources=[ARCHITECTURE])
    title = pipeline.index.documents()[ARCHITECTURE].title
    assert (turn.why.kind, turn.why.searched, turn.why.total) == ("filter", (title,), 5)
    assert turn.why.titles and title not in turn.why.titles  # the documents that do answer it
    assert "Search all documents" in turn.reply_html(0) and "only 1 of 5 documents were searched" in turn.reply_html(0)
    assert turn.confidence is None


def test_a_filter_is_not_blamed_when_all_documents_refuse_too(holder):
    turn = refusal_of(holder, "How many participating states does the OSCE have?", sources=[ROLE])
    assert turn.why.kind == "missing"


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Wann wurde die NATO gegründet?", "language"),
        ("How many participating states does the OSCE have?", "missing"),
        ("What is the capital of Peru?", "unknown"),  # no document mentions Peru
        ("How many troops took part in the Steadfast Defender exercise?", "missing"),
        ("Which city hosts NATO's integrated military command?", "unnamed"),  # the passages about it name no city
    ],
)
def test_each_refusal_says_why(holder, question, kind):
    assert refusal_of(holder, question).why.kind == kind


def test_an_overview_the_filter_leaves_nothing_for_says_so_and_lists_the_documents(holder, pipeline):
    """Summaries are answered (tests/test_overview.py); refused only when no document is left to quote."""
    turn = refusal_of(holder, "Summarize the article", sources=["corpus/no-such-article.txt"])
    assert (turn.why.kind, turn.why.searched, turn.why.total) == ("summary", (), 5)
    assert sorted(turn.why.titles) == sorted(entry.title for entry in pipeline.index.documents().values())
    assert "Your document filter keeps none of the documents" in turn.reply_html(0) and "not supported" not in turn.reply_html(0)


def test_a_city_no_passage_names_is_said_plainly(holder):
    turn = refusal_of(holder, "Which city hosts NATO's integrated military command?")
    assert turn.why.names == ("a city",) and "The question asks for a city, and the passages closest to it name none." in turn.reply_html(0)
    assert said(turn.why) == "Why: the question asks for a city, and the passages closest to it name none."


def test_a_missing_fact_shows_the_two_closest_passages(holder):
    turn = refusal_of(holder, "What is the capital of Peru?")
    assert turn.why.closest == turn.answer.passages[:2]
    html = turn.reply_html(0)
    assert html.count("<li>") == 2 and turn.answer.passages[0].chunk.title in html.replace("&#x27;", "'").replace("&amp;", "&")


def test_explain_survives_a_broken_re_ask(pipeline):
    class Failing:
        index = pipeline.index

        def answer(self, *args, **kwargs):
            raise RuntimeError("a backend bug")

    refused = pipeline.answer("When was NATO established?", sources=[ARCHITECTURE])
    assert explain(Failing(), refused, history=[], sources=[ARCHITECTURE]).kind == "missing"


PASSAGE = Passage(Chunk("c", "s.txt", "<b>Title</b>", "", 0, 9, "x <script>" * 40), 0.1)


@pytest.mark.parametrize(
    "why, fragment",
    [
        (Refusal("language"), "please ask in English"),
        (Refusal("summary", total=2, titles=("A <i>", "B")), '<ul class="doc-titles"><li>A &lt;i&gt;</li><li>B</li></ul>'),
        (Refusal("summary", total=2, titles=("A", "B")), "Your document filter keeps none of the documents"),
        (Refusal("summary", searched=("A",), total=2, titles=("A", "B")), "hold no sentence that can be quoted"),
        (Refusal("summary"), "There are no documents to give an overview of yet"),
        (Refusal("filter", searched=("<T>",), total=5, titles=("U",)), "only 1 of 5 documents were searched (“&lt;T&gt;”)"),
        (Refusal("filter", searched=("T",), total=5, titles=("U",)), "Over all documents this is answered from “U”"),
        (Refusal("missing", closest=(PASSAGE,)), '<a class="cite" href="#cite-3-1" title="Show source 1">[1]</a> <b>&lt;b&gt;Title&lt;/b&gt;</b>: x &lt;script&gt;'),
        (Refusal("missing", closest=(PASSAGE,)), "…</li>"),
        (Refusal("missing"), "The documents do not seem to contain this."),
    ],
)
def test_refusal_html(why, fragment):
    assert fragment in render.refusal_html(why, 3)


@pytest.mark.parametrize(
    "html, fragment",
    [
        (render.scope_html([], 5), "Searching: all 5 documents"),
        (render.scope_html(["A", "B"], 5), "Searching: 2 of 5 documents"),
        (render.scope_html(["<A>"], 5), 'title="&lt;A&gt;"'),
        (render.scope_html([], 0), "Searching: all documents"),
    ],
)
def test_scope_html(html, fragment):
    assert fragment in html


@pytest.mark.parametrize(
    "why, expected",
    [
        (Refusal("language"), "Why: the question does not look like English; the documents are searched in English only, so ask in English."),
        (Refusal("summary", total=2, titles=("A", "B")), "Why: there is no overview to give: the document filter keeps none of the 2 documents. The documents: A; B."),
        (Refusal("summary"), "Why: there are no documents to give an overview of; add documents with `python -m ingest`."),
        (Refusal("filter", searched=("A", "B"), total=5), "Why: the document filter left the answer out (2 of 5 documents searched); over all documents it is answered."),
        (Refusal("missing"), "Why: the documents do not seem to contain this."),
    ],
)
def test_said(why, expected):
    assert said(why) == expected
