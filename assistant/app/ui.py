"""The Gradio app: a shell around the pipeline. `build_app` builds, `main` launches.

Gradio is imported only here and in `chat.py` (the Ask tab). The conversation logic is in
`conversation.py`, the HTML in `render.py` and `lookup.py`, styles and the scripts in
`assets.py`. Besides the page, the app serves three API endpoints (see the README): `/ask`
(streams the answer text), `/ask_json` (the CLI's `--json` object, with its `confidence`) and
`/lookup` (passages for a query).
"""

import sys
from collections.abc import Iterator
from typing import Literal

import gradio as gr

from assistant.answer.backends import available_backends
from assistant.app import conversation
from assistant.app import render as ui_render
from assistant.app.assets import CSS, VIEWER_HTML, VIEWER_JS
from assistant.app.chat import PRIVATE, STATIC, backend_options, chat_tab
from assistant.app.confidence import answer_json
from assistant.app.conversation import PipelineHolder
from assistant.app.documents import documents_tab
from assistant.app.lookup import MODES, lookup_html, records
from assistant.app.lookup import search as search_passages
from assistant.core.errors import AssistantError
from assistant.core.settings import Settings, load_settings, loopback
from assistant.core.types import Answer

HEADER = ('<div class="app-header"><h1>Ask the documents</h1><p>Every sentence of an answer cites the passage it came from. '
          'Click a <b>[n]</b> to check it.</p></div>')


def build_app(pipeline, settings: Settings | None = None) -> gr.Blocks:
    """The app for `pipeline`. With `pipeline=None` it loads one on first use and, while it cannot
    (no index yet), answers every question with the fix. `settings` default to the pipeline's."""
    settings = settings or (pipeline.settings if pipeline is not None else load_settings())
    holder = PipelineHolder(settings, pipeline)
    with gr.Blocks(title="Document assistant") as app:
        gr.HTML(HEADER, **STATIC)
        documents_line = gr.HTML("", elem_id="documents-line", **STATIC)
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                chat_backend, chat_filter, chat_scope = chat_tab(holder, app)
            with gr.Tab("Look up a citation", id="lookup"):
                lookup_filter = _lookup_tab(holder)
            with gr.Tab("Documents", id="documents"):
                documents_tab(holder, app, (chat_filter, lookup_filter), (documents_line, chat_scope))  # also fills both filters and the scope line on load
        _viewer(holder)
        app.load(lambda: gr.Radio(**backend_options(settings, wait=True)), None, chat_backend, **PRIVATE)
        _api(holder)
    return app


def _lookup_tab(holder: PipelineHolder) -> gr.Dropdown:
    """Search the corpus directly: query, mode, number of results, source filter; returns the filter."""
    with gr.Row(equal_height=True):
        query = gr.Textbox(label="Find passages", placeholder="Words or a claim to find, or a copied reference to open", scale=4, elem_id="lookup-query")
        mode = gr.Radio(list(MODES), value="keyword", label="Search", scale=2, elem_id="lookup-mode")
        count = gr.Slider(1, 20, value=8, step=1, label="Results", scale=1)
    only = gr.Dropdown([], multiselect=True, label="Only in these documents", info="Empty: all documents.")
    find = gr.Button("Search the documents", variant="primary", elem_id="lookup-search")
    results = gr.HTML('<p class="lookup-empty">Search by keyword (exact words), meaning (semantic) or both.</p>', elem_id="lookup-results", **STATIC)

    def search(text: str, how: str, k: float, names: list[str]) -> str:
        try:
            return lookup_html(text, search_passages(holder.get().retriever, text, how, int(k), names), how)
        except AssistantError as exc:
            return ui_render.problem_html(str(exc))

    find.click(search, [query, mode, count, only], results, **PRIVATE)
    query.submit(search, [query, mode, count, only], results, **PRIVATE)
    return only


def _viewer(holder: PipelineHolder) -> None:
    """The article dialog, the page's stylesheet and the script that handles citation clicks."""

    def article(data: dict) -> str:
        """The whole document `data["source"]`, with `start:end` highlighted; called as `server.article`."""
        return _article(holder, data)

    gr.HTML(VIEWER_HTML, js_on_load=VIEWER_JS, head=f"<style>{CSS}</style>", server_functions=[article], elem_id="viewer", apply_default_css=False)


def _article(holder: PipelineHolder, data: dict) -> str:
    """The viewer's HTML for a document and span; a friendly message for anything unusable."""
    try:
        if not isinstance(data, dict):
            raise ValueError("expected {source, start, end}")
        source, start, end = data.get("source"), int(data.get("start", 0)), int(data.get("end", 0))
        documents = holder.get().index.documents()
        if not isinstance(source, str) or source not in documents:
            raise AssistantError("that document is not in the index (any more): ask again to refresh the sources")
        entry = documents[source]
        return ui_render.article_html(entry.title or source, entry.notice, holder.get().index.document_text(source), start, end)
    except AssistantError as exc:
        return ui_render.problem_html(str(exc))
    except OSError:
        return ui_render.problem_html("the article cannot be shown: its copy in the index is missing; run `python -m ingest` again")
    except (TypeError, ValueError):
        return ui_render.problem_html("the article cannot be shown: the request needs a document name and two character offsets")


def _api(holder: PipelineHolder) -> None:
    """The endpoints for `gradio_client`: the same pipeline as the chat and the CLI."""

    def ask(message: str, history: list[dict] | None = None) -> Iterator[str]:
        """Answer `message` after `history` ([{role, content}]): streams the draft, ends with the answer text and its [n] markers."""
        draft = ""
        for item in _stream(holder, message, history):
            if isinstance(item, Answer):
                yield item.answer
            else:
                draft += item
                yield draft

    def ask_json(message: str, history: list[dict] | None = None, k: int | None = None, backend: str | None = None, sources: list[str] | None = None) -> dict:
        """The complete answer as the CLI's `ask --json` prints it; `k`, `backend` and `sources` as its flags."""
        *_, answer = _stream(holder, message, history, k=k, backend=backend, sources=sources or None)
        return answer_json(answer, holder.get().refusal_threshold)

    def lookup(query: str, mode: Literal["keyword", "semantic", "hybrid"] = "hybrid", k: int = 8) -> list[dict]:
        """Passages for `query` (mode keyword, semantic or hybrid), each with source, offsets, text, a reference and
        labelled scores; a pasted reference returns exactly that span (`exact: true`)."""
        try:
            return records(search_passages(holder.get().retriever, query, mode, k), mode)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None

    gr.api(ask)
    gr.api(ask_json)
    gr.api(lookup)


def _stream(holder: PipelineHolder, message: str, history, **options):
    """The pipeline's stream for an API caller; errors become `gr.Error` with the fix."""
    try:
        yield from holder.get().stream(message, history=conversation.clean_history(history), **options)
    except AssistantError as exc:
        raise gr.Error(str(exc)) from None


def launch(app: gr.Blocks, host: str, port: int, *, block: bool = True, auth: tuple[str, str] | None = None) -> str:
    """Serve `app` on host:port; returns the local URL. `block=False` returns at once (tests).

    Never shared through a public tunnel; `auth` (user, password) puts a login page in front.
    """
    _, url, _ = app.queue().launch(server_name=host, server_port=port or None, share=False, inbrowser=False, prevent_thread_lock=not block,
                                   ssr_mode=False, footer_links=["api"], quiet=not block, theme=_theme(), auth=auth)
    return url


def credentials(settings: Settings) -> tuple[str, str] | None:
    """(user, password) when both are set, else None."""
    if settings.auth_username and settings.auth_password:
        return settings.auth_username, settings.auth_password.get_secret_value()
    return None


def exposure_warning(host: str, auth: tuple[str, str] | None) -> str | None:
    """A warning when the app is reachable from other machines without a password."""
    if loopback(host) or auth:
        return None
    return (f"warning: serving on {host} without authentication: anyone who can reach this address can read the "
            "documents and use the app. Set ASSISTANT_AUTH_USERNAME and ASSISTANT_AUTH_PASSWORD, or bind to 127.0.0.1.")


def _theme() -> gr.themes.Base:
    """Gradio's default look with a font it ships (nothing is fetched from the internet), its greys and blue darkened for contrast.

    Bold is 700: Gradio's semibold IBM Plex file is a subset that lacks some letters. The default
    secondary text (neutral 400) measures 1.9:1 on white and the accent (blue 500) 3.7:1; WCAG AA
    asks 4.5:1, which neutral 600 (7.7:1), neutral 500 (4.8:1) and blue 600 (5.2:1) meet."""
    font = [gr.themes.LocalFont("IBM Plex Sans", weights=(400, 700)), "ui-sans-serif", "system-ui", "sans-serif"]
    return gr.themes.Default(primary_hue="blue", font=font).set(
        body_text_color_subdued="*neutral_600", input_placeholder_color="*neutral_500", color_accent="*primary_600")


def main(settings: Settings) -> int:
    from assistant.answer.pipeline import Pipeline

    available_backends(settings, wait=False)  # the local model's probe runs while the embedder loads
    try:
        pipeline = Pipeline.load(settings)
    except AssistantError as exc:  # the app still starts and tells the user how to fix it
        print(f"warning: {exc}", file=sys.stderr)
        pipeline = None
    auth = credentials(settings)
    warning = exposure_warning(settings.host, auth)
    if warning:
        print(warning, file=sys.stderr)
    print(f"serving on http://{settings.host}:{settings.port}", file=sys.stderr)
    launch(build_app(pipeline, settings), settings.host, settings.port, auth=auth)
    return 0
