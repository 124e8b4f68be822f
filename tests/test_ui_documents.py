"""The Documents tab in a real headless Chromium: list, upload (and ask about it), bad files, removal, read-only.

The app serves a temporary corpus folder (two articles) and its own index in `tmp_path`; uploads
land in that folder, never in the repository's corpus.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from assistant.core.settings import REPO_ROOT, load_settings
from tests.support import GOOD_NOTE, WAIT, axe_violations, corpus_copy, open_tab, running_app, write_file

pytestmark = [pytest.mark.browser]

SCREENSHOT = REPO_ROOT / "docs" / "documents.png"
ARTICLES = ["nato-role-in-global-security.txt", "nato-relations-with-the-european-union.txt"]
EU_TITLE = "Exploring the Strategic Dynamics of NATO’s Relations with the European Union"


@pytest.fixture(scope="module")
def app_settings(tmp_path_factory, embeddings):
    from ingest.run import ingest

    root = tmp_path_factory.mktemp("documents")
    settings = load_settings(corpus_dir=corpus_copy(root, ARTICLES), db_dir=root / "db", feedback_file=root / "feedback.jsonl")
    assert not ingest([settings.corpus_dir], settings, embeddings=embeddings, progress=False).failures
    return settings


@pytest.fixture(scope="module")
def app_url(app_settings, embeddings):
    from assistant.answer.pipeline import Pipeline

    with running_app(Pipeline.load(app_settings, embeddings=embeddings), app_settings) as url:
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def upload(page: Page, paths, replace: bool = False) -> None:
    """Choose `paths` in the upload box, wait until they are uploaded, then add them to the index."""
    page.locator("#documents-upload input[type=file]").set_input_files([str(p) for p in paths])
    for path in paths:
        expect(page.locator("#documents-upload")).to_contain_text(path.stem, timeout=WAIT)  # shown as "name .ext"
    if replace:
        page.locator("#documents-replace input").check()
    page.locator("#documents-add").click()


def choices(page: Page, dropdown) -> list[str]:
    """The option labels of a Gradio dropdown, given its input box (opened, read, closed again)."""
    dropdown.click()
    options = page.get_by_role("option")
    expect(options.first).to_be_visible(timeout=WAIT)
    labels = options.all_inner_texts()
    page.keyboard.press("Escape")
    return [label.strip() for label in labels]


@pytest.mark.parametrize("width, height", [(1400, 1000), (480, 900)])
def test_the_documents_tab_has_no_serious_accessibility_violation(browser, app_url, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        open_tab(page, app_url, "Documents")
        expect(page.locator("#documents-list")).to_contain_text(EU_TITLE, timeout=WAIT)
        assert axe_violations(page) == []
    finally:
        context.close()


def test_the_list_shows_each_document_with_its_sections_chunks_notice_and_time(page, app_url, app_settings):
    from assistant.index.manifest import read_manifest

    open_tab(page, app_url, "Documents")
    entry = read_manifest(app_settings).documents[f"corpus/{ARTICLES[0]}"]  # the article no test removes
    row = page.locator("#documents-list table.documents tr", has_text=entry.title)
    expect(row).to_have_count(1, timeout=WAIT)
    expect(row.locator("td.num").nth(0)).to_have_text(str(entry.sections))
    expect(row.locator("td.num").nth(1)).to_have_text(str(len(entry.chunk_ids)))
    expect(row.locator(".doc-notice")).to_have_text(entry.notice)
    expect(row).to_contain_text(" UTC")
    expect(page.locator("#documents-note")).to_contain_text(str(app_settings.corpus_dir))
    expect(page.locator("#documents-line")).to_contain_text("documents:")


def test_an_uploaded_file_is_listed_and_answers_a_question_citing_it(page, app_url, app_settings, tmp_path):
    from assistant.index.manifest import read_manifest

    open_tab(page, app_url, "Documents")
    upload(page, [write_file(tmp_path, "harbour-note.txt", GOOD_NOTE)])
    expect(page.locator("#documents-report")).to_contain_text("Added: corpus/harbour-note.txt", timeout=WAIT)
    expect(page.locator("#documents-list")).to_contain_text("The Harbour Note")
    expect(page.locator("#documents-line")).to_contain_text("The Harbour Note")
    assert (app_settings.corpus_dir / "harbour-note.txt").read_text(encoding="utf-8") == GOOD_NOTE
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert "The Harbour Note" in choices(page, page.locator("#documents-choice input"))

    page.get_by_role("tab", name="Ask").click()
    expect(page.locator("#search-scope")).to_have_text(f"Searching: all {len(read_manifest(app_settings).documents)} documents")
    page.locator("#question textarea").fill("When was the Zephyr lighthouse built?")
    page.locator("#question textarea").press("Enter")
    answer = page.locator("#chat [data-testid='bot'] .answer:not(.draft)")
    expect(answer).to_contain_text("1873", timeout=WAIT)
    answer.locator("a.cite").first.click()
    expect(page.locator("#sources-panel .src.active .title")).to_have_text("The Harbour Note")
    expect(page.locator("#sources-panel .src.active")).to_contain_text("corpus/harbour-note.txt")


def test_a_bad_file_is_reported_by_name_and_the_good_one_beside_it_is_added(page, app_url, app_settings, tmp_path):
    bad = tmp_path / "scanned.pdf"
    bad.write_bytes(b"%PDF-1.4 not really a pdf")
    good = write_file(tmp_path, "beacon-note.md", GOOD_NOTE.replace("Harbour Note", "Beacon Note"))
    open_tab(page, app_url, "Documents")
    upload(page, [bad, good])
    report = page.locator("#documents-report")
    expect(report.locator(".doc-failed")).to_contain_text("scanned.pdf was not added: broken PDF", timeout=WAIT)
    expect(report.locator(".doc-done")).to_contain_text("Added: corpus/beacon-note.md")
    expect(page.locator("#documents-list")).to_contain_text("The Beacon Note")
    assert not (app_settings.corpus_dir / "scanned.pdf").exists()


def test_a_name_already_there_needs_replace(page, app_url, app_settings, tmp_path):
    name = ARTICLES[0]
    before = (app_settings.corpus_dir / name).read_text(encoding="utf-8")
    open_tab(page, app_url, "Documents")
    upload(page, [write_file(tmp_path, name, GOOD_NOTE)])
    expect(page.locator("#documents-report .doc-failed")).to_contain_text("Replace documents with the same name", timeout=WAIT)
    assert (app_settings.corpus_dir / name).read_text(encoding="utf-8") == before


def test_a_removed_document_leaves_the_list_and_the_filters(page, app_url, app_settings):
    open_tab(page, app_url, "Documents")
    expect(page.locator("#documents-list")).to_contain_text(EU_TITLE, timeout=WAIT)  # the page's load filled the list and choices
    page.locator("#documents-choice input").click()
    page.get_by_role("option", name=EU_TITLE).click()
    page.locator("#documents-remove").click()
    expect(page.locator("#documents-confirm")).to_contain_text(f"Remove {EU_TITLE}")
    page.locator("#documents-remove-yes").click()
    expect(page.locator("#documents-report")).to_contain_text(f"Removed {EU_TITLE}", timeout=WAIT)
    expect(page.locator("#documents-list")).not_to_contain_text(EU_TITLE)
    expect(page.locator("#documents-line")).not_to_contain_text(EU_TITLE)
    expect(page.locator("#documents-confirm")).to_be_hidden()
    assert EU_TITLE not in choices(page, page.locator("#documents-choice input"))
    page.get_by_role("tab", name="Look up a citation").click()
    assert EU_TITLE not in choices(page, page.get_by_label("Only in these documents"))
    page.get_by_role("tab", name="Ask").click()
    page.locator("#settings").get_by_text("Settings").click()
    remaining = choices(page, page.locator("#only-sources input"))
    assert remaining and EU_TITLE not in remaining
    expect(page.locator("#search-scope")).to_have_text(f"Searching: all {len(remaining)} documents")
    assert not (app_settings.corpus_dir / ARTICLES[1]).exists() and list((app_settings.db_dir / "removed").glob("nato-relations-*"))


def test_a_read_only_app_lists_the_documents_but_refuses_changes(page, app_settings, embeddings):
    from assistant.answer.pipeline import Pipeline

    settings = app_settings.model_copy(update={"read_only": True})
    with running_app(Pipeline.load(settings, embeddings=embeddings), settings) as url:
        open_tab(page, url, "Documents")
        expect(page.locator("#documents-note")).to_contain_text("Documents cannot be changed here: this app is read-only")
        expect(page.locator("#documents-list table.documents tbody tr").first).to_be_visible(timeout=WAIT)
        expect(page.locator("#documents-add")).to_be_disabled()
        expect(page.locator("#documents-remove")).to_be_disabled()
        expect(page.locator("#documents-upload input[type=file]")).to_have_count(0)


def test_behind_a_login_the_logged_in_user_adds_a_document(page, app_settings, embeddings, tmp_path):
    """The upload handler gets the login's user name (without one it would refuse: see test_documents.py)."""
    from pydantic import SecretStr

    from assistant.answer.pipeline import Pipeline

    settings = app_settings.model_copy(update={"auth_username": "ann", "auth_password": SecretStr("harbour-pw")})
    with running_app(Pipeline.load(settings, embeddings=embeddings), settings, auth=("ann", "harbour-pw")) as url:
        page.goto(url)
        page.get_by_label("username").fill("ann")
        page.get_by_label("password").fill("harbour-pw")
        page.get_by_role("button", name="Login").click()
        page.locator("#question textarea").wait_for(timeout=WAIT)
        page.get_by_role("tab", name="Documents").click()
        upload(page, [write_file(tmp_path, "login-note.txt", GOOD_NOTE.replace("Harbour Note", "Login Note"))])
        expect(page.locator("#documents-report")).to_contain_text("Added: corpus/login-note.txt", timeout=WAIT)
        expect(page.locator("#documents-list")).to_contain_text("The Login Note")
