"""Scale benchmark: the full pipeline and an incremental run against the DuckDB floor.

    .venv/bin/python bench/run_bench.py                 # 1M sessions (the default scale)
    .venv/bin/python bench/run_bench.py --scale quick   # 100k sessions
    .venv/bin/python bench/run_bench.py --scale large   # 10M sessions
    .venv/bin/python bench/run_bench.py --sessions 5000 # any size (a smoke run)

Generated landing data is cached per scale and seed under bench/cache/ (git-ignored), so
only the first run of a scale pays for generating it. Every step runs as its own process
and is measured in one run on the same machine:

- floor: DuckDB reading every landing file of that scale once into tables, the least any
  pipeline must do;
- full: `omnireport run --full-refresh` over every batch (load, build, checks, publish);
- incremental: the warehouse built from every batch but the last, then one run adding the
  last day's batch;
- incremental_small: the same last batch added to a warehouse three times smaller (built
  from the last third of the other batches only): the cost of a batch should grow with the
  batch, not with the warehouse (target: incremental / incremental_small at most 1.3);
- no_new_files: the incremental run's landing folder again, with nothing new in it (no dbt
  work; target: at most a tenth of the incremental run);
- queries: each report table queried for a 30-day range on the published snapshot (the
  warehouse itself when no snapshot exists);
- peak RSS of the process tree of each step, sampled every 50 ms from /proc.

Every step runs for two shapes of the same rows (`--shape`, both by default): daily, the
generator's file per table and day, and one-file, a month in one file per table (the
incremental steps: every day but the last in one file, the last day in its own), where the
load has no other file to overlap with.

Prints a table per shape (wall time, rows per second, peak RSS, ratios full/floor,
incremental/full, no_new_files/incremental and incremental/incremental_small), where the dbt time of the full and
incremental builds went (bench/dbt_timings.py), and writes the same as JSON under
bench/results/. `--memory-limit` sets DuckDB's memory limit (OMNIREPORT_DUCKDB_MEMORY_LIMIT)
for every step.
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
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import dbt_timings  # noqa: E402  (bench/ is a folder of scripts, not a package)

REPO = BENCH.parent
BIN = Path(sys.executable).parent
SCALES = {"quick": 100_000, "default": 1_000_000, "large": 10_000_000}
SHAPES = ("daily", "one-file")
REPORT_TABLES = (
    ("rpt_overview_daily", "started_date"),
    ("rpt_user_stats", "started_date"),
    ("rpt_hourly_stats", "started_date"),
    ("rpt_daily_stats", "started_date"),
    ("rpt_channel_stats", "started_date"),
    ("rpt_agent_working_time", "pause_date"),
    ("rpt_tag_stats", "event_date"),
)


@dataclass
class Step:
    name: str
    seconds: float
    rows: int
    peak_rss_mb: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def tree_rss_bytes(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total, stack, seen = 0, [root_pid], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/statm") as statm:
                total += int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    stack.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(name: str, command: list[str], rows: int, env: dict[str, str] | None = None) -> Step:
    """Run a command, timing it and sampling the peak RSS of its process tree."""
    print(f"--> {name}: {' '.join(command)}", flush=True)
    log = BENCH / "results" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env or os.environ.copy()
        )
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss_bytes(process.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = process.wait()
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"{name} failed with exit code {code}; see {log}")
    print(f"    {seconds:,.1f} s, peak RSS {peak / 2**20:,.0f} MB", flush=True)
    return Step(name, seconds, rows, peak / 2**20)


def generate(sessions: int, days: int, seed: int, file_format: str = "csv") -> Path:
    """The landing data of a scale, generated once and cached; one batch per day."""
    suffix = "" if file_format == "csv" else f"_{file_format}"
    landing = BENCH / "cache" / f"sessions{sessions}_days{days}_seed{seed}{suffix}" / "landing"
    marker = landing.parent / "complete"
    if not marker.exists():
        shutil.rmtree(landing.parent, ignore_errors=True)
        landing.mkdir(parents=True)
        measure(
            "generate",
            [
                sys.executable,
                "-m",
                "omnireport.generate.cli",
                "--out",
                str(landing),
                "--sessions",
                str(sessions),
                "--days",
                str(days),
                "--batches",
                str(days),
                "--seed",
                str(seed),
                "--format",
                file_format,
            ],
            0,
        )
        marker.write_text("ok\n")
    return landing


def landing_files(landing: Path) -> list[Path]:
    return sorted(path for path in landing.glob("*/*") if path.is_file())


def reader(pattern: str, file_format: str) -> str:
    """DuckDB's reader of the landing files matching a glob: CSV as text, or Parquet."""
    if file_format == "parquet":
        return f"read_parquet('{pattern}')"
    return f"read_csv('{pattern}', all_varchar=true, header=true)"


def count_rows(landing: Path, file_format: str = "csv", name: str = "*") -> int:
    """Rows of the landing files (every batch, or the batch file called ``name``)."""
    import duckdb

    con = duckdb.connect()
    try:
        total = 0
        for table_dir in sorted(p for p in landing.iterdir() if p.is_dir()):
            if not list(table_dir.glob(f"{name}.{file_format}")):
                continue
            total += con.execute(
                f"select count(*) from {reader(f'{table_dir}/{name}.{file_format}', file_format)}"
            ).fetchone()[0]
        return total
    finally:
        con.close()


def floor_script(landing: Path, database: Path, file_format: str = "csv") -> str:
    return (
        "import duckdb, pathlib\n"
        f"con = duckdb.connect({str(database)!r})\n"
        f"for d in sorted(p for p in pathlib.Path({str(landing)!r}).iterdir() if p.is_dir()):\n"
        f"    source = {reader('{d}/*.' + file_format, file_format)!r}.format(d=d)\n"
        '    con.execute(f"create table {d.name} as select * from {source}")\n'
        "con.close()\n"
    )


def without_last_batch(
    landing: Path, target: Path, keep_fraction: float = 1.0, *, one_file: bool = False
) -> Path:
    """A landing folder with every batch file but the last of each table (hard links); with
    ``keep_fraction`` below 1, only that newest fraction of those batches. ``one_file``: those
    batches concatenated into one file per table instead (the one-big-file shape)."""
    shutil.rmtree(target, ignore_errors=True)
    names = sorted({path.name for path in landing_files(landing)})
    last = names[-1]
    earlier = names[:-1]
    kept = set(earlier[len(earlier) - max(1, round(len(earlier) * keep_fraction)) :])
    by_table: dict[str, list[Path]] = {}
    for path in landing_files(landing):
        if path.name != last and path.name in kept:
            by_table.setdefault(path.parent.name, []).append(path)
    for table, paths in by_table.items():
        (target / table).mkdir(parents=True, exist_ok=True)
        if one_file:
            concatenate_csv(paths, target / table / f"month{paths[0].suffix}")
        else:
            for path in paths:
                os.link(path, target / table / path.name)
    return target


def concatenate_csv(paths: list[Path], out: Path) -> None:
    """CSV files with one header line each, as one file with the first file's header."""
    with out.open("wb") as sink:
        for index, path in enumerate(sorted(paths)):
            with path.open("rb") as source:
                header = source.readline()
                if index == 0:
                    sink.write(header)
                shutil.copyfileobj(source, sink, 16 * 2**20)


def one_file_landing(landing: Path, target: Path) -> Path:
    """Every batch of each table concatenated into one file: a month in one export per
    table (cached beside the daily batches)."""
    marker = target / ".complete"
    if not marker.exists():
        shutil.rmtree(target, ignore_errors=True)
        for table_dir in sorted(p for p in landing.iterdir() if p.is_dir()):
            paths = sorted(p for p in table_dir.iterdir() if p.is_file())
            if paths:
                (target / table_dir.name).mkdir(parents=True, exist_ok=True)
                concatenate_csv(paths, target / table_dir.name / f"month{paths[0].suffix}")
        marker.write_text("ok\n")
    return target


def add_last_batch(landing: Path, target: Path) -> None:
    last = max(path.name for path in landing_files(landing))
    for path in landing_files(landing):
        if path.name == last:
            (target / path.parent.name).mkdir(parents=True, exist_ok=True)
            os.link(path, target / path.parent.name / path.name)


def query_reports(database: Path) -> Step:
    import duckdb

    started = time.perf_counter()
    rows = 0
    con = duckdb.connect(str(database), read_only=True)
    try:
        for table, date_column in REPORT_TABLES:
            (newest,) = con.execute(f"select max({date_column}) from marts.{table}").fetchone()
            if newest is None:
                continue
            rows += len(
                con.execute(
                    f"select * from marts.{table} where {date_column} between ?::date - 29 and ?::date",
                    [newest, newest],
                ).fetchall()
            )
    finally:
        con.close()
    return Step("queries", time.perf_counter() - started, rows, 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="default")
    parser.add_argument("--sessions", type=int, help="any number of sessions (overrides --scale)")
    parser.add_argument(
        "--days", type=int, default=30, help="days of data, one export batch a day (default 30)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--memory-limit",
        help="DuckDB memory limit of every step, e.g. 3GB (default: the project's)",
    )
    parser.add_argument(
        "--format",
        choices=("csv", "parquet"),
        default="csv",
        dest="file_format",
        help="landing file format (default csv; parquet takes about a quarter of the disk, for --scale large)",
    )
    parser.add_argument("--no-small", action="store_true", help="skip the incremental_small step")
    parser.add_argument(
        "--full-from-partial",
        action="store_true",
        help="do not build every batch a second time: the build of every batch but the last (into an "
        "empty warehouse) is the full-build figure (named full_partial; half the time at 1M)",
    )
    parser.add_argument(
        "--shape",
        choices=(*SHAPES, "both"),
        default="both",
        help="daily: one file per table and day (the generator's batches); one-file: a month "
        "in one file per table, the last day in a file of its own (csv only); both (default)",
    )
    args = parser.parse_args(argv)
    sessions = args.sessions or SCALES[args.scale]
    if args.memory_limit:
        os.environ["OMNIREPORT_DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    shapes = list(SHAPES) if args.shape == "both" else [args.shape]
    if args.file_format != "csv" and "one-file" in shapes:
        if args.shape == "one-file":
            raise SystemExit("the one-file shape concatenates CSV files: use --format csv")
        shapes.remove("one-file")

    landing = generate(sessions, args.days, args.seed, args.file_format)
    rows = count_rows(landing, args.file_format)
    result: dict[str, object] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "sessions": sessions,
        "landing_rows": rows,
        "landing_format": args.file_format,
        "memory_limit": os.environ.get("OMNIREPORT_DUCKDB_MEMORY_LIMIT", "project default"),
        "shapes": {},
    }
    for shape in shapes:
        measured = measure_shape(shape, landing, rows, args)
        result["shapes"][shape] = measured  # type: ignore[index]
        print_shape(sessions, rows, args.file_format, shape, measured)
    out = BENCH / "results" / f"bench_{sessions}_{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {out.relative_to(REPO)}")
    return 0


def measure_shape(shape: str, landing: Path, rows: int, args: argparse.Namespace) -> dict:
    """Every step of one landing shape, each as its own process, one after the other."""
    one_file = shape == "one-file"
    work = BENCH / "cache" / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    omnireport = str(BIN / "omnireport")
    whole = one_file_landing(landing, landing.parent / "one_file") if one_file else landing

    def run(name: str, folder: Path, warehouse: Path, step_rows: int, *extra: str) -> Step:
        command = [omnireport, "run", "--landing", str(folder), "--warehouse", str(warehouse)]
        step = measure(f"{shape}_{name}", [*command, *extra], step_rows)  # its log's name
        step.name = name
        return step

    floor_database = work / "floor.duckdb"
    floor = measure(
        f"{shape}_floor",
        [sys.executable, "-c", floor_script(whole, floor_database, args.file_format)],
        rows,
    )
    floor.name = "floor"
    steps = [floor]
    floor_database.unlink()  # only its time matters; at 10M it would hold disk the builds need
    full_warehouse = work / "full.duckdb"
    if not args.full_from_partial:
        steps.append(run("full", whole, full_warehouse, rows, "--full-refresh"))
    partial = without_last_batch(landing, work / "landing_incremental", one_file=one_file)
    incremental_warehouse = work / "incremental.duckdb"
    last_name = max(p.name for p in landing_files(landing))
    last_rows = count_rows(landing, args.file_format, Path(last_name).stem)
    before = run("before_incremental", partial, incremental_warehouse, rows - last_rows)
    profiles: dict[str, object] = {}
    if args.full_from_partial:
        steps.append(Step("full_partial", before.seconds, before.rows, before.peak_rss_mb))
        profiles["full_partial"] = dbt_timings.summary(incremental_warehouse, top=10)
        full_warehouse = incremental_warehouse
    add_last_batch(landing, partial)
    steps.append(run("incremental", partial, incremental_warehouse, last_rows))
    try:
        profiles["incremental"] = dbt_timings.summary(incremental_warehouse, top=10)
    except (OSError, KeyError, ValueError) as error:
        print(f"no dbt timings for incremental: {error}")
    # The same files again: nothing to load, so no dbt work (the run says so).
    steps.append(run("no_new_files", partial, incremental_warehouse, 0))
    if not args.no_small:
        small = without_last_batch(
            landing, work / "landing_small", keep_fraction=1 / 3, one_file=one_file
        )
        small_warehouse = work / "small.duckdb"
        run("before_small", small, small_warehouse, rows)
        add_last_batch(landing, small)
        steps.append(run("incremental_small", small, small_warehouse, last_rows))
    snapshot = full_warehouse.with_name(full_warehouse.stem + ".published.duckdb")
    steps.append(query_reports(snapshot if snapshot.exists() else full_warehouse))

    by_name = {step.name: step for step in steps}
    full = by_name["full"] if "full" in by_name else by_name["full_partial"]
    ratios = {
        "full_over_floor": full.seconds / by_name["floor"].seconds,
        "incremental_over_full": by_name["incremental"].seconds / full.seconds,
        "no_new_files_over_incremental": by_name["no_new_files"].seconds
        / by_name["incremental"].seconds,
    }
    if "incremental_small" in by_name:
        ratios["incremental_over_incremental_small"] = (
            by_name["incremental"].seconds / by_name["incremental_small"].seconds
        )
    if not args.full_from_partial:
        try:
            profiles["full"] = dbt_timings.summary(full_warehouse, top=10)
        except (OSError, KeyError, ValueError) as error:
            print(f"no dbt timings for full: {error}")
    shutil.rmtree(work, ignore_errors=True)  # warehouses of a scale: disk the next shape needs
    return {
        "steps": [asdict(step) | {"rows_per_second": step.rows_per_second} for step in steps],
        "ratios": ratios,
        "dbt_timings": profiles,
    }


TARGETS = {
    "full_over_floor": 3.0,
    "incremental_over_full": 0.15,
    "incremental_over_incremental_small": 1.3,
    "no_new_files_over_incremental": 0.1,
}


def print_shape(sessions: int, rows: int, file_format: str, shape: str, measured: dict) -> None:
    print(
        f"\nomnireport benchmark ({shape}): {sessions:,} sessions, {rows:,} landing rows "
        f"({file_format}), {os.cpu_count()} cores"
    )
    print(f"{'step':<18} {'wall s':>10} {'rows/s':>12} {'peak RSS MB':>12}")
    for step in measured["steps"]:
        print(
            f"{step['name']:<18} {step['seconds']:>10,.1f} {step['rows_per_second']:>12,.0f} "
            f"{step['peak_rss_mb']:>12,.0f}"
        )
    ratios = measured["ratios"]
    print("   ".join(f"{name.replace('_over_', ' / ')}: {v:.2f}" for name, v in ratios.items()))
    for name, value in ratios.items():
        limit = TARGETS[name]
        verdict = "met" if value <= limit else f"missed by {value / limit:.1f}x"
        print(f"  target {name.replace('_over_', ' / ')} <= {limit}: {verdict}")
    for name, profile in measured["dbt_timings"].items():
        print()
        print(dbt_timings.format_summary(name, profile))


if __name__ == "__main__":
    raise SystemExit(main())
