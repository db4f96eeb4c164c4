"""`omnireport generate`: the argument parser and the command, for the lead to wire into cli.py.

omnireport generate --out DIR --sessions N [--days D] [--seed S] [--bad-rate R]
    [--dup-rate R] [--batches B] [--start-date YYYY-MM-DD] [--format csv|jsonl|parquet|mixed]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import date
from pathlib import Path

from omnireport.generate.config import DEFAULT_START_DATE, FORMATS

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _start_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--start-date must be YYYY-MM-DD, got {text!r}") from None


def add_generate_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `generate` sub-command to an argparse sub-parser collection."""
    parser = subparsers.add_parser(
        "generate",
        help="write random landing files full of the contract's edge cases",
        description=(
            "Write <out>/<table>/batch_0001.csv ... for every raw table: realistic sessions, "
            "messages, tags, presence logs and business-hours schedules with bad rows and "
            "re-exports. The same seed "
            "gives the same bytes; memory does not grow with --sessions."
        ),
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="landing folder to write (table folders are replaced)",
    )
    parser.add_argument("--sessions", type=int, required=True, help="number of sessions")
    parser.add_argument(
        "--days", type=int, default=14, help="days the sessions start on (default 14)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--bad-rate", type=float, default=0.01, help="fraction of rows broken (default 0.01)"
    )
    parser.add_argument(
        "--dup-rate", type=float, default=0.02, help="fraction of rows re-exported (default 0.02)"
    )
    parser.add_argument(
        "--batches", type=int, default=3, help="export batches, in time order (default 3)"
    )
    parser.add_argument(
        "--start-date",
        type=_start_date,
        default=DEFAULT_START_DATE,
        help=f"first local day, YYYY-MM-DD (default {DEFAULT_START_DATE.isoformat()})",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="csv",
        help="file format; mixed rotates csv, jsonl, parquet per batch (default csv)",
    )
    parser.set_defaults(handler=run_generate)


def run_generate(args: argparse.Namespace) -> int:
    """Run the generator for parsed arguments; print what was written, rows/s and peak memory."""
    from omnireport.generate import GenerateConfig, generate

    try:
        config = GenerateConfig(
            out=args.out,
            sessions=args.sessions,
            days=args.days,
            seed=args.seed,
            bad_rate=args.bad_rate,
            dup_rate=args.dup_rate,
            batches=args.batches,
            start_date=args.start_date,
            format=args.format,
        )
    except ValueError as exc:
        print(f"omnireport generate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    started = time.perf_counter()
    try:
        stats = generate(
            config, progress=lambda line: print(f"  {line}", file=sys.stderr, flush=True)
        )
    except OSError as exc:
        print(f"omnireport generate: could not write {config.out}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    seconds = time.perf_counter() - started
    for table, counts in stats.tables.items():
        print(
            f"{table:22s} {counts.rows:>10d} rows  {counts.bad:>8d} bad  {counts.dup:>8d} re-exported"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = stats.total_rows / seconds if seconds > 0 else float("inf")
    print(
        f"{stats.total_rows} rows in {seconds:.1f} s ({rate:,.0f} rows/s), peak RSS {peak_mb:.0f} MB, into {config.out}"
    )
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: `python -m omnireport.generate.cli --out ... --sessions ...`."""
    parser = argparse.ArgumentParser(prog="omnireport")
    add_generate_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["generate", *(argv if argv is not None else sys.argv[1:])])
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
