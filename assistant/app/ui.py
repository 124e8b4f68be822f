"""The Gradio app: a shell around the pipeline. `build_app` builds, `main` launches.

Gradio is imported only here. The conversation logic is in `conversation.py`, the HTML in
`ui_render.py` and `lookup.py`, styles and the one script in `ui_assets.py`. Besides the page,
the app serves three API endpoints (see the README): `/ask` (streams the answer text), `/ask_json`
(the CLI's `--json` object) and `/lookup` (passages for a query).
"""

import functools
import logging
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import gradio as gr

from assistant.answer.backends import available_backends
from assistant.app import conversation
from assistant.app import render as ui_render
from assistant.app.assets import COUNT_JS, CSS, VIEWER_HTML, VIEWER_JS
from assistant.app.confidence import answer_json
from assistant.app.conversation import PipelineHolder, Turn
from assistant.app.export import conversation_markdown
from assistant.app.feedback import feedback_record, rating_of, save_feedback, save_reason
from assistant.app.lookup import MODES, lookup_html, records
from assistant.app.lookup import search as search_passages
from assistant.core.errors import AssistantError
from assistant.core.settings import Settings, load_settings
from assistant.core.types import Answer
from assistant.index.manifest import read_manifest

EXAMPLES = ["When was NATO established?", "What is Berlin Plus?", "How does NATO work with the European Union?"]
BACKEND_LABELS = {"extractive": "Extractive: quotes the documents (fast, no model)", "local": "Local model: a small language model on this server writes the answer (slower)",
                  "openai": "API model: a connected language-model service writes the answer"}
PRIVATE = {"api_visibility": "private"}
log = logging.getLogger(__name__)
QUESTION_LINES = 6  # the question box grows to this many lines, then scrolls: the Ask button stays in view


HEADER = ('<div class="app-header"><h1>Ask the documents</h1><p>Every sentence of an answer cites the passage it came from. '
          'Click a <b>[n]</b> to check it.</p></div>')
STATIC = {"js_on_load": None, "apply_default_css": False}  # plain HTML panels: no click events, our CSS only


def build_app(pipeline, settings: Settings | None = None) -> gr.Blocks:
    """The app for `pipeline`. With `pipeline=None` it loads one on first use and, while it cannot
    (no index yet), answers every question with the fix. `settings` default to the pipeline's."""
    settings = settings or (pipeline.settings if pipeline is not None else load_settings())
    holder = PipelineHolder(settings, pipeline)
    with gr.Blocks(title="Document assistant") as app:
        gr.HTML(HEADER, **STATIC)
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                chat_backend, chat_filter, chat_scope = _chat_tab(holder)
            with gr.Tab("Look up a citation", id="lookup"):
                lookup_filter = _lookup_tab(holder)
        _viewer(holder)
        app.load(lambda: (gr.Dropdown(choices=_documents(settings)), gr.Dropdown(choices=_documents(settings)), gr.Radio(**_backend_options(settings, wait=True))),
                 None, [chat_filter, lookup_filter, chat_backend], **PRIVATE)
        app.load(lambda names: _scope(settings, names), chat_filter, chat_scope, **PRIVATE)
        _api(holder)
    return app


def _chat_tab(holder: PipelineHolder) -> tuple[gr.Radio, gr.Dropdown, gr.HTML]:
    """Conversation on the left, sources, settings and timings on the right; returns the backend choice, source filter and its line."""
    turns = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            chatbot = gr.Chatbot(label="Conversation", height=540, render_markdown=False, elem_id="chat", buttons=["copy"],
                                 examples=[{"text": e} for e in EXAMPLES], placeholder="Ask about the articles on NATO, the EU and European security.")
            rating = _reason_box()
            box = gr.Textbox(show_label=False, placeholder="Ask a question, or a follow-up…", submit_btn="Ask", elem_id="question", autofocus=True,
                             lines=1, max_lines=QUESTION_LINES)
            status = gr.HTML(ui_render.status_html(""), elem_id="question-status", **STATIC)
            with gr.Row(elem_id="question-meta"):
                scope = gr.HTML(_scope(holder.settings, []), elem_id="search-scope", **STATIC)
                search_all = gr.Button("Search all documents", visible=False, size="sm", elem_id="search-all")
                gr.HTML(ui_render.counter_html(holder.settings.max_question_chars), elem_id="question-counter", **STATIC)
            searched = gr.Textbox(label="Searched for", info="The standalone question the last answer searched for: edit it and search again.",
                                  submit_btn="Search again", elem_id="searched")
            with gr.Row():
                new = gr.Button("New conversation", size="sm")
                export = gr.DownloadButton("Export as Markdown", size="sm", interactive=False, elem_id="export")
        with gr.Column(scale=2, min_width=360):
            sources = gr.HTML(ui_render.sources_html([], holder.document_text), elem_id="sources-panel", max_height=660, **STATIC)
            options = _settings_panel(holder.settings)
            with gr.Accordion("Timings of the last answer", open=False, elem_id="timings"):
                timings = gr.HTML(ui_render.timings_html({}), **STATIC)
    outputs = [chatbot, turns, box, searched, sources, timings, export, search_all, status]
    _wire_chat(holder, chatbot, box, searched, new, turns, options, outputs, rating)
    _wire_scope(holder, search_all, scope, turns, options, outputs)
    box.change(None, box, None, js=COUNT_JS, **PRIVATE)  # in the browser only: no request per keystroke
    return options[0], options[-1], scope


def _wire_scope(holder: PipelineHolder, search_all, scope, turns, options: list, outputs: list) -> None:
    """The line saying which documents are searched, and the button that re-asks over all of them."""
    backend, top_k, only = options

    def again_over_all(state: list[Turn], chosen: str, k: float):
        last = state[-1].answer if state else None
        standalone = last.standalone_question if last is not None else None
        for now in conversation.reply(holder, "", state, backend=chosen, k=int(k), sources=None, standalone=standalone, retry=True):
            yield _view(holder, now, gr.skip())

    only.change(lambda names: _scope(holder.settings, names), only, scope, **PRIVATE)
    search_all.click(lambda: gr.Dropdown(value=[]), None, only, **PRIVATE).then(again_over_all, [turns, backend, top_k], outputs, show_progress="hidden", **PRIVATE)


def _scope(settings: Settings, names: list[str] | None) -> str:
    """The line under the question box naming the documents searched."""
    documents = _documents(settings)
    titles = dict((source, title) for title, source in documents)
    return ui_render.scope_html([titles.get(n, n) for n in names or []], len(documents))


def _settings_panel(settings: Settings) -> list:
    """Answer backend (only the usable ones; the note says why others are not), top-k, source filter."""
    with gr.Accordion("Settings", open=False, elem_id="settings"):
        backend = gr.Radio(label="Answer backend", **_backend_options(settings, wait=False))
        top_k = gr.Slider(1, 10, value=settings.top_k, step=1, label="Passages retrieved (top-k)",
                          info="How many passages of the documents an answer is drawn from and may cite.")
        only = gr.Dropdown([], multiselect=True, label="Only search these documents", info="Empty: all documents.", elem_id="only-sources")
    return [backend, top_k, only]


def _backend_options(settings: Settings, wait: bool) -> dict:
    """Choices, value and note of the answer-backend choice: only backends that can run here.

    Building the app does not wait for the local model's probe (it starts it); each page load does.
    """
    backends = available_backends(settings, wait=wait)
    for name, reason in backends.items():
        if reason and wait:
            _log_unavailable(name, reason)
    usable = [name for name, reason in backends.items() if reason is None]
    value = settings.backend if settings.backend in usable else next(iter(usable), None)
    return {"choices": [(BACKEND_LABELS.get(n, n), n) for n in usable], "value": value, "info": ui_render.backends_note(backends)}


@functools.cache
def _log_unavailable(name: str, reason: str) -> None:
    """The technical reason (with its fix) in the server log, once: the page says it in a web user's terms."""
    log.warning("answer backend %s is not available: %s", name, reason)


def _wire_chat(holder: PipelineHolder, chatbot, box, searched, new, turns, options: list, outputs: list, rating: tuple) -> None:
    reason, disliked = rating

    def respond(message: str, state: list[Turn], backend: str, k: float, names: list[str]):
        problem = conversation.problem_with(holder.settings, message, state)
        if problem:  # beside the box, the question left in it to edit; the chat is not touched
            yield _input_problem(problem, len(outputs))
            return
        for step, now in enumerate(conversation.reply(holder, message, state, backend=backend, k=int(k), sources=names or None)):
            yield _view(holder, now, "" if step == 0 else gr.skip())

    def search_again(standalone: str, state: list[Turn], backend: str, k: float, names: list[str]):
        problem = conversation.problem_with(holder.settings, "", state, standalone=standalone, retry=True)
        if problem:
            yield _input_problem(problem, len(outputs))
            return
        for now in conversation.reply(holder, "", state, backend=backend, k=int(k), sources=names or None, standalone=standalone, retry=True):
            yield _view(holder, now, gr.skip())

    def vote(state: list[Turn], data: gr.LikeData) -> tuple:
        return _vote(holder.settings, state, data)

    streaming = {"show_progress": "hidden", **PRIVATE}
    box.submit(respond, [box, turns, *options], outputs, **streaming)
    searched.submit(search_again, [searched, turns, *options], outputs, **streaming)
    chatbot.example_select(_example, None, box, **PRIVATE).then(respond, [box, turns, *options], outputs, **streaming)
    new.click(lambda: _view(holder, [], ""), None, outputs, **PRIVATE)
    chatbot.clear(lambda: _view(holder, [], ""), None, outputs, **PRIVATE)
    chatbot.like(vote, [turns], [reason, disliked], **PRIVATE)
    reason.submit(lambda text, answer_id: _reason(holder.settings, text, answer_id), [reason, disliked], [reason, disliked], **PRIVATE)


def _lookup_tab(holder: PipelineHolder) -> gr.Dropdown:
    """Search the corpus directly: query, mode, number of results, source filter; returns the filter."""
    with gr.Row(equal_height=True):
        query = gr.Textbox(label="Find passages", placeholder="Words or a claim to find in the documents", scale=4, elem_id="lookup-query")
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


def _view(holder: PipelineHolder, turns: list[Turn], box_value) -> tuple:
    """Values of the chat's outputs after a step; sources and export change once a reply is complete."""
    last = turns[-1] if turns else None
    answer = last.answer if last is not None else None
    done = last is None or answer is not None or bool(last.problem)
    if answer is not None:
        searched, timings = answer.standalone_question, ui_render.timings_html(answer.timings_ms)
    elif last is None:
        searched, timings = "", ui_render.timings_html({})
    else:
        searched = timings = gr.skip()
    answers = conversation.answered(turns)
    document_text = functools.cache(holder.document_text)  # each document read once per render
    sources = ui_render.sources_html(answers, document_text) if done else gr.skip()
    filtered_out = last is not None and last.why is not None and last.why.kind == "filter"
    chat = (conversation.messages(turns), turns, box_value, searched, sources, timings, _export(answers) if done else gr.skip())
    return (*chat, gr.Button(visible=filtered_out), ui_render.status_html(""))


def _reason_box() -> tuple[gr.Textbox, gr.State]:
    """The box that appears after a thumbs-down for an optional reason, and the id of the answer it is about."""
    box = gr.Textbox(label="What was wrong with this answer? (optional)", placeholder="Say what was wrong or missing, then press Enter or Send",
                     visible=False, submit_btn="Send", elem_id="vote-reason", max_lines=4)
    return box, gr.State("")


def _input_problem(problem: str, outputs: int) -> tuple:
    """Every chat output left as it is, but the status line under the box, which shows `problem`."""
    return (*[gr.skip()] * (outputs - 1), ui_render.status_html(problem))


def _export(answers: list[tuple[int, Answer]]):
    """The export button, pointing at a fresh Markdown file of the conversation so far."""
    if not answers:
        return gr.DownloadButton(value=None, interactive=False)
    path = Path(tempfile.mkdtemp(prefix="assistant-export-")) / "conversation.md"
    path.write_text(conversation_markdown([answer for _, answer in answers]), encoding="utf-8")
    return gr.DownloadButton(value=str(path), interactive=True)


def _example(data: gr.SelectData) -> str:
    return data.value["text"] if isinstance(data.value, dict) else str(data.value)


THANKS = {"up": "Thank you: your rating was saved.", "down": "Thank you: your rating was saved. What was wrong? Tell us in the box under the conversation, if you like.",
          "withdrawn": "Your rating was withdrawn."}


def _vote(settings: Settings, turns: list[Turn], data: gr.LikeData) -> tuple:
    """Store an answer's latest thumbs state (up, down, withdrawn); returns the reason box, shown after a thumbs-down, and its answer id."""
    hidden = (gr.Textbox(visible=False, value=""), "")
    number = conversation.turn_of_message(turns, data.index if isinstance(data.index, int) else data.index[0])
    rating = rating_of(data.liked)
    if rating is None:
        return hidden
    if number is None or turns[number].answer is None:
        gr.Info("Only answers can be rated.")
        return hidden
    turn = turns[number]
    try:
        save_feedback(settings.feedback_file, feedback_record(turn.answer, turn.answer_id, rating, conversation.history(turns[:number])))
    except AssistantError as exc:
        gr.Warning(str(exc))
        return hidden
    gr.Info(THANKS[rating])
    return (gr.Textbox(visible=True, value=""), turn.answer_id) if rating == "down" else hidden


def _reason(settings: Settings, text: str, answer_id: str) -> tuple:
    """Add the reason typed after a thumbs-down to that answer's record; hides the box again."""
    try:
        if answer_id and text.strip() and save_reason(settings.feedback_file, answer_id, text):
            gr.Info("Thank you: your reason was saved.")
    except AssistantError as exc:
        gr.Warning(str(exc))
    return gr.Textbox(visible=False, value=""), ""


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
        return ui_render.article_html(entry.get("title", source), entry.get("notice", ""), holder.get().index.document_text(source), start, end)
    except AssistantError as exc:
        return ui_render.problem_html(str(exc))
    except OSError:
        return ui_render.problem_html("the article cannot be shown: its copy in the index is missing; run `python -m ingest` again")
    except (TypeError, ValueError):
        return ui_render.problem_html("the article cannot be shown: the request needs a document name and two character offsets")


def _documents(settings: Settings) -> list[tuple[str, str]]:
    """(title, source) of every indexed document, for the source filters."""
    try:
        documents = read_manifest(settings).get("documents", {})
    except AssistantError:
        return []
    return sorted(((entry.get("title") or source, source) for source, entry in documents.items()), key=lambda pair: pair[0].lower())


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
        """Passages for `query` (mode keyword, semantic or hybrid), each with source, offsets, text and a reference."""
        try:
            return records(search_passages(holder.get().retriever, query, mode, k))
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


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def credentials(settings: Settings) -> tuple[str, str] | None:
    """(user, password) when both are set, else None."""
    if settings.auth_username and settings.auth_password:
        return settings.auth_username, settings.auth_password.get_secret_value()
    return None


def exposure_warning(host: str, auth: tuple[str, str] | None) -> str | None:
    """A warning when the app is reachable from other machines without a password."""
    if host in LOOPBACK or host.startswith("127.") or auth:
        return None
    return (f"warning: serving on {host} without authentication: anyone who can reach this address can read the "
            "documents and use the app. Set ASSISTANT_AUTH_USERNAME and ASSISTANT_AUTH_PASSWORD, or bind to 127.0.0.1.")


def _theme() -> gr.themes.Base:
    """Gradio's default look with a font it ships (nothing is fetched from the internet).

    Bold is 700: Gradio's semibold IBM Plex file is a subset that lacks some letters."""
    font = [gr.themes.LocalFont("IBM Plex Sans", weights=(400, 700)), "ui-sans-serif", "system-ui", "sans-serif"]
    return gr.themes.Default(primary_hue="blue", font=font)


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
