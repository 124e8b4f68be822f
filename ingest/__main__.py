"""`python -m ingest [PATH ...] [--reset] [--prune] [--db DIR]`: build or update the index."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.core.errors import cli_guard
from assistant.core.settings import index_arguments, settings_from


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__, parents=[index_arguments()])
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the corpus folder)")
    parser.add_argument("--reset", action="store_true", help="drop the index and build it anew")
    parser.add_argument("--prune", action="store_true", help="remove documents that are not under the given paths any more")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


@cli_guard(interrupted="interrupted: the index is consistent; run the same command again to finish")
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from ingest.run import ingest

    settings = settings_from(args)
    report = ingest(args.paths or [settings.corpus_dir], settings, reset=args.reset, prune=args.prune, progress=not args.quiet)
    for failure in report.failures:
        print(f"skipped {failure.source}: {failure.reason}", file=sys.stderr)
    print(report.summary())
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
