"""Parsing (title, notice, headings, boilerplate) and chunking with exact offsets."""

from __future__ import annotations

import pytest

from assistant.core.text import sentence_spans
from ingest.parse import heading_level, parse_document
from ingest.split import chunk_document, make_splitter
from tests.support import CORPUS

ARTICLES = sorted(CORPUS.glob("*.txt"))


@pytest.mark.parametrize(
    "line, level",
    [
        ("Key Areas of Cooperation", 1),
        ("NATO’s Collective Defense Mechanism", 1),
        ("Efforts toward strategic autonomy", 2),
        ("Article 5 and its significance in global security", 2),
        ("The alliance adapts to new threats.", 0),
        ("Key tools include:", 0),
        ("  1. Conducting joint military exercises", 0),
        ("## Markdown heading", 2),
    ],
)
def test_heading_level(line, level):
    assert heading_level(line.strip()) == level


@pytest.mark.parametrize(
    "text, expected",
    [
        ("One. Two.", ["One.", "Two."]),
        ("It grew, e.g. Finland joined. Then more.", ["It grew, e.g. Finland joined.", "Then more."]),
        ("The U.S. Army left. NATO stayed.", ["The U.S. Army left.", "NATO stayed."]),
        ("Ends with “a quote.” Next one.", ["Ends with “a quote.”", "Next one."]),
        ("Line one\nLine two", ["Line one", "Line two"]),
        ("no final punctuation", ["no final punctuation"]),
    ],
)
def test_sentence_spans(text, expected):
    assert [text[s:e] for s, e in sentence_spans(text)] == expected


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_notice_is_metadata_and_boilerplate_is_dropped(path):
    text = path.read_text(encoding="utf-8")
    doc = parse_document(text)
    assert "AI" in doc.notice
    body = " ".join(p.text for p in doc.paragraphs)
    assert doc.notice not in body
    assert "See also" not in body and "Similar Posts" not in body
    assert doc.title and doc.title not in [p.text for p in doc.paragraphs]


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_chunks_round_trip_to_the_original_text(path):
    text = path.read_text(encoding="utf-8")
    doc = parse_document(text)
    chunks = chunk_document(f"corpus/{path.name}", text, doc, make_splitter(600, 0))
    assert chunks
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= 600 or len(sentence_spans(chunk.text)) == 1
        assert chunk.text[-1] in ".!?:”’)\"" or chunk.end == len(text.rstrip())  # ends on a sentence end
        assert "See also" not in chunk.text and doc.notice not in chunk.text


def test_chunks_never_cut_a_sentence():
    text = (CORPUS / "nato-and-the-european-security-architecture.txt").read_text(encoding="utf-8")
    doc = parse_document(text)
    sentence_ends = {p.start + e for p in doc.paragraphs for _, e in sentence_spans(p.text)}
    for chunk in chunk_document("x", text, doc, make_splitter(300, 0)):
        assert chunk.end in sentence_ends


def test_sections_are_heading_paths():
    text = (CORPUS / "nato-role-in-global-security.txt").read_text(encoding="utf-8")
    doc = parse_document(text)
    assert doc.title == "Understanding NATO’s Role in Enhancing Global Security and Stability"
    sections = {p.section for p in doc.paragraphs}
    assert "NATO’s Collective Defense Mechanism > Article 5 and its significance in global security" in sections


def test_chunk_ids_are_stable_and_content_derived():
    text = (CORPUS / "nato-role-in-global-security.txt").read_text(encoding="utf-8")
    doc = parse_document(text)
    first = chunk_document("a.txt", text, doc, make_splitter(600, 0))
    again = chunk_document("a.txt", text, doc, make_splitter(600, 0))
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert len({c.chunk_id for c in first}) == len(first)


def test_a_period_after_an_abbreviation_or_an_initial_ends_no_chunk():
    """The chunker keeps the sentence rule of `sentence_spans`: "St. Louis" and "John M. Olin" stay whole."""
    text = ("The school was named for her husband, George Warren Brown, a St. Louis philanthropist. "
            "The business school was named after entrepreneur John M. Olin in 1988. It grew fast, e.g. in Paris. Then more.")
    pieces = [p.strip() for p in make_splitter(70, 0).split_text(text)]
    sentence_ends = {e for _, e in sentence_spans(text)}
    assert len(pieces) == 3 and all(text.index(p) + len(p) in sentence_ends for p in pieces)
    assert pieces[0].endswith("a St. Louis philanthropist.") and pieces[1].endswith("John M. Olin in 1988.")
