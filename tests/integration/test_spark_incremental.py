"""Spark: incremental runs give exactly the marts of a full refresh, rewrite only the
partitions their batch touches, and the full refresh equals DuckDB's marts.

The property test of test_incremental_equals_full_refresh.py, on Spark, smaller: one
generated data set (re-exports, late rows across batches, bad rows) in GENERATED_BATCHES
export batches, copied into a landing folder one at a time, each followed by `omnireport
run --target spark` (the Dagster job every target runs: load, dbt build with its data
tests, checks, publish): a full build, then an incremental one. A last batch re-exports one
session with another rating, the way a CRM sends a day's corrections: its incremental run
must rewrite that session's date and bucket and leave every other partition's files as they
were (the partition files are compared before and after). Then the same warehouse is
rebuilt with `omnireport build --target spark --full-refresh` and every mart is compared by
grain with the incremental one, and with DuckDB's build of the same batches
(tests/engine_compare.py's rules: types too).

All runs are clients of one local Spark Connect server (OMNIREPORT_SPARK_REMOTE), which
this module starts and stops. Needs the optional `spark` extra and Java (skipped with the
reason otherwise):

    .venv/bin/pytest -m spark tests/integration/test_spark_incremental.py
"""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from omnireport.contract import RAW_TABLES_BY_NAME
from omnireport.warehouse.spark_run import missing_spark_dependencies
from tests.engine_compare import (
    ALL_MART_KEYS,
    RECONCILIATION_SQL,
    REPO,
    MartRows,
    assert_mart_equal,
    clean_env,
    duckdb_marts,
    duckdb_rows,
    failure_excerpt,
    omnireport_executable,
    spark_marts,
    start_duckdb_build,
)
from tests.incremental_compare import copy_batch, differences, generate_batches

_SKIP_REASON = missing_spark_dependencies()
pytestmark = [
    pytest.mark.spark,
    pytest.mark.integration,
    pytest.mark.skipif(_SKIP_REASON is not None, reason=_SKIP_REASON or ""),
]

GENERATED_BATCHES = 2
RUN_TIMEOUT_S = 1800
# dbt_project.yml's spark_partition_buckets and report_timezone.
BUCKETS = 16
REPORT_TIMEZONE = "Asia/Ho_Chi_Minh"


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spark_incremental")


@pytest.fixture(scope="module")
def server(work: Path) -> Iterator[Any]:
    from omnireport.warehouse.spark_cluster import ClusterConfig, local_spark_cluster

    config = ClusterConfig(work / "spark", standalone=False, driver_memory="2g")
    with local_spark_cluster(config) as running:
        yield running


@pytest.fixture(scope="module")
def session(server: Any) -> Iterator[Any]:
    from omnireport.warehouse.spark import SparkTarget, close_spark_sessions, spark_session

    yield spark_session(SparkTarget(server.config.directory, remote=server.connect_url))
    close_spark_sessions()  # before the server stops


def omnireport(server: Any, work: Path, *arguments: str) -> str:
    """`omnireport <arguments> --target spark` on the module's server; its output."""
    completed = subprocess.run(
        [omnireport_executable(), *arguments, "--target", "spark"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        env=clean_env(
            TZ="UTC",
            OMNIREPORT_SPARK_REMOTE=server.connect_url,
            OMNIREPORT_SPARK_DIR=str(server.config.directory),
            OMNIREPORT_WAREHOUSE=str(work / "state" / "warehouse.duckdb"),
        ),
    )
    output = completed.stdout + "\n--- stderr ---\n" + completed.stderr
    assert completed.returncode == 0, (
        f"omnireport {' '.join(arguments)} failed:\n{failure_excerpt(output)}"
    )
    return output


def partition_files(server: Any, table: str) -> dict[str, list[str]]:
    """`<schema>.<table>`'s partition folder names (`_partition=<value>`) and their files."""
    schema, name = table.split(".")
    folder = server.warehouse_dir / f"{schema}.db" / name
    return {
        partition.name.split("=", 1)[1]: sorted(f.name for f in partition.glob("*.parquet"))
        for partition in folder.glob("_partition=*")
    }


def rows(session: Any, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.sql(sql).collect()]


def as_dicts(marts: dict[str, MartRows]) -> dict[str, list[dict[str, Any]]]:
    """MartRows as tests.incremental_compare.differences reads marts."""
    return {
        mart: [dict(zip(found.columns, row, strict=True)) for row in found.rows]
        for mart, found in marts.items()
    }


# Partitioned marts whose rewritten partitions the test checks: a date scope and a key scope.
CHECKED_PARTITIONS = {
    "marts.rpt_daily_stats": "select distinct cast(started_date as string) "
    "from intermediate.int_incremental_dates",
    "marts.fct_sessions": f"select distinct cast(pmod(xxhash64(session_id), {BUCKETS}) as string) "
    "from intermediate.int_incremental_business_sessions",
}


SESSION_COLUMNS = RAW_TABLES_BY_NAME["sessions"].columns
ISO_UTC = "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'"


def write_rating_correction(session: Any, folder: Path) -> dict[str, str]:
    """A one-row sessions export into `folder`: the current version of the first rated,
    completed session (staging's winner) whose every version started at the same time (its
    run then touches one date), with another rating and an updated_at an hour later, as a
    CRM re-exports a correction. Returns the row."""
    values = ",\n".join(
        f'date_format({column}, "{ISO_UTC}")'
        if column in ("started_at", "done_at")
        else f'date_format(updated_at + interval 1 hour, "{ISO_UTC}")'
        if column == "updated_at"
        else "cast(rating % 5 + 1 as string)"
        if column == "rating"
        else column
        for column in SESSION_COLUMNS
    )
    (found,) = session.sql(
        f"select {values} from staging.stg_crm__sessions "
        "where status = 'done' and rating is not null and session_id in ("
        "select session_id from staging.base_crm__sessions_validated "
        "group by session_id having min(started_at) = max(started_at)) "
        "order by session_id limit 1"
    ).collect()
    row = dict(
        zip(SESSION_COLUMNS, ["" if value is None else value for value in found], strict=True)
    )
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"batch_{GENERATED_BATCHES + 1:04d}.csv").open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=SESSION_COLUMNS)
        writer.writeheader()
        writer.writerow(row)
    return row


@pytest.fixture(scope="module")
def built(work: Path, server: Any, session: Any) -> dict[str, Any]:
    """The batch-by-batch incremental runs, then the full refresh of the same warehouse."""
    generated = generate_batches(
        work / "generated",
        seed=404,
        sessions=120,
        batches=GENERATED_BATCHES,
        bad_rate=0.03,
        dup_rate=0.08,
    )
    landing = work / "landing"
    outputs = []
    for batch in range(1, GENERATED_BATCHES + 1):
        copy_batch(generated, landing, batch)
        outputs.append(omnireport(server, work, "run", "--landing", str(landing)))

    corrected = write_rating_correction(session, generated / "sessions")
    duckdb_build = start_duckdb_build(generated, work)  # in the background meanwhile
    before = {table: partition_files(server, table) for table in CHECKED_PARTITIONS}
    copy_batch(generated, landing, GENERATED_BATCHES + 1)
    outputs.append(omnireport(server, work, "run", "--landing", str(landing)))
    after = {table: partition_files(server, table) for table in CHECKED_PARTITIONS}
    touched = {
        table: {row[0] for row in rows(session, sql)} for table, sql in CHECKED_PARTITIONS.items()
    }
    incremental = spark_marts(session)
    incremental_reconciliation = rows(session, RECONCILIATION_SQL)

    outputs.append(omnireport(server, work, "build", "--full-refresh"))
    try:
        warehouse = duckdb_build.wait()
    finally:
        duckdb_build.kill()
    return {
        "outputs": outputs,
        "corrected": corrected,
        "before": before,
        "after": after,
        "touched": touched,
        "incremental": incremental,
        "incremental_reconciliation": incremental_reconciliation,
        "full": spark_marts(session),
        "full_reconciliation": rows(session, RECONCILIATION_SQL),
        "duckdb": warehouse,
    }


def test_the_first_run_is_full_and_the_next_ones_incremental(built: dict[str, Any]) -> None:
    first, *later, full = built["outputs"]
    assert "Full build: there is no previous build." in first
    for output in later:
        assert "Incremental build: incremental: the raw rows loaded since load" in output
        assert "OK: omnireport run finished" in output
    assert "Full build: a full refresh was asked for." in full


def test_incremental_runs_equal_a_full_refresh_on_spark(built: dict[str, Any]) -> None:
    full, incremental = as_dicts(built["full"]), as_dicts(built["incremental"])
    assert len(full["fct_sessions"]) > 80
    assert differences(full, incremental) == []
    assert any(row[-1] > 0 for row in built["full_reconciliation"])  # re-exports superseded
    assert built["incremental_reconciliation"] == built["full_reconciliation"]


@pytest.mark.parametrize("table", list(CHECKED_PARTITIONS))
def test_an_incremental_run_rewrites_exactly_the_partitions_of_its_scope(
    built: dict[str, Any], table: str
) -> None:
    before, after, touched = built["before"][table], built["after"][table], built["touched"][table]
    changed = {
        partition
        for partition in before.keys() | after.keys()
        if before.get(partition) != after.get(partition)
    }
    assert changed, f"{table}: the last batch rewrote nothing"
    assert changed == touched & (before.keys() | after.keys())
    kept = before.keys() & after.keys() - touched
    assert all(before[partition] == after[partition] for partition in kept)


def test_the_correction_touches_one_date_and_one_bucket(built: dict[str, Any]) -> None:
    corrected = built["corrected"]
    touched = built["touched"]
    assert touched["marts.rpt_daily_stats"] == {local_date(corrected["started_at"])}
    assert len(touched["marts.fct_sessions"]) == 1
    # and the other partitions were there before: kept, not rewritten
    assert len(built["before"]["marts.rpt_daily_stats"]) > 1
    assert len(built["before"]["marts.fct_sessions"]) > 1


def test_the_correction_reaches_the_marts(built: dict[str, Any]) -> None:
    corrected = built["corrected"]
    sessions = built["incremental"]["fct_sessions"]
    position = {column: i for i, column in enumerate(sessions.columns)}
    (row,) = [r for r in sessions.rows if r[position["session_id"]] == corrected["session_id"]]
    assert row[position["rating"]] == int(corrected["rating"])


def local_date(utc_iso: str) -> str:
    """The report time zone's date (dbt_project.yml's default) of an ISO UTC timestamp."""
    instant = dt.datetime.fromisoformat(utc_iso.replace("Z", "+00:00"))
    return instant.astimezone(ZoneInfo(REPORT_TIMEZONE)).date().isoformat()


@pytest.mark.parametrize("mart", list(ALL_MART_KEYS))
def test_the_full_refresh_on_spark_equals_duckdb(built: dict[str, Any], mart: str) -> None:
    reference = duckdb_marts(built["duckdb"], [mart])[mart]
    assert_mart_equal(mart, reference, built["full"][mart], "spark")


def test_the_reconciliation_equals_duckdb(built: dict[str, Any]) -> None:
    assert built["full_reconciliation"] == duckdb_rows(built["duckdb"], RECONCILIATION_SQL)


def test_the_spark_marts_are_partitioned(built: dict[str, Any], session: Any) -> None:
    columns = {
        mart: [row[0] for row in rows(session, f"describe table marts.{mart}")]
        for mart in ("fct_sessions", "rpt_daily_stats", "dim_channels")
    }
    assert "_partition" in columns["fct_sessions"]
    assert "_partition" in columns["rpt_daily_stats"]
    assert "_partition" not in columns["dim_channels"]  # a table, rebuilt whole
