"""What each `python -m eval` command does, once its arguments are parsed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.core.errors import AssistantError, BadInputFile
from assistant.core.settings import REPO_ROOT, Settings
from eval.cases import Case
from eval.report import RUNS_DIR, load_report, run_folder, write_run

DEFAULT_BACKENDS = ["extractive"]


def run_command(args, settings: Settings, cases: list[Case]) -> int:
    """Run the set through each backend, write the run folder, print the headline (and check it)."""
    from eval.check import CHECK_BACKEND, check, load_baseline
    from eval.report import headline_table
    from eval.run import evaluate, open_pipeline, runnable_backends

    names = list(dict.fromkeys(args.backends or DEFAULT_BACKENDS))
    if args.check and names != [CHECK_BACKEND]:
        raise BadInputFile(f"--check compares the {CHECK_BACKEND} backend with eval/baseline.json: drop --backend")
    baseline = load_baseline(args.baseline) if args.check else None
    backends, skipped = runnable_backends(names, settings)
    for name, reason in skipped.items():
        print(f"skipping backend {name}: {reason}", file=sys.stderr)
    if not backends:
        raise AssistantError("none of the requested backends can run here (reasons above)")
    pipeline = open_pipeline(settings, progress=not args.quiet)
    report = evaluate(pipeline, cases, backends, k=args.k, progress=not args.quiet, skipped=skipped, set_name=_shown(args.set_file)).to_dict()
    folder = run_folder(args.out, "-".join(backends))
    write_run(report, folder, plots=not args.no_plots)
    print(headline_table(report["summary"]))
    print(f"\nreport: {_shown(folder / 'report.md')}")
    if not args.check:
        return 0
    _warn_on_other_settings(report["meta"], baseline)
    ok, text = check(report, baseline)
    print("\n" + text)
    return 0 if ok else 1


def _warn_on_other_settings(meta: dict, baseline: dict) -> None:
    """A check against a baseline of another set or other settings compares unlike with unlike."""
    then = baseline["settings"] | {"set": baseline["set"], "cases": baseline["cases"]}
    now = meta["settings"] | {"set": meta["set"], "cases": meta["cases"]}
    moved = {k: (then[k], now.get(k)) for k in then if now.get(k) != then[k]}
    if moved:
        print(f"note: this run differs from the baseline's (baseline, now): {moved}", file=sys.stderr)


def calibrate_command(args, settings: Settings, cases: list[Case]) -> int:
    """Answer every case with refusal off, then print the threshold that refuses best."""
    from eval.calibrate import describe, points, threshold_curve
    from eval.run import open_pipeline, pipeline_answer_fn, run

    pipeline = open_pipeline(settings.model_copy(update={"refusal_threshold": 0.0}), progress=not args.quiet)
    rows = run(cases, pipeline_answer_fn(pipeline, "extractive"), progress=not args.quiet, desc="calibrate")
    from assistant.answer.scorer import refusal_default

    current = refusal_default(settings) if settings.refusal_threshold is None else settings.refusal_threshold
    print(describe(threshold_curve(points(rows, 0.0)), current))
    return 0


def sweep_command(args, settings: Settings, cases: list[Case]) -> int:
    """Run the grid, write `leaderboard.md` and `.json` into a run folder, print the table."""
    from assistant.index.embedder import embedder_for
    from eval import sweep

    embeddings = embedder_for(settings)
    grid = {"modes": args.modes or sweep.MODES, "chunk_sizes": args.chunk_sizes or sweep.CHUNK_SIZES, "ks": args.ks or sweep.KS, "scorers": args.scorers}
    unknown = sweep.unknown_variants(args.scorers or ())
    if unknown:
        raise BadInputFile(f"unknown scorer variant(s) {', '.join(sorted(unknown))}: choose from {', '.join(sweep.SCORERS)}, or the path of a cross-encoder folder")
    entries = sweep.sweep(cases, settings, embeddings, naive=not args.no_naive, progress=not args.quiet, **grid)
    board = sweep.leaderboard(entries, settings)
    folder = run_folder(args.out, "sweep")
    (folder / "leaderboard.md").write_text(board + "\n", encoding="utf-8")
    (folder / "leaderboard.json").write_text(json.dumps({"grid": grid, "entries": entries}, indent=1), encoding="utf-8")
    print(board)
    print(f"\nleaderboard: {_shown(folder / 'leaderboard.md')}")
    return 0


def compare_runs(a: Path, b: Path) -> int:
    from eval.compare import compare

    print(compare(load_report(a), load_report(b)), end="")
    return 0


def write_baseline(run: Path | None) -> int:
    """Write eval/baseline.json from `run` (default: the newest run with the extractive backend)."""
    from eval.check import BASELINE, CHECK_BACKEND, make_baseline

    report = load_report(run or latest_run(CHECK_BACKEND))
    if CHECK_BACKEND not in report["summary"]:
        raise BadInputFile(f"that run has no {CHECK_BACKEND} results: run `python -m eval` first")
    BASELINE.write_text(json.dumps(make_baseline(report), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {_shown(BASELINE)} from the run of {report['meta']['date']}")
    return 0


def latest_run(backend: str, runs: Path = RUNS_DIR) -> Path:
    """The newest run folder holding results for `backend`."""
    for file in sorted(runs.glob("*/report.json"), reverse=True):
        if backend in load_report(file)["summary"]:
            return file.parent
    raise BadInputFile(f"no {backend} run under {runs}: run `python -m eval` first")


def _shown(path: Path) -> str:
    """`path` relative to the repository when inside it."""
    path = Path(path).resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)
