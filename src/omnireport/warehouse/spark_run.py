"""`omnireport run --target spark`: load the landing files into Spark tables and build every
dbt model on them (dbt-spark's `session` method, a local PySpark in this process).

Settings come from the OMNIREPORT_SPARK_* environment variables (`SparkTarget.from_env`:
the folder that holds the tables and the metastore, cores, driver memory, shuffle
partitions). Spark has no transactional merge here (no Delta/Iceberg jars), so every run
rebuilds the incremental models in full: dbt runs with `--full-refresh`; the raw tables
stay append-only and idempotent like DuckDB's.

The Spark dependencies are the optional `spark` extra: `missing_spark_dependencies` says
what to install before anything starts.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omnireport.contract import RAW_SCHEMA, RAW_TABLES
from omnireport.privacy.keys import PiiKey
from omnireport.summary import ChannelOverview, RunSummary, TableRows, format_summary
from omnireport.warehouse.spark import SparkLoadError, SparkTarget, build_spark, spark_session

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
    for module, package in (("pyspark", "pyspark"), ("dbt.adapters.spark", "dbt-spark")):
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


def spark_dbt_args(target: SparkTarget, dbt_vars: dict[str, Any]) -> list[str]:
    """`dbt build` on the spark target: every model and data test (unit tests are
    `make test`'s), always `--full-refresh`; artifacts under the Spark folder."""
    args = [
        "build",
        "--target",
        "spark",
        "--full-refresh",
        "--profiles-dir",
        ".",
        "--target-path",
        str(target.directory / "dbt_target"),
        "--log-path",
        str(target.directory / "dbt_logs"),
        "--exclude-resource-type",
        "unit_test",
    ]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    return args


def run_on_spark(
    landing_dir: Path,
    dbt_project_dir: Path,
    *,
    dbt_vars: dict[str, Any],
    say: Callable[[str], None] = print,
    pii_key: PiiKey | None = None,
) -> bool:
    """Load and build on Spark; True when every file loaded and the dbt build passed.

    Raises SparkLoadError (a RuntimeError: the command line prints it and exits 1) when
    the Spark dependencies or Java are missing, or Spark cannot start on the folder.
    """
    missing = missing_spark_dependencies()
    if missing:
        raise SparkLoadError(missing)
    target = SparkTarget.from_env()
    started = time.perf_counter()
    say(
        f"Starting Spark (local[{target.cores}], driver memory {target.driver_memory}) on "
        f"{target.directory} ..."
    )
    say("Spark rebuilds the incremental models in full on every run (dbt --full-refresh).")
    loaded, built = build_spark(
        landing_dir,
        target,
        project_dir=dbt_project_dir,
        dbt_args=spark_dbt_args(target, dbt_vars),
        progress=say,
        pii_key=pii_key,
        on_loaded=lambda _result: say(
            f"Loaded {landing_dir} into Spark in {time.perf_counter() - started:.1f} s; "
            "building every dbt model on Spark ..."
        ),
    )
    for outcome in loaded.failed:
        say(f"FAILED to load {outcome.path}: {outcome.error}")
    session = spark_session(target)  # the session build_spark used (same process)
    say("")
    say(format_summary(collect_spark_summary(session, loaded.rows_loaded_by_table)))
    say("")
    say(f"Spark tables: databases {', '.join(SPARK_DATABASES)} in {target.directory / 'warehouse'}")
    say(
        f"  (Parquet files, one folder per table: {target.directory / 'warehouse' / 'marts.db'}/<mart>/; "
        f"Hive metastore {target.directory / 'metastore'}; dbt log {target.directory / 'dbt_logs' / 'dbt.log'})"
    )
    say(
        "  Read them from PySpark with the same settings, one process at a time: "
        f"OMNIREPORT_SPARK_DIR={target.directory} and "
        "`omnireport.warehouse.spark.spark_session(SparkTarget.from_env())`."
    )
    if not built:
        say("FAILED: dbt build --target spark did not pass (see the dbt output above).")
    say(f"Spark run took {time.perf_counter() - started:.1f} s.")
    return loaded.ok and built


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
