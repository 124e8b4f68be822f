"""Hybrid retrieval, extractive answers with exact citations, refusal and follow-ups, on the real index."""

from __future__ import annotations

import pytest

from assistant.answer.cite import number_citations
from assistant.answer.condense import condense
from assistant.answer.markers import clean_stream, split_cited
from assistant.answer.verify import verify
from assistant.core.errors import BadQuestion, UnknownName
from assistant.core.prompts import REFUSAL
from assistant.core.types import Chunk, Passage
from assistant.index.retrieve import ChunkRetriever, rrf
from tests.support import original


@pytest.mark.parametrize(
    "rankings, weights, k, expected",
    [
        ([["a", "b"], ["b", "c"]], [1.0, 1.0], 0, ["b", "a", "c"]),
        ([["a", "b"], ["b", "a"]], [2.0, 1.0], 0, ["a", "b"]),
        ([["a"], []], [1.0, 1.0], 60, ["a"]),
    ],
)
def test_rrf_order(rankings, weights, k, expected):
    fused = rrf(rankings, weights, k)
    assert sorted(fused, key=lambda i: -fused[i]) == expected


@pytest.mark.parametrize(
    "draft, expected",
    [
        ("A fact. [1]", [("A fact.", (1,))]),
        ("A fact [1]. Another [2][3].", [("A fact.", (1,)), ("Another.", (2, 3))]),
        ("Both [1, 2]. Full width【3】.", [("Both.", (1, 2)), ("Full width.", (3,))]),
        ("No marker here.", [("No marker here.", ())]),
        ("e.g. lowercase follows. [1]", [("e.g. lowercase follows.", (1,))]),
        ("Named after John M. Olin in 1988. [1]", [("Named after John M. Olin in 1988.", (1,))]),  # an initial ends no claim
        ("Droysen (J. G. Droysen) coined it, e.g. Hellenism. [2]", [("Droysen (J. G. Droysen) coined it, e.g. Hellenism.", (2,))]),
        ("Based in the U.S. [1] It grew. [2]", [("Based in the U.S.", (1,)), ("It grew.", (2,))]),  # unless a marker closes it
    ],
)
def test_split_cited(draft, expected):
    assert split_cited(draft) == expected


def test_an_answer_quoting_a_name_with_initials_cites_it_once_and_whole(fresh_settings, embeddings):
    """A quoted sentence holding "John M. Olin" or "St. Louis" is one claim: the name is not cut by a
    citation marker, and no piece of it is flagged as unsupported."""
    from assistant.answer.pipeline import Pipeline
    from ingest.run import TextDocument, ingest_documents

    text = ("Washington University\n\nThe Olin Business School was founded as the School of Commerce and Finance in 1917. "
            "It was named after entrepreneur John M. Olin in 1988. The school of social work is named for George Warren Brown, "
            "a St. Louis philanthropist and co-founder of the Brown Shoe Company.")
    ingest_documents([TextDocument("wu.txt", text)], fresh_settings, embeddings=embeddings, progress=False)
    pipeline = Pipeline.load(fresh_settings, embeddings=embeddings)
    for question, quoted in [("After whom was the Olin Business School named?", "It was named after entrepreneur John M. Olin in 1988."),
                             ("Who was George Warren Brown?", "a St. Louis philanthropist and co-founder of the Brown Shoe Company.")]:
        answer = pipeline.answer(question)
        assert not answer.refused and quoted in answer.answer, answer.answer
        assert "not supported" not in answer.answer and all(c.supported for c in answer.citations)
        assert not any(s.text.endswith(("M.", "St.")) for s in answer.sentences)


def test_unknown_citation_ids_are_dropped(embeddings):
    """As the pipeline does it: markers normalised while streaming (unknown ids dropped), verified, numbered."""
    chunk = Chunk("c1", "s.txt", "T", "S", 10, 30, "NATO formed in 1949.")
    passages = [Passage(chunk, 1.0)]
    draft = "".join(clean_stream(["NATO formed in 1949. [1][7]"], len(passages)))
    sentences, citations = number_citations(verify(draft, passages, embeddings, 0.5), passages)
    assert [s.citations for s in sentences] == [(1,)]
    assert [(c.id, c.start, c.end, c.text) for c in citations] == [(1, 10, 30, "NATO formed in 1949.")]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_each_mode_finds_an_exact_phrase(pipeline, mode):
    passages = pipeline.retriever.search("Berlin Plus agreement of 2002", k=4, mode=mode)
    assert any("Berlin Plus agreement of 2002" in p.chunk.text for p in passages)


def test_hybrid_passages_carry_offsets_into_the_original(pipeline):
    passages = pipeline.retriever.search("Enhanced Forward Presence battlegroups", k=5)
    assert len(passages) == 5
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    for p in passages:
        assert original(p.chunk.source)[p.chunk.start : p.chunk.end] == p.chunk.text


def test_source_filter(pipeline):
    source = "corpus/nato-relations-with-the-european-union.txt"
    passages = pipeline.retriever.search("Article 5 collective defense", k=6, sources=[source])
    assert passages and {p.chunk.source for p in passages} == {source}


def test_unknown_mode_lists_valid_ones(pipeline):
    with pytest.raises(UnknownName, match="bm25, dense, hybrid"):
        pipeline.retriever.search("x", mode="magic")


def test_langchain_retriever_adapter(pipeline):
    docs = ChunkRetriever(hybrid=pipeline.retriever, k=3).invoke("Partnership for Peace")
    assert len(docs) == 3 and all(d.metadata["source"].startswith("corpus/") for d in docs)
    assert any("Partnership for Peace" in d.page_content for d in docs)


@pytest.mark.parametrize(
    "question, must_contain",
    [
        ("When was NATO established?", "1949"),
        ("Which agreement of 2002 facilitated NATO-EU cooperation?", "Berlin Plus"),
        ("When was Article 5 invoked for the first time?", "9/11"),
        ("What does the Partnership for Peace program do?", "Partnership for Peace"),
    ],
)
def test_extractive_answer_holds_the_fact_and_cites_it_exactly(pipeline, question, must_contain):
    answer = pipeline.answer(question)
    assert not answer.refused
    assert must_contain in answer.answer
    assert answer.citations and all(s.citations for s in answer.sentences)
    for citation in answer.citations:
        assert original(citation.source)[citation.start : citation.end] == citation.text
        assert citation.notice and "AI" in citation.notice
    for sentence in answer.sentences:  # each sentence is the quoted span it cites
        assert sentence.text in [c.text for c in answer.citations if c.id in sentence.citations]
    assert answer.answer.rstrip().endswith("]")


def test_unanswerable_question_is_refused_with_closest_passages(pipeline):
    answer = pipeline.answer("How many troops took part in the Steadfast Defender exercise?")
    assert answer.refused and answer.answer == REFUSAL
    assert not answer.citations and len(answer.passages) == pipeline.settings.top_k


def test_off_topic_question_is_refused(pipeline):
    assert pipeline.answer("What is the best recipe for banana bread?").refused


def test_follow_up_is_condensed_and_answered(pipeline):
    history = [{"role": "user", "content": "What is NATO?"}, {"role": "assistant", "content": "NATO is a defense alliance. [1]"}]
    answer = pipeline.answer("When was it established?", history=history)
    assert answer.standalone_question == "When was NATO established?"
    assert "1949" in answer.answer and not answer.refused


def test_a_follow_up_pointing_at_the_previous_answer_finds_what_it_named(pipeline):
    first = pipeline.answer("Which force did NATO lead in Afghanistan?")
    assert "ISAF" in first.answer
    history = [{"role": "user", "content": first.question}, {"role": "assistant", "content": first.answer}]
    answer = pipeline.answer("What did that force do there?", history=history)
    assert "ISAF" in answer.standalone_question and not answer.refused
    assert "nation-building" in answer.answer


@pytest.mark.parametrize(
    "question, history, expected",
    [
        ("What is NATO?", [], "What is NATO?"),
        ("When was it founded?", [{"role": "user", "content": "What is NATO?"}], "When was NATO founded?"),
        ("What are its goals?", [{"role": "user", "content": "Tell me about the Partnership for Peace"}], "What are the Partnership for Peace’s goals?"),
        # the subject (first name) of the earlier question, not its longest name
        ("Are all of its participating states NATO members?", [{"role": "user", "content": "What role does the OSCE play in European security?"}], "Are all of the OSCE’s participating states NATO members?"),
        ("Did its members fight in Ukraine?", [{"role": "user", "content": "How did NATO respond to Russia's annexation of Crimea?"}], "Did NATO’s members fight in Ukraine?"),
        ("Has it been invoked?", [{"role": "user", "content": "What does Article 5 say?"}], "Has Article 5 been invoked?"),
        # "they" stands for two names, or for something unnamed
        ("So how do they avoid duplicating each other's work?", [{"role": "user", "content": "Why is the EU pursuing strategic autonomy if it already has NATO?"}], "So how do the EU and NATO avoid duplicating each other's work?"),
        ("How do they work?", [{"role": "user", "content": "What are NATO's core strategic pillars?"}], "How do they work? (following up on: What are NATO's core strategic pillars?)"),
        # "What about X?" / "And X?" ask the previous question of X; one without a name is appended to it
        ("And the EU?", [{"role": "user", "content": "What role does NATO play in crisis management?"}], "What role does the EU play in crisis management?"),
        ("What about the EU's?", [{"role": "user", "content": "What are NATO's core strategic pillars?"}], "What are the EU's core strategic pillars?"),
        ("How about Russia?", [{"role": "user", "content": "What is NATO's stance on the OSCE?"}], "What is Russia's stance on the OSCE?"),
        ("And the challenges?", [{"role": "user", "content": "What role does NATO play in crisis management?"}], "And the challenges? (following up on: What role does NATO play in crisis management?)"),
        ("And why does it matter to the EU?", [{"role": "user", "content": "What is NATO?"}], "And why does NATO matter to the EU?"),
        ("Why did NATO intervene in Kosovo?", [{"role": "user", "content": "What is the EU?"}], "Why did NATO intervene in Kosovo?"),
        # "they" for the plural noun a "Which…" question asked about, when it names no two things
        ("Do they ever conflict?", [{"role": "user", "content": "Which guiding principles shape alliances?"}], "Do guiding principles ever conflict?"),
        # a follow-up that only points back ("that operation") borrows the names the previous answer added
        ("What did that operation achieve?", [{"role": "user", "content": "Which operation did NATO run in Libya?"},
                                              {"role": "assistant", "content": "NATO ran Operation Unified Protector in Libya. [1] It ended in 2011. [2]"}],
         "What did that operation achieve? (following up on: Which operation did NATO run in Libya? Operation Unified Protector)"),
        ("What did that operation achieve?", [{"role": "user", "content": "Which operation did NATO run in Libya?"}, {"role": "assistant", "content": REFUSAL}],
         "What did that operation achieve? (following up on: Which operation did NATO run in Libya?)"),
        # one with words of its own borrows only the conversation's subject, not the previous question's words
        ("And why do the sanctions matter so much?", [{"role": "user", "content": "How did NATO respond to Russia's annexation of Crimea?"},
                                                      {"role": "user", "content": "Can you say more?"}],
         "And why do the sanctions matter so much? (following up on: NATO, Russia)"),
    ],
)
def test_condense(question, history, expected):
    assert condense(question, history) == expected


@pytest.mark.parametrize("question", ["", "   \n\t", "?!?", "x" * 2001])
def test_bad_questions_raise_with_a_fix(pipeline, question):
    with pytest.raises(BadQuestion):
        pipeline.answer(question)


def test_timings_cover_every_stage(pipeline):
    answer = pipeline.answer("What is Berlin Plus?")
    assert {"retrieve", "rank", "generate", "cite", "total"} <= set(answer.timings_ms)
    assert answer.timings_ms["total"] >= answer.timings_ms["retrieve"] > 0
