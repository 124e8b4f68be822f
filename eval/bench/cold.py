"""Cold start: seconds from starting a process to its first answer, and that process's peak memory.

Measured on the real entry points in fresh interpreters: `python -m assistant ask --json`
(load models and index, answer, print), `python -m assistant serve` (the app: ready, then a
first answer over its HTTP API), and a re-ingest of the unchanged SQuAD corpus in a fresh
process (`python -m eval.bench.cold reingest DB DATA PARAGRAPHS`, the same as `python -m
ingest` on files, plus reading the dataset).

It also measures the one setting that most changed latency on a shared machine: the app
lets idle OpenMP threads sleep (`OMP_WAIT_POLICY=PASSIVE`, set in `assistant.offline`);
`wait_policy_effect` embeds the same queries in two fresh processes, one with the library
default (threads spin) and one with ours, side by side.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from eval.bench.stats import peak_rss_mb, spread


def run_child(command: list[str]) -> tuple[float, float, float, str]:
    """Start `command`; seconds to its first line of output, seconds to its exit, peak RSS (MB), stdout.

    The peak is the child's VmHWM, sampled until it exits (it only grows, so the last sample is
    the peak to within the final 20 ms).
    """
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = [0.0]
    sampler = threading.Thread(target=_sample_peak, args=(process, peak), daemon=True)
    sampler.start()
    first = process.stdout.readline()
    first_s = time.perf_counter() - began
    rest = process.stdout.read()
    process.wait()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:4])} exited with status {process.returncode}")
    return first_s, time.perf_counter() - began, peak[0], first + rest


def _sample_peak(process: subprocess.Popen, peak: list[float]) -> None:
    while process.poll() is None:
        peak[0] = max(peak[0], peak_rss_mb(process.pid))
        time.sleep(0.02)


def cold_ask(db: Path, question: str, reps: int) -> dict:
    """`python -m assistant ask QUESTION --json` from a cold start, `reps` times."""
    command = [sys.executable, "-m", "assistant", "ask", question, "--db", str(db), "--json"]
    runs = [run_child(command) for _ in range(reps)]
    return {"first_answer_s": spread([r[0] for r in runs], 2), "peak_rss_mb": spread([r[2] for r in runs], 1)}


def cold_reingest(db: Path, data: Path, paragraphs: int | None) -> dict:
    """A fresh process that re-ingests the unchanged corpus: wall seconds and the ingest's own."""
    command = [sys.executable, "-m", "eval.bench.cold", "reingest", str(db), str(data), str(paragraphs or 0)]
    _, wall, peak, out = run_child(command)
    return {"process_s": round(wall, 2), "ingest_s": round(float(out.split()[0]), 2), "peak_rss_mb": peak}


def cold_serve(db: Path, question: str, timeout: float = 300.0) -> dict:
    """`python -m assistant serve`: seconds until it accepts connections, until its first answer
    over the Gradio API, and its peak memory (VmHWM) after that answer."""
    from gradio_client import Client

    port = _free_port()
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--db", str(db), "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not _accepts(port):
            if process.poll() is not None or time.perf_counter() - began > timeout:
                raise RuntimeError("the app did not start")
            time.sleep(0.1)
        ready = time.perf_counter() - began
        Client(f"http://127.0.0.1:{port}/", verbose=False).predict(question, api_name="/ask")
        answered = time.perf_counter() - began
        return {"ready_s": round(ready, 2), "first_answer_s": round(answered, 2), "peak_rss_mb": peak_rss_mb(process.pid)}
    finally:
        process.terminate()
        process.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_policy_effect(reps: int) -> dict:
    """Query-embedding latency in fresh processes: OpenMP's default waiting vs ours (PASSIVE)."""
    runs: dict[str, list[dict]] = {"library_default": [], "passive": []}
    for _ in range(reps):
        for name, value in (("library_default", ""), ("passive", "PASSIVE")):  # "" = unset for libgomp
            env = os.environ | {"OMP_WAIT_POLICY": value}
            out = subprocess.run([sys.executable, "-m", "eval.bench.cold", "embed"], capture_output=True, text=True, env=env, check=True).stdout
            runs[name].append(json.loads(out.strip().splitlines()[-1]))
    return {name: {q: spread([r[q] for r in rs], 1) for q in ("p50", "p95")} for name, rs in runs.items()}


def _embed_queries(n: int = 60) -> int:
    from assistant.index.embedder import get_embeddings
    from eval.bench.stats import latency

    embeddings = get_embeddings("all-MiniLM-L6-v2")
    embeddings.embed_query("warm up")
    ms = []
    for i in range(n):
        began = time.perf_counter()
        embeddings.embed_query(f"When did the oil crisis of 19{i:02d} begin?")
        ms.append((time.perf_counter() - began) * 1000)
    print(json.dumps(latency(ms)))
    return 0


def _reingest(db: str, data: str, paragraphs: str) -> int:
    from assistant.core.settings import load_settings
    from eval.bench.ingest import reingest
    from eval.bench.squad import load_squad

    squad = load_squad(Path(data), int(paragraphs) or None)
    print(f"{reingest(squad.documents, load_settings(db_dir=Path(db))):.3f}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["embed"]:
        sys.exit(_embed_queries())
    if sys.argv[1:2] != ["reingest"]:
        sys.exit("usage: python -m eval.bench.cold reingest DB DATA PARAGRAPHS | embed")
    sys.exit(_reingest(*sys.argv[2:5]))
