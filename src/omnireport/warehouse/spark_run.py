"""What the Spark target needs around a run: its dependencies, the Spark Connect server
the run talks to, and the run's summary.

`omnireport run|load|build --target spark` runs the same Dagster job as the other targets
(load, dbt build, checks, publish); every step is a Spark Connect client of one server.
With `OMNIREPORT_SPARK_REMOTE` set (a cluster's server) the run uses it; otherwise
`spark_server_for_run` starts a local server on `OMNIREPORT_SPARK_DIR` for the run and
stops it after. Incremental builds on Spark replace whole partitions
(dbt_project/macros/spark/incremental_materialization.sql).

The Spark dependencies are the optional `spark` extra: `missing_spark_dependencies` says
what to install before anything starts.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from omnireport.contract import RAW_SCHEMA, RAW_TABLES
from omnireport.summary import ChannelOverview, RunSummary, TableRows
from omnireport.warehouse.spark import (
    SPARK_REMOTE_ENV,
    SparkLoadError,
    SparkTarget,
    local_connect_server,
)

INSTALL_HINT = (
    "install the optional `spark` extra: in a checkout `uv sync --extra spark` "
    "(or `make setup EXTRAS=spark`), otherwise `pip install 'omnireport[spark]'`"
)

MIN_JAVA = 17

# The databases the dbt project writes (generate_schema_name keeps these names exact).
SPARK_DATABASES: tuple[str, ...] = (
    "raw",
    "staging",
    "quarantine",
    "intermediate",
    "marts",
    "reader",
    "audit",
)


def missing_spark_dependencies() -> str | None:
    """Why the Spark target cannot run here (a message saying what to install), or None."""
    for module, package in (
        ("pyspark", "pyspark"),
        ("dbt.adapters.spark", "dbt-spark"),
        ("grpc_status", "pyspark[connect] (the Spark Connect client)"),
    ):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            return f"the Spark target needs {package}, which is not installed: {INSTALL_HINT}"
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if java is None or not Path(java).is_file():
        return (
            "the Spark target needs a Java runtime (PySpark 4 runs on Java 17 or later) and there "
            f"is no {'$JAVA_HOME/bin/java' if java_home else '`java` on PATH'}: install one, e.g. "
            "`apt-get install openjdk-17-jre-headless`"
        )
    major = java_major_version(java)
    if major is not None and major < MIN_JAVA:
        return (
            f"the Spark target needs Java {MIN_JAVA} or later (PySpark 4) and {java} is Java {major}: "
            "install a newer one (e.g. `apt-get install openjdk-17-jre-headless`) and put it first "
            "on PATH or in JAVA_HOME"
        )
    return None


def java_major_version(java: str) -> int | None:
    """The major version `java -version` reports (8 for "1.8.0_x"), None when unreadable."""
    try:
        shown = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', shown.stderr + shown.stdout)
    if match is None:
        return None
    first = int(match.group(1))
    return int(match.group(2) or 0) if first == 1 else first


@contextmanager
def spark_server_for_run(say: Callable[[str], None] = print) -> Iterator[SparkTarget]:
    """The Spark Connect server of one run: `OMNIREPORT_SPARK_REMOTE`'s, or a local one
    started now on `OMNIREPORT_SPARK_DIR` and stopped on leaving (the variable points at it
    meanwhile, so every step of the run and dbt connect to it). Raises SparkLoadError when
    the dependencies or Java are missing."""
    missing = missing_spark_dependencies()
    if missing:
        raise SparkLoadError(missing)
    target = SparkTarget.from_env()
    if target.remote is not None:
        say(f"Using the {target.describe()} server ({SPARK_REMOTE_ENV}).")
        yield target
        return
    started = time.perf_counter()
    say(
        f"Starting a local Spark Connect server (local[{target.cores}], driver memory "
        f"{target.driver_memory}) on {target.directory} ..."
    )
    with local_connect_server(target) as running:
        say(f"Spark Connect server ready in {time.perf_counter() - started:.1f} s.")
        previous = os.environ.get(SPARK_REMOTE_ENV)
        os.environ[SPARK_REMOTE_ENV] = running.remote or ""
        try:
            yield running
        finally:
            if previous is None:
                os.environ.pop(SPARK_REMOTE_ENV, None)
            else:
                os.environ[SPARK_REMOTE_ENV] = previous
            say("Stopping the local Spark Connect server ...")


def spark_locations(target: SparkTarget) -> str:
    """Where a local server keeps the Spark tables (for the end of a run)."""
    return (
        f"Spark tables: databases {', '.join(SPARK_DATABASES)} in "
        f"{target.directory / 'warehouse'} (Parquet files, one folder per table; Hive "
        f"metastore {target.directory / 'metastore'}; server log "
        f"{target.directory / 'logs' / 'server.log'})"
    )


def collect_spark_summary(spark: Any, rows_loaded_this_run: dict[str, int]) -> RunSummary:
    """`omnireport.summary`'s tables, read from the Spark session."""
    summary = RunSummary()
    existing = {
        (row["namespace"], row["tableName"])
        for database in ("raw", "audit", "marts")
        if spark.catalog.databaseExists(database)
        for row in spark.sql(f"show tables in {database}").collect()
    }
    reconciliation: dict[str, tuple[int, int, int]] = {}
    if ("audit", "row_reconciliation") in existing:
        for row in spark.sql(
            "select table_name, staged_rows, quarantined_rows, superseded_rows from audit.row_reconciliation"
        ).collect():
            reconciliation[row[0]] = (row[1], row[2], row[3])
    else:
        summary.notes.append("audit.row_reconciliation is not built: staged/quarantined unknown")
    for table in RAW_TABLES:
        total = None
        if (RAW_SCHEMA, table.name) in existing:
            total = spark.sql(f"select count(*) from {RAW_SCHEMA}.`{table.name}`").collect()[0][0]
        staged, quarantined, superseded = reconciliation.get(table.name, (None, None, None))
        summary.tables.append(
            TableRows(
                table.name,
                int(rows_loaded_this_run.get(table.name, 0)),
                total,
                staged,
                quarantined,
                superseded,
            )
        )
    if ("marts", "fct_sessions") in existing:
        rows = spark.sql(
            """
            select
                case when grouping(channel_type) = 1 then 'all'
                     else coalesce(channel_type, '(unknown)') end as channel_type,
                count(*) as sessions,
                sum(case when is_completed then 1 else 0 end) as done,
                sum(case when is_supported then 1 else 0 end) as supported,
                avg(waiting_time_s) as avg_waiting_time_s,
                avg(support_time_s) as avg_support_time_s,
                grouping(channel_type) as is_total
            from marts.fct_sessions
            group by rollup (channel_type)
            order by is_total, channel_type
            """
        ).collect()
        summary.channels = [ChannelOverview(*tuple(row)[:6]) for row in rows]
    else:
        summary.notes.append("marts.fct_sessions is not built: no overview per channel type")
    return summary
