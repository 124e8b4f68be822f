"""`python -m eval [run options] | compare | sweep | calibrate | baseline | bench`.

With no command, runs the eval set through the chat pipeline and writes a report folder.
Errors become one line naming the fix, exit status 2; a failed `--check` exits 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.core.errors import cli_guard
from assistant.core.settings import index_arguments, settings_from
from eval.cases import DEFAULT_SET, load_cases
from eval.check import BASELINE
from eval.report import RUNS_DIR

COMMANDS = ("run", "compare", "sweep", "calibrate", "baseline", "bench", "train-scorer", "cosine-weight", "rerank-fusion", "answer-type", "aliases", "runner-up", "carry-on", "reading-budget")
EPILOG = """commands:
  python -m eval [run] [options]        answer every case, write report.json/.md, RAGAS export, plots
  python -m eval --check                extractive run; exit 1 if a headline metric fell below eval/baseline.json
  python -m eval compare RUN_A RUN_B    what moved between two runs, newly failing cases first
  python -m eval sweep                  retrieval mode x chunk size x k grid -> leaderboard
  python -m eval calibrate              the refusal threshold that best separates unanswerable questions
  python -m eval baseline [RUN]         write eval/baseline.json from a run (default: the latest)
  python -m eval bench [...]            the latency benchmark (eval/bench.py)
  python -m eval train-scorer [...]     train the answer scorer on SQuAD train (eval/train_scorer.py)
  python -m eval cosine-weight [...]    the cosine's weight beside the scorer, on held-out SQuAD train (eval/cosine_weight.py)
  python -m eval rerank-fusion [...]    the passages' order: retrieval, scorer or their fusion, on held-out SQuAD train (eval/rerank_fusion.py)
  python -m eval answer-type [...]      the answer-type check on and off for the questions it refuses, on held-out SQuAD train (eval/answer_type_check.py)
  python -m eval aliases [...]          short forms ("the alliance") resolved and not, for the questions it changes, on held-out SQuAD train (eval/aliases_check.py)
  python -m eval runner-up [...]        how close a second sentence must score to the best to be quoted, on held-out SQuAD train (eval/runner_up.py)
  python -m eval carry-on [...]         which next sentences are quoted after a chosen one, on held-out SQuAD train (eval/carry_on.py)
  python -m eval reading-budget [...]   answers quoting the gold by sentences the scorer reads and passages it reorders, on held-out SQuAD train (eval/reading_budget.py)"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval", description="Score the assistant on an eval set.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command")
    index = [index_arguments()]
    ingested = "The corpus is ingested into the index (--db) first when it is missing or stale."
    run = commands.add_parser("run", parents=index, help="run the eval set (the default command)", description=ingested)
    _run_options(run)
    compare = commands.add_parser("compare", help="what moved between two runs")
    compare.add_argument("runs", nargs=2, type=Path, metavar="RUN", help="run folder (or its report.json): before, after")
    sweep = commands.add_parser("sweep", parents=index, help="grid of retrieval settings -> leaderboard")
    _common(sweep)
    sweep.add_argument("--modes", nargs="+", default=None, help="retrieval modes (default: dense bm25 hybrid)")
    sweep.add_argument("--chunk-sizes", nargs="+", type=int, default=None, help="chunk sizes (default: 600 900)")
    sweep.add_argument("--ks", nargs="+", type=int, default=None, help="passages given to the answer (default: 4 8)")
    sweep.add_argument("--scorers", nargs="+", default=None, help="answer-scorer variants: heuristic learned learned+rerank (default: the configured one)")
    sweep.add_argument("--no-naive", action="store_true", help="skip the LangChain reference row")
    calibrate = commands.add_parser("calibrate", parents=index, help="best refusal threshold on the eval set", description=ingested)
    _common(calibrate)
    baseline = commands.add_parser("baseline", help="write eval/baseline.json from a run")
    baseline.add_argument("run", nargs="?", type=Path, help="run folder (default: the latest extractive run)")
    commands.add_parser("bench", help="latency benchmark (eval/bench.py)", add_help=False)
    from eval.train_scorer import add_arguments

    add_arguments(commands.add_parser("train-scorer", help="train, calibrate and save the answer scorer"))
    from eval import cosine_weight

    cosine_weight.add_arguments(commands.add_parser("cosine-weight", help="quoted-sentence accuracy by cosine weight, held-out SQuAD train"))
    from eval import rerank_fusion

    rerank_fusion.add_arguments(commands.add_parser("rerank-fusion", help="passage recall by rerank fusion constant, held-out SQuAD train"))
    from eval import answer_type_check

    answer_type_check.add_arguments(commands.add_parser("answer-type", help="the answer-type check on and off, held-out SQuAD train"))
    from eval import aliases_check

    aliases_check.add_arguments(commands.add_parser("aliases", help="short forms resolved and not, held-out SQuAD train"))
    from eval import runner_up

    runner_up.add_arguments(commands.add_parser("runner-up", help="answers quoting the answer by runner-up floor, held-out SQuAD train"))
    from eval import carry_on

    carry_on.add_arguments(commands.add_parser("carry-on", help="next sentences quoted by rule: how often they hold the answer, held-out SQuAD train"))
    from eval import reading_budget

    reading_budget.add_arguments(commands.add_parser("reading-budget", help="answers quoting the gold by scorer reading budget, held-out SQuAD train"))
    return parser


def _common(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--set", type=Path, default=DEFAULT_SET, dest="set_file", help="eval set (JSONL)")
    sub.add_argument("--out", type=Path, default=RUNS_DIR, help="folder for run folders (default eval/runs)")
    sub.add_argument("--quiet", action="store_true", help="no progress bars")


def _run_options(sub: argparse.ArgumentParser) -> None:
    _common(sub)
    sub.add_argument("--backend", action="extend", nargs="+", dest="backends", metavar="NAME", help="answer backend(s): extractive (default), local, openai")
    sub.add_argument("--k", type=int, help="passages given to the answer (default: settings.top_k)")
    sub.add_argument("--check", action="store_true", help="fail (exit 1) when a headline metric falls below the baseline's floor")
    sub.add_argument("--baseline", type=Path, default=BASELINE, help="baseline for --check (default eval/baseline.json)")
    sub.add_argument("--no-plots", action="store_true", help="skip the PNG charts")


@cli_guard()
def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    return _bench(argv[1:]) if argv[:1] == ["bench"] else _command(argv)


def _command(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS and argv[0] not in ("-h", "--help"):
        argv = ["run", *argv]
    args = build_parser().parse_args(argv)
    if args.command == "compare":
        from eval.commands import compare_runs

        return compare_runs(*args.runs)
    if args.command == "baseline":
        from eval.commands import write_baseline

        return write_baseline(args.run)
    if args.command == "train-scorer":
        from eval.train_scorer import train

        return train(args)
    if args.command == "cosine-weight":
        from eval.cosine_weight import main as weigh

        return weigh(args)
    if args.command == "rerank-fusion":
        from eval.rerank_fusion import main as order

        return order(args)
    if args.command == "answer-type":
        from eval.answer_type_check import main as check_types

        return check_types(args)
    if args.command == "aliases":
        from eval.aliases_check import main as check_aliases

        return check_aliases(args)
    if args.command == "runner-up":
        from eval.runner_up import main as runners

        return runners(args)
    if args.command == "carry-on":
        from eval.carry_on import main as carry

        return carry(args)
    if args.command == "reading-budget":
        from eval.reading_budget import main as budgets

        return budgets(args)
    settings = settings_from(args)
    cases = load_cases(args.set_file)
    from eval import commands

    return getattr(commands, f"{args.command}_command")(args, settings, cases)


def _bench(argv: list[str]) -> int:
    """`python -m eval bench`: imported only now (it pulls in the SQuAD loader and the naive pipeline)."""
    from eval.bench.run import main as bench_main

    return bench_main(argv)


if __name__ == "__main__":
    sys.exit(main())
