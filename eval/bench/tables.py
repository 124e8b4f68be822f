"""Render bench.json as the markdown tables the README carries."""

from __future__ import annotations

from eval.tables import table


def render(results: dict) -> str:
    """Every measured section as a markdown table, with the machine and its load."""
    parts = [_machine(results)]
    for name, renderer in (("ingest", _ingest), ("latency", _latency), ("quality", _quality), ("answers", _answers), ("refusal", _refusal), ("scale", _scale), ("cold", _cold), ("runtimes", _runtimes)):
        if name in results:
            parts.append(renderer(results[name], results))
    return "\n\n".join(parts)


def fmt(s: dict | None, digits: int = 1) -> str:
    """A spread as `median (min–max)`, or the median alone when there was one repetition.

    >>> fmt({"median": 2.0, "min": 1.5, "max": 3.0, "n": 3})
    '2.0 (1.5–3.0)'
    """
    if not s or s.get("median") is None:
        return "–"
    if s["n"] <= 1 or s["min"] == s["max"]:
        return f"{s['median']:.{digits}f}"
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}–{s['max']:.{digits}f})"


def _table(header: list[str], rows: list[list]) -> str:
    """The shared Markdown table; the bench formats its own cells, so they are written as they are."""
    return table(header, rows, cell=str)


def _machine(results: dict) -> str:
    m = results["machine"]
    return (
        f"Measured {results['started'][:10]} on {m['arch']}, {m['cores']} cores ({m['cpu']}), {m['memory_mb']} MB RAM, no GPU; "
        f"torch {m['torch_threads']} threads, chromadb {m['chromadb']}. Load average (1/5/15 min) "
        f"{'/'.join(map(str, m['load_average_start']))} at start, {'/'.join(map(str, m.get('load_average_end', [])))} at end; "
        f"run took {results.get('seconds', 0) / 60:.0f} min."
    )


def _ingest(r: dict, _) -> str:
    s, c = r["seconds"], r["chunks"]
    rows = [
        ["raw `SentenceTransformer.encode` of our chunk texts (floor)", c["floor"], fmt(s["floor"]), fmt(r["chunks_per_s"]["floor"]), "1.00"],
        ["**ours** (split, embed, Chroma upsert, BM25, manifest)", c["ours"], fmt(s["ours"]), fmt(r["chunks_per_s"]["ours"]), fmt(r["ours_over_floor"], 2)],
        ["naive LangChain (splitter 1000/200, `Chroma.from_documents`)", c["naive"], fmt(s["naive"]), "–", fmt(r["naive_over_floor"], 2)],
    ]
    cold = r.get("reingest_fresh_process", {})
    return (
        f"**Ingest** of {r['documents']:,} SQuAD paragraphs (seconds, median (range) of {s['ours']['n']} rounds; ratio to the floor per round)\n\n"
        + _table(["pipeline", "chunks", "seconds", "chunks/s", "× floor"], rows)
        + f"\n\nRe-ingest of the unchanged corpus: {fmt(r['reingest_s'], 2)} s in-process; {cold.get('process_s', '–')} s as a fresh process "
        f"(of which ingest {cold.get('ingest_s', '–')} s, the rest interpreter start and imports)."
    )


def _latency(r: dict, _) -> str:
    ms = r["latency_ms"]
    rows = [
        ["ours: retrieval (hybrid, top 10)", fmt(ms["retrieve"]["p50"]), fmt(ms["retrieve"]["p95"])],
        ["ours: full extractive answer (top 4)", fmt(ms["answer"]["p50"]), fmt(ms["answer"]["p95"])],
        ["naive `similarity_search` (top 10)", fmt(ms["naive"]["p50"]), fmt(ms["naive"]["p95"])],
    ]
    rows += [[f"  answer stage: {stage}", fmt(v["p50"]), fmt(v["p95"])] for stage, v in r["answer_stages_ms"].items()]
    a = r["answers"]
    return (
        f"**Query latency** (ms; {r['rounds']} rounds × {r['questions_per_round']:,} fresh questions, each round from an empty sentence cache; median (range) over rounds)\n\n"
        + _table(["", "p50", "p95"], rows)
        + f"\n\nExtractive answers quote a gold answer string in {a['holds_gold_answer']:.0%} of these questions and refuse {a['refused']:.0%}."
    )


def _quality(r: dict, results: dict) -> str:
    keys = ["recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"]
    names = {"hybrid": "**ours, hybrid (default)**", "dense": "ours, dense only", "bm25": "ours, BM25 only (bm25s)"}
    rows = [[names[m]] + [f"{r[m][k]:.3f}" for k in keys] for m in ("hybrid", "dense", "bm25")]
    text = f"**Retrieval quality** on {r['hybrid']['questions']:,} SQuAD questions (same chunks; a hit is a chunk of the gold paragraph)\n\n"
    same = results.get("latency", {}).get("quality_same_questions")
    if same:
        rows.append([f"naive LangChain, on the {same['naive']['questions']:,} latency questions"] + [f"{same['naive'][k]:.3f}" for k in keys])
        rows.append([f"ours, hybrid, on the same {same['ours']['questions']:,} questions"] + [f"{same['ours'][k]:.3f}" for k in keys])
    return text + _table(["retriever", "R@1", "R@5", "R@10", "MRR@10", "nDCG@10"], rows)


def _answers(r: dict, _) -> str:
    rows = [[name, f"{v['holds_gold_answer']:.1%}", f"{v['refused']:.1%}", f"{v['recall@1']:.3f}", f"{v['answer_ms']['p50']:.0f}", f"{v['answer_ms']['p95']:.0f}"] for name, v in r.items()]
    n = next(iter(r.values()))["questions"]
    return (
        f"**Extractive answers by answer scorer** ({n:,} SQuAD questions, the same for each; R@1: the first passage the answer was given is from the gold paragraph)\n\n"
        + _table(["scorer", "quotes a gold answer", "refused", "R@1", "answer p50 ms", "answer p95 ms"], rows)
    )


def _refusal(r: dict, _) -> str:
    names = [k for k in r if isinstance(r[k], dict)]
    rows = [[name, f"{r[name]['auc']:.3f}", f"{r[name]['refusal_accuracy']:.3f}", f"{r[name]['refused_answerable']:.1%}", f"{r[name]['refused_deleted']:.1%}", f"{r[name]['threshold']:.3f}"] for name in names]
    return (
        f"**Deleted-answer-sentence test** ({r['questions']} questions on the first {r['paragraphs']} SQuAD dev paragraphs, one per paragraph; "
        f"for {r['questions'] - r['answerable']} of them the answer sentence was deleted before ingesting)\n\n"
        + _table(["scorer", "refusal AUC", "refusal accuracy", "answerable refused", "deleted refused", "threshold"], rows)
    )


def _scale(r: dict, _) -> str:
    def cell(part: dict, key: str) -> str:
        if "skipped" in part or "error" in part:
            return "not run"
        lat = part["latency_ms"]
        return {"lat": f"{lat['p50']:.1f} / {lat['p95']:.1f}", "rss": f"{part['rss_mb'] - part['base_rss_mb']:.0f}", "build": f"{part.get('build_s', '–')}"}[key]

    rows = [[f"{int(n):,}"] + [cell(row[p], k) for p in ("bm25", "chroma", "numpy") for k in ("lat", "rss", "build") if not (p == "numpy" and k == "build")] for n, row in r.items()]
    notes = [f"{int(n):,} {p}: {row[p].get('skipped') or row[p].get('error')}" for n, row in r.items() for p in row if "skipped" in row[p] or "error" in row[p]]
    header = ["chunks", "BM25 p50 / p95 ms", "BM25 MB", "BM25 build s", "Chroma p50 / p95 ms", "Chroma MB", "Chroma insert s", "numpy exact p50 / p95 ms", "numpy MB"]
    return (
        "**Scale** (synthetic 384-d vectors and ~80-word texts; top 30; MB = resident memory the opened index adds to its process)\n\n"
        + _table(header, rows) + ("\n\n" + "\n".join(f"- {n}" for n in notes) if notes else "")
    )


def _cold(r: dict, _) -> str:
    rows = [["`python -m assistant ask --json` (CLI)", fmt(r["cli_ask"]["first_answer_s"], 2), fmt(r["cli_ask"]["peak_rss_mb"], 0)]]
    serve = r.get("app_serve")
    if serve and "error" not in serve:
        rows.append([f"`python -m assistant serve` (app; ready after {serve['ready_s']} s)", f"{serve['first_answer_s']:.2f}", f"{serve['peak_rss_mb']:.0f}"])
    elif serve:
        rows.append(["`python -m assistant serve` (app)", f"not measured: {serve['error']}", "–"])
    text = "**Cold start** (process start to first answer)\n\n" + _table(["entry point", "seconds", "peak RSS MB"], rows)
    omp = r.get("omp_wait_policy")
    if omp:
        text += (
            f"\n\nOne query embedding in a fresh process, p50 / p95 ms: {fmt(omp['library_default']['p50'])} / {fmt(omp['library_default']['p95'])} "
            f"with OpenMP's default waiting (threads spin), {fmt(omp['passive']['p50'])} / {fmt(omp['passive']['p95'])} with ours (`OMP_WAIT_POLICY=PASSIVE`)."
        )
    return text


RUNTIME_NAMES = {"torch": "PyTorch (sentence-transformers)", "onnx": "ONNX Runtime fp32", "onnx-int8": "ONNX Runtime int8 (dynamic, per channel)"}


def _runtimes(r: dict, _) -> str:
    ing, q, ms = r["ingest"], r["quality"], r["latency_ms"]
    several = len({v["model"] for v in r.get("runners", {}).values()}) > 1
    labels = {k: f"{v['model']}, {RUNTIME_NAMES[v['runtime']]}" for k, v in r["runners"].items()} if several else {k: f"our ingest, embedder {v}" for k, v in RUNTIME_NAMES.items()}
    floor = "raw PyTorch `encode` of our chunk texts (floor" + (", all-MiniLM-L6-v2)" if several else ")")
    rows = [[floor, fmt(ing["seconds"]["floor"]), fmt(ing["chunks_per_s"]["floor"]), "1.00", "", "", "", "", "", ""]]
    for name, label in labels.items():
        rows.append([
            label, fmt(ing["seconds"][name]), fmt(ing["chunks_per_s"][name]), fmt(ing["speed_over_floor"][name], 2),
            f"{q[name]['hybrid']['ndcg@10']:.4f}", f"{r['ndcg10_hybrid_minus_torch'][name]:+.4f}", f"{q[name]['hybrid']['recall@1']:.3f}",
            f"{q[name]['dense']['ndcg@10']:.4f}", f"{ms[name]['query_embedding']['p50']:.1f} / {ms[name]['query_embedding']['p95']:.1f}",
            f"{ms[name]['retrieve']['p50']:.1f} / {ms[name]['retrieve']['p95']:.1f}",
        ])
    header = ["", "ingest s", "chunks/s", "× floor speed", "nDCG@10 hybrid", "Δ vs torch", "R@1 hybrid", "nDCG@10 dense", "query embedding p50 / p95 ms", "retrieval p50 / p95 ms"]
    first = next(iter(labels))
    return (
        f"**Embedder runtimes** ({ing['chunks']:,} chunks, median (range) of {ing['seconds']['floor']['n']} rounds, speed ratio to the floor per round; "
        f"quality on {q[first]['hybrid']['questions']:,} questions, latency on {ms[first]['query_embedding']['n']:,}, each runtime on its own index"
        + ("; Δ vs torch: against the same embedder on PyTorch)" if several else ")") + "\n\n"
        + _table(header, rows)
        + "\n\nLoad (s, export included when not cached): " + ", ".join(f"{k} {v}" for k, v in r["load_s"].items())
    )
