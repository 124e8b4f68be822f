"""The Ask tab: conversation, question box, sources panel, settings and timings, and the thumbs on answers.

A Gradio shell like `ui.py`, which builds the rest of the app around it: the conversation logic
is in `conversation.py`, the HTML in `render.py`, how well answers are supported in
`confidence.py`, why a refusal was refused in `refusal.py`, the votes' file in `feedback.py`.
"""

import functools
import logging
import tempfile
from pathlib import Path

import gradio as gr

from assistant.answer.backends import available_backends
from assistant.app import conversation, saved
from assistant.app import render as ui_render
from assistant.app.assets import COUNT_JS
from assistant.app.conversation import PipelineHolder, Turn
from assistant.app.export import conversation_markdown
from assistant.app.feedback import feedback_record, rating_of, save_feedback, save_reason
from assistant.core.errors import AssistantError
from assistant.core.settings import Settings
from assistant.core.types import Answer

EXAMPLES = ["When was NATO established?", "What is Berlin Plus?", "How does NATO work with the European Union?"]
BACKEND_LABELS = {"extractive": "Extractive: quotes the documents (fast, no model)", "local": "Local model: a small language model on this server writes the answer (slower)",
                  "openai": "API model: a connected language-model service writes the answer"}
PRIVATE = {"api_visibility": "private"}  # events of the page, not API endpoints
STATIC = {"js_on_load": None, "apply_default_css": False}  # plain HTML panels: no click events, our CSS only
QUESTION_LINES = 6  # the question box grows to this many lines, then scrolls: the Ask button stays in view
log = logging.getLogger(__name__)


def chat_tab(holder: PipelineHolder, app: gr.Blocks) -> tuple[gr.Radio, gr.Dropdown, gr.HTML]:
    """Conversation on the left, sources, settings and timings on the right; returns the backend choice, source filter and its line.

    The conversation is kept in the browser only (its localStorage), so a reload brings it back; `app` restores it on load.
    """
    turns = gr.State([])
    kept = gr.BrowserState(saved.to_json([]), storage_key="assistant-conversation")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            chatbot = gr.Chatbot(label="Conversation", height=540, render_markdown=False, elem_id="chat", buttons=["copy"],
                                 examples=[{"text": e} for e in EXAMPLES], placeholder="Ask about the articles on NATO, the EU and European security.")
            rating = _reason_box()
            box = gr.Textbox(show_label=False, placeholder="Ask a question, or a follow-up…", submit_btn="Ask", elem_id="question", autofocus=True,
                             lines=1, max_lines=QUESTION_LINES)
            status = gr.HTML(ui_render.status_html(""), elem_id="question-status", **STATIC)
            with gr.Row(elem_id="question-meta"):
                scope = gr.HTML(ui_render.scope_html([], 0), elem_id="search-scope", **STATIC)
                search_all = gr.Button("Search all documents", visible=False, size="sm", elem_id="search-all")
                gr.HTML(ui_render.counter_html(holder.settings.max_question_chars), elem_id="question-counter", **STATIC)
            searched = gr.Textbox(label="Searched for", info="The standalone question the last answer searched for: edit it and search again.",
                                  submit_btn="Search again", elem_id="searched")
            with gr.Row():
                stop = gr.Button("Stop", size="sm", interactive=False, elem_id="stop")
                new = gr.Button("New conversation", size="sm")
                undo = gr.Button("Undo: bring the conversation back", size="sm", visible=False, elem_id="undo")
                export = gr.DownloadButton("Export as Markdown", size="sm", interactive=False, elem_id="export")
        with gr.Column(scale=2, min_width=360):
            sources = gr.HTML(ui_render.sources_html([], holder.document_text), elem_id="sources-panel", max_height=660, **STATIC)
            options = _settings_panel(holder.settings)
            with gr.Accordion("Timings of the last answer", open=False, elem_id="timings"):
                timings = gr.HTML(ui_render.timings_html({}), **STATIC)
    outputs = [chatbot, turns, box, searched, sources, timings, export, search_all, status]
    answering = _wire_chat(holder, chatbot, box, searched, (stop, undo), turns, options, outputs, rating)
    answering.append(_wire_scope(holder, (search_all, scope), (stop, undo), turns, options, outputs))
    _wire_stop(holder, stop, answering, turns, [*outputs, kept])
    _wire_clear(holder, (new.click, chatbot.clear), (stop, undo), answering, turns, [*outputs, kept], rating)
    app.load(lambda data: _view(holder, saved.from_json(data), gr.skip()), kept, outputs, **PRIVATE)
    box.change(None, box, None, js=COUNT_JS, **PRIVATE)  # in the browser only: no request per keystroke
    return options[0], options[-1], scope


def _wire_stop(holder: PipelineHolder, stop: gr.Button, answering: list, turns, outputs: list) -> None:
    """The Stop button: enabled while an answer streams; cancels it and keeps its draft, marked stopped.

    `outputs` end with the browser's copy of the conversation, saved once an answer ends or stops.
    """
    for event in answering:
        event.then(lambda state: (gr.Button(interactive=False), saved.to_json(state)), turns, [stop, outputs[-1]], **PRIVATE)

    def stopped(state: list[Turn]) -> tuple:
        now = conversation.stop(state)
        return (*_view(holder, now, gr.skip()), saved.to_json(now), gr.Button(interactive=False))

    stop.click(stopped, turns, [*outputs, stop], cancels=answering, **PRIVATE)


def _wire_clear(holder: PipelineHolder, triggers: tuple, controls: tuple, answering: list, turns, outputs: list, rating: tuple) -> None:
    """New conversation (or the chat's trash icon) empties the chat, stopping an answer in progress; Undo brings the last one cleared back, once."""
    cleared, (stop, undo), (reason, disliked) = gr.State([]), controls, rating

    def clear(state: list[Turn]) -> tuple:
        state = conversation.stop(state or [])
        return (*_view(holder, [], ""), saved.to_json([]), state, gr.Button(visible=bool(state)), gr.Button(interactive=False))

    def restore(state: list[Turn]) -> tuple:
        return (*_view(holder, state, gr.skip()), saved.to_json(state), [], gr.Button(visible=False))

    for event in triggers:
        event(clear, turns, [*outputs, cleared, undo, stop], cancels=answering, **PRIVATE).then(lambda: (gr.Textbox(visible=False, value=""), ""), None, [reason, disliked], **PRIVATE)
    undo.click(restore, cleared, [*outputs, cleared, undo], **PRIVATE)


def _answering(trigger, controls: tuple, fn, inputs: list, outputs: list):
    """`trigger` enables Stop and hides Undo (`controls`), then streams `fn`; returns the streaming event, for Stop to cancel."""
    return trigger(lambda: (gr.Button(interactive=True), gr.Button(visible=False)), None, list(controls), **PRIVATE).then(
        fn, inputs, outputs, show_progress="hidden", **PRIVATE)


def _wire_scope(holder: PipelineHolder, parts: tuple, controls: tuple, turns, options: list, outputs: list):
    """The line saying which documents are searched, and the button that re-asks over all of them; returns the re-asking event."""
    (search_all, scope), (backend, top_k, only) = parts, options

    def again_over_all(state: list[Turn], chosen: str, k: float):
        last = state[-1].answer if state else None
        standalone = last.standalone_question if last is not None else None
        for now in conversation.reply(holder, "", state, backend=chosen, k=int(k), sources=None, standalone=standalone, retry=True):
            yield _view(holder, now, gr.skip())

    only.change(lambda names: scope_line(holder, names), only, scope, show_progress="hidden", **PRIVATE)
    return _answering(search_all.click(lambda: gr.Dropdown(value=[]), None, only, **PRIVATE).then, controls, again_over_all, [turns, backend, top_k], outputs)


def scope_line(holder: PipelineHolder, names: list[str] | None) -> str:
    """The line under the question box naming the documents searched."""
    documents = document_choices(holder)
    titles = dict((source, title) for title, source in documents)
    return ui_render.scope_html([titles.get(n, n) for n in names or []], len(documents))


def _settings_panel(settings: Settings) -> list:
    """Answer backend (only the usable ones; the note says why others are not), top-k, source filter."""
    with gr.Accordion("Settings", open=False, elem_id="settings"):
        backend = gr.Radio(label="Answer backend", **backend_options(settings, wait=False))
        top_k = gr.Slider(1, 10, value=settings.top_k, step=1, label="Passages retrieved (top-k)",
                          info="How many passages of the documents an answer is drawn from and may cite.")
        only = gr.Dropdown([], multiselect=True, label="Only search these documents", info="Empty: all documents.", elem_id="only-sources")
    return [backend, top_k, only]


def backend_options(settings: Settings, wait: bool) -> dict:
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


def _wire_chat(holder: PipelineHolder, chatbot, box, searched, buttons: tuple, turns, options: list, outputs: list, rating: tuple) -> list:
    """Asking, searching again, examples and votes; returns the answering events (for Stop)."""
    controls, (reason, disliked) = buttons, rating

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

    answering = [_answering(box.submit, controls, respond, [box, turns, *options], outputs),
                 _answering(searched.submit, controls, search_again, [searched, turns, *options], outputs),
                 _answering(chatbot.example_select(_example, None, box, **PRIVATE).then, controls, respond, [box, turns, *options], outputs)]
    chatbot.like(vote, [turns], [reason, disliked], **PRIVATE)
    reason.submit(lambda text, answer_id: _reason(holder.settings, text, answer_id), [reason, disliked], [reason, disliked], **PRIVATE)
    return answering


def _view(holder: PipelineHolder, turns: list[Turn], box_value) -> tuple:
    """Values of the chat's outputs after a step; sources and export change once a reply is complete."""
    last = turns[-1] if turns else None
    answer = last.answer if last is not None else None
    done = last is None or answer is not None or bool(last.problem) or last.stopped
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
        save_feedback(settings.feedback_file, feedback_record(turn.answer, turn.answer_id, rating, conversation.history(conversation.asked_after(turns, number))))
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


def document_choices(holder: PipelineHolder) -> list[tuple[str, str]]:
    """(title, source) of every indexed document, for the source filters; asked of the index, so an
    app host that did not ingest (Chroma server mode) lists the server's documents too."""
    try:
        documents = holder.get().index.documents()
    except AssistantError:
        return []
    return sorted(((entry.title or source, source) for source, entry in documents.items()), key=lambda pair: pair[0].lower())
