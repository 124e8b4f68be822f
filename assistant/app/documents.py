"""The Documents tab: the indexed documents, upload (ingested at once) and removal, and who may write.

A Gradio shell like `chat.py`. The writes are `ingest.manage`'s (the CLI's ingest path and lock);
after each one the pipeline reopens the index (`PipelineHolder.refresh`), and the Ask and Lookup
filters and the documents line above the tabs get the new list.
"""

import logging
from datetime import datetime
from pathlib import Path

import gradio as gr

from assistant.app.chat import PRIVATE, STATIC, scope_line
from assistant.app.conversation import PipelineHolder
from assistant.app.render import esc, problem_html
from assistant.core.errors import AssistantError
from assistant.core.settings import Settings, loopback
from assistant.index.manifest import ManifestEntry
from ingest.load import SUPPORTED
from ingest.run import IngestReport

log = logging.getLogger(__name__)
FILE_TYPES = list(SUPPORTED)
NO_FILES = "choose one or more files first (.txt, .md, .html or .pdf)"


def deployment_problem(settings: Settings) -> str:
    """Why this app may not change documents at all ("" when it may)."""
    if settings.read_only:
        return "this app is read-only (the read_only setting, ASSISTANT_READ_ONLY): documents are added and removed where the index is built"
    if settings.chroma_host and not settings.manifest_path.exists():
        return (f"this app reads the index from the Chroma server at {settings.chroma_host}:{settings.chroma_port}, which another host builds: "
                "add or remove documents there, with `python -m ingest`")
    if not loopback(settings.host) and not (settings.auth_username and settings.auth_password):
        return (f"this app is served on {settings.host} without a login, so anyone who can reach it could change the documents: "
                "set ASSISTANT_AUTH_USERNAME and ASSISTANT_AUTH_PASSWORD to add or remove documents here")
    return ""


def write_problem(settings: Settings, username: str | None) -> str:
    """Why a write by `username` (None: not logged in) is refused ("" when it is allowed)."""
    problem = deployment_problem(settings)
    if problem:
        return problem
    if settings.auth_username and settings.auth_password and not username:
        return "log in to add or remove documents"
    return ""


def listing(holder: PipelineHolder) -> dict[str, ManifestEntry]:
    """The indexed documents by source ({} while there is no index)."""
    try:
        return holder.get().index.documents()
    except AssistantError:
        return {}


def ordered(documents: dict[str, ManifestEntry]) -> list[tuple[str, ManifestEntry]]:
    return sorted(documents.items(), key=lambda item: ((item[1].title or item[0]).lower(), item[0]))


def when(indexed_at: str) -> str:
    """An ISO timestamp as people read it, e.g. '2026-12-01 16:40 UTC'; '—' when unknown.

    >>> when("2026-12-01T16:40:12+00:00"), when("")
    ('2026-12-01 16:40 UTC', '—')
    """
    try:
        return datetime.fromisoformat(indexed_at).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return "—"


def table_html(documents: dict[str, ManifestEntry]) -> str:
    """The documents as a table: title (and file), sections, chunks, AI notice, when indexed."""
    if not documents:
        return '<p class="documents-empty">No documents in the index yet: add some below.</p>'
    rows = "".join(
        f'<tr><td><span class="doc-title">{esc(entry.title or source)}</span><span class="doc-source">{esc(source)}</span></td>'
        f'<td class="num">{"—" if entry.sections is None else entry.sections}</td><td class="num">{len(entry.chunk_ids)}</td>'
        f'<td class="doc-notice">{esc(entry.notice) or "—"}</td><td>{esc(when(entry.indexed_at))}</td></tr>'
        for source, entry in ordered(documents))
    head = "".join(f'<th scope="col">{name}</th>' for name in ("Document", "Sections", "Chunks", "AI notice", "Indexed"))
    caption = f"{len(documents)} document{'s' * (len(documents) != 1)} in the index"
    return f'<table class="documents"><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def line_html(documents: dict[str, ManifestEntry]) -> str:
    """One line naming the indexed documents, e.g. '5 documents: A · B · …', for the first screen."""
    if not documents:
        return '<p class="documents-line">No documents in the index yet: add some in the <b>Documents</b> tab.</p>'
    titles = [entry.title or source for source, entry in ordered(documents)]
    count = f"{len(titles)} document{'s' * (len(titles) != 1)}"
    return f'<p class="documents-line" title="{esc(" · ".join(titles))}"><b>{count}:</b> {esc(" · ".join(titles))}</p>'


def report_html(report: IngestReport) -> str:
    """What an upload did: each bad file by name with its reason, then what was added, replaced or already there."""
    parts = [f'<li class="doc-failed"><b>{esc(f.source)}</b> was not added: {esc(f.reason)}</li>' for f in report.failures]
    for label, sources in (("Added", report.added), ("Replaced", report.updated), ("Already in the index, unchanged", report.unchanged)):
        if sources:
            parts.append(f'<li class="doc-done">{label}: {esc(", ".join(sources))}</li>')
    return f'<ul class="documents-report">{"".join(parts)}</ul>' if parts else problem_html(NO_FILES)


def storage_note(settings: Settings) -> str:
    """Where uploads go and removed files end up, or why nothing can be changed here."""
    problem = deployment_problem(settings)
    if problem:
        return f'<p class="documents-note read-only">Documents cannot be changed here: {esc(problem)}.</p>'
    from ingest.manage import removed_dir

    return (f'<p class="documents-note">Added files are copied into <code>{esc(settings.corpus_dir)}</code>, the folder '
            '<code>python -m ingest</code> reads, so a later ingest keeps them. A file whose name is already there is only '
            f'replaced when you tick <b>Replace documents with the same name</b>; replaced and removed files are moved to '
            f'<code>{esc(removed_dir(settings))}</code>, from where they can be put back.</p>')


def documents_tab(holder: PipelineHolder, app: gr.Blocks, filters: tuple[gr.Dropdown, gr.Dropdown], lines: tuple[gr.HTML, gr.HTML]) -> None:
    """The tab's components and events. Refreshed on load and after each change: `filters` (Ask's, Lookup's) and
    `lines` (the documents line above the tabs, the Ask tab's line saying what is searched)."""
    settings, locked = holder.settings, bool(deployment_problem(holder.settings))
    gr.HTML(storage_note(settings), elem_id="documents-note", **STATIC)
    table = gr.HTML(table_html({}), elem_id="documents-list", **STATIC)
    with gr.Row(equal_height=False):
        with gr.Column():
            files = gr.File(label="Add documents (.txt, .md, .html, .pdf)", file_count="multiple", file_types=FILE_TYPES, height=150,
                            interactive=not locked, elem_id="documents-upload")
            replace = gr.Checkbox(False, label="Replace documents with the same name", interactive=not locked, elem_id="documents-replace")
            add = gr.Button("Add to the index", variant="primary", interactive=not locked, elem_id="documents-add")
        with gr.Column():
            chosen = gr.Dropdown([], label="Remove a document", interactive=not locked, elem_id="documents-choice")
            remove = gr.Button("Remove…", variant="stop", interactive=not locked, elem_id="documents-remove")
            with gr.Column(visible=False, variant="panel", elem_id="documents-confirm") as confirm:
                question = gr.HTML("", **STATIC)
                with gr.Row():
                    yes = gr.Button("Yes, remove it", variant="stop", size="sm", elem_id="documents-remove-yes")
                    no = gr.Button("Cancel", size="sm", elem_id="documents-remove-no")
    report = gr.HTML("", elem_id="documents-report", **STATIC)
    views = [table, chosen, *filters, *lines]
    app.load(lambda asked, looked: _views(holder, asked, looked), list(filters), views, show_progress="hidden", **PRIVATE)  # not dimmed while it fills them
    writes = {"concurrency_id": "documents", "concurrency_limit": 1, **PRIVATE}  # one write at a time here; the ingest lock guards other processes

    def upload(paths: list[str] | None, replacing: bool, asked: list[str], looked: list[str], request: gr.Request, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 (how Gradio asks for a bar)
        return (*_upload(holder, paths, replacing, request, progress), *_views(holder, asked, looked))

    def removal(source: str | None, asked: list[str], looked: list[str], request: gr.Request):
        return (_remove(holder, source, request), gr.Column(visible=False), *_views(holder, asked, looked))

    add.click(upload, [files, replace, *filters], [report, files, *views], show_progress_on=files, **writes)  # the bar where the files are
    remove.click(lambda source: _confirm(holder, source), chosen, [question, confirm, report], **PRIVATE)
    no.click(lambda: gr.Column(visible=False), None, confirm, **PRIVATE)
    yes.click(removal, [chosen, *filters], [report, confirm, *views], show_progress_on=table, **writes)


def _views(holder: PipelineHolder, asked: list[str] | None, looked: list[str] | None) -> tuple:
    """The table, the removal choices, both filters (their choice kept where the document still is) and both lines."""
    documents = listing(holder)
    choices = [(entry.title or source, source) for source, entry in ordered(documents)]
    asked, looked = ([name for name in names or [] if name in documents] for names in (asked, looked))
    removable = gr.Dropdown(choices=choices, value=None)  # the confirmation names the file too
    filters = (gr.Dropdown(choices=choices, value=asked), gr.Dropdown(choices=choices, value=looked))
    return (table_html(documents), removable, *filters, line_html(documents), scope_line(holder, asked))


def _upload(holder: PipelineHolder, paths: list[str] | None, replacing: bool, request: gr.Request, progress) -> tuple[str, object]:
    """Add the uploaded files; (the report, the file box: emptied once all are in, kept when any was not)."""
    from ingest.manage import add_files

    problem = write_problem(holder.settings, getattr(request, "username", None))
    if problem or not paths:
        return problem_html(problem or NO_FILES), gr.skip()
    try:
        report = add_files([Path(p) for p in paths], holder.settings, replace=bool(replacing), embeddings=_embeddings(holder), progress=True,
                           step=lambda fraction, text: progress(fraction, desc=text))
    except AssistantError as exc:
        return problem_html(f"{exc} (nothing was changed; your files were not added)"), gr.skip()
    except Exception as exc:  # a bug or a broken index: the user gets a message, the log the traceback
        log.exception("adding %s failed", paths)
        return problem_html(f"adding the files failed ({type(exc).__name__}); the details are in the server log. Run `python -m ingest` to check the index."), gr.skip()
    holder.refresh()
    return report_html(report), gr.skip() if report.failures else None  # kept to retry, e.g. with Replace ticked


def _confirm(holder: PipelineHolder, source: str | None) -> tuple:
    """The confirmation for removing `source`, or a message saying what to pick."""
    problem = deployment_problem(holder.settings)
    if problem or not source:
        return "", gr.Column(visible=False), problem_html(problem or "pick the document to remove first")
    entry = listing(holder).get(source)
    title = entry.title if entry and entry.title else source
    text = f'<p class="documents-question">Remove <b>{esc(title)}</b> ({esc(source)}) from the index? Its file is moved aside, not deleted.</p>'
    return text, gr.Column(visible=True), ""


def _remove(holder: PipelineHolder, source: str | None, request: gr.Request) -> str:
    from ingest.manage import remove_document

    problem = write_problem(holder.settings, getattr(request, "username", None))
    if problem or not source:
        return problem_html(problem or "pick the document to remove first")
    try:
        removal = remove_document(source, holder.settings)
    except AssistantError as exc:
        return problem_html(str(exc))
    except Exception as exc:
        log.exception("removing %s failed", source)
        return problem_html(f"removing the document failed ({type(exc).__name__}); the details are in the server log. Run `python -m ingest` to check the index.")
    holder.refresh()
    kept = (f"its file was moved to <code>{esc(removal.kept_at)}</code>" if removal.kept_at
            else "its file was not in the corpus folder and stays where it is (ingesting it again would bring it back)")
    return f'<ul class="documents-report"><li class="doc-done">Removed {esc(removal.title)} ({esc(source)}); {kept}.</li></ul>'


def _embeddings(holder: PipelineHolder):
    """The pipeline's embedder, when one is loaded (ingest would otherwise load its own)."""
    try:
        return holder.get().embeddings
    except AssistantError:
        return None
