"""Accessibility in a real headless Chromium: axe-core on each view, and the article viewer by keyboard.

axe-core (shipped inside the `axe-playwright-python` wheel, run from disk) checks the Ask view
empty and with an answer and its source shown, the lookup tab with results, and the article
viewer open, at a desktop and a phone width, and the dark theme: no serious or critical
violation, colour contrast included. The viewer is a modal dialog: focus moves into it, Tab
stays inside, Escape closes it and focus goes back to the button that opened it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support import WAIT, app_page, ask, axe_violations, focus_inside, look_up, open_app, running_app, tab_to

pytestmark = [pytest.mark.browser]

VIEWPORTS = {"desktop": (1400, 1000), "phone": (480, 900)}


@pytest.fixture(scope="module")
def app_url(pipeline, corpus_index, tmp_path_factory):
    settings = corpus_index.model_copy(update={"feedback_file": tmp_path_factory.mktemp("feedback") / "feedback.jsonl"})
    with running_app(pipeline, settings) as url:
        yield url


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser, app_url):
    with app_page(browser, app_url, *VIEWPORTS[request.param]) as page:
        open_app(page, app_url)
        yield page
        assert not page.outside, "the page fetched something from outside the app"


def answer_with_source(page: Page) -> None:
    ask(page, "When was NATO established?")
    page.locator("#chat [data-testid='bot'] .answer a.cite").first.click()
    expect(page.locator("#sources-panel .src.active")).to_have_count(1)


def open_viewer(page: Page) -> None:
    page.locator("#sources-panel .src.active button.open-article").click()
    expect(page.locator(".viewer-body mark#hit")).to_be_in_viewport(timeout=WAIT)


def test_the_empty_ask_view_has_no_serious_violation(page):
    assert axe_violations(page) == []
    # the one fault not counted is Gradio's (tests.support.GRADIO_FAULTS): once this fails, Gradio has fixed it
    assert [v.split(" ")[0] for v in axe_violations(page, known={})] == ["aria-required-children"]


def test_an_answer_with_its_source_shown_has_no_serious_violation(page):
    answer_with_source(page)
    page.locator("#timings").get_by_text("Timings of the last answer").click()
    expect(page.locator("#timings table.timings")).to_be_visible()
    page.locator("#settings").get_by_text("Settings").click()
    expect(page.locator("#only-sources")).to_be_visible()
    assert axe_violations(page) == []


def test_the_dark_theme_has_no_serious_violation(page, app_url):
    """Gradio follows the system's dark mode; `?__theme=dark` forces it."""
    open_app(page, app_url + "?__theme=dark")
    answer_with_source(page)
    assert page.evaluate("document.body.classList.contains('dark')")
    assert axe_violations(page) == []
    page.get_by_role("tab", name="Look up a citation").click()
    look_up(page, "Berlin Plus")
    expect(page.locator("#lookup-results article.hit").first).to_be_visible(timeout=WAIT)
    assert axe_violations(page) == []


def test_the_lookup_tab_with_results_has_no_serious_violation(page):
    page.get_by_role("tab", name="Look up a citation").click()
    look_up(page, "Berlin Plus")
    expect(page.locator("#lookup-results article.hit").first).to_be_visible(timeout=WAIT)
    assert axe_violations(page) == []


def test_the_open_article_viewer_has_no_serious_violation(page):
    """The viewer shows the article's title once as its heading, its notice once, and its sections as headings."""
    answer_with_source(page)
    card = page.locator("#sources-panel .src.active")
    title, notice = card.locator(".title").inner_text(), card.locator(".notice").inner_text()
    open_viewer(page)
    viewer = page.get_by_role("dialog", name=title)
    expect(viewer.get_by_role("heading", level=2)).to_have_text(title)
    shown = viewer.locator(".viewer-body").inner_text()
    assert (shown.count(title), shown.count(notice)) == (1, 1)
    assert viewer.get_by_role("heading", level=3).count() >= 3
    assert axe_violations(page) == []


def test_the_article_viewer_works_by_keyboard(page):
    """Tab to a [n], Enter shows its source and focuses it; Tab to its button, Enter opens the article:
    focus is inside, Tab and Shift+Tab stay inside, Escape closes it and focus is back on the button."""
    ask(page, "When was NATO established?")
    page.locator("#question textarea").focus()
    tab_to(page, "#chat .answer a.cite", key="Shift+Tab")  # back from the box to the answer above it
    page.keyboard.press("Enter")
    card = page.locator("#sources-panel .src.active")
    expect(card).to_be_focused()
    tab_to(page, "#sources-panel .src.active button.open-article", most=5)
    opener = card.locator("button.open-article")
    page.keyboard.press("Enter")
    viewer = page.locator("dialog.viewer")
    expect(viewer).to_be_visible()
    expect(viewer.locator("mark#hit")).to_be_in_viewport(timeout=WAIT)
    expect(viewer).to_have_attribute("aria-label", card.locator(".title").inner_text())
    assert focus_inside(page, "dialog.viewer")
    visited = set()
    for key in ["Tab"] * 4 + ["Shift+Tab"] * 4:
        page.keyboard.press(key)
        assert focus_inside(page, "dialog.viewer"), f"{key} left the article viewer"
        visited.add(page.evaluate("document.activeElement.className"))
    assert visited == {"viewer-close", "viewer-body"}
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(opener).to_be_focused()


def test_the_close_button_closes_the_viewer_and_returns_the_focus(page):
    page.get_by_role("tab", name="Look up a citation").click()
    look_up(page, "Berlin Plus")
    opener = page.locator("#lookup-results article.hit").first.locator("button.open-article")
    opener.focus()
    page.keyboard.press("Enter")
    viewer = page.locator("dialog.viewer")
    expect(viewer.locator("mark#hit")).to_be_in_viewport(timeout=WAIT)
    expect(page.locator(".viewer-body")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(viewer.get_by_role("button", name="Close the article")).to_be_focused()
    page.keyboard.press("Enter")
    expect(viewer).to_be_hidden()
    expect(opener).to_be_focused()
