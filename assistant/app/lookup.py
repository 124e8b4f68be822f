"""Citation lookup: search the corpus directly, no model involved, and show where each passage is.

The UI's mode names map to the retriever's: keyword = BM25, semantic = dense, hybrid = both.
Passage text is escaped before query words are marked, so document HTML shows as text.
"""

from __future__ import annotations

import re
from html import escape

from assistant.app.render import section_line, source_notice
from assistant.core.errors import BadQuestion
from assistant.core.types import Passage
from assistant.index.keyword import terms_of

MODES = {"keyword": "bm25", "semantic": "dense", "hybrid": "hybrid"}
_WORD = re.compile(r"\w[\w’'-]*")


def reference(title: str, section: str, source: str, start: int, end: int) -> str:
    """A reference a user can paste next to a claim.

    >>> reference("NATO Today", "History > Origins", "corpus/nato.txt", 10, 42)
    'NATO Today › History > Origins — corpus/nato.txt, characters 10–42'
    """
    where = f"{title} › {section}" if section and section != title else title
    return f"{where} — {source}, characters {start}–{end}"


def mark_terms(text: str, terms: set[str]) -> str:
    """`text` escaped, each word whose stem is in `terms` wrapped in `<mark>`.

    >>> mark_terms("Allies <b>met</b> in Berlin.", set(terms_of("berlin meetings")))
    'Allies &lt;b&gt;met&lt;/b&gt; in <mark>Berlin</mark>.'
    """
    out, last = [], 0
    for match in _WORD.finditer(text):
        if terms and terms.intersection(terms_of(match.group())):
            out += [escape(text[last : match.start()]), "<mark>", escape(match.group()), "</mark>"]
            last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def search(retriever, query: str, mode: str = "hybrid", k: int = 8, sources: list[str] | None = None) -> list[Passage]:
    """Passages for `query`; `mode` is keyword, semantic or hybrid. Raises `BadQuestion` on empty input."""
    query = (query or "").strip()
    if not re.search(r"\w", query):
        raise BadQuestion("type a few words to search the documents for")
    if mode not in MODES:
        raise BadQuestion(f"unknown search mode {mode!r}: choose one of {', '.join(MODES)}")
    return retriever.search(query[:2000], k=k, sources=sources or None, mode=MODES[mode])


def records(passages: list[Passage]) -> list[dict]:
    """Passages as JSON for the API: where they are, their text and a ready-made reference."""
    return [
        p.to_dict() | {"rank": i, "notice": p.chunk.notice, "reference": reference(p.chunk.title, p.chunk.section, p.chunk.source, p.chunk.start, p.chunk.end)}
        for i, p in enumerate(passages, start=1)
    ]


def lookup_html(query: str, passages: list[Passage], mode: str) -> str:
    """Result cards: rank, title and section, notice, text with query words marked, offsets, reference."""
    if not passages:
        return f'<p class="lookup-empty">No passage matches “{escape(query)}” in {escape(mode)} mode. Try other words or the semantic mode.</p>'
    terms = set(terms_of(query))
    cards = "".join(_card(i, p, terms) for i, p in enumerate(passages, start=1))
    return f'<p class="lookup-count">{len(passages)} passages for “{escape(query)}” ({escape(mode)} search)</p><div class="lookup">{cards}</div>'


def _card(rank: int, passage: Passage, terms: set[str]) -> str:
    c = passage.chunk
    ref = escape(reference(c.title, c.section, c.source, c.start, c.end))
    return (
        f'<article class="src hit"><header><span class="num">{rank}.</span> <span class="title">{escape(c.title)}</span></header>'
        f'{section_line(c.title, c.section)}{source_notice(c.notice)}<blockquote class="context">{mark_terms(c.text, terms)}</blockquote>'
        f'<p class="where"><code>{escape(c.source)}</code> · characters {c.start}–{c.end} · score {passage.score:.4f}</p>'
        f'<div class="reference"><code class="ref-text">{ref}</code>'
        f'<button class="copy-ref" data-copy="{ref}" title="Copy the reference">Copy reference</button>'
        f'<button class="open-article" data-open-article data-source="{escape(c.source)}" data-start="{c.start}" data-end="{c.end}">Open the article here</button></div></article>'
    )
