"""Run eval cases through the same `Pipeline.answer` the CLI and UI use, and score them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tqdm import tqdm

from assistant.types import Answer
from eval import metrics

DEFAULT_SET = Path(__file__).resolve().parent / "questions.jsonl"
RETRIEVAL_K = (1, 4, 10)


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    question: str
    history: list
    answerable: bool
    evidence: list
    facts: list
    reference_answer: str


def load_cases(path: Path = DEFAULT_SET) -> list[Case]:
    return [Case(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score_case(case: Case, answer: Answer, ranked: list[str]) -> dict:
    """All per-case metrics; `ranked` are the texts of the top-10 retrieved passages."""
    row = {"id": case.id, "kind": case.kind, "answerable": case.answerable, "refused": answer.refused,
           "evidence_score": answer.evidence_score, "answer": answer.answer, "standalone_question": answer.standalone_question}
    row["timings_ms"] = dict(answer.timings_ms)
    if case.evidence:
        for k in RETRIEVAL_K:
            row[f"recall@{k}"] = metrics.recall_at(ranked, case.evidence, k)
        row["mrr"] = metrics.reciprocal_rank(ranked, case.evidence)
        row["ndcg@10"] = metrics.ndcg_at(ranked, case.evidence, 10)
        row["citations_hold_evidence"] = metrics.citations_hold_evidence([c.text for c in answer.citations], case.evidence)
    if case.answerable:
        text = "" if answer.refused else answer.answer
        row["fact_recall"] = metrics.fact_recall(case.facts, text)
        row["all_facts"] = float(row["fact_recall"] == 1.0)
        row["token_f1"] = metrics.token_f1(text, case.reference_answer)
    if case.kind == "false-premise":
        row["premise_rejected"] = float(not answer.refused and row["fact_recall"] == 1.0)
    row["refusal_correct"] = float(answer.refused != case.answerable)
    return row


def run(cases: list[Case], answer_fn: Callable[[Case], tuple[Answer, list[str]]], progress: bool = True) -> list[dict]:
    """Answer and score every case; `answer_fn` returns the answer and the top-10 passage texts."""
    rows = []
    for case in tqdm(cases, desc="eval", unit="case", disable=not progress):
        answer, ranked = answer_fn(case)
        rows.append(score_case(case, answer, ranked))
    return rows


def pipeline_answer_fn(pipeline, backend: str | None = None, k: int | None = None):
    """An `answer_fn` over a loaded pipeline: the answer, plus a top-10 search for retrieval metrics."""

    def answer_fn(case: Case) -> tuple[Answer, list[str]]:
        answer = pipeline.answer(case.question, history=case.history, backend=backend, k=k)
        ranked = [p.chunk.text for p in pipeline.retriever.search(answer.standalone_question, k=10)]
        return answer, ranked

    return answer_fn


def summarise(rows: list[dict]) -> dict:
    """Mean of every metric overall and by kind, refusal precision/recall, latency percentiles."""
    summary = {"overall": _means(rows), "by_kind": {}}
    for kind in sorted({r["kind"] for r in rows}):
        summary["by_kind"][kind] = _means([r for r in rows if r["kind"] == kind])
    refused = [r for r in rows if r["refused"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    summary["overall"]["refusal_precision"] = sum(not r["answerable"] for r in refused) / len(refused) if refused else 0.0
    summary["overall"]["refusal_recall"] = sum(r["refused"] for r in unanswerable) / len(unanswerable) if unanswerable else 0.0
    summary["latency_ms"] = {
        stage: {"p50": metrics.percentile(v, 50), "p95": metrics.percentile(v, 95)}
        for stage, v in _by_stage(rows).items()
    }
    summary["cases"] = len(rows)
    return summary


def _means(rows: list[dict]) -> dict:
    keys = [k for k in rows[0] if isinstance(rows[0][k], float) and k != "evidence_score"] if rows else []
    keys = sorted({k for r in rows for k, v in r.items() if isinstance(v, float) and k != "evidence_score"})
    return {k: round(sum(r[k] for r in rows if k in r) / max(1, sum(k in r for r in rows)), 4) for k in keys} | {"n": len(rows)}


def _by_stage(rows: list[dict]) -> dict[str, list[float]]:
    stages: dict[str, list[float]] = {}
    for row in rows:
        for stage, ms in row["timings_ms"].items():
            stages.setdefault(stage, []).append(ms)
    return stages
