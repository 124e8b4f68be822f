"""Ingest throughput: our ingest against the raw-encode floor and the naive LangChain pipeline.

All three run in the same process on the same documents, in rotating order within each
repetition, so that load from other programs falls on each alike. The floor is one
`SentenceTransformer.encode` call over exactly the texts our ingest embeds (same model
instance, same batch size): nothing that also splits, stores and indexes can be faster.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.core.settings import Settings, load_settings
from assistant.index.writer import embed_text
from eval.baselines import naive_store
from eval.bench.stats import ratio, spread, stopwatch
from ingest.parse import parse_document
from ingest.run import TextDocument, ingest_documents
from ingest.split import chunk_document, make_splitter

RUNNERS = ("ours", "floor", "naive")


def embedded_texts(documents: list[TextDocument], settings: Settings) -> list[str]:
    """Exactly the texts our ingest embeds for `documents` (heading context included)."""
    splitter = make_splitter(settings.chunk_size, settings.chunk_overlap)
    return [embed_text(c) for d in documents for c in chunk_document(d.source, d.text, parse_document(d.text, d.title), splitter)]


def run_ours(documents: list[TextDocument], settings: Settings, embeddings) -> tuple[float, int]:
    """Seconds for a first ingest into an empty index, and the chunk count."""
    with stopwatch() as took:
        report = ingest_documents(documents, settings, embeddings=embeddings, progress=False)
    if report.failures:
        raise RuntimeError(f"ingest failed for {len(report.failures)} documents, e.g. {report.failures[0]}")
    return took(), report.chunks


def run_floor(texts: list[str], embeddings) -> float:
    """Seconds for the bare `encode` of `texts` with the same model and batch size."""
    model, batch = embeddings.model, embeddings.batch_size
    with stopwatch() as took:
        model.encode(texts, batch_size=batch, normalize_embeddings=True, show_progress_bar=False)
    return took()


def run_naive(documents: list[TextDocument], folder: Path, embeddings) -> tuple[float, object]:
    """Seconds for the textbook pipeline (splitter 1000/200, `Chroma.from_documents`), and its store."""
    with stopwatch() as took:
        store = naive_store({d.source: d.text for d in documents}, folder, embeddings)
    return took(), store


def reingest(documents: list[TextDocument], settings: Settings) -> float:
    """Seconds to re-run ingest over an unchanged corpus (no embedder passed: it must not load)."""
    with stopwatch() as took:
        report = ingest_documents(documents, settings, progress=False)
    if report.embedded or report.added or report.updated:
        raise RuntimeError(f"re-ingest of an unchanged corpus changed the index: {report.summary()}")
    return took()


def bench_ingest(documents: list[TextDocument], embeddings, workdir: Path, reps: int, log=print) -> tuple[dict, Settings, object]:
    """Measure `reps` rounds; returns the results, and our index and the naive store of the last round."""
    texts = embedded_texts(documents, load_settings())
    embeddings.embed_documents(texts[:64])  # the first call warms the model up; no runner should pay it
    seconds = {name: [] for name in RUNNERS}
    again, chunks, naive_chunks, settings, store = [], 0, 0, None, None
    for rep in range(reps):
        order = RUNNERS[rep % 3 :] + RUNNERS[: rep % 3]
        for name in order:
            if name == "ours":
                settings = load_settings(db_dir=_fresh(workdir / f"ours-{rep}"))
                took, chunks = run_ours(documents, settings, embeddings)
                again.append(reingest(documents, settings))
            elif name == "floor":
                took = run_floor(texts, embeddings)
            else:
                took, store = run_naive(documents, _fresh(workdir / f"naive-{rep}"), embeddings)
                naive_chunks = len(store.get(include=[])["ids"])
            seconds[name].append(took)
            log(f"  ingest round {rep + 1}/{reps}: {name} {took:.1f}s")
    return _summarise(len(documents), chunks, naive_chunks, seconds, again), settings, store


def _summarise(documents: int, chunks: int, naive_chunks: int, seconds: dict, again: list[float]) -> dict:
    paired = lambda a, b: spread([ratio(x, y) for x, y in zip(seconds[a], seconds[b])])  # noqa: E731  same round, same load
    return {
        "documents": documents,
        "chunks": {"ours": chunks, "floor": chunks, "naive": naive_chunks},
        "seconds": {name: spread(values) for name, values in seconds.items()},
        "chunks_per_s": {"ours": spread([chunks / s for s in seconds["ours"]], 1), "floor": spread([chunks / s for s in seconds["floor"]], 1)},
        "ours_over_floor": paired("ours", "floor"),
        "naive_over_floor": paired("naive", "floor"),
        "ours_over_naive": paired("ours", "naive"),
        "reingest_s": spread(again),
    }


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    return folder
