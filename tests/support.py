"""Helpers the tests share, imported one way: `from tests.support import ...` (fixtures live in conftest.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.answer.verify import REATTACH_MARGIN
from assistant.core.prompts import UNSUPPORTED_MARK
from assistant.core.settings import REPO_ROOT, Settings
from assistant.core.types import Answer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CORPUS = REPO_ROOT / "corpus"


def original(source: str, root: Path = CORPUS.parent) -> str:
    """The text of an indexed source such as `corpus/x.txt`, read from disk."""
    return (root / source).read_text(encoding="utf-8")


CHROMIUM = Path("/usr/bin/chromium")


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT = 120_000  # ms: generous, the machine is shared; nothing asserts on speed

# Keeps every distinct state of the last assistant message, to see the answer arrive in steps.
RECORD_STATES = """() => {
  window.__states = [];
  new MutationObserver(() => {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    const last = bots[bots.length - 1];
    const html = last ? last.innerHTML : '';
    if (html && window.__states[window.__states.length - 1] !== html) window.__states.push(html);
  }).observe(document.querySelector('#chat'), {subtree: true, childList: true, characterData: true});
}"""


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium, driven by Playwright (no browser of Playwright's own is downloaded)."""
    import pytest
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("the browser tests need Debian's Chromium: run `make system-deps` (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def app_page(browser: Browser, url: str, width: int = 1400, height: int = 900) -> Iterator[Page]:
    """A fresh page of `browser` for the app at `url`; it notes alerts in `page.dialogs` and requests leaving the app in `page.outside`."""
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    page = context.new_page()
    page.dialogs, page.outside = [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: None if request.url.startswith((url, "data:", "blob:")) else page.outside.append(request.url))
    try:
        yield page
    finally:
        context.close()


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    page.locator("#question textarea").wait_for(timeout=WAIT)
    page.evaluate(RECORD_STATES)


def ask(page: Page, question: str) -> None:
    """Type a question, send it and wait until its answer (or message) is complete."""
    from playwright.sync_api import expect

    answers = page.locator("#chat [data-testid='bot'] .answer:not(.draft)")
    before = answers.count()
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")
    expect(answers).to_have_count(before + 1, timeout=WAIT)


def look_up(page: Page, query: str) -> None:
    """Type `query` into the lookup tab's box and search (the tab must be open)."""
    page.locator("#lookup-query textarea").fill(query)
    page.locator("#lookup-search").click()


def tab_to(page: Page, selector: str, most: int = 100, key: str = "Tab") -> None:
    """Press Tab (or `key`, such as Shift+Tab) until the focus is on an element matching `selector`; fails after `most` presses."""
    for _ in range(most):
        page.keyboard.press(key)
        if page.evaluate("(selector) => document.activeElement?.matches(selector) ?? false", selector):
            return
    raise AssertionError(f"{most} presses of Tab never reached {selector}")


def focus_inside(page: Page, selector: str) -> bool:
    """Whether the focused element is inside (or is) the element matching `selector`."""
    return page.evaluate("(selector) => !!document.activeElement?.closest(selector)", selector)


SERIOUS = ("serious", "critical")
# Gradio's own markup, which the app cannot change, by the axe rule it breaks: the Chatbot's example
# questions are buttons in a `role="list"` without list items (gradio 6.31, its Chatbot component).
GRADIO_FAULTS = {"aria-required-children": "#chat .examples"}
# Waits until no finite animation or transition runs (Gradio fades components in) and no component waits for
# an event's output (Gradio dims those to opacity .2): contrast is measured on the page as it settles.
SETTLED = ("() => !document.querySelector('.pending') && "
           "document.getAnimations().every(a => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity)")
AXE_RUN = """async ([options, known]) => {
  const results = await axe.run(document, options);
  return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.filter(n => !(known[v.id] && n.element.matches(known[v.id]))).map(n => n.target.join(' '))})).filter(v => v.targets.length);
}"""


def axe_violations(page: Page, *, impacts: Sequence[str] = SERIOUS, known: dict[str, str] = GRADIO_FAULTS) -> list[str]:
    """axe-core's violations of the page as it is now, of these impacts, one line each: rule (impact): help at where.

    axe-core's script ships inside the `axe-playwright-python` wheel (axe.min.js, MPL-2.0) and is
    injected from disk: nothing is fetched. It runs axe's default rules (WCAG 2.x A and AA, best
    practices), colour contrast included. `known`: {rule: CSS selector} of elements not counted for
    that rule, for faults in Gradio's own markup (every other rule still checks them).
    """
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_function(SETTLED, timeout=WAIT)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(Axe().axe_script)
    found = page.evaluate(AXE_RUN, [{"resultTypes": ["violations"], "elementRef": True}, known])
    return [f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'][:5])}" + (f" and {len(v['targets']) - 5} more" if len(v["targets"]) > 5 else "")
            for v in found if v["impact"] in impacts]


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it when binding port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_app(pipeline, settings: Settings, auth: tuple[str, str] | None = None) -> Iterator[str]:
    """The app of `ui.build_app`, launched as `python -m assistant serve` does (behind a login with `auth`); yields its URL."""
    from assistant.app.ui import build_app, launch

    app = build_app(pipeline, settings)
    url = launch(app, "127.0.0.1", free_port(), block=False, auth=auth)
    try:
        yield url
    finally:
        app.close()


HOSTILE_TEXT = """Hostile Markup Test Page

🧪 AI notice: this test page was written with AI assistance <b>in bold</b>.

The Zanzibar Accord

The Zanzibar Accord was signed in 1987 <script>window.__pwned = 1; alert("script ran")</script> by the harbour council. <img src=x onerror="window.__pwned = 2; alert('img ran')"> Its text is kept in the <b>harbour</b> archive.
"""


@contextmanager
def hostile_pipeline(tmp_path, embeddings) -> Iterator[object]:
    """A pipeline over one document whose text holds `<script>`, an `onerror` image and tags."""
    from assistant.answer.pipeline import Pipeline
    from assistant.core.settings import load_settings
    from ingest.run import ingest

    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "hostile.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    settings = load_settings(db_dir=tmp_path / "hostile-db", feedback_file=tmp_path / "feedback.jsonl")
    report = ingest([folder], settings, embeddings=embeddings, progress=False)
    assert not report.failures
    yield Pipeline.load(settings, embeddings=embeddings)


class CountingEmbeddings:
    def __init__(self, embeddings):
        self.embeddings, self.calls, self.texts = embeddings, 0, []

    def embed_documents(self, texts):
        self.calls += 1
        self.texts += list(texts)
        return self.embeddings.embed_documents(texts)

    def embed_query(self, text):
        self.calls += 1
        self.texts.append(text)
        return self.embeddings.embed_query(text)


def workers() -> dict[int, int]:
    """Every running worker's pid -> the pid of the process that started it (from command lines)."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            args = (entry / "cmdline").read_bytes().decode().split("\0")
        except (OSError, ValueError):
            continue
        if "assistant.answer.backends.worker" in args and "--parent" in args and alive(int(entry.name)):
            found[int(entry.name)] = int(args[args.index("--parent") + 1])
    return found


def workers_of(parent: int) -> list[int]:
    """Pids of running workers started by process `parent`."""
    return [pid for pid, owner in workers().items() if owner == parent]


def orphaned_workers() -> list[int]:
    """Running workers whose starter is gone."""
    return [pid for pid, owner in workers().items() if not alive(owner)]


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for its new parent to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def assert_checked(answer: Answer, threshold: float) -> None:
    """Every sentence is judged; supported ones cite exact spans, unsupported ones are flagged."""
    assert answer.sentences or answer.refused
    for sentence in answer.sentences:
        assert isinstance(sentence.supported, bool) and 0.0 <= sentence.support_score <= 1.0
        if sentence.supported:
            assert sentence.support_score >= threshold
            assert sentence.citations and f"{sentence.text} [{sentence.citations[0]}]" in answer.answer
        else:
            assert sentence.support_score < threshold + REATTACH_MARGIN
            assert f"{sentence.text} {UNSUPPORTED_MARK}" in answer.answer
    for citation in answer.citations:
        assert isinstance(citation.supported, bool)
        assert original(citation.source)[citation.start : citation.end] == citation.text


GOOD_NOTE = """The Harbour Note

The Zephyr Lighthouse

The Zephyr lighthouse was built in 1873 by the harbour board of Vellmar. Its lamp was first lit on 4 May 1874 and can be seen from 22 nautical miles away.
"""


def write_file(folder: Path, name: str, text: str) -> Path:
    """`text` written to `folder/name` (the folder made if needed), as a user's file to upload."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def corpus_copy(root: Path, names: list[str]) -> Path:
    """A writable corpus folder `root/corpus` holding copies of the named articles."""
    import shutil

    folder = root / "corpus"
    folder.mkdir(parents=True)
    for name in names:
        shutil.copy(CORPUS / name, folder / name)
    return folder


def open_tab(page, url: str, tab: str) -> None:
    """Load the app at `url`, wait for the question box, then open the tab named `tab`."""
    open_app(page, url)
    page.get_by_role("tab", name=tab).click()
