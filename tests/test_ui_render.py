"""Pure pieces of the app: HTML rendering, lookup marks and references, export, feedback records.

Table-style, one assert per case. Document text must always come out escaped.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from assistant.app import render as render
from assistant.app.confidence import answer_json, confidence, of_answer
from assistant.app.export import conversation_markdown
from assistant.app.feedback import feedback_record, read_feedback, save_feedback, save_reason
from assistant.app.lookup import mark_terms, parse_reference, query_marks, reference
from assistant.core.errors import AssistantError
from assistant.core.types import Answer, Chunk, Citation, Passage, Sentence
from assistant.index.keyword import terms_of

DOC = "Title\nNATO was founded in 1949. It grew.\nLast line"
LONG = "a " * 50 + "TARGET" + " b" * 50
AT = LONG.index("TARGET")
HOSTILE = 'Signed <script>alert("x")</script> in <img src=x onerror=alert(1)> 1987.'

CHUNK = Chunk("c1", "corpus/nato.txt", "NATO Today", "History > Origins", 6, 40, "NATO was founded in 1949. It grew.", "🧠 Made with AI.")
CITATION = Citation(1, "corpus/nato.txt", "NATO Today", "History > Origins", 6, 31, "NATO was founded in 1949.", "🧠 Made with AI.")
ANSWER = Answer(
    question="When was it founded?",
    standalone_question="When was NATO founded?",
    answer="NATO was founded in 1949. [1]",
    refused=False,
    citations=(CITATION,),
    passages=(Passage(CHUNK, 0.03),),
    sentences=(Sentence("NATO was founded in 1949.", (1,)),),
    timings_ms={"retrieve": 12.0, "total": 30.0},
)
UNSUPPORTED = Answer(
    "Q?", "Q?", "Wrong. [1]", False, (Citation(1, "s.txt", "T", "T", 0, 5, "Right", supported=False),), (),
    (Sentence("Wrong.", (1,), supported=False, support_score=0.1),),
)
REFUSED = Answer("Capital of Peru?", "Capital of Peru?", "The documents do not answer this question.", True, (), (Passage(CHUNK, 0.01),))
HOSTILE_ANSWER = Answer("Q?", "Q?", f"{HOSTILE} [1]", False, (Citation(1, "h.txt", "<b>T</b>", "S", 0, len(HOSTILE), HOSTILE),), (), (Sentence(HOSTILE, (1,)),))


@pytest.mark.parametrize(
    "start, end, limit, expected",
    [
        (6, 31, 700, (6, 40)),  # the whole line holding the span
        (0, 5, 700, (0, 5)),  # first line
        (41, 50, 700, (41, 50)),  # last line, no newline after it
        (AT, AT + 6, 10, (92, 114)),  # a long line clipped to whole words around the span
    ],
)
def test_paragraph_bounds(start, end, limit, expected):
    assert render.paragraph_bounds(DOC if limit > 10 else LONG, start, end, limit) == expected


@pytest.mark.parametrize(
    "html, expected",
    [
        (render.highlighted(DOC, 6, 31, 6, 40), "<mark>NATO was founded in 1949.</mark> It grew."),
        (render.highlighted(LONG, AT, AT + 6, 92, 114), "…a a a a <mark>TARGET</mark> b b b b…"),
        (render.highlighted("<b>x</b>", 3, 4, 0, 8), "&lt;b&gt;<mark>x</mark>&lt;/b&gt;"),
        (render.highlighted(DOC, 6, 31, 6, 40, mark_id="hit"), '<mark id="hit">NATO was founded in 1949.</mark> It grew.'),
    ],
)
def test_highlighted(html, expected):
    assert html == expected


@pytest.mark.parametrize(
    "html, fragment",
    [
        (render.answer_html(ANSWER, 3), '<a class="cite" href="#cite-3-1" title="Show source 1">[1]</a>'),
        (render.answer_html(ANSWER, 3), "Searched for: “When was NATO founded?”"),
        (render.answer_html(ANSWER, 3), "Sources: "),
        (render.answer_html(UNSUPPORTED, 0), '<span class="sentence unsupported">Wrong.</span>'),
        (render.answer_html(UNSUPPORTED, 0), "⚠ not supported by its source"),
        (render.answer_html(UNSUPPORTED, 0), '<a class="cite unsupported" href="#cite-0-1"'),
        (render.answer_html(REFUSED, 2), '<div class="answer refused"><p>The documents do not answer this question.</p>'),
        (render.answer_html(REFUSED, 2), 'Closest passages: <a class="cite" href="#cite-2-1"'),
        (render.answer_html(HOSTILE_ANSWER, 0), "Signed &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; in &lt;img src=x onerror=alert(1)&gt; 1987."),
        (render.draft_html("NATO was founded. [1] "), "NATO was founded. [1] <span class=\"cursor\">"),
        (render.draft_html(""), "Searching the documents…"),
        (render.draft_html("<i>x</i>"), "&lt;i&gt;x&lt;/i&gt;"),
        (render.problem_html("index is <missing>"), "⚠️</span> index is &lt;missing&gt;"),
        (render.user_html("x" * 500), "… (500 characters)"),
        (render.user_html("<b>hi</b>"), "&lt;b&gt;hi&lt;/b&gt;"),
    ],
)
def test_chat_html_contains(html, fragment):
    assert fragment in html


@pytest.mark.parametrize(
    "score, threshold, level",
    [
        (0.72, 0.38, "well"),  # "When was NATO established?" over the corpus
        (0.629, 0.38, "well"),  # just over 40% of the room above the threshold (0.628)
        (0.627, 0.38, "partly"),
        (0.55, 0.38, "partly"),
        (0.474, 0.38, "partly"),  # just over 15% of the room (0.473)
        (0.472, 0.38, "weakly"),
        (0.42, 0.38, "weakly"),
        (0.38, 0.38, "weakly"),  # just answered
        (0.40, 0.349, "weakly"),  # the scorer's threshold: the bands move with it
        (0.60, 0.349, "partly"),
        (0.62, 0.349, "well"),
    ],
)
def test_confidence_bands_sit_above_the_refusal_threshold(score, threshold, level):
    assert confidence(score, threshold).level == level


WEAK = Answer("Q?", "Q?", "NATO was founded in 1949. [1]", False, (CITATION,), (), (Sentence("NATO was founded in 1949.", (1,)),), evidence_score=0.42)
REFUSED_STRONGISH = Answer("Q?", "Q?", "The documents do not answer this question.", True, (), (), evidence_score=0.9)


@pytest.mark.parametrize(
    "got, expected",
    [
        (answer_json(WEAK, 0.38)["confidence"], "Weakly supported"),
        (answer_json(replace(ANSWER, evidence_score=0.72), 0.38)["confidence"], "Well supported"),
        (answer_json(REFUSED_STRONGISH, 0.38)["confidence"], None),  # a refusal claims nothing
        (of_answer(REFUSED, 0.38), None),
        (set(answer_json(WEAK, 0.38)) - set(WEAK.to_dict()), {"confidence"}),  # only added, nothing else changes
    ],
)
def test_confidence_of_answers(got, expected):
    assert got == expected


@pytest.mark.parametrize(
    "html, fragment",
    [
        (render.answer_html(WEAK, 0, of_answer(WEAK, 0.38)), '<span class="confidence weakly" title="Evidence score 0.42; the assistant refuses below 0.38">Weakly supported</span> · Sources: '),
        (render.answer_html(ANSWER, 0, confidence(0.72, 0.38)), '<span class="confidence well" title="Evidence score 0.72; the assistant refuses below 0.38">Well supported</span>'),
        (render.confidence_html(confidence(0.55, 0.38)), ">Partly supported</span>"),
    ],
)
def test_confidence_html(html, fragment):
    assert fragment in html


@pytest.mark.parametrize(
    "html, fragment",
    [
        (render.answer_html(REFUSED, 2, None), "supported"),  # refusals get no confidence label
        (render.answer_html(HOSTILE_ANSWER, 0), "<script"),
        (render.answer_html(HOSTILE_ANSWER, 0), "<img"),
        (render.citation_card(HOSTILE_ANSWER.citations[0], 0, HOSTILE), "<script"),
        (render.citation_card(HOSTILE_ANSWER.citations[0], 0, HOSTILE), "<b>T"),
        (render.article_html("<b>T</b>", "<i>n</i>", HOSTILE, 0, 6), "<img"),
        (render.article_html("<b>T</b>", "<i>n</i>", HOSTILE, 0, 6), "<i>"),
        (render.citation_card(CITATION, 0, DOC), '<p class="section">NATO Today'),  # section shown only when not the title
        (render.backends_note({"extractive": None, "openai": "no endpoint configured: set OPENAI_BASE_URL, or pass --openai-base-url"}), "--openai-base-url"),
        (render.backends_note({"extractive": None, "local": "model file x.gguf not found: pass `--model-path`"}), "--model-path"),
        (render.timings_html({"backend": 0.1, "retrieve": 1.0, "generate": 1.0, "verify": 1.0, "total": 3.0}), "Not run"),  # nothing skipped: no note
    ],
)
def test_html_never_contains(html, fragment):
    assert fragment not in html


@pytest.mark.parametrize(
    "html, fragment",
    [
        (render.citation_card(CITATION, 4, DOC), '<article class="src" id="src-4-1">'),
        (render.citation_card(CITATION, 4, DOC), "<mark>NATO was founded in 1949.</mark> It grew."),
        (render.citation_card(CITATION, 4, DOC), '<p class="section">History &gt; Origins</p>'),
        (render.citation_card(CITATION, 4, DOC), "🧠 Made with AI."),
        (render.citation_card(CITATION, 4, DOC), 'data-source="corpus/nato.txt" data-start="6" data-end="31"'),
        (render.citation_card(CITATION, 4, "the document changed"), "<blockquote class=\"context\"><mark>NATO was founded in 1949.</mark></blockquote>"),
        (render.citation_card(UNSUPPORTED.citations[0], 0, "Right"), "This citation failed verification"),
        (render.sources_html([(0, REFUSED), (1, ANSWER)], lambda source: DOC), '<section class="turn" data-turn="0" hidden>'),
        (render.sources_html([(0, REFUSED), (1, ANSWER)], lambda source: DOC), '<section class="turn" data-turn="1"><h2>'),
        (render.sources_html([(0, REFUSED)], lambda source: DOC), '<article class="src passage" id="src-0-1">'),
        (render.sources_html([], lambda source: DOC), "Click a <b>[n]</b>"),
        (render.article_html("NATO Today", "", DOC, 6, 31), '<mark id="hit">NATO was founded in 1949.</mark>'),
        (render.article_html("NATO Today", "", DOC, 30, 999), '<mark id="hit"></mark><h3>Title</h3>'),  # bad offsets: no highlight, no error
        (render.timings_html({"retrieve": 12.34, "total": 3.21}), '<td>Searching the documents <span class="stage">(retrieve)</span></td><td>12 ms</td>'),
        (render.timings_html({"retrieve": 12.34, "total": 3.21}), '<td>Total <span class="stage">(total)</span></td><td>3.2 ms</td>'),
        (render.timings_html({"retrieve": 12.34, "total": 3.21}), '<td>Checking each sentence against its source <span class="stage">(verify)</span></td><td>— (not run)</td>'),
        (render.timings_html({"retrieve": 12.34, "total": 3.21}), "“Not run”: this answer skipped that stage"),
        (render.timings_html({"backend": 0.1, "retrieve": 1.0, "total": 3.0}), "Starting the answer backend (a model loads on its first question)"),
        (render.timings_html({"retrieve": 1.0, "rerank": 2.0, "total": 3.0}), '<td>rerank <span class="stage">(rerank)</span></td>'),
        (render.backends_note({"extractive": None, "local": "model file x.gguf not found: pass `--model-path`"}), "Not available on this server: Local model (its model file is missing on this server)."),
        (render.backends_note({"extractive": None, "openai": "no endpoint configured: set OPENAI_BASE_URL or OPENAI_API_KEY, or pass --openai-base-url"}),
         "API model (no model service is connected to this app; whoever runs it can connect one)"),
        (render.backends_note({"extractive": None, "local": "still checking that the local model loads and answers (a few seconds): reload the page"}),
         "Local model (still starting: reload the page in a few seconds)"),
        (render.backends_note({"extractive": None, "openai": "langchain-openai is not installed: install it with `pip`"}), "API model (not installed on this server)"),
        (render.backends_note({"extractive": None, "local": "the local model's process crashed with signal 11"}), "whoever runs the app can see why in its log"),
        (render.backends_note({"extractive": None}), "every sentence is checked against the documents. All answer backends are available."),
    ],
)
def test_panel_html_contains(html, fragment):
    assert fragment in html


@pytest.mark.parametrize(
    "text, query, expected",
    [
        ("Allies met in Berlin.", "berlin", "Allies met in <mark>Berlin</mark>."),
        ("The agreements were agreed.", "agreement", "The <mark>agreements</mark> were agreed."),
        ("NATO <b>met</b>", "meetings", "NATO &lt;b&gt;met&lt;/b&gt;"),
        ("The alliance", "the", "The alliance"),  # stopwords are not marked
    ],
)
def test_mark_terms(text, query, expected):
    assert mark_terms(text, set(terms_of(query))) == expected


@pytest.mark.parametrize(
    "args, expected",
    [
        (("NATO Today", "History > Origins", "corpus/nato.txt", 6, 31), "NATO Today › History > Origins — corpus/nato.txt, characters 6–31"),
        (("NATO Today", "NATO Today", "corpus/nato.txt", 0, 9), "NATO Today — corpus/nato.txt, characters 0–9"),
        (("NATO Today", "", "corpus/nato.txt", 0, 9), "NATO Today — corpus/nato.txt, characters 0–9"),
    ],
)
def test_reference(args, expected):
    assert reference(*args) == expected


EXPORT = conversation_markdown([ANSWER, REFUSED, HOSTILE_ANSWER], datetime(2026, 11, 21, 15, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    "fragment",
    [
        "# Conversation with the document assistant\n\nExported 2026-11-21 15:00 UTC.",
        "## 1. When was it founded?\n\n*Searched for:* When was NATO founded?\n\nNATO was founded in 1949. [1]",
        "1. *NATO Today* › History > Origins — `corpus/nato.txt`, characters 6–31\n   > NATO was founded in 1949.\n   > *🧠 Made with AI.*",
        "## 2. Capital of Peru?",
        "**Closest passages**\n\n- *NATO Today* — `corpus/nato.txt`, characters 6–40",
        "Signed &lt;script>alert(\"x\")&lt;/script> in &lt;img src=x onerror=alert(1)> 1987.",
    ],
)
def test_conversation_markdown(fragment):
    assert fragment in EXPORT


def test_feedback_keeps_one_record_per_answer_with_its_latest_state(tmp_path):
    """Up, then down with a reason, on answer a1; down on a2 in between: two records, a1's holding its last state."""
    path = tmp_path / "sub" / "feedback.jsonl"
    history = [{"role": "user", "content": "What is NATO?"}, {"role": "assistant", "content": "An alliance. [1]"}]
    save_feedback(path, feedback_record(ANSWER, "a1", "up", history, when=datetime(2026, 11, 21, tzinfo=UTC)))
    save_feedback(path, feedback_record(REFUSED, "a2", "down", []))
    save_feedback(path, feedback_record(ANSWER, "a1", "down", history, when=datetime(2026, 11, 22, tzinfo=UTC)))
    assert save_reason(path, "a1", "  It misses the date.  ")
    other, latest = read_feedback(path)
    assert (other["answer_id"], other["rating"], other["refused"]) == ("a2", "down", True)
    assert (latest["answer_id"], latest["timestamp"], latest["rating"], latest["reason"], latest["question"], latest["history"], latest["citations"][0]["text"]) == (
        "a1", "2026-11-22T00:00:00+00:00", "down", "It misses the date.", "When was it founded?", history, "NATO was founded in 1949.",
    )


def test_a_withdrawn_vote_is_recorded_and_drops_its_reason(tmp_path):
    path = tmp_path / "feedback.jsonl"
    save_feedback(path, feedback_record(ANSWER, "a1", "down", [], reason="wrong"))
    save_feedback(path, feedback_record(ANSWER, "a1", "withdrawn", [], reason="ignored"))
    assert [(r["answer_id"], r["rating"], r["reason"]) for r in read_feedback(path)] == [("a1", "withdrawn", "")]
    assert not save_reason(path, "a1", "a reason for a vote that is gone")  # only a thumbs-down takes a reason
    assert not list(tmp_path.glob("*.tmp"))


def test_feedback_problems_name_the_fix(tmp_path):
    damaged = tmp_path / "feedback.jsonl"
    damaged.write_text('{"answer_id": "a1"}\nnot json\n', encoding="utf-8")
    with pytest.raises(AssistantError, match="damaged at line 2"):
        save_feedback(damaged, feedback_record(ANSWER, "a2", "up", []))
    assert damaged.read_text(encoding="utf-8") == '{"answer_id": "a1"}\nnot json\n'  # left as it was
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with pytest.raises(AssistantError, match="set ASSISTANT_FEEDBACK_FILE to a writable file"):
        save_feedback(blocked / "feedback.jsonl", feedback_record(ANSWER, "a1", "up", []))


def test_votes_from_many_sessions_at_once_all_land_once(tmp_path):
    """Eight threads each rate their own answer three times: eight records, each with its last rating."""
    import threading

    path = tmp_path / "feedback.jsonl"

    def session(n: int) -> None:
        for rating in ("up", "down", "withdrawn" if n % 2 else "up"):
            save_feedback(path, feedback_record(ANSWER, f"a{n}", rating, []))

    threads = [threading.Thread(target=session, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted((r["answer_id"], r["rating"]) for r in read_feedback(path)) == [(f"a{n}", "withdrawn" if n % 2 else "up") for n in range(8)]


@pytest.mark.parametrize(
    "text, query, expected",
    [
        ("Under Article 5, allies", "Article 5", "Under <mark>Article</mark> <mark>5</mark>, allies"),  # BM25 drops the 5
        ("Article 50 and 5", "Article 5", "<mark>Article</mark> 50 and <mark>5</mark>"),  # a number marks only as written
        ("In 2014 the G7 met", "2014 g7", "In <mark>2014</mark> the <mark>G7</mark> met"),
        ("Plan B or plan C", "plan b", "<mark>Plan</mark> <mark>B</mark> or <mark>plan</mark> C"),  # a letter BM25 drops
        ("The alliance of a few", "the a", "The alliance of a few"),  # stopwords still are not marked
    ],
)
def test_mark_terms_marks_numbers_and_literal_words(text, query, expected):
    assert mark_terms(text, *query_marks(query)) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("NATO Today › History > Origins — corpus/nato.txt, characters 6–31", ("corpus/nato.txt", 6, 31)),
        (reference("T — a — b", "", "corpus/a b.txt", 0, 9), ("corpus/a b.txt", 0, 9)),  # dashes in the title, a space in the name
        ("  NATO Today — corpus/nato.txt, characters 0–9\n", ("corpus/nato.txt", 0, 9)),
        ("corpus/nato.txt, characters 10–42", ("corpus/nato.txt", 10, 42)),
        ("corpus/nato.txt, characters 10-42", ("corpus/nato.txt", 10, 42)),  # a typed hyphen
        ("corpus/nato.txt:10-42", ("corpus/nato.txt", 10, 42)),
        ("corpus/nato.txt:10–42", ("corpus/nato.txt", 10, 42)),
        ("Article 5", None),
        ("what happened in 1949-1955", None),
        ("see corpus/nato.txt:10-42 for more", None),  # the short form only on its own
        ("", None),
    ],
)
def test_parse_reference(text, expected):
    assert parse_reference(text) == expected


def test_the_article_viewer_shows_its_title_and_notice_once_and_its_headings_as_headings():
    text = "NATO Today\n\n🧠 Made with AI.\n\nOrigins\n\nNATO was founded in 1949. It grew.\n\nLater years\n\nIt grew again."
    html = render.article_html("NATO Today", "🧠 Made with AI.", text, text.index("NATO was"), text.index(" It grew."))
    assert (html.count("NATO Today"), html.count("Made with AI")) == (1, 1)
    assert '<h2 class="article-title">NATO Today</h2><p class="notice"' in html
    assert '<h3>Origins</h3><mark id="hit">NATO was founded in 1949.</mark> It grew.<h4>Later years</h4>It grew again.' in html


def test_the_article_viewer_adds_a_title_the_text_lacks_and_keeps_a_heading_inside_the_span_as_text():
    text = "Intro line.\nOrigins\nNATO was founded in 1949."
    html = render.article_html("nato.txt", "", text, 0, len(text))
    assert html == f'<div class="article-text"><h2 class="article-title">nato.txt</h2><mark id="hit">{text}</mark></div>'
