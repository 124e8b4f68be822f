"""Retrieval settings chosen from data: a small grid of mode x chunk size x k, as a leaderboard.

Each chunk size gets its own temporary index; each (mode, k) runs the whole eval set through
the extractive pipeline. Configurations rank by the share of cases passed (answered with
every fact, or rightly refused: what a user meets), then by recall@4 and MRR (whether the
evidence reached the answer step, and how high). A reference row scores the textbook
LangChain pipeline (`eval.baselines`) on retrieval alone. No latency column: later
configurations reuse the sentence vectors the earlier ones embedded, so timings would mislead.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from assistant.answer.condense import condense
from assistant.core.settings import Settings
from eval import metrics
from eval.cases import Case
from eval.run import RETRIEVAL_K, pipeline_answer_fn, run
from eval.summary import label, summarise_backend
from eval.tables import table

MODES = ("dense", "bm25", "hybrid")
CHUNK_SIZES = (600, 900)
KS = (4, 8)
RANK_BY = ("passed", "recall@4", "mrr")
COLUMNS = ("passed", "recall@1", "recall@4", "recall@10", "mrr", "ndcg@10", "fact_recall", "all_facts", "evidence_cited", "refusal_accuracy")


def sweep(cases: list[Case], settings: Settings, embeddings, *, modes=MODES, chunk_sizes=CHUNK_SIZES, ks=KS, scorers=None, naive: bool = True, progress: bool = True) -> list[dict]:
    """One leaderboard entry per configuration (the naive reference row last).

    `scorers` (default: the configured one) are answer-scorer variants: names of `SCORERS` or
    cross-encoder folders (see `variant_settings`)."""
    from assistant.answer.pipeline import Pipeline
    from ingest.run import ingest

    entries = []
    with tempfile.TemporaryDirectory(prefix="eval-sweep-") as work:
        for size in chunk_sizes:
            built = settings.model_copy(update={"db_dir": Path(work) / f"chunk{size}", "chunk_size": size, "chroma_host": None})
            _say(f"indexing the corpus with {size}-character chunks", progress)
            ingest([settings.corpus_dir], built, embeddings=embeddings, progress=progress)
            for mode in modes:
                searched: dict = {}  # the top-10 search depends on neither k nor the scorer: shared
                for scorer in scorers or [None]:
                    pipeline = Pipeline.load(built.model_copy(update={"retrieval_mode": mode} | ((variant_settings(scorer) if scorer else None) or {})), embeddings)
                    for k in ks:
                        rows = run(cases, pipeline_answer_fn(pipeline, "extractive", k, searched), progress=progress, desc=f"{mode} {size} k={k} {scorer or ''}")
                        entries.append(_entry(mode, size, k, rows) | {"scorer": scorer or _scorer_name(built)})
        if naive:
            entries.append(naive_entry(cases, settings, embeddings, Path(work) / "naive"))
    return entries


SCORERS = {
    "heuristic": {"scorer": "heuristic"},
    "learned": {"scorer": "learned", "rerank_candidates": 0},
    "learned+rerank": {"scorer": "learned", "scorer_runtime": "torch", "refuse_by": "heuristic"},
    "learned+rerank onnx": {"scorer": "learned", "scorer_runtime": "onnx"},
    "learned+rerank onnx-int8": {"scorer": "learned", "scorer_runtime": "onnx-int8"},
    "learned+rerank, refuse by scorer": {"scorer": "learned", "refuse_by": "scorer"},
    "learned+rerank, probability alone": {"scorer": "learned", "cosine_weight": 0.0},
    "learned+rerank, scorer order alone": {"scorer": "learned", "rerank_fusion": None},  # passages by best probability, not fused with retrieval
}


REFUSE_BY_SCORER = ", refuse by scorer"


def variant_settings(name: str) -> dict | None:
    """The settings a scorer variant changes: one of `SCORERS`, or the path of a cross-encoder folder (a
    candidate model, run as the default is: ONNX Runtime, reranking), with ", refuse by scorer" to let its
    probability decide refusal. None for anything else."""
    if name in SCORERS:
        return SCORERS[name]
    from assistant.answer.scorer import is_cross_encoder

    folder = name.removesuffix(REFUSE_BY_SCORER)
    if not is_cross_encoder(Path(folder).expanduser()):
        return None
    return {"scorer": folder, "scorer_runtime": "onnx"} | ({"refuse_by": "scorer"} if folder != name else {})


def unknown_variants(names) -> list[str]:
    """The names among `names` that are no scorer variant."""
    return [n for n in names if variant_settings(n) is None]


def _scorer_name(settings: Settings) -> str:
    if settings.scorer != "learned":
        return settings.scorer
    if settings.rerank_candidates <= settings.top_k:
        return "learned"
    return "learned+rerank" + (f" {settings.scorer_runtime}" if settings.scorer_runtime != "torch" else "") + (", refuse by scorer" if settings.refuse_by == "scorer" else "")


def _entry(mode: str, size: int, k: int, rows: list[dict]) -> dict:
    return {"mode": mode, "chunk_size": size, "k": k, "metrics": summarise_backend(rows)["overall"]}


def naive_entry(cases: list[Case], settings: Settings, embeddings, folder: Path) -> dict:
    """Retrieval metrics of LangChain's splitter + Chroma similarity search, same embedder and queries."""
    from eval.baselines import NAIVE_CHUNK_SIZE, NAIVE_OVERLAP, naive_search, naive_store

    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(settings.corpus_dir).glob("*.txt"))}
    store = naive_store(texts, folder, embeddings)
    rows = []
    for case in (c for c in cases if c.evidence):
        ranked = naive_search(store, condense(case.question, case.history), max(RETRIEVAL_K))
        row = {f"recall@{k}": metrics.recall_at(ranked, case.evidence, k) for k in RETRIEVAL_K}
        rows.append(row | {"mrr": metrics.reciprocal_rank(ranked, case.evidence), "ndcg@10": metrics.ndcg_at(ranked, case.evidence, 10)})
    means = {m: round(sum(r[m] for r in rows) / len(rows), 4) for m in rows[0]}
    return {"mode": f"naive LangChain ({NAIVE_CHUNK_SIZE}/{NAIVE_OVERLAP} splitter, similarity search)", "chunk_size": NAIVE_CHUNK_SIZE, "k": None, "metrics": means}


def ranked(entries: list[dict]) -> list[dict]:
    """Grid entries best first by `RANK_BY`; reference rows (no k) keep their place after them.

    >>> [e["k"] for e in ranked([{"k": 4, "metrics": {"passed": 0.4}}, {"k": None, "metrics": {}}, {"k": 8, "metrics": {"passed": 0.5}}])]
    [8, 4, None]
    """
    grid = sorted((e for e in entries if e["k"]), key=lambda e: tuple(-e["metrics"].get(m, 0.0) for m in RANK_BY))
    return grid + [e for e in entries if not e["k"]]


def leaderboard(entries: list[dict], current: Settings | None = None) -> str:
    """The entries, best first, as a Markdown table; the configuration matching `current` is marked."""
    header = ["#", "mode", "chunk", "k", "scorer"] + [label(c) for c in COLUMNS]
    rows = []
    for rank, e in enumerate(ranked(entries), 1):
        is_default = current is not None and (e["mode"], e["chunk_size"], e["k"], e.get("scorer")) == (current.retrieval_mode, current.chunk_size, current.top_k, _scorer_name(current))
        mode = f"**{e['mode']}** (default)" if is_default else e["mode"]
        rows.append([rank if e["k"] else "ref", mode, e["chunk_size"], e["k"] or "—", e.get("scorer", "—")] + [e["metrics"].get(c) for c in COLUMNS])
    ranked_by = ", then ".join(label(m) for m in RANK_BY)
    return table(header, rows) + f"\n\nRanked by {ranked_by}; extractive backend; retrieval columns over the answerable cases."


def _say(message: str, progress: bool) -> None:
    if progress:
        print(message, file=sys.stderr)
