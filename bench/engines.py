"""The full build and an incremental run of one landing folder on DuckDB, PostgreSQL and
Spark, side by side.

    .venv/bin/python bench/engines.py --sessions 100000              # the 100k benchmark
    .venv/bin/python bench/engines.py --sessions 2000 --days 5       # a smoke run
    .venv/bin/python bench/engines.py --sessions 20000 --engines duckdb,postgres

Each engine works on the same generated landing folder (cached under bench/cache/ by
run_bench.generate, shared with `make bench`; one export batch a day), as its own
`omnireport run` processes, one engine after the other on the same machine:

- full: every batch but the last, built from empty (load, dbt build, checks, publish);
- incremental: then the last day's batch added and `omnireport run` again: the build
  decides itself that it may be incremental (omnireport.build_state).

Per engine: duckdb `omnireport run`; postgres `omnireport run --target postgres` on a
throwaway server started for both runs (tests/pg_server.py) and stopped after them, its
memory counted in the peak RSS; spark `omnireport run --target spark`, each run starting
and stopping its local Spark Connect server on the engine's folder (its start counts in
the run's time; needs the `spark` extra and Java 17).

Prints a table (wall time, landing rows per second, peak RSS of the process tree, time
relative to DuckDB's same step) and writes the same as JSON under bench/results/
(engines_<N>_<time>.json; each step's output in bench/results/engine_<name>_<step>.log).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
for _path in (str(BENCH), str(REPO)):  # run_bench (beside this file), tests.pg_server
    if _path not in sys.path:
        sys.path.insert(0, _path)

from run_bench import (  # noqa: E402
    Step,
    add_last_batch,
    count_rows,
    generate,
    tree_rss_bytes,
    without_last_batch,
)

ENGINES: tuple[str, ...] = ("duckdb", "postgres", "spark")
BENCH_DATABASE = "omnireport_bench"


def measure_engines(
    landing_dir: Path, engines: Sequence[str] = ENGINES, workdir: Path = BENCH / "cache" / "engines"
) -> list[Step]:
    """On each engine (in this order): the full build of every batch but the last, then
    the incremental run that adds the last batch; two Steps per engine, named
    `<engine> full` and `<engine> incremental` (wall seconds, landing rows, peak RSS in
    MB). `workdir` is emptied first and holds each engine's landing folder (hard links),
    the DuckDB file and the Spark folder."""
    unknown = [engine for engine in engines if engine not in ENGINES]
    if unknown:
        raise ValueError(
            f"unknown engine(s) {', '.join(unknown)}: choose from {', '.join(ENGINES)}"
        )
    landing_dir = Path(landing_dir).resolve()
    workdir = Path(workdir).resolve()
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    omnireport = str(Path(sys.executable).parent / "omnireport")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    all_rows = count_rows(landing_dir)
    steps = []
    for engine in engines:
        landing = without_last_batch(landing_dir, workdir / engine / "landing")
        rows = {"full": count_rows(landing)}
        rows["incremental"] = all_rows - rows["full"]
        command = [omnireport, "run", "--landing", str(landing)]
        if engine == "duckdb":
            command += ["--warehouse", str(workdir / "duckdb" / "warehouse.duckdb")]
            steps += _measure_both(engine, landing_dir, landing, command, rows, base_env)
        elif engine == "postgres":
            steps += _measure_postgres(landing_dir, landing, command, rows, base_env)
        else:
            _require_spark()
            env = {**base_env, "OMNIREPORT_SPARK_DIR": str(workdir / "spark")}
            command += ["--target", "spark", "--warehouse", str(workdir / "spark" / "state.duckdb")]
            steps += _measure_both(engine, landing_dir, landing, command, rows, env)
    return steps


def _measure_both(
    engine: str,
    landing_dir: Path,
    landing: Path,
    command: list[str],
    rows: dict[str, int],
    env: dict[str, str],
    *,
    also_pids: Sequence[int] = (),
) -> list[Step]:
    """The full build of `landing`, then the last batch of `landing_dir` added and the
    incremental run."""
    full = _measure(f"{engine} full", command, rows["full"], env, also_pids=also_pids)
    add_last_batch(landing_dir, landing)
    incremental = _measure(
        f"{engine} incremental", command, rows["incremental"], env, also_pids=also_pids
    )
    return [full, incremental]


def _require_spark() -> None:
    from omnireport.warehouse.spark_run import missing_spark_dependencies

    missing = missing_spark_dependencies()
    if missing:
        raise SystemExit(f"cannot benchmark Spark: {missing} (or leave spark out of --engines)")


def _measure_postgres(
    landing_dir: Path,
    landing: Path,
    command: list[str],
    rows: dict[str, int],
    base_env: dict[str, str],
) -> list[Step]:
    from tests.pg_server import start_postgres_server

    print("--> starting a throwaway PostgreSQL server (tests/pg_server.py)", flush=True)
    server = start_postgres_server()
    try:
        server.create_database(BENCH_DATABASE)
        postmaster = int((server.data_dir / "postmaster.pid").read_text().split()[0])
        env = {**base_env, **server.dbt_env(dbname=BENCH_DATABASE)}
        return _measure_both(
            "postgres",
            landing_dir,
            landing,
            [*command, "--target", "postgres"],
            rows,
            env,
            also_pids=[postmaster],
        )
    finally:
        server.stop()


def _measure(
    name: str, command: list[str], rows: int, env: dict[str, str], *, also_pids: Sequence[int] = ()
) -> Step:
    """Run `command`, timing it and sampling every 50 ms the RSS of its process tree plus
    the trees of `also_pids` (a database server it talks to): the peak of the sum."""
    print(f"--> {name}: {' '.join(command)}", flush=True)
    log = BENCH / "results" / f"engine_{name.replace(' ', '_')}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        peak = _sample_peak(
            lambda: tree_rss_bytes(process.pid) + sum(tree_rss_bytes(p) for p in also_pids), process
        )
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{name} failed with exit code {process.returncode}; see {log}")
    print(f"    {seconds:,.1f} s, peak RSS {peak / 2**20:,.0f} MB", flush=True)
    return Step(name, seconds, rows, peak / 2**20)


def _sample_peak(rss: Callable[[], int], process: subprocess.Popen[bytes]) -> int:
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss())
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        process.wait()
    finally:
        done.set()
        sampler.join()
    return peak


def over_duckdb(step: Step, steps: Sequence[Step]) -> float | None:
    """The step's time over DuckDB's same step (full or incremental), when DuckDB ran."""
    kind = step.name.split()[-1]
    duck = next((other for other in steps if other.name == f"duckdb {kind}"), None)
    return step.seconds / duck.seconds if duck and duck.seconds else None


def format_table(steps: Sequence[Step]) -> str:
    """engine and step, wall s, rows/s, peak RSS, time relative to DuckDB's same step."""
    lines = [
        f"{'engine, step':<22} {'wall s':>10} {'rows/s':>12} {'peak RSS MB':>12} {'x DuckDB':>9}"
    ]
    for step in steps:
        ratio = over_duckdb(step, steps)
        lines.append(
            f"{step.name:<22} {step.seconds:>10,.1f} {step.rows_per_second:>12,.0f} "
            f"{step.peak_rss_mb:>12,.0f} {f'{ratio:.2f}' if ratio else '-':>9}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sessions", type=int, default=100_000, help="generated sessions (default 100000)"
    )
    parser.add_argument(
        "--days", type=int, default=30, help="days of data, one export batch a day (default 30)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help=f"comma-separated, in order (default {','.join(ENGINES)})",
    )
    args = parser.parse_args(argv)
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]

    landing = generate(args.sessions, args.days, args.seed)
    steps = measure_engines(landing, engines)
    rows = count_rows(landing)
    print(
        f"\nomnireport per engine, full build of every batch but the last, then the incremental "
        f"run of the last: {args.sessions:,} sessions, {rows:,} landing rows, "
        f"{os.cpu_count()} cores"
    )
    print(format_table(steps))

    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "sessions": args.sessions,
        "days": args.days,
        "seed": args.seed,
        "landing_rows": rows,
        "steps": [
            asdict(step)
            | {"rows_per_second": step.rows_per_second, "over_duckdb": over_duckdb(step, steps)}
            for step in steps
        ],
    }
    out = BENCH / "results" / f"engines_{args.sessions}_{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
