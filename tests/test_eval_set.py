"""Sanity checks for the RAG evaluation question set (eval/questions.jsonl).

Uses only the standard library and pytest; it does not import any project code.
"""

import json
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS_PATH = ROOT / "eval" / "questions.jsonl"
CORPUS_DIR = ROOT / "corpus"

ALLOWED_KINDS = {
    "factoid",
    "paraphrase",
    "multi-passage",
    "follow-up",
    "unanswerable",
    "false-premise",
}
REQUIRED_FIELDS = {
    "id": str,
    "kind": str,
    "question": str,
    "history": list,
    "answerable": bool,
    "evidence": list,
    "facts": list,
    "reference_answer": str,
}
VALID_ROLES = {"user", "assistant"}
MIN_PER_KIND = 8
MIN_TOTAL = 80


def _load_lines():
    return QUESTIONS_PATH.read_text(encoding="utf-8").splitlines()


def _load_cases():
    # Unparsable lines are skipped here; test_every_line_parses_as_json_object
    # reports them, so one bad line does not break collection of every test.
    cases = []
    for line in _load_lines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            cases.append(obj)
    return cases


def _load_corpus():
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS_DIR.glob("*.txt"))]
    assert texts, f"no corpus files found in {CORPUS_DIR}"
    return texts


CASES = _load_cases()
CORPUS_TEXTS = _load_corpus()


def _case_id(case):
    return str(case.get("id", "<no id>"))


ANSWERABLE = [c for c in CASES if c.get("kind") != "unanswerable"]
UNANSWERABLE = [c for c in CASES if c.get("kind") == "unanswerable"]
EVIDENCE_ITEMS = [
    pytest.param(c, quote, id=f"{_case_id(c)}[{i}]")
    for c in CASES
    for i, quote in enumerate(c.get("evidence") or [])
]


def test_every_line_parses_as_json_object():
    lines = _load_lines()
    assert lines, "questions.jsonl is empty"
    for n, line in enumerate(lines, 1):
        assert line.strip(), f"line {n} is blank"
        obj = json.loads(line)
        assert isinstance(obj, dict), f"line {n} is not a JSON object"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_fields_and_types(case):
    assert set(case) == set(REQUIRED_FIELDS), (
        f"unexpected/missing fields: {sorted(set(case) ^ set(REQUIRED_FIELDS))}"
    )
    for field, typ in REQUIRED_FIELDS.items():
        assert isinstance(case[field], typ), f"{field} should be {typ.__name__}"
    assert case["id"].strip(), "id is empty"
    assert case["question"].strip(), "question is empty"
    assert case["reference_answer"].strip(), "reference_answer is empty"
    for quote in case["evidence"]:
        assert isinstance(quote, str) and quote.strip(), "evidence must be non-empty strings"
    for group in case["facts"]:
        assert isinstance(group, list) and group, "each fact group must be a non-empty list"
        for s in group:
            assert isinstance(s, str) and s.strip(), "fact strings must be non-empty strings"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_kind_is_allowed(case):
    assert case["kind"] in ALLOWED_KINDS


def test_each_kind_has_enough_cases():
    counts = Counter(c["kind"] for c in CASES)
    for kind in sorted(ALLOWED_KINDS):
        assert counts[kind] >= MIN_PER_KIND, f"{kind}: {counts[kind]} < {MIN_PER_KIND}"


def test_ids_are_unique():
    counts = Counter(c["id"] for c in CASES)
    dupes = sorted(i for i, n in counts.items() if n > 1)
    assert not dupes, f"duplicate ids: {dupes}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_history_messages_have_valid_roles(case):
    for i, msg in enumerate(case["history"]):
        assert isinstance(msg, dict), f"history[{i}] is not an object"
        assert set(msg) == {"role", "content"}, f"history[{i}] fields: {sorted(msg)}"
        assert msg["role"] in VALID_ROLES, f"history[{i}] has role {msg['role']!r}"
        assert isinstance(msg["content"], str) and msg["content"].strip()


@pytest.mark.parametrize("case", ANSWERABLE, ids=_case_id)
def test_answerable_cases_have_evidence_and_facts(case):
    assert case["evidence"], "answerable case has no evidence quotes"
    assert case["facts"], "answerable case has no fact groups"


@pytest.mark.parametrize("case", UNANSWERABLE, ids=_case_id)
def test_unanswerable_cases_have_no_evidence_or_facts(case):
    assert case["answerable"] is False
    assert case["evidence"] == []
    assert case["facts"] == []


@pytest.mark.parametrize("case,quote", EVIDENCE_ITEMS)
def test_evidence_quote_is_verbatim_in_corpus(case, quote):
    assert any(quote in text for text in CORPUS_TEXTS), (
        f"{case['id']}: evidence not found verbatim in corpus: {quote!r}"
    )


@pytest.mark.parametrize("case", ANSWERABLE, ids=_case_id)
def test_fact_groups_are_supported_by_evidence(case):
    quotes = [q.lower() for q in case["evidence"]]
    for group in case["facts"]:
        assert any(s.lower() in q for s in group for q in quotes), (
            f"no string of fact group {group} appears in any evidence quote"
        )


def test_total_number_of_cases():
    assert len(CASES) >= MIN_TOTAL, f"only {len(CASES)} cases"
