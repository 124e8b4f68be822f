"""Scale curve: how retrieval latency and memory grow from 10k to 1M chunks.

Sizes beyond the real corpus use synthetic data: normalised random 384-dimension vectors
and texts of ~80 words drawn from a Zipf-like vocabulary (like English, a few words are
frequent and most are rare). Each measurement runs in a child process of its own, so its
memory figures are its own; an index is built in one child and queried in another, the way
an app opens an index that ingest wrote. Components:

- `bm25`: our `KeywordIndex` (bm25s), built, saved, then loaded memory-mapped as the app does;
- `chroma`: an embedded Chroma collection with documents and metadata like ours, top 30;
- `numpy`: exact brute-force cosine top 30 over an in-memory matrix (the no-index baseline).

`python -m eval.bench.scale PART SIZE FOLDER` runs one child and prints its JSON.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from eval.bench.stats import latency, peak_rss_mb, rss_mb

DIM, WORDS, VOCABULARY, TOP = 384, 80, 30_000, 30
QUERIES = 200
BLOCK = 5000  # rows generated and written at a time (Chroma's batch limit is above this)


def vectors(n: int, seed: int, start: int = 0) -> np.ndarray:
    """Rows `start..start+n` of a reproducible stream of normalised random vectors."""
    rng = np.random.default_rng([seed, start])
    block = rng.standard_normal((n, DIM), dtype=np.float32)
    return block / np.linalg.norm(block, axis=1, keepdims=True)


def texts(n: int, seed: int, start: int = 0) -> list[str]:
    """Rows `start..start+n` of reproducible synthetic chunk texts (Zipf-like word frequencies)."""
    words = np.array(_vocabulary(), dtype=object)
    rng = np.random.default_rng([seed + 1, start])
    picks = rng.choice(len(words), size=(n, WORDS), p=_zipf(len(words)))
    return [" ".join(row) for row in words[picks].tolist()]


@lru_cache(maxsize=1)
def _vocabulary() -> list[str]:
    rng = np.random.default_rng(7)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return sorted({"".join(rng.choice(letters, size=rng.integers(4, 10))) for _ in range(VOCABULARY)})


def _zipf(n: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** 1.07  # Zipf's exponent for English is about 1
    return weights / weights.sum()


def _queries(size: int) -> list[str]:
    """Six words each, drawn as chunk words are (a question mostly reuses a passage's words)."""
    return [" ".join(t.split()[:6]) for t in texts(QUERIES, 99)]


def _timed(calls) -> tuple[dict, float]:
    """Latency of each call after the first, and the first call's milliseconds (cold caches)."""
    ms = []
    for call in calls:
        began = time.perf_counter()
        call()
        ms.append((time.perf_counter() - began) * 1000)
    return latency(ms[1:]), round(ms[0], 1)


# -- the child processes ---------------------------------------------------------------

def build_bm25(size: int, folder: Path) -> dict:
    from assistant.index.keyword import KeywordIndex

    base = rss_mb()
    began = time.perf_counter()
    corpus = [t for start in range(0, size, BLOCK) for t in texts(min(BLOCK, size - start), 0, start)]
    generated = time.perf_counter()
    KeywordIndex.build([f"c{i}" for i in range(size)], corpus).save(folder)
    return {"build_s": round(time.perf_counter() - generated, 1), "generate_s": round(generated - began, 1), "build_peak_rss_mb": peak_rss_mb(), "base_rss_mb": base}


def query_bm25(size: int, folder: Path) -> dict:
    from assistant.index.keyword import KeywordIndex

    base = rss_mb()
    began = time.perf_counter()
    keyword = KeywordIndex.load(folder)
    opened = time.perf_counter() - began
    stats, first = _timed([lambda q=q: keyword.top(q, TOP) for q in _queries(size)])
    return {"open_s": round(opened, 2), "latency_ms": stats, "first_query_ms": first, "rss_mb": rss_mb(), "base_rss_mb": base, "disk_mb": _disk_mb(folder)}


def build_chroma(size: int, folder: Path) -> dict:
    collection = _chroma(folder, create=True)
    base = rss_mb()
    began = time.perf_counter()
    for start in range(0, size, BLOCK):
        n = min(BLOCK, size - start)
        collection.add(
            ids=[f"c{i}" for i in range(start, start + n)],
            embeddings=vectors(n, 0, start),
            documents=texts(n, 0, start),
            metadatas=[{"source": f"doc{i // 4}", "title": "", "section": "", "start": 0, "end": 600, "notice": ""} for i in range(start, start + n)],
        )
    return {"build_s": round(time.perf_counter() - began, 1), "build_peak_rss_mb": peak_rss_mb(), "base_rss_mb": base}


def query_chroma(size: int, folder: Path) -> dict:
    base = rss_mb()
    collection = _chroma(folder)
    queries = vectors(QUERIES, 1)
    calls = [lambda v=v: collection.query(query_embeddings=[v.tolist()], n_results=TOP, include=["documents", "metadatas", "distances"]) for v in queries]
    stats, first = _timed(calls)
    return {"latency_ms": stats, "first_query_ms": first, "rss_mb": rss_mb(), "base_rss_mb": base, "disk_mb": _disk_mb(folder)}


def query_numpy(size: int, folder: Path) -> dict:
    base = rss_mb()
    matrix = np.concatenate([vectors(min(BLOCK * 20, size - s), 0, s) for s in range(0, size, BLOCK * 20)])
    queries = vectors(QUERIES, 1)

    def top(v):
        scores = matrix @ v
        best = np.argpartition(-scores, TOP - 1)[:TOP]
        return best[np.argsort(-scores[best])]

    stats, first = _timed([lambda v=v: top(v) for v in queries])
    return {"latency_ms": stats, "first_query_ms": first, "rss_mb": rss_mb(), "base_rss_mb": base}


def _chroma(folder: Path, create: bool = False):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(folder), settings=ChromaSettings(anonymized_telemetry=False))
    if create:
        return client.create_collection("scale", metadata={"hnsw:space": "cosine"}, embedding_function=None)
    return client.get_collection("scale", embedding_function=None)


def _disk_mb(folder: Path) -> float:
    return round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6, 1)


PARTS = {"bm25-build": build_bm25, "bm25-query": query_bm25, "chroma-build": build_chroma, "chroma-query": query_chroma, "numpy-query": query_numpy}


def child(part: str, size: int, folder: Path, timeout: float) -> dict:
    """Run one part in a fresh interpreter; its JSON, or {"error": ...} when it failed or ran out of time."""
    command = [sys.executable, "-m", "eval.bench.scale", part, str(size), str(folder)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"stopped after {timeout:.0f}s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_scale(sizes: list[int], workdir: Path, budget_s: float, log=print) -> dict:
    """Every component at every size; Chroma stops growing when the next build would not fit
    in what is left of `budget_s` (HNSW insertion is the slow part), and says so."""
    began, results, chroma_rate = time.perf_counter(), {}, None
    for size in sizes:
        row = {"bm25": child("bm25-build", size, workdir / f"bm25-{size}", budget_s)}
        row["bm25"] |= child("bm25-query", size, workdir / f"bm25-{size}", budget_s)
        row["numpy"] = child("numpy-query", size, workdir, budget_s)
        left = budget_s - (time.perf_counter() - began)
        projected = size / chroma_rate * 1.3 if chroma_rate else 0.0  # insertion slows as the graph grows
        if projected > left:
            row["chroma"] = {"skipped": f"projected build {projected:.0f}s at {chroma_rate:.0f} vectors/s exceeds the {left:.0f}s left of the budget"}
        else:
            row["chroma"] = child("chroma-build", size, workdir / f"chroma-{size}", max(left, 60))
            if "error" not in row["chroma"]:
                chroma_rate = size / max(row["chroma"]["build_s"], 0.1)
                row["chroma"] |= child("chroma-query", size, workdir / f"chroma-{size}", budget_s)
        for name in (f"bm25-{size}", f"chroma-{size}"):
            shutil.rmtree(workdir / name, ignore_errors=True)
        results[str(size)] = row
        log(f"  scale {size:,}: " + ", ".join(f"{k} p50 {v['latency_ms']['p50']:.1f} ms" for k, v in row.items() if "latency_ms" in v))
    return results


def main(argv: list[str]) -> int:
    part, size, folder = argv[0], int(argv[1]), Path(argv[2])
    print(json.dumps(PARTS[part](size, folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
