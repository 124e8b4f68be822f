"""Find a document's title, AI notice, headings and content paragraphs, with exact offsets.

Web articles mix content with boilerplate ("See also  <title>" lines, a trailing "Similar
Posts"). Headings are bare lines without final punctuation; Title Case headings open a
section, sentence-case ones a subsection under it. Markdown `#` headings count by level.

>>> doc = parse_document("My Title\\n🧠 AI notice: made with AI.\\nIntro text.\\nPart One\\nBody.")
>>> doc.title, doc.notice, [(p.section, p.text) for p in doc.paragraphs]
('My Title', '🧠 AI notice: made with AI.', [('', 'Intro text.'), ('Part One', 'Body.')])
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NOTICE = re.compile(r"\bAI\b|artificial intelligence", re.IGNORECASE)
_BOILERPLATE_LINE = re.compile(r"^(See also\b.*|-|•|\*)$")
_END_OF_CONTENT = re.compile(r"^(Similar Posts|Related Posts|You may also like)$", re.IGNORECASE)
_FINAL_PUNCTUATION = tuple(".!?:;,\"'”’)]…")
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with", "its", "vs"}
MAX_HEADING_CHARS = 120


@dataclass(frozen=True)
class Paragraph:
    """A content paragraph: `text == original[start:end]`, under heading path `section`."""

    start: int
    end: int
    text: str
    section: str


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    notice: str
    paragraphs: tuple[Paragraph, ...]


def parse_document(text: str, fallback_title: str = "") -> ParsedDocument:
    """Split `text` into title, notice and content paragraphs (boilerplate dropped)."""
    lines = list(_lines_with_offsets(text))
    notice_index = _find_notice(lines)
    title, headings, paragraphs, first_heading = "", [], [], ""
    for index, (start, line) in enumerate(lines):
        if index == notice_index:
            continue
        if _END_OF_CONTENT.match(line):
            break
        if _BOILERPLATE_LINE.match(line):
            continue
        level = heading_level(line)
        if level and not title and not paragraphs:
            title = _strip_hashes(line)
        elif level:
            headings = headings[: level - 1] + [_strip_hashes(line)]
            first_heading = first_heading or headings[-1]
        else:
            section = " > ".join(h for h in headings if h)
            paragraphs.append(Paragraph(start, start + len(line), line, section))
    notice = lines[notice_index][1] if notice_index is not None else ""
    title = title or first_heading or fallback_title
    return ParsedDocument(title, notice, tuple(paragraphs))


def heading_level(line: str) -> int:
    """0 for body text, 1 for a section heading, 2 for a subsection, n for `#`*n markdown.

    >>> [heading_level(s) for s in ["Key Areas of Cooperation", "Efforts toward strategic autonomy", "It ends."]]
    [1, 2, 0]
    """
    if line.startswith("#"):
        return len(line) - len(line.lstrip("#"))
    if len(line) > MAX_HEADING_CHARS or line.endswith(_FINAL_PUNCTUATION) or re.match(r"^\d+[.)]\s", line):
        return 0
    words = [w for w in re.findall(r"[^\W\d_][\w’'-]*", line) if w.lower() not in _SMALL_WORDS]
    if not words:
        return 0
    capitalised = sum(w[0].isupper() for w in words) / len(words)
    return 1 if capitalised >= 0.6 else 2


def _lines_with_offsets(text: str):
    """(offset of first non-blank char, stripped line) for every non-blank line."""
    offset = 0
    for raw in text.splitlines(keepends=True):
        stripped = raw.strip()
        if stripped:
            yield offset + raw.index(stripped[0]), stripped
        offset += len(raw)


def _find_notice(lines: list[tuple[int, str]]) -> int | None:
    """The AI-assistance notice sits in the first lines and starts with a symbol, not a letter."""
    for index, (_, line) in enumerate(lines[:3]):
        if _NOTICE.search(line) and not line[0].isalnum():
            return index
    return None


def _strip_hashes(line: str) -> str:
    return line.lstrip("#").strip()
