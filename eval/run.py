"""Run eval cases through the same `Pipeline.answer` the CLI and UI use, and score them.

`run(cases, answer_fn)` is the loop; `evaluate(pipeline, cases, backends)` runs it once per
backend and returns a `Report` (metadata, one row per case and backend, summaries).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

from tqdm import tqdm

from assistant.core.errors import AssistantError, UnknownName
from assistant.core.settings import REPO_ROOT, Settings
from assistant.core.types import Answer
from eval import metrics
from eval.cases import Case
from eval.summary import summarise

RETRIEVAL_K = (1, 4, 10)
AnswerFn = Callable[[Case], tuple[Answer, list[str]]]


@dataclass(frozen=True)
class Report:
    """One eval run: `meta` (when, where, settings), `rows` (per case and backend), `summary`."""

    meta: dict
    rows: list[dict]
    summary: dict

    def to_dict(self) -> dict:
        return {"meta": self.meta, "summary": self.summary, "rows": self.rows}


def support_judge(embeddings, settings) -> tuple[metrics.Judge, str]:
    """The support judge of the citation metrics, and a name for it for the report.

    The verifier's own (`assistant.answer.verify.support_score >= settings.support_threshold`), so
    eval and app agree.
    """
    from assistant.answer.verify import support_score

    threshold = settings.support_threshold

    def judge(sentence: str, cited: str) -> bool:
        return support_score(sentence, cited, embeddings) >= threshold

    return judge, f"assistant.answer.verify.support_score >= {threshold}"


def score_case(case: Case, answer: Answer, ranked: list[str], judge: metrics.Judge = metrics.contained) -> dict:
    """Every metric of one case; `ranked` are the texts of the top-10 retrieved passages."""
    row = _describe(case, answer)
    if case.evidence:
        row |= {f"recall@{k}": metrics.recall_at(ranked, case.evidence, k) for k in RETRIEVAL_K}
        row["mrr"] = metrics.reciprocal_rank(ranked, case.evidence)
        row["ndcg@10"] = metrics.ndcg_at(ranked, case.evidence, 10)
        row["evidence_cited"] = metrics.citations_hold_evidence([c.text for c in answer.citations], case.evidence)
    if not answer.refused and answer.sentences:
        cited = [(s["text"], s["cited"]) for s in row["sentences"]]
        row["citation_recall"] = metrics.citation_recall(cited, judge)
        row["citation_precision"] = metrics.citation_precision(cited, judge)
    if case.answerable:  # scored on the sentences, without citation markers or warnings
        text = "" if answer.refused else " ".join(s.text for s in answer.sentences) or answer.answer
        row["fact_recall"] = metrics.fact_recall(case.facts, text)
        row["all_facts"] = float(row["fact_recall"] == 1.0)
        row["token_f1"] = metrics.token_f1(text, case.reference_answer)
    if case.kind == "false-premise":  # answered, with the facts that correct the premise
        row["premise_rejected"] = row["all_facts"]
    right = row.get("premise_rejected", 1.0) if case.answerable else 1.0
    row["refusal_accuracy"] = float(answer.refused != case.answerable) * right
    row["passed"] = float(answer.refused) if not case.answerable else (1.0 - answer.refused) * row["all_facts"]
    return row


def _describe(case: Case, answer: Answer) -> dict:
    """What was asked and said: enough to read a case, compare runs and export for RAGAS."""
    texts = {c.id: c.text for c in answer.citations}
    return {
        "id": case.id, "kind": case.kind, "backend": answer.backend, "question": case.question,
        "standalone_question": answer.standalone_question, "answerable": case.answerable,
        "refused": answer.refused, "evidence_score": round(answer.evidence_score, 4), "answer": answer.answer,
        "reference_answer": case.reference_answer, "evidence": list(case.evidence),
        "sentences": [{"text": s.text, "cited": [texts[i] for i in s.citations if i in texts]} for s in answer.sentences],
        "contexts": [p.chunk.text for p in answer.passages],
        "timings_ms": {k: round(v, 2) for k, v in answer.timings_ms.items()},
    }


def run(cases: list[Case], answer_fn: AnswerFn, *, backend: str = "extractive", judge: metrics.Judge = metrics.contained, progress: bool = True, desc: str | None = None) -> list[dict]:
    """Answer and score every case with `backend`; a case whose answer fails scores as an empty answer.

    Rows are filed under the backend asked for; `answered_by` tells when the pipeline fell
    back to the extractive answer (a model failed, or the sources did not support its draft).
    """
    rows = []
    for case in tqdm(cases, desc=desc or backend, unit="case", disable=not progress, file=sys.stderr):
        try:
            answer, ranked = answer_fn(case)
            row = score_case(case, answer, ranked, judge)
        except AssistantError as exc:
            answer = Answer(case.question, case.question, "", False, (), (), backend=backend)
            row = score_case(case, answer, [], judge) | {"error": str(exc)}
        row |= {"backend": backend, "answered_by": answer.backend, "notice": answer.notice}
        if backend != "extractive":
            row["fell_back"] = float(answer.backend != backend)
        rows.append(row)
    return rows


def pipeline_answer_fn(pipeline, backend: str | None = None, k: int | None = None, ranked_cache: dict | None = None) -> AnswerFn:
    """An `answer_fn` over a loaded pipeline: the answer, plus a top-10 search for retrieval metrics.

    The extra search is not timed; `ranked_cache` (standalone question -> texts) lets runs
    that differ only in the answer step share it. The ranking scored is the answer's own passages
    first (in the order the answer step used), then the rest of the search's top 10.
    """
    cache = {} if ranked_cache is None else ranked_cache

    def answer_fn(case: Case) -> tuple[Answer, list[str]]:
        answer = pipeline.answer(case.question, history=case.history, backend=backend, k=k)
        query = answer.standalone_question
        if query not in cache:
            cache[query] = [p.chunk.text for p in pipeline.retriever.search(query, k=max(RETRIEVAL_K))]
        # The passages the answer was given, in its order (a scorer may have reordered them), then the search's rest.
        given = [p.chunk.text for p in answer.passages]
        return answer, (given + [t for t in cache[query] if t not in given])[: max(RETRIEVAL_K)]

    return answer_fn


def evaluate(pipeline, cases: list[Case], backends: list[str], *, k: int | None = None, progress: bool = True, skipped: dict | None = None, set_name: str = "") -> Report:
    """Every case through every backend; the judge is the verifier's (see `support_judge`)."""
    judge, judge_name = support_judge(pipeline.embeddings, pipeline.settings)
    load = os.getloadavg()[0]
    rows = []
    for name in backends:
        rows += run(cases, pipeline_answer_fn(pipeline, name, k), backend=name, judge=judge, progress=progress)
    meta = environment(pipeline.settings) | {
        "set": set_name, "cases": len(cases), "backends": backends, "skipped_backends": skipped or {},
        "k": k or pipeline.settings.top_k, "judge": judge_name,
        "load": f"{load:.1f} at start, {os.getloadavg()[0]:.1f} at end",  # latency means little on a busy machine
    }
    return Report(meta, rows, summarise(rows))


def open_pipeline(settings: Settings, embeddings=None, progress: bool = True):
    """The chat pipeline over `settings.db_dir`, ingesting the corpus first when missing or stale.

    Ingest is incremental: on an unchanged corpus it takes about a second and loads no model.
    """
    from assistant.answer.pipeline import Pipeline
    from ingest.run import ingest

    if not settings.chroma_host:
        done = ingest([settings.corpus_dir], settings, embeddings=embeddings, progress=progress)
        if done.added or done.updated:
            print(f"index at {settings.db_dir} brought up to date: {done.summary()}", file=sys.stderr)
        for failure in done.failures:
            print(f"warning: {failure.source} was not ingested: {failure.reason}", file=sys.stderr)
    return Pipeline.load(settings, embeddings)


def runnable_backends(names: list[str], settings: Settings) -> tuple[list[str], dict[str, str]]:
    """The named backends that can run here, and the reason for each one that cannot."""
    from assistant.answer.backends import BACKENDS, available_backends

    for name in names:
        if name not in BACKENDS:
            raise UnknownName.among("answer backend", name, list(BACKENDS))
    reasons = available_backends(settings, names=names)  # an extractive run starts no local model
    skipped = {n: reasons[n] for n in names if reasons.get(n)}
    return [n for n in names if n not in skipped], skipped


def environment(settings: Settings) -> dict:
    """When and where a run happened, and the settings that shape its numbers."""
    keep = ("embedding_model", "chunk_size", "chunk_overlap", "retrieval_mode", "top_k", "candidates", "rrf_k",
            "dense_weight", "bm25_weight", "answer_sentences", "scorer", "rerank_candidates", "rerank_fusion", "cosine_weight", "scored_sentences", "refuse_by", "refusal_threshold")
    from assistant.answer.scorer import refusal_default

    effective = settings.model_copy(update={"refusal_threshold": settings.refusal_threshold if settings.refusal_threshold is not None else refusal_default(settings)})
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "git": git_revision(),
        "settings": {name: getattr(effective, name) for name in keep},
    }


def machine() -> str:
    """For example `2-core x86_64 CPU (AMD EPYC), no GPU, Linux, Python 3.11` (nothing here uses a GPU)."""
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor()
    cpu = f"{os.cpu_count()}-core {platform.machine()} CPU" + (f" ({model})" if model else "")
    return f"{cpu}, no GPU, {platform.system()}, Python {platform.python_version()}"


def git_revision() -> str:
    """The checked-out commit, marked `+changes` when the tree has uncommitted edits."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head.stdout.strip() or "unknown") + (" +changes" if dirty.stdout.strip() else "")
