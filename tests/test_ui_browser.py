"""The app in a real headless Chromium (Debian's `chromium`, driven by Playwright for Python).

A user asks, sees the answer stream in with `[n]` links, clicks one and sees the highlighted
span of the right article, opens the article, follows up, rates and exports; looks passages
up; and meets documents full of HTML that must show as text. Also writes docs/screenshot.png.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from assistant.app.feedback import read_feedback
from assistant.core.settings import REPO_ROOT
from assistant.core.types import Answer
from tests.support import WAIT, app_page, ask, hostile_pipeline, look_up, open_app, open_tab, original, running_app

pytestmark = [pytest.mark.browser]

SCREENSHOT = REPO_ROOT / "docs" / "screenshot.png"


@pytest.fixture(scope="module")
def app_settings(corpus_index, tmp_path_factory):
    return corpus_index.model_copy(update={"feedback_file": tmp_path_factory.mktemp("feedback") / "feedback.jsonl"})


@pytest.fixture(scope="module")
def app_url(pipeline, app_settings):
    with running_app(pipeline, app_settings) as url:
        yield url


@pytest.fixture
def page(browser, app_url):
    with app_page(browser, app_url) as page:
        yield page


def copy_with(page: Page, button) -> str:
    """Empty the clipboard, click a copy button, and return the text once it has landed."""
    page.evaluate("navigator.clipboard.writeText('')")
    button.click()
    return page.wait_for_function("async () => (await navigator.clipboard.readText()) || null", timeout=WAIT).json_value()


def eventually(page: Page, check, timeout_ms: int = 30_000):
    """The first truthy value of `check()`, polled while the page keeps running; fails after `timeout_ms`."""
    for _ in range(timeout_ms // 200):
        found = check()
        if found:
            return found
        page.wait_for_timeout(200)
    raise AssertionError("the expected state was never reached")


def last_answer(page: Page):
    return page.locator("#chat [data-testid='bot'] .answer").last


def test_ask_click_a_citation_follow_up_rate_and_export(page, app_url, pipeline, app_settings):
    """The main path, checked against what the pipeline itself answers; writes the README screenshot."""
    expected = pipeline.answer("When was NATO established?")
    open_app(page, app_url)
    ask(page, "When was NATO established?")

    answer = last_answer(page)
    expect(answer).to_contain_text("1949")
    assert answer.locator("a.cite").count() >= len(expected.citations) >= 1
    states = page.evaluate("window.__states")
    assert any("answer draft" in state for state in states[:-1]) and 'class="cite"' in states[-1], "the answer did not arrive in steps"

    copied = copy_with(page, page.locator("#chat button[aria-label='Copy message']").last)
    assert copied.startswith(expected.sentences[0].text) and "[1]" in copied and "<" not in copied

    first = expected.citations[0]
    answer.locator("a.cite", has_text="[1]").first.click()
    card = page.locator("#sources-panel .src.active")
    expect(card).to_have_count(1)
    expect(card.locator(".title")).to_have_text(first.title)
    expect(card.locator("mark")).to_have_text(first.text)
    expect(card).to_contain_text(first.source)
    page.locator("#sources-panel").scroll_into_view_if_needed()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    card.locator("button.open-article").click()
    hit = page.locator(".viewer-body mark#hit")
    expect(hit).to_have_text(first.text, timeout=WAIT)
    expect(page.locator(".viewer-body .article-title")).to_have_text(first.title)
    expect(hit).to_be_in_viewport()
    page.keyboard.press("Escape")
    expect(page.locator("dialog.viewer")).to_be_hidden()

    ask(page, "What is Berlin Plus?")
    ask(page, "When was it agreed?")
    expect(page.locator("#searched textarea")).to_have_value("When was Berlin Plus agreed?")
    expect(last_answer(page)).to_contain_text("2002")
    expect(last_answer(page)).to_contain_text("Searched for: “When was Berlin Plus agreed?”")

    page.locator("#searched textarea").fill("When was NATO established?")
    page.locator("#searched button", has_text="Search again").click()
    expect(last_answer(page)).to_contain_text("1949", timeout=WAIT)
    expect(page.locator("#chat [data-testid='bot'] .answer")).to_have_count(4)  # the earlier answer stays
    expect(page.locator("#chat [data-testid='bot'] .answer").nth(2)).to_contain_text("2002")
    expect(page.locator("#chat [data-testid='user']").last).to_contain_text("(searched again)")

    page.locator("#chat button[aria-label='Like']").last.click()
    expect(page.get_by_text("your rating was saved")).to_be_visible(timeout=WAIT)
    record = json.loads(app_settings.feedback_file.read_text(encoding="utf-8").splitlines()[-1])
    assert record["rating"] == "up" and record["question"] == "When was it agreed?"
    assert record["standalone_question"] == "When was NATO established?" and record["citations"]
    assert [m["content"] for m in record["history"] if m["role"] == "user"] == ["When was NATO established?", "What is Berlin Plus?"]

    with page.expect_download(timeout=WAIT) as download:
        page.locator("#export").click()
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert "## 1. When was NATO established?" in markdown and "## 3. When was it agreed?" in markdown
    assert first.title in markdown and f"characters {first.start}–{first.end}" in markdown
    assert not page.dialogs and not page.outside


def test_lookup_tab_finds_passages_with_references(page, app_url):
    open_tab(page, app_url, "Look up a citation")
    look_up(page, "Berlin Plus")
    results = page.locator("#lookup-results article.hit")
    expect(results.first).to_be_visible(timeout=WAIT)
    expect(results.first.locator("mark").first).to_have_text("Berlin")
    reference = results.first.locator(".ref-text").inner_text()
    assert "corpus/" in reference and "characters" in reference
    assert copy_with(page, results.first.locator("button.copy-ref")) == reference

    page.get_by_label("semantic").check()
    look_up(page, "Moscow seized the Black Sea peninsula")
    expect(page.locator("#lookup-results .lookup-count")).to_contain_text("semantic search", timeout=WAIT)
    results.first.locator("button.open-article").click()
    expect(page.locator(".viewer-body mark#hit")).to_be_in_viewport(timeout=WAIT)
    assert not page.dialogs


def test_a_copied_reference_pasted_into_lookup_opens_that_span(page, app_url):
    open_tab(page, app_url, "Look up a citation")
    look_up(page, "Article 5")
    results = page.locator("#lookup-results article.hit")
    expect(results.first).to_be_visible(timeout=WAIT)
    assert {"Article", "5"} <= set(results.first.locator("mark").all_inner_texts())
    expect(results.first.locator(".where .score")).to_have_attribute("data-label", "BM25 score")
    third = results.nth(2)
    copied = third.locator("button.copy-ref").get_attribute("data-copy")  # what "Copy reference" puts on the clipboard
    source, start, end = (third.locator("button.open-article").get_attribute(name) for name in ("data-source", "data-start", "data-end"))
    span = original(source)[int(start) : int(end)]

    look_up(page, copied)
    expect(page.locator("#lookup-results .lookup-count")).to_contain_text("The passage this reference points to", timeout=WAIT)
    first = page.locator("#lookup-results article.hit").first
    expect(first.locator(".exact-note")).to_have_text("the passage this reference points to")
    assert first.locator(".context").inner_text() == span and first.locator(".ref-text").inner_text() == copied
    first.locator("button.open-article").click()
    expect(page.locator(".viewer-body mark#hit")).to_be_in_viewport(timeout=WAIT)
    assert page.locator(".viewer-body mark#hit").inner_text() == span
    assert not page.dialogs


def test_keyword_and_semantic_cards_label_their_scores_differently(page, app_url):
    open_tab(page, app_url, "Look up a citation")
    labels = {}
    for mode in ("keyword", "semantic", "hybrid"):
        page.get_by_label(mode).check()
        look_up(page, "Berlin Plus")
        expect(page.locator("#lookup-results .lookup-count")).to_contain_text(f"{mode} search", timeout=WAIT)
        labels[mode] = page.locator("#lookup-results article.hit").first.locator(".where .score").evaluate_all("els => els.map(e => e.dataset.label)")
    assert labels == {"keyword": ["BM25 score"], "semantic": ["similarity"], "hybrid": ["rank (fused)", "similarity", "BM25 score"]}

def test_settings_filter_the_sources_and_timings_are_shown(page, app_url):
    source, title = "corpus/nato-relations-with-the-european-union.txt", "Exploring the Strategic Dynamics of NATO’s Relations with the European Union"
    open_app(page, app_url)
    page.locator("#settings").get_by_text("Settings").click()
    expect(page.locator("#settings")).to_contain_text("Extractive: quotes the documents (fast, no model)")
    expect(page.locator("#settings")).to_contain_text("every sentence is checked against the documents")
    expect(page.locator("#settings")).not_to_contain_text("--openai-base-url")
    page.locator("#only-sources input").click()
    page.get_by_role("option", name=title).click()
    page.locator("#question textarea").click()
    ask(page, "When was NATO established?")
    assert set(page.locator("#sources-panel .src:visible .where code").all_inner_texts()) == {source}
    page.locator("#timings").get_by_text("Timings of the last answer").click()
    for stage in ("Searching the documents (retrieve)", "Writing the answer (generate)", "Checking each sentence against its source (verify)", "Total (total)"):
        expect(page.locator("#timings table.timings")).to_contain_text(stage)
    expect(page.locator("#timings table.timings")).to_contain_text("Starting the answer backend")  # no unexplained row
    expect(page.locator("#timings tr.main").last).to_contain_text(" ms")


def test_an_example_answers_and_a_new_conversation_starts_empty(page, app_url):
    open_app(page, app_url)
    page.locator("#chat").get_by_text("What is Berlin Plus?").click()
    expect(last_answer(page).locator("a.cite").first).to_be_visible(timeout=WAIT)
    expect(page.locator("#export")).to_be_enabled()
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("#chat [data-testid='bot']")).to_have_count(0)
    expect(page.locator("#sources-panel")).to_contain_text("Ask a question: the passages each answer cites appear here")
    expect(page.locator("#searched textarea")).to_have_value("")


def test_bad_input_is_explained_beside_the_box_not_in_the_chat(page, app_url):
    """Empty and too long questions: one message under the box, replaced on each try; the chat stays empty."""
    open_app(page, app_url)
    box, status, counter = page.locator("#question textarea"), page.locator("#question-status"), page.locator("#question-counter .counter")
    box.fill("   ")
    box.press("Enter")
    expect(status).to_have_text("⚠️ The question is empty: type a question about the documents")
    long_question = "Why? " * 600
    box.fill(long_question)
    expect(counter).to_have_text("2,999 / 2,000 characters: 999 too many")
    box.press("Enter")
    expect(status).to_have_text("⚠️ The question has 2999 characters; shorten it to at most 2000")
    expect(status.locator(".status")).to_have_count(1)  # replaced, not piled up
    expect(box).to_have_value(long_question)  # kept, to shorten
    assert box.bounding_box()["height"] < 220, "the box grows without bound"
    expect(page.locator("#question button.submit-button")).to_be_in_viewport()
    expect(page.locator("#chat [data-testid='bot'], #chat [data-testid='user']")).to_have_count(0)
    box.fill("Why? " * 330)
    expect(counter).to_have_text("1,649 / 2,000 characters")
    box.fill("When was NATO established?")
    expect(counter).to_have_text("")
    ask(page, "When was NATO established?")
    expect(status).to_have_text("")
    expect(last_answer(page)).to_contain_text("1949")
    assert "Traceback" not in page.locator("body").inner_text()


def test_a_vote_changed_twice_leaves_one_record_with_the_latest_state(page, app_url, app_settings):
    """Up, then down with a reason, then the down withdrawn: one record for the answer, always its latest state."""
    open_app(page, app_url)
    ask(page, "What is Berlin Plus?")
    before = {r["answer_id"] for r in read_feedback(app_settings.feedback_file)}  # other tests rate into the same file

    def mine() -> list[dict]:
        return [r for r in read_feedback(app_settings.feedback_file) if r["answer_id"] not in before]

    reason = page.locator("#vote-reason")
    page.locator("#chat button[aria-label='Like']").last.click()
    assert eventually(page, lambda: [r["rating"] for r in mine()] == ["up"])
    expect(reason).to_be_hidden()
    page.locator("#chat button[aria-label='Dislike']").last.click()
    expect(reason).to_be_visible(timeout=WAIT)
    assert eventually(page, lambda: [r["rating"] for r in mine()] == ["down"])
    reason.locator("textarea").fill("It never says when Berlin Plus was agreed.")
    reason.locator("textarea").press("Enter")
    expect(reason).to_be_hidden(timeout=WAIT)
    assert eventually(page, lambda: [(r["rating"], r["reason"]) for r in mine()] == [("down", "It never says when Berlin Plus was agreed.")])
    page.locator("#chat button[aria-label='Disliked']").last.click()
    assert eventually(page, lambda: [r["rating"] for r in mine()] == ["withdrawn"])
    (record,) = mine()
    assert (record["question"], record["reason"], record["refused"]) == ("What is Berlin Plus?", "", False) and record["citations"]


def test_missing_index_is_explained_in_the_chat(page, fresh_settings):
    settings = fresh_settings.model_copy(update={"feedback_file": fresh_settings.db_dir.parent / "feedback.jsonl"})
    with running_app(None, settings) as url:
        open_app(page, url)
        ask(page, "When was NATO established?")
        expect(last_answer(page)).to_contain_text("python -m ingest")
        expect(page.locator("#chat button[aria-label='Like']:visible, #chat button[aria-label='Dislike']:visible")).to_have_count(0)  # no thumbs on a problem
        expect(page.locator("#chat button[aria-label='Copy message']:visible")).not_to_have_count(0)
        page.get_by_role("tab", name="Look up a citation").click()
        look_up(page, "NATO")
        expect(page.locator("#lookup-results")).to_contain_text("python -m ingest", timeout=WAIT)


def test_html_in_a_source_shows_as_text(page, tmp_path, embeddings):
    """A source with <script>, an onerror image and tags: shown literally in chat, sources, lookup and viewer."""
    with hostile_pipeline(tmp_path, embeddings) as hostile, running_app(hostile, hostile.settings) as url:
        open_app(page, url)
        ask(page, "When was the Zanzibar Accord signed?")
        expect(last_answer(page)).to_contain_text('<script>window.__pwned = 1; alert("script ran")</script>')
        last_answer(page).locator("a.cite").first.click()
        card = page.locator("#sources-panel .src.active")
        expect(card.locator("mark")).to_contain_text("<img src=x onerror=")
        expect(card.locator(".notice")).to_have_text("🧪 AI notice: this test page was written with AI assistance <b>in bold</b>.")
        card.locator("button.open-article").click()
        expect(page.locator(".viewer-body mark#hit")).to_contain_text("<b>harbour</b>", timeout=WAIT)
        assert page.locator(".viewer-body script, .viewer-body img, .viewer-body b").count() == 0
        page.keyboard.press("Escape")

        page.get_by_role("tab", name="Look up a citation").click()
        look_up(page, "Zanzibar harbour")
        expect(page.locator("#lookup-results .context").first).to_contain_text("</script> by the harbour council", timeout=WAIT)

        for where in ("#chat", "#sources-panel", "#lookup-results"):
            assert page.locator(f"{where} script, {where} img, {where} b:has-text('harbour')").count() == 0, where
        assert page.evaluate("window.__pwned") is None
        assert not page.dialogs


def test_each_answer_says_how_well_it_is_supported(page, app_url, pipeline):
    """A strong answer and a weak one look different; the number is on hover; a refusal has no label."""
    open_app(page, app_url)
    ask(page, "When was NATO established?")
    badge = last_answer(page).locator(".confidence")
    expect(badge).to_have_text("Well supported")
    strong = pipeline.answer("When was NATO established?").evidence_score
    expect(badge).to_have_attribute("title", f"Evidence score {strong:.2f}; the assistant refuses below {pipeline.refusal_threshold:.2f}")
    badge.hover()
    ask(page, "Who is the NATO secretary general?")
    expect(last_answer(page).locator(".confidence")).to_have_text("Weakly supported")
    expect(last_answer(page).locator(".confidence")).to_have_class("confidence weakly")
    ask(page, "What is the capital of Peru?")
    expect(last_answer(page)).to_contain_text("The documents never mention Peru.")
    expect(last_answer(page).locator(".confidence")).to_have_count(0)


def test_a_filtered_refusal_names_the_filter_and_searches_all_documents(page, app_url, pipeline):
    """The filter is shown by the box; a refusal it caused says so, and one click re-asks over all documents."""
    title = pipeline.index.documents()["corpus/nato-and-the-european-security-architecture.txt"].title
    open_app(page, app_url)
    scope = page.locator("#search-scope")
    expect(scope).to_have_text("Searching: all 5 documents")
    expect(page.locator("#search-all")).to_be_hidden()
    page.locator("#settings").get_by_text("Settings").click()
    page.locator("#only-sources input").click()
    page.get_by_role("option", name=title).click()
    page.locator("#question textarea").click()
    expect(scope).to_have_text("Searching: 1 of 5 documents (filter in Settings)")
    ask(page, "When was NATO established?")
    expect(last_answer(page)).to_contain_text(f"Your document filter left the answer out: only 1 of 5 documents were searched (“{title}”)")
    page.locator("#search-all").click()
    expect(last_answer(page)).to_contain_text("1949", timeout=WAIT)
    expect(page.locator("#chat [data-testid='bot'] .answer")).to_have_count(2)  # the refusal stays above the new answer
    expect(page.locator("#chat [data-testid='bot'] .answer").first).to_contain_text("Your document filter left the answer out")
    expect(scope).to_have_text("Searching: all 5 documents")
    expect(page.locator("#search-all")).to_be_hidden()


def test_a_summary_request_is_a_cited_overview_and_a_foreign_question_asks_for_english(page, app_url, pipeline):
    open_app(page, app_url)
    ask(page, "What are the main topics?")
    documents = len(pipeline.index.documents())
    expect(last_answer(page).locator(".confidence.overview")).to_have_text(f"Overview of {documents} documents")
    expect(last_answer(page).locator(".overview-title")).to_have_count(documents)
    expect(last_answer(page).locator(".sentence")).to_have_count(2 * documents)
    expect(last_answer(page)).not_to_contain_text("not supported")
    first = pipeline.answer("What are the main topics?").citations[0]
    last_answer(page).locator("a.cite", has_text="[1]").first.click()
    expect(page.locator("#sources-panel .src.active mark")).to_have_text(first.text)  # the quoted span, highlighted
    ask(page, "Wann wurde die NATO gegründet?")
    expect(last_answer(page)).to_contain_text("please ask in English")


class SlowPipeline:
    """The real pipeline with a pause before each draft step, so Stop can be pressed while an answer streams."""

    def __init__(self, pipeline, pause_s: float):
        self._pipeline, self._pause_s = pipeline, pause_s

    def __getattr__(self, name: str):
        return getattr(self._pipeline, name)

    def stream(self, *args, **kwargs):
        for item in self._pipeline.stream(*args, **kwargs):
            if not isinstance(item, Answer):
                time.sleep(self._pause_s)
            yield item


def test_stop_keeps_the_draft_marked_and_the_next_question_is_answered(page, pipeline, app_settings):
    stop = page.locator("#stop")
    with running_app(SlowPipeline(pipeline, 2.5), app_settings) as url:
        open_app(page, url)
        expect(stop).to_be_disabled()
        page.locator("#question textarea").fill("When was NATO established?")
        page.locator("#question textarea").press("Enter")
        expect(page.locator("#chat .answer.draft .cursor")).to_be_visible(timeout=WAIT)
        expect(stop).to_be_enabled()
        stop.click()
        stopped = page.locator("#chat [data-testid='bot'] .answer.stopped")
        expect(stopped).to_contain_text("Stopped: this answer was not finished.", timeout=WAIT)
        expect(stop).to_be_disabled()
        page.wait_for_timeout(3000)  # the cancelled answer does not come back
        expect(stopped).to_have_count(1)
        expect(page.locator("#chat .answer:not(.draft)")).to_have_count(0)

        ask(page, "What is Berlin Plus?")
        expect(last_answer(page).locator("a.cite").first).to_be_visible()
        expect(stopped).to_have_count(1)  # the stopped draft stays above it
        expect(stop).to_be_disabled()
    assert not page.dialogs


def test_a_reload_brings_the_conversation_back_from_the_browser(page, app_url):
    open_app(page, app_url)
    ask(page, "When was NATO established?")
    citations = last_answer(page).locator("a.cite").count()
    assert citations >= 1
    expect(page.locator("#stop")).to_be_disabled()  # the step that disables Stop also hands the page its copy to keep
    page.wait_for_timeout(500)
    page.reload()
    page.locator("#question textarea").wait_for(timeout=WAIT)
    expect(last_answer(page)).to_contain_text("1949", timeout=WAIT)
    expect(last_answer(page).locator("a.cite")).to_have_count(citations)
    expect(page.locator("#chat [data-testid='user']")).to_have_text(["When was NATO established?"])
    expect(page.locator("#sources-panel article.src").first).to_be_visible()  # the cited passages too
    assert page.evaluate("Object.keys(localStorage)").count("assistant-conversation") == 1
    ask(page, "What is Berlin Plus?")  # the conversation goes on
    expect(page.locator("#chat [data-testid='bot'] .answer")).to_have_count(2)


def test_a_cleared_conversation_can_be_brought_back_once(page, app_url):
    open_app(page, app_url)
    ask(page, "What is Berlin Plus?")
    undo = page.locator("#undo")
    expect(undo).to_be_hidden()
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("#chat [data-testid='bot']")).to_have_count(0)
    undo.click()
    expect(last_answer(page).locator("a.cite").first).to_be_visible(timeout=WAIT)
    expect(undo).to_be_hidden()
    page.get_by_role("button", name="New conversation").click()
    expect(undo).to_be_visible()
    ask(page, "When was NATO established?")  # a new question: the cleared one is gone for good
    expect(undo).to_be_hidden()
    expect(page.locator("#chat [data-testid='bot'] .answer")).to_have_count(1)
