"""`python -m eval bench [--quick]`: what the assistant costs on an independent corpus, and at scale.

A benchmark, not a test: it measures, prints tables and writes `bench.json`; nothing fails on
a slow machine. Every comparison runs side by side in one process and one run, as absolute
figures (medians of repetitions, with their range) and ratios:

1. ingest of SQuAD v1.1 dev (2,067 paragraphs): ours vs the raw-encode floor vs naive LangChain;
   then a re-ingest of the unchanged corpus, in-process and in a fresh process;
2. query latency over >= 1,000 questions: retrieval, full extractive answer, naive search;
3. retrieval quality (recall@1/5/10, MRR@10, nDCG@10): hybrid, dense-only, BM25, same chunks;
4. scale curve at 10k / 100k / 1M chunks (synthetic), latency and memory per component;
5. cold start: process start to first answer, and peak memory, for the CLI and the app;
6. answers: heuristic blend vs learned scorer vs learned scorer reordering passages: latency,
   gold answers quoted, refusals, recall@1 (eval/bench/answers.py);
7. refusal: the deleted-answer-sentence test on the first articles, AUC and accuracy per scorer;
8. runtimes: the embedder run by PyTorch, ONNX Runtime fp32 and int8 side by side: our ingest with
   each against the PyTorch encode floor, nDCG@10 / R@1, query-embedding and retrieval latency
   (eval/bench/runtimes.py); `--embedders` puts other embedders (all-mpnet-base-v2) on the same table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.core.settings import REPO_ROOT
from eval.bench.squad import DEFAULT_DATA, load_squad, sample

SECTIONS = ("ingest", "latency", "quality", "answers", "refusal", "scale", "cold", "runtimes")


@dataclass(frozen=True)
class Plan:
    """How much to measure: the defaults give the README figures (48 min on 2 shared cores), `quick()` a look in minutes."""

    paragraphs: int | None = None  # None: all 2,067
    ingest_reps: int = 2  # each round ingests the whole corpus three times (ours, floor, naive)
    latency_rounds: int = 2
    latency_questions: int = 1000  # per round, fresh questions each round
    quality_questions: int | None = 3000  # None: all 10,570 (adds ~10 min)
    scale_sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    scale_budget_s: float = 1200.0
    cold_reps: int = 2
    answer_questions: int = 1000  # per scorer variant
    refusal_paragraphs: int = 500  # the first articles, one question each, half with the answer deleted

    @classmethod
    def quick(cls) -> Plan:
        return cls(200, 2, 2, 150, 1000, (10_000, 100_000), 90.0, 1, 150, 150)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a subset in about 5 minutes (fewer paragraphs, questions, rounds, sizes)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="SQuAD folder (corpus.jsonl, queries.jsonl)")
    parser.add_argument("--out", type=Path, help="folder for bench.json (default eval/runs/bench-<time>/)")
    parser.add_argument("--only", help=f"comma-separated sections to run, of {','.join(SECTIONS)} (ingest always builds the index, except for runtimes alone, which builds its own)")
    parser.add_argument("--paragraphs", type=int, help="use the first N paragraphs")
    parser.add_argument("--latency-questions", type=int, help="questions per latency round")
    parser.add_argument("--quality-questions", type=int, help="questions scored for quality")
    parser.add_argument("--answer-questions", type=int, help="questions per answer-scorer variant (answers section)")
    parser.add_argument("--refusal-paragraphs", type=int, help="paragraphs of the deleted-answer-sentence test (refusal section)")
    parser.add_argument("--scorers", help="comma-separated answer-scorer variants of the answers section (default: all; names as in `eval sweep --scorers`, or a cross-encoder folder, which the refusal section measures too)")
    parser.add_argument("--reps", type=int, help="ingest repetitions and latency rounds")
    parser.add_argument("--scale-sizes", help="comma-separated chunk counts, e.g. 10000,100000")
    parser.add_argument("--scale-budget", type=float, help="seconds the scale curve may take; Chroma sizes whose build would not fit are skipped (default 1200)")
    parser.add_argument("--embedders", help="runtimes section: comma-separated embedders to put on its table, each by every runtime, e.g. all-MiniLM-L6-v2,all-mpnet-base-v2 (default: all-MiniLM-L6-v2 alone)")
    parser.add_argument("--no-serve", action="store_true", help="skip the app's cold start (measure the CLI's only)")
    return parser.parse_args(argv)


def plan_from(args: argparse.Namespace) -> Plan:
    plan = asdict(Plan.quick() if args.quick else Plan())
    overrides = {
        "paragraphs": args.paragraphs, "latency_questions": args.latency_questions, "quality_questions": args.quality_questions,
        "ingest_reps": args.reps, "latency_rounds": args.reps, "cold_reps": args.reps,
        "scale_sizes": tuple(int(s) for s in args.scale_sizes.split(",")) if args.scale_sizes else None,
        "scale_budget_s": args.scale_budget, "answer_questions": args.answer_questions, "refusal_paragraphs": args.refusal_paragraphs,
    }
    return Plan(**plan | {k: v for k, v in overrides.items() if v is not None})


def main(argv: list[str]) -> int:
    """Run the benchmark; prints the tables and the path of bench.json. Returns 0."""
    args = parse_args(argv)
    plan, sections = plan_from(args), (args.only.split(",") if args.only else list(SECTIONS))
    unknown = set(sections) - set(SECTIONS)
    _scorers(args)  # an unknown variant stops here, not after the ingest
    if unknown:
        raise SystemExit(f"unknown section(s) {', '.join(sorted(unknown))}: choose from {', '.join(SECTIONS)}")
    out = args.out or REPO_ROOT / "eval" / "runs" / f"bench-{datetime.now():%Y%m%d-%H%M%S}"
    results = {"machine": machine(), "plan": asdict(plan), "started": datetime.now(UTC).isoformat(timespec="seconds")}
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        results |= run_sections(args, plan, sections, Path(tmp))
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["seconds"] = round(time.perf_counter() - began, 1)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(results, indent=2))
    from eval.bench.tables import render

    print(render(results))
    print(f"\nwrote {out / 'bench.json'}")
    return 0


def run_sections(args: argparse.Namespace, plan: Plan, sections: list[str], tmp: Path) -> dict:
    from assistant.answer.pipeline import Pipeline
    from assistant.index.embedder import get_embeddings
    from eval.bench.ingest import bench_ingest

    squad = load_squad(args.data, plan.paragraphs)
    log(f"SQuAD: {len(squad.documents)} paragraphs, {len(squad.questions)} questions")
    results = {}
    if "runtimes" in sections:
        from eval.bench.runtimes import bench_runtimes

        quality, timed = sample(squad.questions, plan.quality_questions or len(squad.questions), seed=2), sample(squad.questions, plan.latency_questions, seed=1)
        models = args.embedders.split(",") if args.embedders else ["all-MiniLM-L6-v2"]
        results["runtimes"] = bench_runtimes(squad.documents, quality, timed, _folder(tmp / "runtimes"), plan.ingest_reps, log, models)
        if set(sections) <= {"runtimes"}:
            return results
    embeddings = get_embeddings("all-MiniLM-L6-v2")
    if "ingest" in sections or "latency" in sections:  # both need the floor and the naive store
        ingest, settings, naive = bench_ingest(squad.documents, embeddings, tmp / "ingest", plan.ingest_reps if "ingest" in sections else 1, log)
    else:
        from assistant.core.settings import load_settings
        from eval.bench.ingest import run_ours

        settings = load_settings(db_dir=tmp / "ingest" / "ours")
        run_ours(squad.documents, settings, embeddings)
    if "ingest" in sections:
        results["ingest"] = ingest
        from eval.bench.cold import cold_reingest

        results["ingest"]["reingest_fresh_process"] = cold_reingest(settings.db_dir, args.data, plan.paragraphs)
    pipeline = Pipeline.load(settings, embeddings=embeddings)
    if "latency" in sections:
        from eval.bench.query import bench_latency

        questions = sample(squad.questions, plan.latency_rounds * plan.latency_questions, seed=1)
        results["latency"] = bench_latency(pipeline, naive, questions, plan.latency_rounds, log)
    if "quality" in sections:
        from eval.bench.query import bench_quality

        questions = sample(squad.questions, plan.quality_questions or len(squad.questions), seed=2)
        results["quality"] = bench_quality(pipeline, questions, log)
    if "answers" in sections:
        from eval.bench.answers import bench_scorers

        results["answers"] = bench_scorers(pipeline, sample(squad.questions, plan.answer_questions, seed=3), log, _scorers(args))
    if "refusal" in sections:
        from eval.bench.answers import bench_refusal

        first = squad.documents[: plan.refusal_paragraphs]
        kept = {d.source for d in first}
        results["refusal"] = bench_refusal(pipeline, first, [q for q in squad.questions if q.gold in kept], _folder(tmp / "refusal"), log, _scorers(args))
    if "cold" in sections:
        results["cold"] = cold(settings.db_dir, squad.questions[0].text, plan.cold_reps, not args.no_serve)
    if "scale" in sections:
        from eval.bench.scale import bench_scale

        results["scale"] = bench_scale(list(plan.scale_sizes), _folder(tmp / "scale"), plan.scale_budget_s, log)
    return results


def _scorers(args: argparse.Namespace) -> list[str] | None:
    """The answer-scorer variants asked for (None: all); an unknown one stops the run before it starts."""
    from eval.sweep import SCORERS as SCORER_VARIANTS
    from eval.sweep import unknown_variants, variant_settings

    if not args.scorers:
        return None
    names: list[str] = []
    for piece in (n.strip() for n in args.scorers.split(",")):  # a variant's own name may hold a comma
        if names and variant_settings(f"{names[-1]}, {piece}") is not None:
            names[-1] = f"{names[-1]}, {piece}"
        else:
            names.append(piece)
    unknown = unknown_variants(names)
    if unknown:
        raise SystemExit(f"unknown scorer variant(s) {', '.join(unknown)}: choose from {', '.join(SCORER_VARIANTS)}, or the path of a cross-encoder folder")
    return names


def cold(db: Path, question: str, reps: int, serve: bool) -> dict:
    from eval.bench.cold import cold_ask, cold_serve, wait_policy_effect

    log("cold start")
    result = {"cli_ask": cold_ask(db, question, reps), "omp_wait_policy": wait_policy_effect(reps)}
    if serve:
        try:
            result["app_serve"] = cold_serve(db, question)
        except Exception as exc:  # a failed app start is a figure to report, not a reason to lose the run
            result["app_serve"] = {"error": f"{type(exc).__name__}: {exc}"}
    return result


def machine() -> dict:
    """What the figures were measured on, including the load other programs put on it."""
    import chromadb
    import torch

    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines() if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) // 1024 for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal")), None)
    return {
        "cpu": cpu, "cores": os.cpu_count(), "arch": platform.machine(), "memory_mb": memory, "gpu": "none used",
        "python": platform.python_version(), "torch_threads": torch.get_num_threads(), "chromadb": chromadb.__version__,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def log(message: str) -> None:
    print(message, flush=True)
