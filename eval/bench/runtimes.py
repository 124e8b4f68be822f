"""Embedder runtimes side by side: PyTorch (today), ONNX Runtime fp32 and int8, in one process.

Each runtime runs our whole ingest of the same documents into its own fresh index; the floor is
the bare PyTorch `SentenceTransformer.encode` of exactly the texts our ingest embeds, timed in
the same rounds (rotating order, so load from other programs falls on each alike), and every
ingest is given as a ratio to that round's floor. Then, on each runtime's own index and the
same questions: retrieval quality (hybrid and dense), query-embedding latency (the question
alone, caches cleared) and retrieval latency, questions interleaved across runtimes.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from assistant.core.settings import load_settings
from eval.bench.ingest import embedded_texts, run_floor, run_ours
from eval.bench.query import first_rank, rank_metrics
from eval.bench.squad import Question
from eval.bench.stats import latency, ratio, spread, stopwatch
from ingest.run import TextDocument

RUNTIMES = ("torch", "onnx", "onnx-int8")
MODEL = "all-MiniLM-L6-v2"


def load_embedders(log=print) -> tuple[dict, dict]:
    """Each runtime's embedder, and the seconds it took to load (an ONNX export, if not cached, included)."""
    from assistant.index.embedder import get_embeddings

    embedders, seconds = {}, {}
    for runtime in RUNTIMES:
        with stopwatch() as took:
            embedders[runtime] = get_embeddings(MODEL, 64, runtime)
            embedders[runtime].embed_documents(["warm-up text"] * 8)
        seconds[runtime] = round(took(), 2)
        log(f"  runtimes: {runtime} loaded in {seconds[runtime]:.1f}s")
    return embedders, seconds


def bench_runtimes(documents: list[TextDocument], quality_questions: list[Question], latency_questions: list[Question], workdir: Path, reps: int, log=print) -> dict:
    """Ingest, quality and latency per runtime; ratios against the PyTorch floor of the same rounds."""
    embedders, load_s = load_embedders(log)
    ingest, indexes = _ingest_rounds(documents, embedders, workdir, reps, log)
    pipelines = {r: _pipeline(indexes[r], embedders[r]) for r in RUNTIMES}
    quality = _quality(pipelines, quality_questions, log)
    timings = _latency(pipelines, latency_questions)
    torch = quality["torch"]["hybrid"]["ndcg@10"]
    return {
        "load_s": load_s, "ingest": ingest, "quality": quality, "latency_ms": timings,
        "ndcg10_hybrid_minus_torch": {r: round(quality[r]["hybrid"]["ndcg@10"] - torch, 4) for r in RUNTIMES},
    }


def _ingest_rounds(documents, embedders: dict, workdir: Path, reps: int, log) -> tuple[dict, dict]:
    texts = embedded_texts(documents, load_settings())
    runners = ("floor", *RUNTIMES)
    seconds: dict[str, list[float]] = {name: [] for name in runners}
    indexes, chunks = {}, 0
    for rep in range(reps):
        for name in runners[rep % 4 :] + runners[: rep % 4]:
            if name == "floor":
                took = run_floor(texts, embedders["torch"])
            else:
                indexes[name] = load_settings(db_dir=_fresh(workdir / f"{name}-{rep}"), embedder_runtime=name)
                took, chunks = run_ours(documents, indexes[name], embedders[name])
            seconds[name].append(took)
            log(f"  runtimes ingest round {rep + 1}/{reps}: {name} {took:.1f}s")
    over_floor = {name: spread([ratio(f, s) for f, s in zip(seconds["floor"], seconds[name])], 2) for name in runners}  # speed: floor s / ours s
    return {
        "chunks": chunks, "seconds": {n: spread(v) for n, v in seconds.items()},
        "chunks_per_s": {n: spread([chunks / s for s in v], 1) for n, v in seconds.items()},
        "speed_over_floor": over_floor,
    }, indexes


def _pipeline(settings, embeddings):
    from assistant.answer.pipeline import Pipeline

    return Pipeline.load(settings, embeddings=embeddings)


def _quality(pipelines: dict, questions: list[Question], log) -> dict:
    out = {}
    for runtime, pipeline in pipelines.items():
        ranks: dict[str, list[int | None]] = {"hybrid": [], "dense": []}
        for q in questions:
            for mode in ranks:
                ranks[mode].append(first_rank([p.chunk.source for p in pipeline.retriever.search(q.text, k=10, mode=mode)], q.gold))
        out[runtime] = {mode: rank_metrics(values) for mode, values in ranks.items()}
        log(f"  runtimes quality: {runtime} nDCG@10 hybrid {out[runtime]['hybrid']['ndcg@10']:.4f}, dense {out[runtime]['dense']['ndcg@10']:.4f}")
    return out


def _latency(pipelines: dict, questions: list[Question]) -> dict:
    """Per question, each runtime in turn: embedding the question alone, then a hybrid top-10 retrieval."""
    ms: dict[str, dict[str, list[float]]] = {r: {"query_embedding": [], "retrieve": []} for r in pipelines}
    for q in questions:
        for runtime, pipeline in pipelines.items():
            pipeline.embeddings.clear_caches(sentences=False)
            began = time.perf_counter()
            pipeline.embeddings.question(q.text)
            ms[runtime]["query_embedding"].append((time.perf_counter() - began) * 1000)
            pipeline.embeddings.clear_caches(sentences=False)
            began = time.perf_counter()
            pipeline.retriever.search(q.text, k=10)
            ms[runtime]["retrieve"].append((time.perf_counter() - began) * 1000)
    return {r: {stage: latency(values) for stage, values in stages.items()} for r, stages in ms.items()}


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    return path
