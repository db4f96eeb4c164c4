"""Load the landing folder into Spark tables `raw.<table>` (the `spark` dbt target).

`load_landing_spark` is the Spark twin of `omnireport.landing.loader.load_landing`: the
same files in the same order (`landing.files`), read by the same DuckDB readers
(`landing.readers.build_select`, in an in-memory DuckDB that never touches a warehouse
file), so every raw value is the same text as on DuckDB. DuckDB writes a file's rows to a
temporary Parquet file; Spark reads it and inserts the rows into `raw.<table>` with the
lineage columns (`_source_file`, `_row_number`, `_load_id`, `_loaded_at`).
`raw._load_log` gets the same rows, statuses and ids as on DuckDB (files seen before by
content hash add nothing; failed files are recorded and retried on the next run).

Spark's Parquet tables have no transactions (no delete, no update; Delta/Iceberg jars are
not available here), so a file's rows and its log row cannot commit together. Both tables
are partitioned by the load id instead, and a run writes in two steps, each one Spark job:
- every new file's rows go to `raw.<table>` partition `_load_id = N` (its own id), one
  insert per table for all of that table's new files; then the log rows of the run go to
  `raw._load_log` (partition `load_id = N`), one insert for the whole run;
- on start, partitions of `raw.<table>` whose load id the log does not record as `loaded`
  for that table (a run that died between the two writes) are dropped, so a file's rows
  are either all there with their log row or not at all, and re-running is idempotent;
- updating a failed file's log row (as DuckDB's loader does) = write the new partition,
  then drop the old one.
Writing per table and per run, not per file, matters: each Spark insert costs seconds
(a job, a Parquet commit, a metastore update), so a file-by-file load of a few hundred
files took over an hour.

The Spark session uses the settings of the `spark` output of dbt_project/profiles.yml
(`spark_session_settings`), so dbt sees the tables the loader wrote. One process at a
time may use a Spark directory (its metastore is an embedded Derby database).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from omnireport.build_state import STATE_DDL
from omnireport.contract import LOAD_LOG_TABLE, RAW_SCHEMA, RAW_TABLES, RAW_TABLES_BY_NAME
from omnireport.landing.files import LandingFile, discover_landing_files
from omnireport.landing.load_log import (
    NOT_THE_FILES_FAULT,
    FileOutcome,
    LoadHistory,
    LogEntry,
    PendingFile,
    fail_pending,
    finish_loaded,
    read_error_text,
    skip_file,
    start_file,
)
from omnireport.landing.loader import LoadResult
from omnireport.landing.readers import LandingFileError, build_select, sql_identifier, sql_string
from omnireport.privacy.keys import SPARK_CONF, PiiKey

Progress = Callable[[str], None]

SPARK_DIR_ENV = "OMNIREPORT_SPARK_DIR"
SPARK_CORES_ENV = "OMNIREPORT_SPARK_CORES"
SPARK_DRIVER_MEMORY_ENV = "OMNIREPORT_SPARK_DRIVER_MEMORY"
SPARK_SHUFFLE_PARTITIONS_ENV = "OMNIREPORT_SPARK_SHUFFLE_PARTITIONS"

_LOG = f"{RAW_SCHEMA}.{LOAD_LOG_TABLE}"
_LOG_COLUMNS = (
    "table_name",
    "file_path",
    "content_hash",
    "file_size",
    "rows_loaded",
    "status",
    "error",
    "seen_at",
)


class SparkLoadError(RuntimeError):
    """The Spark warehouse cannot be used (pyspark missing, directory in use)."""


@dataclass(frozen=True)
class SparkTarget:
    """Where the `spark` dbt target and the Spark loader keep tables and metastore."""

    directory: Path
    cores: int = 2
    driver_memory: str = "2g"
    shuffle_partitions: int = 4

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SparkTarget:
        """Read OMNIREPORT_SPARK_DIR/CORES/DRIVER_MEMORY/SHUFFLE_PARTITIONS (the defaults of
        profiles.yml; the folder defaults to `<project root>/data/spark`, beside the
        default DuckDB warehouse)."""
        from omnireport.settings import project_root

        source = os.environ if env is None else env
        value = (source.get(SPARK_DIR_ENV) or "").strip()
        directory = (
            Path(value).expanduser().absolute() if value else project_root() / "data" / "spark"
        )
        return cls(
            directory=directory,
            cores=_positive_int(source, SPARK_CORES_ENV, "2"),
            driver_memory=source.get(SPARK_DRIVER_MEMORY_ENV) or "2g",
            shuffle_partitions=_positive_int(source, SPARK_SHUFFLE_PARTITIONS_ENV, "4"),
        )

    def session_settings(self) -> dict[str, str]:
        """The Spark settings of the `spark` output of profiles.yml, with these values."""
        home = str(self.directory)
        return {
            "spark.master": f"local[{self.cores}]",
            "spark.sql.warehouse.dir": f"{home}/warehouse",
            "spark.hadoop.javax.jdo.option.ConnectionURL": (
                f"jdbc:derby:;databaseName={home}/metastore;create=true"
            ),
            "spark.driver.extraJavaOptions": f"-Dderby.system.home={home}",
            "spark.driver.memory": self.driver_memory,
            "spark.sql.session.timeZone": "UTC",
            "spark.sql.shuffle.partitions": str(self.shuffle_partitions),
            "spark.ui.enabled": "false",
            # Derby's metastore cannot filter bigint partition keys (`where _load_id > n`).
            "spark.sql.hive.metastorePartitionPruning": "false",
            # dbt-spark always sets this (connections.py); the same here, so a session the
            # loader created and dbt later reuses behaves the same.
            "spark.sql.ansi.enabled": "false",
        }

    def dbt_env(self) -> dict[str, str]:
        """The environment variables that point dbt's `spark` output at this directory."""
        return {
            SPARK_DIR_ENV: str(self.directory),
            SPARK_CORES_ENV: str(self.cores),
            SPARK_DRIVER_MEMORY_ENV: self.driver_memory,
            SPARK_SHUFFLE_PARTITIONS_ENV: str(self.shuffle_partitions),
        }


def _positive_int(source: Mapping[str, str], name: str, default: str) -> int:
    text = (source.get(name) or default).strip()
    if not text.isdigit() or int(text) < 1:
        raise SparkLoadError(f"{name}={text!r} is not a positive whole number: set it to 1 or more")
    return int(text)


def spark_session(target: SparkTarget) -> Any:
    """The process's SparkSession with the target's settings and Hive support (as dbt-spark's
    `session` method builds it; a session that already exists in this process is reused)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkLoadError(
            "pyspark is not installed: install the `spark` extra (dbt-spark[session], pyspark) "
            "to use the Spark target"
        ) from exc
    target.directory.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for name, value in target.session_settings().items():
        builder = builder.config(name, value)
    try:
        return builder.getOrCreate()
    except Exception as exc:  # the JVM's error text names the cause (e.g. Derby's lock)
        raise SparkLoadError(
            f"cannot start Spark on {target.directory}: {str(exc).strip().splitlines()[0]}; "
            "is another process using this directory? (one at a time: its metastore is an "
            "embedded Derby database)"
        ) from exc


# --- DDL -----------------------------------------------------------------------------------


def raw_table_ddl_spark(table_name: str, columns: tuple[str, ...]) -> str:
    """One raw table: every contract column as string, the lineage columns, partitioned by
    `_load_id` (which Spark therefore lists last)."""
    column_sql = ",\n    ".join(f"`{column}` string" for column in columns)
    return (
        f"create table if not exists {RAW_SCHEMA}.`{table_name}` (\n"
        f"    {column_sql},\n"
        "    _source_file string,\n"
        "    _row_number bigint,\n"
        "    _loaded_at timestamp,\n"
        "    _load_id bigint\n"
        ") using parquet partitioned by (_load_id)"
    )


LOAD_LOG_DDL_SPARK = f"""
create table if not exists {_LOG} (
    table_name string,
    file_path string,
    content_hash string,
    file_size bigint,
    rows_loaded bigint,
    status string,
    error string,
    seen_at timestamp,
    load_id bigint
) using parquet partitioned by (load_id)
"""


def ensure_raw_schema_spark(spark: Any) -> None:
    """Create database `raw`, every raw table, the load log and the build state, where missing."""
    spark.sql(f"create database if not exists {RAW_SCHEMA}")
    for table in RAW_TABLES:
        spark.sql(raw_table_ddl_spark(table.name, table.columns))
    spark.sql(LOAD_LOG_DDL_SPARK)
    spark.sql(
        STATE_DDL.replace(" varchar(200)", " string").replace(" varchar(20)", " string")
        + " using parquet"
    )


# --- Load log ------------------------------------------------------------------------------


@dataclass
class _SparkLog:
    """The load log as rows in memory (it is small), mirrored to `raw._load_log`; the
    `landing.load_log.LogWriter` of the Spark loader. Writes are kept until `flush`, which
    adds them all in one insert and then drops the rows they replace."""

    spark: Any
    entries: dict[int, LogEntry]
    unwritten: list[LogEntry] = field(default_factory=list)
    replaced: list[int] = field(default_factory=list)

    def write(self, entry: LogEntry, *, replaces_status: str | None) -> None:
        """Add the entry (at the next `flush`); with `replaces_status`, the row of the same
        file and content in that status goes after it (DuckDB's loader updates it in place)."""
        self.unwritten.append(entry)
        self.entries[entry.load_id] = entry
        if replaces_status is None:
            return
        for load_id, old in list(self.entries.items()):
            if (
                load_id != entry.load_id
                and (old.table, old.path, old.content_hash)
                == (entry.table, entry.path, entry.content_hash)
                and old.status == replaces_status
            ):
                self.replaced.append(load_id)
                del self.entries[load_id]

    def flush(self) -> None:
        """Write the kept entries (one partition each, one insert), then drop replaced rows."""
        if self.unwritten:
            values = ",\n".join(f"({_log_values_sql(entry)})" for entry in self.unwritten)
            self.spark.sql(f"insert into {_LOG} partition (load_id) values\n{values}")
        self.unwritten.clear()
        for load_id in self.replaced:
            self.spark.sql(
                f"alter table {_LOG} drop if exists partition (load_id = {int(load_id)})"
            )
        self.replaced.clear()


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, datetime):
        return f"timestamp {sql_string(value.isoformat(sep=' ', timespec='microseconds'))}"
    if isinstance(value, int):
        return str(value)
    return _spark_string(str(value))


def _spark_string(value: str) -> str:
    """A Spark SQL string literal (Spark reads backslash escapes inside quotes)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _log_values_sql(entry: LogEntry) -> str:
    """The entry's values in the log table's column order, its load id (the partition) last."""
    values = (
        entry.table,
        entry.path,
        entry.content_hash,
        entry.file_size,
        entry.rows,
        entry.status,
        entry.error,
        entry.seen_at,
        entry.load_id,
    )
    casts = (
        "string",
        "string",
        "string",
        "bigint",
        "bigint",
        "string",
        "string",
        "timestamp",
        "bigint",
    )
    return ", ".join(
        f"cast({_literal(value)} as {cast})" for value, cast in zip(values, casts, strict=True)
    )


def read_history_spark(spark: Any) -> tuple[LoadHistory, _SparkLog]:
    """The load log as a LoadHistory (as `landing.load_log.read_history` does on DuckDB),
    after dropping raw partitions the log does not record as loaded (see module doc)."""
    rows = spark.sql(
        f"select load_id, {', '.join(_LOG_COLUMNS)} from {_LOG} order by load_id"
    ).collect()
    entries: dict[int, LogEntry] = {}
    for row in rows:
        entries[int(row["load_id"])] = LogEntry(
            int(row["load_id"]),
            row["table_name"],
            row["file_path"],
            row["content_hash"],
            row["file_size"],
            row["rows_loaded"],
            row["status"],
            row["error"],
            row["seen_at"],
        )
    log = _SparkLog(spark, entries)

    history = LoadHistory()
    # Same file and content logged twice (a run died between writing a retried file's new
    # row and dropping its failed one): the newer row wins, as an in-place update would.
    superseded: dict[tuple[str, str, str], int] = {}
    for load_id, entry in sorted(entries.items()):
        key = (entry.table, entry.path, entry.content_hash)
        if key in superseded and entry.status != "already_loaded":
            older = superseded[key]
            if entries[older].status == "failed":
                spark.sql(f"alter table {_LOG} drop if exists partition (load_id = {older})")
                del log.entries[older]
        superseded[key] = load_id
        history.status_by_file[key] = entry.status
        if entry.status == "loaded":
            history.loaded_by_hash.setdefault((entry.table, entry.content_hash), entry.path)
        history.last_load_id = max(history.last_load_id, load_id)

    for table in RAW_TABLES:
        loaded_ids = {
            load_id
            for load_id, entry in log.entries.items()
            if entry.table == table.name and entry.status == "loaded"
        }
        for load_id in _raw_partitions(spark, table.name):
            history.last_load_id = max(history.last_load_id, load_id)
            if load_id not in loaded_ids:
                spark.sql(
                    f"alter table {RAW_SCHEMA}.`{table.name}` drop if exists partition (_load_id = {load_id})"
                )
    return history, log


def _raw_partitions(spark: Any, table_name: str) -> list[int]:
    rows = spark.sql(f"show partitions {RAW_SCHEMA}.`{table_name}`").collect()
    return [int(row[0].split("=", 1)[1]) for row in rows]


# --- Loading -------------------------------------------------------------------------------


def load_landing_spark(
    landing_dir: Path, target: SparkTarget, *, progress: Progress | None = None, spark: Any = None
) -> LoadResult:
    """Load every new landing file under `landing_dir` into Spark `raw` (see module doc).

    Files whose bytes were loaded before add nothing; unreadable files are recorded as
    failed and retried on the next run; the other files still load. `spark`: a session to
    use (by default the process's session with the target's settings; it stays open, so
    dbt-spark's `session` method in the same process reuses it).
    """
    report = progress or (lambda _line: None)
    discovery = discover_landing_files(Path(landing_dir))
    result = LoadResult(warnings=list(discovery.warnings))
    for warning in discovery.warnings:
        report(f"warning: {warning}")

    session = spark if spark is not None else spark_session(target)
    ensure_raw_schema_spark(session)
    history, log = read_history_spark(session)
    scratch = Path(tempfile.mkdtemp(prefix="omnireport-spark-load-"))
    reader = duckdb.connect()
    outcomes: list[FileOutcome | None] = []
    staged: dict[str, list[tuple[int, PendingFile, int]]] = {}
    try:
        reader.execute("set enable_progress_bar = false")
        for landing_file in discovery.files:
            outcome = _stage_file(reader, scratch, landing_file, history, log, report)
            if isinstance(outcome, FileOutcome):
                outcomes.append(outcome)
            else:
                pending, rows = outcome
                staged.setdefault(landing_file.table, []).append((len(outcomes), pending, rows))
                outcomes.append(None)
        for table_name, files in staged.items():
            report(
                f"writing {sum(rows for _, _, rows in files):,} rows of {len(files)} file(s) to raw.{table_name} ..."
            )
            _insert_table_files(session, table_name, scratch / table_name)
        for files in staged.values():
            for _, pending, rows in files:
                log.write(pending.loaded_entry(rows), replaces_status=pending.replaces_status)
        log.flush()
    finally:
        reader.close()
        shutil.rmtree(scratch, ignore_errors=True)
    for files in staged.values():
        for position, pending, rows in files:
            outcomes[position] = finish_loaded(pending, rows, history, report)
    for outcome in outcomes:
        assert outcome is not None  # every staged file was finished above
        result.add(outcome)
    return result


def _stage_file(
    reader: duckdb.DuckDBPyConnection,
    scratch: Path,
    landing_file: LandingFile,
    history: LoadHistory,
    log: _SparkLog,
    report: Progress,
) -> FileOutcome | tuple[PendingFile, int]:
    """Settle the file (skipped, or failed and logged), or write its rows with their lineage
    to `<scratch>/<table>/<load id>.parquet` and return it with its row count."""
    pending = start_file(log, landing_file, history, report)
    if not isinstance(pending, PendingFile):
        return pending
    parquet = scratch / landing_file.table / f"{pending.load_id}.parquet"
    parquet.parent.mkdir(parents=True, exist_ok=True)
    try:
        rows = _write_parquet(reader, pending, parquet)
    except (LandingFileError, duckdb.Error, OSError) as exc:
        if isinstance(exc, NOT_THE_FILES_FAULT):
            raise
        parquet.unlink(missing_ok=True)
        if changed := pending.changed():
            return skip_file(landing_file, changed, report)
        return fail_pending(log, pending, read_error_text(exc, landing_file), history, report)
    if changed := pending.changed():
        parquet.unlink(missing_ok=True)
        return skip_file(landing_file, changed, report)
    return pending, rows


def _write_parquet(reader: duckdb.DuckDBPyConnection, pending: PendingFile, parquet: Path) -> int:
    """The file's contract columns (text), `_source_file`, `_row_number`, `_loaded_at` (text,
    cast by Spark) and `_load_id`, as a Parquet file; the row count."""
    landing_file = pending.landing_file
    columns = RAW_TABLES_BY_NAME[landing_file.table].columns
    source_columns = ", ".join(sql_identifier(c) for c in columns)
    loaded_at = pending.loaded_at.isoformat(sep=" ", timespec="microseconds")
    select = build_select(reader, landing_file)
    reader.execute(
        f"copy (select {source_columns}, {sql_string(landing_file.relative_path)} as _source_file, "
        f"cast(_row_number as bigint) as _row_number, {sql_string(loaded_at)} as _loaded_at, "
        f"cast({int(pending.load_id)} as bigint) as _load_id "
        f"from (\n{select}\n) as file_rows) to {sql_string(str(parquet))} (format parquet)"
    )
    count = reader.execute(
        f"select count(*) from read_parquet({sql_string(str(parquet))})"
    ).fetchone()
    return int(count[0]) if count else 0


def _insert_table_files(spark: Any, table_name: str, folder: Path) -> None:
    """All Parquet files of `folder` into `raw.<table_name>`, each in its `_load_id` partition
    (new ids, so no partition is overwritten), in one insert."""
    columns = RAW_TABLES_BY_NAME[table_name].columns
    view = f"omnireport_landing_{table_name}"
    # The schema given, so Spark does not run a job to read it from the files' footers.
    schema = (
        ", ".join(f"`{column}` string" for column in columns)
        + ", _source_file string, _row_number bigint, _loaded_at string, _load_id bigint"
    )
    spark.read.schema(schema).parquet(str(folder)).createOrReplaceTempView(view)
    try:
        select_list = ", ".join(f"`{column}`" for column in columns)
        spark.sql(
            f"insert into {RAW_SCHEMA}.`{table_name}` partition (_load_id) "
            f"select {select_list}, _source_file, _row_number, cast(_loaded_at as timestamp), _load_id "
            f"from {view}"
        )
    finally:
        spark.catalog.dropTempView(view)


# --- Load and build in one JVM ---------------------------------------------------------------


def build_spark(
    landing_dir: Path,
    target: SparkTarget,
    *,
    project_dir: Path,
    dbt_args: list[str],
    progress: Progress | None = None,
    on_loaded: Callable[[LoadResult], None] | None = None,
    pii_key: PiiKey | None = None,
) -> tuple[LoadResult, bool]:
    """Load the landing files, then run dbt (`dbt_args`, e.g. ["build", "--target", "spark",
    "--full-refresh", ...]) in this process, so dbt-spark's `session` method reuses the
    loader's SparkSession: one JVM start instead of two (each takes 20-40 s), and no
    second process competing for the Derby metastore. Returns the load result and whether
    dbt succeeded. `--full-refresh` belongs in `dbt_args`: on Spark the incremental models
    rebuild in full (dbt_project/macros/spark/incremental_materialization.sql).
    `on_loaded` is called between the load and the build. The reader layer's models read
    `pii_key` from the session conf `spark.omnireport.pii_key`, set only while dbt runs.
    """
    from dbt.cli.main import dbtRunner

    session = spark_session(target)
    loaded = load_landing_spark(landing_dir, target, progress=progress, spark=session)
    if on_loaded is not None:
        on_loaded(loaded)
    os.environ.update(target.dbt_env())
    previous = Path.cwd()
    os.chdir(project_dir)  # profiles.yml's relative defaults are relative to the project
    if pii_key is not None:
        session.conf.set(SPARK_CONF, pii_key.value)
    try:
        outcome = dbtRunner().invoke(dbt_args)
    finally:
        os.chdir(previous)
        if pii_key is not None:
            session.conf.unset(SPARK_CONF)
    return loaded, bool(outcome.success)
