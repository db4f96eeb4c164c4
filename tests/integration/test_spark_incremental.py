"""Spark: incremental runs give exactly the marts of a full refresh, rewrite only the
partitions their batch touches, and the full refresh equals DuckDB's marts.

The property test of test_incremental_equals_full_refresh.py, on Spark, smaller: one
generated data set (re-exports, late rows across batches, bad rows) in BATCHES export
batches, copied into a landing folder one at a time, each followed by `omnireport run
--target spark` (the Dagster job every target runs: load, dbt build with its data tests,
checks, publish): a full build, then incremental ones. Then the same warehouse is
rebuilt with `omnireport build --target spark --full-refresh` and every mart is
compared by grain with the incremental one, and with DuckDB's build of the same batches
(tests/engine_compare.py's rules: types too). The last incremental run's partition files
are compared before and after: exactly the partitions of its scope were written again.

All runs are clients of one local Spark Connect server (OMNIREPORT_SPARK_REMOTE), which
this module starts and stops. Needs the optional `spark` extra and Java (skipped with the
reason otherwise):

    .venv/bin/pytest -m spark tests/integration/test_spark_incremental.py
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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

BATCHES = 3
RUN_TIMEOUT_S = 1800
# dbt_project.yml's spark_partition_buckets.
BUCKETS = 16


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
    assert completed.returncode == 0, f"omnireport {' '.join(arguments)} failed:\n{output[-8000:]}"
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
    "from intermediate.int_incremental_sessions",
}


@pytest.fixture(scope="module")
def built(work: Path, server: Any, session: Any) -> dict[str, Any]:
    """The batch-by-batch incremental runs, then the full refresh of the same warehouse."""
    generated = generate_batches(
        work / "generated", seed=404, sessions=120, batches=BATCHES, bad_rate=0.03, dup_rate=0.08
    )
    duckdb_build = start_duckdb_build(generated, work)  # in the background meanwhile
    landing = work / "landing"
    outputs = []
    for batch in range(1, BATCHES + 1):
        copy_batch(generated, landing, batch)
        if batch == BATCHES:
            before = {table: partition_files(server, table) for table in CHECKED_PARTITIONS}
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


def test_an_incremental_run_leaves_the_dates_it_does_not_touch(built: dict[str, Any]) -> None:
    before = built["before"]["marts.rpt_daily_stats"]
    assert before.keys() - built["touched"]["marts.rpt_daily_stats"], (
        "the last batch touched every date: the test data proves no partial rewrite"
    )


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
