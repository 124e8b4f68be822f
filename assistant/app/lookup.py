"""Citation lookup: search the corpus directly, no model involved, and show where each passage is.

The UI's mode names map to the retriever's: keyword = BM25, semantic = dense, hybrid = both.
A pasted reference ("… — corpus/x.txt, characters 10–42", or "corpus/x.txt:10-42") is not
searched: it opens exactly that span. Each card's number is labelled with what it is (a BM25
score, a cosine similarity, or the fused rank score with both components). Passage text is
escaped before query words are marked, so document HTML shows as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from assistant.app.render import section_line, source_notice
from assistant.core.errors import BadQuestion
from assistant.core.types import Chunk, Passage
from assistant.index.keyword import terms_of

MODES = {"keyword": "bm25", "semantic": "dense", "hybrid": "hybrid"}
EXACT_NOTE = "the passage this reference points to"
_WORD = re.compile(r"\w[\w’'-]*")
# "corpus/x.txt, characters 10–42" (what `reference` writes, anywhere in the text) or a whole "corpus/x.txt:10-42"
_REFERENCE = re.compile(r"(?:^|—)\s*(?P<source>[^—]+?), characters (?P<start>\d+)\s*[–-]\s*(?P<end>\d+)$")
_SHORT = re.compile(r"^(?P<source>[^\s:]+):(?P<start>\d+)\s*[–-]\s*(?P<end>\d+)$")


@dataclass(frozen=True)
class Hit:
    """One lookup result: the passage, its BM25 score when the keyword index scored it, and
    whether it is the exact span a pasted reference points to."""

    passage: Passage
    bm25: float | None = None
    exact: bool = False


def reference(title: str, section: str, source: str, start: int, end: int) -> str:
    """A reference a user can paste next to a claim.

    >>> reference("NATO Today", "History > Origins", "corpus/nato.txt", 10, 42)
    'NATO Today › History > Origins — corpus/nato.txt, characters 10–42'
    """
    where = f"{title} › {section}" if section and section != title else title
    return f"{where} — {source}, characters {start}–{end}"


def parse_reference(text: str) -> tuple[str, int, int] | None:
    """(source, start, end) of a pasted reference, or None for anything else (a search).

    >>> parse_reference("NATO Today › History — corpus/nato.txt, characters 10–42")
    ('corpus/nato.txt', 10, 42)
    >>> parse_reference("corpus/nato.txt:10-42")
    ('corpus/nato.txt', 10, 42)
    """
    text = (text or "").strip()
    match = _REFERENCE.search(text) or _SHORT.match(text)
    return (match["source"], int(match["start"]), int(match["end"])) if match else None


def query_marks(query: str) -> tuple[set[str], set[str]]:
    """(stems, literal words) to mark for `query`: BM25's stems, plus the words BM25 drops that
    still mean something, such as numbers ("5") and single letters, matched as written.

    >>> [sorted(marks) for marks in query_marks("Article 5 of the treaty")]
    [['articl', 'treati'], ['5']]
    """
    import bm25s.stopwords

    stops = set(bm25s.stopwords.STOPWORDS_EN)
    literals = {w.lower() for w in _WORD.findall(query) if any(ch.isdigit() for ch in w) or (not terms_of(w) and w.lower() not in stops)}
    return set(terms_of(query)), literals


def mark_terms(text: str, terms: set[str], literals: set[str] = frozenset()) -> str:
    """`text` escaped, each word whose stem is in `terms` or that is one of `literals` (any case) wrapped in `<mark>`.

    >>> mark_terms("Allies <b>met</b> in Berlin.", set(terms_of("berlin meetings")))
    'Allies &lt;b&gt;met&lt;/b&gt; in <mark>Berlin</mark>.'
    >>> mark_terms("Article 5 applies.", {"articl"}, {"5"})
    '<mark>Article</mark> <mark>5</mark> applies.'
    """
    out, last = [], 0
    for match in _WORD.finditer(text):
        word = match.group()
        if word.lower() in literals or (terms and terms.intersection(terms_of(word))):
            out += [escape(text[last : match.start()]), "<mark>", escape(word), "</mark>"]
            last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def search(retriever, query: str, mode: str = "hybrid", k: int = 8, sources: list[str] | None = None) -> list[Hit]:
    """The span a pasted reference points to, or passages for `query` in `mode` (keyword, semantic
    or hybrid). Raises `BadQuestion` on empty input, an unknown mode or a reference that does not resolve."""
    query = (query or "").strip()
    if not re.search(r"\w", query):
        raise BadQuestion("type a few words to search the documents for")
    if mode not in MODES:
        raise BadQuestion(f"unknown search mode {mode!r}: choose one of {', '.join(MODES)}")
    pasted = parse_reference(query)
    if pasted:
        return [Hit(resolve(retriever.index, *pasted), exact=True)]
    passages = retriever.search(query[:2000], k=k, sources=sources or None, mode=MODES[mode])
    if mode == "semantic":
        return [Hit(p) for p in passages]
    bm25 = _bm25_scores(retriever.index, query[:2000], [p.chunk.chunk_id for p in passages])
    return [Hit(p, bm25.get(p.chunk.chunk_id, 0.0)) for p in passages]


def _bm25_scores(index, query: str, ids: list[str]) -> dict[str, float]:
    """The keyword index's BM25 score of each of `ids` for `query` (read only; the ranking is the retriever's)."""
    scores = index.keyword.scores(query, set(ids))
    position = {chunk_id: i for i, chunk_id in enumerate(index.keyword.ids)}
    return {i: float(scores[position[i]]) for i in ids if i in position}


def resolve(index, source: str, start: int, end: int) -> Passage:
    """The exact span `source[start:end]` as a passage, titled by the chunk that holds its start.

    Raises `BadQuestion` naming what is wrong: a document the index does not have, or offsets
    outside it."""
    documents = index.documents()
    if source not in documents:
        names = ", ".join(sorted(documents)) or "none"
        raise BadQuestion(f"the reference names {source!r}, which is not in the index (documents: {names})")
    text = index.document_text(source)
    if not 0 <= start < end <= len(text):
        raise BadQuestion(f"the reference points to characters {start}–{end} of {source}, which has only {len(text)} characters")
    entry = documents[source]
    chunks = sorted(index.get_chunks(list(entry.chunk_ids)).values(), key=lambda c: c.start)
    holder = next((c for c in chunks if c.start <= start < c.end), None)
    section = holder.section if holder else ""
    title = (holder.title if holder else "") or entry.title or source
    return Passage(Chunk(holder.chunk_id if holder else "", source, title, section, start, end, text[start:end], entry.notice), 1.0)


def scores(hit: Hit, mode: str) -> dict[str, float]:
    """The labelled numbers for a card and an API record: what each one is, for this mode.

    keyword -> BM25 score; semantic -> similarity (cosine of query and passage, 0–1);
    hybrid -> the fused rank score (reciprocal rank fusion) with both components.
    """
    if hit.exact:
        return {}
    p = hit.passage
    if mode == "keyword":
        return {"BM25 score": round(hit.bm25 or 0.0, 4)}
    if mode == "semantic":
        return {"similarity": round(p.similarity, 4)}
    return {"rank (fused)": round(p.score, 4), "similarity": round(p.similarity, 4), "BM25 score": round(hit.bm25 or 0.0, 4)}


_FIELDS = {"BM25 score": "bm25_score", "similarity": "similarity", "rank (fused)": "fused_score"}


def records(hits: list[Hit], mode: str = "hybrid") -> list[dict]:
    """Hits as JSON for the API: where they are, their text, a ready-made reference and the labelled scores.

    `score` is the mode's headline number and `score_label` says what it is; `bm25_score`,
    `similarity` and `fused_score` are present when that mode has them. An exact span from a
    pasted reference has `exact: true`, a `note` and no score.
    """
    out = []
    for i, hit in enumerate(hits, start=1):
        p, labelled = hit.passage, scores(hit, mode)
        data = p.to_dict() | {"rank": i, "notice": p.chunk.notice, "reference": reference(p.chunk.title, p.chunk.section, p.chunk.source, p.chunk.start, p.chunk.end)}
        data |= {"exact": hit.exact, "note": EXACT_NOTE if hit.exact else ""}
        label = next(iter(labelled), None)
        data |= {"score": labelled.get(label), "score_label": label} | {_FIELDS[k]: v for k, v in labelled.items()}
        out.append(data)
    return out


def lookup_html(query: str, hits: list[Hit], mode: str) -> str:
    """Result cards: rank, title and section, notice, text with query words marked, offsets, labelled scores, reference."""
    if not hits:
        return f'<p class="lookup-empty">No passage matches “{escape(query)}” in {escape(mode)} mode. Try other words or the semantic mode.</p>'
    if hits[0].exact:
        head = f'<p class="lookup-count">The passage this reference points to: “{escape(query)}”</p>'
        return head + f'<div class="lookup">{_card(1, hits[0], mode, set(), set())}</div>'
    terms, literals = query_marks(query)
    cards = "".join(_card(i, h, mode, terms, literals) for i, h in enumerate(hits, start=1))
    return f'<p class="lookup-count">{len(hits)} passages for “{escape(query)}” ({escape(mode)} search)</p><div class="lookup">{cards}</div>'


def _card(rank: int, hit: Hit, mode: str, terms: set[str], literals: set[str]) -> str:
    c = hit.passage.chunk
    ref = escape(reference(c.title, c.section, c.source, c.start, c.end))
    labelled = " · ".join(f'<span class="score" data-label="{escape(k)}">{escape(k)} {v:.4f}</span>' for k, v in scores(hit, mode).items())
    note = f'<p class="exact-note">{EXACT_NOTE}</p>' if hit.exact else ""
    return (
        f'<article class="src hit{" exact" if hit.exact else ""}"><header><span class="num">{rank}.</span> <span class="title">{escape(c.title)}</span></header>'
        f'{note}{section_line(c.title, c.section)}{source_notice(c.notice)}<blockquote class="context">{mark_terms(c.text, terms, literals)}</blockquote>'
        f'<p class="where"><code>{escape(c.source)}</code> · characters {c.start}–{c.end}{" · " + labelled if labelled else ""}</p>'
        f'<div class="reference"><code class="ref-text">{ref}</code>'
        f'<button class="copy-ref" data-copy="{ref}" title="Copy the reference">Copy reference</button>'
        f'<button class="open-article" data-open-article data-source="{escape(c.source)}" data-start="{c.start}" data-end="{c.end}">Open the article here</button></div></article>'
    )
