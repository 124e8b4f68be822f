"""`python -m ingest [PATH ...] [--reset] [--prune] [--db DIR]`: build or update the index."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.core.errors import AssistantError, report_unexpected
from assistant.core.settings import load_settings


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the corpus folder)")
    parser.add_argument("--reset", action="store_true", help="drop the index and build it anew")
    parser.add_argument("--prune", action="store_true", help="remove documents that are not under the given paths any more")
    parser.add_argument("--db", type=Path, dest="db_dir", help="index folder (env ASSISTANT_DB_DIR)")
    parser.add_argument("--chroma-host", help="use a Chroma server at this host instead of the folder")
    parser.add_argument("--chroma-port", type=int)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from ingest.run import ingest

    try:
        settings = load_settings(db_dir=args.db_dir, chroma_host=args.chroma_host, chroma_port=args.chroma_port)
        report = ingest(args.paths or [settings.corpus_dir], settings, reset=args.reset, prune=args.prune, progress=not args.quiet)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: the index is consistent; run the same command again to finish", file=sys.stderr)
        return 130
    except Exception as exc:  # the last guard: a bug must still not print a traceback at a user
        return report_unexpected(exc)
    for failure in report.failures:
        print(f"skipped {failure.source}: {failure.reason}", file=sys.stderr)
    print(report.summary())
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
