"""Pure HTML for the chat: answers with citation links, the sources panel, the article viewer.

Every piece of document or user text goes through `html.escape`, so a source holding
`<script>` or `<img onerror=...>` shows as text and never runs. Gradio is not imported here.

>>> answer_link(0, 2)
'<a class="cite" href="#cite-0-2" title="Show source 2">[2]</a>'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from html import escape

from assistant.app.confidence import Confidence
from assistant.app.refusal import Refusal, unnamed
from assistant.core.types import Answer, Citation, Passage, Sentence

CONTEXT_CHARS = 700  # most characters of paragraph shown on each side of a cited span
TIMING_ORDER = ("backend", "condense", "retrieve", "rank", "overview", "generate", "verify", "cite", "total")
MAIN_TIMINGS = ("retrieve", "generate", "verify", "total")
STAGES = {  # what each stage of an answer does, in the app's words
    "backend": "Starting the answer backend (a model loads on its first question)",
    "condense": "Turning a follow-up into a question of its own",
    "retrieve": "Searching the documents",
    "rank": "Ranking the sentences found",
    "overview": "Choosing the sentences that cover the documents",
    "generate": "Writing the answer",
    "verify": "Checking each sentence against its source",
    "cite": "Numbering the sources",
    "total": "Total",
}
BACKEND_NAMES = {"extractive": "Extractive", "local": "Local model", "openai": "API model"}


def esc(text: object) -> str:
    """Text made safe for HTML content and attribute values."""
    return escape(str(text), quote=True)


def user_html(question: str, limit: int = 400, again: bool = False) -> str:
    """A user message as text; very long ones are shortened for display. `again`: a search again of the question before."""
    shown = question if len(question) <= limit else f"{question[:limit]}… ({len(question):,} characters)"
    return esc(shown) + (' <span class="again">(searched again)</span>' if again else "")


def draft_html(draft: str, stopped: bool = False) -> str:
    """The answer while it streams: plain text with its `[n]` markers, then a cursor; a stopped one says so."""
    if stopped:
        kept = f"{esc(draft)} " if draft else ""
        return f'<div class="answer draft stopped">{kept}<span class="stopped-mark">Stopped: this answer was not finished.</span></div>'
    if not draft:
        return '<div class="answer draft"><span class="searching">Searching the documents…</span></div>'
    return f'<div class="answer draft">{esc(draft)}<span class="cursor">▍</span></div>'


def problem_html(message: str) -> str:
    """A friendly message in place of an answer (bad input, missing index, an error)."""
    return f'<div class="answer problem"><span class="problem-icon">⚠️</span> {esc(message)}</div>'


def status_html(message: str) -> str:
    """The line under the question box: what is wrong with the question, or nothing."""
    if not message:
        return '<p class="status" hidden></p>'
    return f'<p class="status problem" role="alert"><span class="problem-icon">⚠️</span> {esc(message[0].upper() + message[1:])}</p>'


def counter_html(limit: int) -> str:
    """The character counter by the question box; `assets.COUNT_JS` fills it in near the limit."""
    return f'<span class="counter" data-limit="{int(limit)}" aria-live="polite"></span>'


def answer_link(turn: int, number: int, supported: bool | None = None) -> str:
    css = "cite unsupported" if supported is False else "cite"
    hint = f"Source {number} failed verification" if supported is False else f"Show source {number}"
    return f'<a class="{css}" href="#cite-{turn}-{number}" title="{hint}">[{number}]</a>'


def sentence_html(sentence: Sentence, turn: int, supported: dict[int, bool | None]) -> str:
    """One answer sentence with its links; a sentence that failed verification is flagged."""
    links = "".join(answer_link(turn, n, supported.get(n)) for n in sentence.citations)
    if sentence.supported is False:
        flag = '<span class="flag" title="The cited passage does not support this sentence">⚠ not supported by its source</span>'
        return f'<span class="sentence unsupported">{esc(sentence.text)}</span> {links}{flag}'
    return f'<span class="sentence">{esc(sentence.text)}</span> {links}'


def answer_html(answer: Answer, turn: int, confidence: Confidence | None = None, why: Refusal | None = None) -> str:
    """A finished answer for the chat: sentences with `[n]` links, then how well it is supported and its sources.

    A refusal says `why` when it is known (see `refusal_html`)."""
    if (answer.refused or not answer.sentences) and why is not None:
        return f'<div class="answer refused {esc(why.kind)}">{refusal_html(why, turn)}{_answer_notes(answer)}</div>'
    if answer.refused or not answer.sentences:
        closest = " · ".join(f"{answer_link(turn, i)} {esc(p.chunk.title)}" for i, p in enumerate(answer.passages, start=1))
        foot = f'<p class="answer-foot">Closest passages: {closest}</p>' if closest else ""
        return f'<div class="answer refused"><p>{esc(answer.answer)}</p>{foot}{_answer_notes(answer)}</div>'
    supported = {c.id: c.supported for c in answer.citations}
    text = _overview_html(answer, turn, supported) if answer.overview > 1 else " ".join(sentence_html(s, turn, supported) for s in answer.sentences)
    sources = " · ".join(f'{answer_link(turn, c.id, c.supported)} {esc(c.title)}' for c in answer.citations)
    badge = f"{confidence_html(confidence)} · " if confidence else ""
    return f'<div class="answer"><p>{text}</p><p class="answer-foot">{badge}Sources: {sources}</p>{_answer_notes(answer)}</div>'


def _overview_html(answer: Answer, turn: int, supported: dict[int, bool | None]) -> str:
    """An overview of several documents: each document's title, then its sentences."""
    title_of = {c.id: c.title for c in answer.citations}
    parts: dict[str, list[Sentence]] = {}
    for sentence in answer.sentences:
        parts.setdefault(title_of.get(sentence.citations[0], "") if sentence.citations else "", []).append(sentence)
    return "</p><p>".join(f'<b class="overview-title">{esc(title)}</b><br>' + " ".join(sentence_html(s, turn, supported) for s in said)
                          for title, said in parts.items())


def confidence_html(confidence: Confidence) -> str:
    """The support label, its number on hover.

    >>> from assistant.app.confidence import confidence
    >>> confidence_html(confidence(0.72, 0.38))
    '<span class="confidence well" title="Evidence score 0.72; the assistant refuses below 0.38">Well supported</span>'
    """
    detail = confidence.detail[0].upper() + confidence.detail[1:]
    return f'<span class="confidence {esc(confidence.level)}" title="{esc(detail)}">{esc(confidence.label)}</span>'


def refusal_html(why: Refusal, turn: int) -> str:
    """What a refusal says: the reason in the user's terms, and what to do about it."""
    if why.kind == "language":
        return ("<p>This question does not look like English. The documents are in English and are searched in English "
                "only: please ask in English.</p>")
    if why.kind == "summary":
        return _no_overview_html(why)
    if why.kind == "filter":
        kept = ", ".join(f"“{esc(t)}”" for t in why.searched) or "no indexed document"
        found = ", ".join(f"“{esc(t)}”" for t in why.titles)
        return (f"<p>Your document filter left the answer out: only {len(why.searched)} of {why.total} documents were searched "
                f"({kept}).</p><p class=\"answer-foot\">Over all documents this is answered{f' from {found}' if found else ''}: press "
                "<b>Search all documents</b> under the question box, or empty “Only search these documents” in Settings.</p>")
    said = (f"The documents never mention {' or '.join(esc(n) for n in why.names)}." if why.kind == "unknown"
            else esc(unnamed(why.names[0]).capitalize()) if why.kind == "unnamed" else "The documents do not seem to contain this.")
    if not why.closest:
        return f"<p>{said}</p>"
    closest = "".join(f"<li>{answer_link(turn, i)} <b>{esc(p.chunk.title)}</b>: {esc(snippet(p.chunk.text))}</li>" for i, p in enumerate(why.closest, start=1))
    return f'<p>{said} The closest passages searched:</p><ul class="closest">{closest}</ul>'


def _no_overview_html(why: Refusal) -> str:
    """Why there is no overview: no documents, a filter that keeps none, or nothing quotable in them."""
    if not why.total:
        return "<p>There are no documents to give an overview of yet: add documents first.</p>"
    titles = f'<p class="answer-foot">The {why.total} documents:</p><ul class="doc-titles">' + "".join(f"<li>{esc(t)}</li>" for t in why.titles) + "</ul>"
    if not why.searched:
        return ("<p>Your document filter keeps none of the documents, so there is nothing to give an overview of: press "
                "<b>Search all documents</b> under the question box, or empty “Only search these documents” in Settings.</p>" + titles)
    return "<p>These documents hold no sentence that can be quoted in an overview: ask about one thing at a time (who, what, when, why).</p>" + titles


def snippet(text: str, limit: int = 160) -> str:
    """The start of `text`, cut at a word, with an ellipsis when cut.

    >>> snippet("NATO was founded in 1949 by twelve countries.", 20)
    'NATO was founded in…'
    """
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit].rstrip(" ,;:") + "…"


def _answer_notes(answer: Answer) -> str:
    notes = []
    if answer.standalone_question != answer.question:
        notes.append(f"Searched for: “{esc(answer.standalone_question)}”")
    if answer.notice:
        notes.append(esc(answer.notice))
    return "".join(f'<p class="answer-foot">{note}</p>' for note in notes)


def paragraph_bounds(text: str, start: int, end: int, limit: int = CONTEXT_CHARS) -> tuple[int, int]:
    """The line (paragraph) holding `text[start:end]`, at most `limit` characters on each side.

    >>> paragraph_bounds("Title\\nOne two. Three four.\\nNext", 15, 26)
    (6, 26)
    """
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    hi = len(text) if hi < 0 else hi
    if start - lo > limit:
        lo = text.find(" ", start - limit, start) + 1 or start - limit
    if hi - end > limit:
        cut = text.rfind(" ", end, end + limit)
        hi = cut if cut > end else end + limit
    return lo, hi


def highlighted(text: str, start: int, end: int, lo: int, hi: int, mark_id: str = "") -> str:
    """`text[lo:hi]` escaped, with `text[start:end]` in a `<mark>`; ellipses where clipped."""
    before = ("…" if lo > 0 and text[lo - 1] != "\n" else "") + text[lo:start]
    after = text[end:hi] + ("…" if hi < len(text) and text[hi] != "\n" else "")
    anchor = f' id="{esc(mark_id)}"' if mark_id else ""
    return f"{esc(before)}<mark{anchor}>{esc(text[start:end])}</mark>{esc(after)}"


def open_button(source: str, start: int, end: int) -> str:
    """The button that opens the whole article at a span (handled by the viewer's script)."""
    return (
        f'<button class="open-article" data-open-article data-source="{esc(source)}" data-start="{start}" '
        f'data-end="{end}">Open the article at this passage</button>'
    )


def citation_card(citation: Citation, turn: int, document: str | None) -> str:
    """One cited source: title, section path, AI notice, the span highlighted in its paragraph."""
    if document is not None and document[citation.start : citation.end] == citation.text:
        context = highlighted(document, citation.start, citation.end, *paragraph_bounds(document, citation.start, citation.end))
    else:  # the document changed since the answer: show the quoted span alone
        context = f"<mark>{esc(citation.text)}</mark>"
    failed = '<p class="failed">⚠ This citation failed verification: the passage may not support the sentence.</p>' if citation.supported is False else ""
    return (
        f'<article class="src{" unsupported" if citation.supported is False else ""}" id="src-{turn}-{citation.id}">'
        f'<header><span class="num">[{citation.id}]</span> <span class="title">{esc(citation.title)}</span></header>'
        f'{section_line(citation.title, citation.section)}{source_notice(citation.notice)}{failed}'
        f'<blockquote class="context">{context}</blockquote>'
        f'<p class="where"><code>{esc(citation.source)}</code> · characters {citation.start}–{citation.end} '
        f"{open_button(citation.source, citation.start, citation.end)}</p></article>"
    )


def passage_card(passage: Passage, turn: int, number: int) -> str:
    """A retrieved passage (shown when the assistant refused): where it is and its text."""
    c = passage.chunk
    return (
        f'<article class="src passage" id="src-{turn}-{number}"><header><span class="num">{number}.</span> <span class="title">{esc(c.title)}</span></header>'
        f'{section_line(c.title, c.section)}{source_notice(c.notice)}<blockquote class="context">{esc(c.text)}</blockquote>'
        f'<p class="where"><code>{esc(c.source)}</code> · characters {c.start}–{c.end} {open_button(c.source, c.start, c.end)}</p></article>'
    )


def section_line(title: str, section: str) -> str:
    """The heading path under the title (nothing when the passage sits under the title itself)."""
    return f'<p class="section">{esc(section)}</p>' if section and section != title else ""


def source_notice(notice: str) -> str:
    return f'<p class="notice" title="The article’s own AI-assistance notice">{esc(notice)}</p>' if notice else ""


def sources_html(answers: Sequence[tuple[int, Answer]], document_text: Callable[[str], str | None]) -> str:
    """The sources panel: one section per answered turn, the last one shown.

    `answers` holds (turn number, answer) pairs; a click on `[n]` in turn t shows section t
    and card `src-t-n` (see `assets.VIEWER_JS`).
    """
    if not answers:
        return '<div class="sources empty"><h2>Sources</h2><p>Ask a question: the passages each answer cites appear here, with the quoted words highlighted. Click a <b>[n]</b> in an answer to jump to its source.</p></div>'
    sections = [_turn_section(turn, answer, document_text, hidden=i < len(answers) - 1) for i, (turn, answer) in enumerate(answers)]
    return f'<div class="sources">{"".join(sections)}</div>'


def _turn_section(turn: int, answer: Answer, document_text: Callable[[str], str | None], hidden: bool) -> str:
    if answer.citations:
        heading = f"Sources <span class=\"for\">of the answer to “{esc(answer.question)}”</span>"
        cards = "".join(citation_card(c, turn, document_text(c.source)) for c in answer.citations)
    else:
        heading = f"Closest passages <span class=\"for\">(no answer to “{esc(answer.question)}”)</span>"
        cards = "".join(passage_card(p, turn, i) for i, p in enumerate(answer.passages, start=1))
    return f'<section class="turn" data-turn="{turn}"{" hidden" if hidden else ""}><h2>{heading}</h2>{cards}</section>'


def article_html(title: str, notice: str, text: str, start: int, end: int) -> str:
    """A whole document for the article viewer, `text[start:end]` marked (`#hit`).

    Its title line becomes the dialog's heading and its notice line the notice, each shown
    once; heading lines (as ingest reads them) become headings; the rest stays text as it is.

    >>> article_html("T", "", "T\\nOne.\\nPart Two\\nTwo.", 2, 6)
    '<div class="article-text"><h2 class="article-title">T</h2><mark id="hit">One.</mark><h3>Part Two</h3>Two.</div>'
    """
    if not 0 <= start <= end <= len(text):
        start = end = 0
    blocks = [(lo, hi, tag) for lo, hi, tag in _article_blocks(text, title, notice) if hi <= start or lo >= end or start == end]
    missing = ("" if any("article-title" in tag for *_, tag in blocks) else f'<h2 class="article-title">{esc(title)}</h2>') + (
        "" if not notice or any('"notice"' in tag for *_, tag in blocks) else source_notice(notice))
    parts, at = [missing], 0
    for lo, hi, tag in blocks:
        parts.append(_marked(text, at, lo, start, end) + tag)
        at = hi
    parts.append(_marked(text, at, len(text), start, end))
    return f'<div class="article-text">{"".join(parts)}</div>'


def _article_blocks(text: str, title: str, notice: str) -> list[tuple[int, int, str]]:
    """(start, end, html) of the title, notice and heading lines, each with the blank space around it."""
    from ingest.parse import heading_level  # one definition of a heading: the one the chunks' sections come from

    blocks, body_seen = [], False
    for line in re.finditer(r"[^\n]*\S[^\n]*", text):
        words, lo, hi = line.group().strip(), line.start(), line.end()
        while lo > 0 and text[lo - 1].isspace():
            lo -= 1
        while hi < len(text) and text[hi].isspace():
            hi += 1
        if not body_seen and not blocks and words.lstrip("# ") == title:
            blocks.append((lo, hi, f'<h2 class="article-title">{esc(title)}</h2>'))
        elif notice and words == notice:
            blocks.append((lo, hi, source_notice(notice)))
        elif heading_level(words) and not words.startswith("See also"):
            level = min(6, heading_level(words) + (1 if words.startswith("#") else 2))
            blocks.append((lo, hi, f"<h{level}>{esc(words.lstrip('# '))}</h{level}>"))
        else:
            body_seen = True
    return blocks


def _marked(text: str, lo: int, hi: int, start: int, end: int) -> str:
    """`text[lo:hi]` escaped, holding the `#hit` mark when the span starts in it."""
    if lo <= start < hi or (start == end and lo <= start <= hi):
        return f'{esc(text[lo:start])}<mark id="hit">{esc(text[start:end])}</mark>{esc(text[end:hi])}'
    return esc(text[lo:hi])


def timings_html(timings: dict[str, float]) -> str:
    """Milliseconds per stage of the last answer, each named in words; stages a backend did not run show a dash."""
    if not timings:
        return '<p class="timings empty">Timings of the last answer appear here.</p>'
    stages = [s for s in TIMING_ORDER if s in timings or s in MAIN_TIMINGS] + sorted(set(timings) - set(TIMING_ORDER))
    rows = "".join(
        f'<tr class="{"main" if s in MAIN_TIMINGS else ""}"><td>{esc(STAGES.get(s, s))} <span class="stage">({esc(s)})</span></td><td>{_ms(timings.get(s))}</td></tr>'
        for s in stages
    )
    note = '<p class="timings-note">“Not run”: this answer skipped that stage (a refusal, for one, writes and checks nothing).</p>'
    return f'<table class="timings"><tbody>{rows}</tbody></table>{note if any(s not in timings for s in stages) else ""}'


def _ms(value: float | None) -> str:
    if value is None:
        return "— (not run)"
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def scope_html(searched: Sequence[str], total: int) -> str:
    """Which documents a question searches, for the line under the question box.

    >>> scope_html([], 5)
    '<p class="scope">Searching: all 5 documents</p>'
    >>> scope_html(["NATO &amp; EU"], 5)
    '<p class="scope filtered" title="NATO &amp;amp; EU">Searching: 1 of 5 documents (filter in Settings)</p>'
    """
    if not searched:
        return f'<p class="scope">Searching: all {total} documents</p>' if total else '<p class="scope">Searching: all documents</p>'
    return f'<p class="scope filtered" title="{esc("; ".join(searched))}">Searching: {len(searched)} of {total} documents (filter in Settings)</p>'


def backends_note(available: dict[str, str | None]) -> str:
    """The note under the answer-backend choice: what every backend shares, and which cannot run on this server, in a web user's terms."""
    shared = "Whichever writes the answer, every sentence is checked against the documents."
    missing = [f"{BACKEND_NAMES.get(name, name)} ({web_reason(name, reason)})" for name, reason in available.items() if reason]
    return f"{shared} Not available on this server: {'; '.join(missing)}." if missing else f"{shared} All answer backends are available."


def web_reason(name: str, reason: str) -> str:
    """Why a backend cannot run, for someone using the app in a browser (the command-line fixes are for whoever runs it).

    >>> web_reason("openai", "no endpoint configured: set OPENAI_BASE_URL ... or pass --openai-base-url")
    'no model service is connected to this app; whoever runs it can connect one'
    """
    if reason.startswith("still checking"):
        return "still starting: reload the page in a few seconds"
    if name == "openai" and reason.startswith("no endpoint configured"):
        return "no model service is connected to this app; whoever runs it can connect one"
    if "not installed" in reason:
        return "not installed on this server"
    if "not found" in reason:
        return "its model file is missing on this server"
    return "it failed to start on this server; whoever runs the app can see why in its log"
