"""Cut parsed paragraphs into chunks that end on sentence boundaries and keep exact offsets.

A chunk never crosses a heading or boilerplate and never cuts a sentence; LangChain's
recursive splitter packs whole paragraphs, then whole sentences, up to `chunk_size`.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import TYPE_CHECKING

from assistant.core.text import SENTENCE_BOUNDARY
from assistant.core.types import Chunk
from ingest.parse import Paragraph, ParsedDocument

if TYPE_CHECKING:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

# Which sentence rule cuts the chunks, recorded in the manifest: an index cut by an older one is
# cut again at the next ingest (only the chunks that moved are embedded). 2: a period after an
# abbreviation or an initial ("St. Louis", "John M. Olin") ends no chunk.
SPLITTER_VERSION = 2


@lru_cache(maxsize=8)
def make_splitter(chunk_size: int, chunk_overlap: int) -> RecursiveCharacterTextSplitter:
    """Paragraph breaks first, then line breaks, then sentence ends; never inside a sentence.
    Made once per size (it keeps no state between texts), and LangChain is imported only then:
    an ingest that finds nothing changed never needs it."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        separators=[r"\n\s*\n", r"\n", SENTENCE_BOUNDARY],
        is_separator_regex=True,
        keep_separator="end",
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        strip_whitespace=True,
    )


def chunk_document(source: str, text: str, doc: ParsedDocument, splitter: RecursiveCharacterTextSplitter) -> list[Chunk]:
    """Chunks of one document; `text[c.start:c.end] == c.text` for each."""
    chunks = []
    for start, end, section in _runs(text, doc.paragraphs):
        cursor = start
        for piece in splitter.split_text(text[start:end]):
            piece_start = text.index(piece, cursor)
            cursor = piece_start + 1
            chunks.append(_chunk(source, doc, section, piece_start, piece))
    return chunks


def chunk_id(source: str, start: int, text: str) -> str:
    """Stable id from content and place: unchanged text keeps its id across re-ingests."""
    return hashlib.sha256(f"{source}\x00{start}\x00{text}".encode()).hexdigest()[:24]


def _chunk(source: str, doc: ParsedDocument, section: str, start: int, piece: str) -> Chunk:
    return Chunk(
        chunk_id=chunk_id(source, start, piece),
        source=source,
        title=doc.title,
        section=section,
        start=start,
        end=start + len(piece),
        text=piece,
        notice=doc.notice,
    )


def _runs(text: str, paragraphs: tuple[Paragraph, ...]):
    """(start, end, section) of maximal runs of paragraphs in one section with nothing between."""
    run: list[Paragraph] = []
    for paragraph in paragraphs:
        if run and (paragraph.section != run[-1].section or text[run[-1].end : paragraph.start].strip()):
            yield run[0].start, run[-1].end, run[0].section
            run = []
        run.append(paragraph)
    if run:
        yield run[0].start, run[-1].end, run[0].section
