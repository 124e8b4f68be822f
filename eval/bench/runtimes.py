"""Embedder runtimes side by side: PyTorch (today), ONNX Runtime fp32 and int8, in one process.

By default the packaged all-MiniLM-L6-v2 alone; `--embedders a,b,...` puts each named embedder
(e.g. all-mpnet-base-v2) by each runtime on the same table, all against the floor of MiniLM
on PyTorch, so that the default embedder can be chosen on quality and speed together.

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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.core.settings import load_settings
from eval.bench.ingest import embedded_texts, run_floor, run_ours
from eval.bench.query import first_rank, rank_metrics
from eval.bench.squad import Question
from eval.bench.stats import latency, ratio, spread, stopwatch
from ingest.run import TextDocument

RUNTIMES = ("torch", "onnx", "onnx-int8")
MODEL = "all-MiniLM-L6-v2"  # the default embedder, whose PyTorch encode is the floor


@dataclass(frozen=True)
class Runner:
    """One row of the table: an embedder run by one runtime."""

    model: str
    runtime: str

    @property
    def key(self) -> str:
        """Its key in bench.json: the runtime alone for the default embedder (as before), else `model runtime`.

        >>> Runner("all-MiniLM-L6-v2", "onnx").key, Runner("all-mpnet-base-v2", "onnx-int8").key
        ('onnx', 'all-mpnet-base-v2 onnx-int8')
        """
        return self.runtime if self.model == MODEL else f"{self.model} {self.runtime}"


def runners(models: Sequence[str] = (MODEL,)) -> list[Runner]:
    """Each embedder in `models` by each runtime, in that order."""
    return [Runner(m, r) for m in dict.fromkeys(models) for r in RUNTIMES]


def load_embedders(chosen: list[Runner], log=print) -> tuple[dict, dict]:
    """Each runner's embedder, and the seconds it took to load (an ONNX export, if not cached, included)."""
    from assistant.index.embedder import get_embeddings

    embedders, seconds = {}, {}
    for runner in chosen:
        with stopwatch() as took:
            embedders[runner.key] = get_embeddings(runner.model, 64, runner.runtime)
            embedders[runner.key].embed_documents(["warm-up text"] * 8)
        seconds[runner.key] = round(took(), 2)
        log(f"  runtimes: {runner.key} loaded in {seconds[runner.key]:.1f}s")
    return embedders, seconds


def bench_runtimes(
    documents: list[TextDocument], quality_questions: list[Question], latency_questions: list[Question], workdir: Path, reps: int, log=print, models: Sequence[str] = (MODEL,)
) -> dict:
    """Ingest, quality and latency per runner; ratios against the PyTorch floor (of MiniLM) of the same rounds."""
    from assistant.index.embedder import get_embeddings

    chosen = runners(models)
    embedders, load_s = load_embedders(chosen, log)
    floor = get_embeddings(MODEL, 64, "torch")
    ingest, indexes = _ingest_rounds(documents, chosen, embedders, floor, workdir, reps, log)
    pipelines = {r.key: _pipeline(indexes[r.key], embedders[r.key]) for r in chosen}
    quality = _quality(pipelines, quality_questions, log)
    timings = _latency(pipelines, latency_questions)
    torch = {r.key: quality[Runner(r.model, "torch").key]["hybrid"]["ndcg@10"] for r in chosen}
    return {
        "load_s": load_s, "ingest": ingest, "quality": quality, "latency_ms": timings,
        "ndcg10_hybrid_minus_torch": {k: round(quality[k]["hybrid"]["ndcg@10"] - t, 4) for k, t in torch.items()},  # each embedder against its own PyTorch row
        "runners": {r.key: {"model": r.model, "runtime": r.runtime, "dimension": embedders[r.key].dimension} for r in chosen},
    }


def _ingest_rounds(documents, chosen: list[Runner], embedders: dict, floor, workdir: Path, reps: int, log) -> tuple[dict, dict]:
    texts = embedded_texts(documents, load_settings())
    names = ("floor", *(r.key for r in chosen))
    by_key = {r.key: r for r in chosen}
    seconds: dict[str, list[float]] = {name: [] for name in names}
    indexes, chunks = {}, 0
    for rep in range(reps):
        turn = rep % len(names)
        for name in names[turn:] + names[:turn]:
            if name == "floor":
                took = run_floor(texts, floor)
            else:
                runner = by_key[name]
                folder = _fresh(workdir / f"{name.replace(' ', '-')}-{rep}")
                indexes[name] = load_settings(db_dir=folder, embedding_model=runner.model, embedder_runtime=runner.runtime)
                took, chunks = run_ours(documents, indexes[name], embedders[name])
            seconds[name].append(took)
            log(f"  runtimes ingest round {rep + 1}/{reps}: {name} {took:.1f}s")
    over_floor = {name: spread([ratio(f, s) for f, s in zip(seconds["floor"], seconds[name])], 2) for name in names}  # speed: floor s / ours s
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
