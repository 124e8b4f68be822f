"""The lookup tab's logic on the real index: pasted references open their span, scores carry honest labels."""

from __future__ import annotations

import pytest

from assistant.app import lookup
from assistant.core.errors import BadQuestion
from tests.support import original

SOURCE = "corpus/nato-role-in-global-security.txt"


@pytest.fixture(scope="module")
def retriever(pipeline):
    return pipeline.retriever


@pytest.fixture(scope="module")
def found(retriever):
    """The second keyword hit for "Article 5", as the API returns it (its reference is what "Copy reference" copies)."""
    return lookup.records(lookup.search(retriever, "Article 5", "keyword", 3), "keyword")[1]


def test_a_copied_reference_opens_exactly_its_passage(retriever, found):
    hits = lookup.search(retriever, found["reference"], "hybrid", 8)
    assert len(hits) == 1 and hits[0].exact
    got = lookup.records(hits, "hybrid")[0]
    assert (got["source"], got["start"], got["end"], got["text"]) == (found["source"], found["start"], found["end"], found["text"])
    assert got["reference"] == found["reference"] and got["note"] == lookup.EXACT_NOTE


@pytest.mark.parametrize("form", ["{source}, characters {start}–{end}", "{source}:{start}-{end}", "  {source}, characters {start}-{end}  "])
def test_bare_references_open_a_span_inside_a_chunk(retriever, found, form):
    start, end = found["start"] + 11, found["end"] - 7
    hit = lookup.search(retriever, form.format(source=found["source"], start=start, end=end), "keyword")[0]
    chunk = hit.passage.chunk
    assert (chunk.start, chunk.end, chunk.text, chunk.section) == (start, end, original(found["source"])[start:end], found["section"])


@pytest.mark.parametrize(
    "query, message",
    [
        ("corpus/no-such-article.txt:10-42", "'corpus/no-such-article.txt', which is not in the index (documents: corpus/"),
        ("corpus/../../../etc/hostname:0-5", "'corpus/../../../etc/hostname', which is not in the index"),  # no file outside is read
        (f"{SOURCE}:10-9999999", f"characters 10–9999999 of {SOURCE}, which has only {len(original(SOURCE))} characters"),
        (f"NATO — {SOURCE}, characters 42–42", f"characters 42–42 of {SOURCE}"),
    ],
)
def test_a_reference_that_does_not_resolve_says_what_is_wrong(retriever, query, message):
    with pytest.raises(BadQuestion) as raised:
        lookup.search(retriever, query, "keyword")
    assert message in str(raised.value)


def test_keyword_and_semantic_scores_are_labelled_as_what_they_are(retriever):
    keyword = lookup.records(lookup.search(retriever, "Berlin Plus", "keyword", 5), "keyword")
    semantic = lookup.records(lookup.search(retriever, "Berlin Plus", "semantic", 5), "semantic")
    assert {r["score_label"] for r in keyword} == {"BM25 score"} and {r["score_label"] for r in semantic} == {"similarity"}
    bm25 = dict(retriever.index.keyword.top("Berlin Plus", 5))
    assert [r["bm25_score"] for r in keyword] == [round(bm25[r["chunk_id"]], 4) for r in keyword]
    assert all(0 < r["similarity"] <= 1 for r in semantic) and [r["score"] for r in semantic] == sorted((r["score"] for r in semantic), reverse=True)
    assert "similarity" not in keyword[0] and "bm25_score" not in semantic[0]


def test_hybrid_shows_the_fused_rank_with_both_components(retriever):
    hits = lookup.search(retriever, "Berlin Plus", "hybrid", 4)
    record = lookup.records(hits, "hybrid")[0]
    assert record["score_label"] == "rank (fused)" and record["score"] == record["fused_score"] == round(hits[0].passage.score, 4)
    assert record["similarity"] == round(hits[0].passage.similarity, 4) and record["bm25_score"] > 0


def test_cards_label_scores_and_mark_article_5(retriever):
    keyword = lookup.lookup_html("Article 5", lookup.search(retriever, "Article 5", "keyword", 3), "keyword")
    semantic = lookup.lookup_html("Article 5", lookup.search(retriever, "Article 5", "semantic", 3), "semantic")
    assert "<mark>Article</mark> <mark>5</mark>" in keyword and "<mark>Article</mark> <mark>5</mark>" in semantic
    assert 'data-label="BM25 score"' in keyword and 'data-label="similarity"' not in keyword
    assert 'data-label="similarity"' in semantic and 'data-label="BM25 score"' not in semantic
