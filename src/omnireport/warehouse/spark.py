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

Every client of the Spark target (this loader, the build state, the checks, dbt) is a Spark
Connect client of one server (`OMNIREPORT_SPARK_REMOTE`): the server owns the metastore
and the warehouse folder, so several clients share them without Derby's one-JVM lock.
For a run on one machine, `local_connect_server` starts a server that runs Spark in its
own JVM (`local[cores]`) on `OMNIREPORT_SPARK_DIR`; a cluster's server is started by the
deployment (omnireport.warehouse.spark_cluster starts one for the tests). The loader
stages each file as Parquet under `OMNIREPORT_SPARK_DIR/loading/`, which the server must
see at the same path (on a cluster: a shared folder).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
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

Progress = Callable[[str], None]

SPARK_DIR_ENV = "OMNIREPORT_SPARK_DIR"
SPARK_CORES_ENV = "OMNIREPORT_SPARK_CORES"
SPARK_DRIVER_MEMORY_ENV = "OMNIREPORT_SPARK_DRIVER_MEMORY"
SPARK_SHUFFLE_PARTITIONS_ENV = "OMNIREPORT_SPARK_SHUFFLE_PARTITIONS"
SPARK_REMOTE_ENV = "OMNIREPORT_SPARK_REMOTE"

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
    """Where the Spark target's clients connect (`remote`, a Spark Connect URL) and the
    folder it works in: the local server's tables and metastore, and the loader's staged
    files (on a cluster, a folder the server sees at the same path)."""

    directory: Path
    cores: int = 2
    driver_memory: str = "2g"
    shuffle_partitions: int = 4
    remote: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SparkTarget:
        """Read OMNIREPORT_SPARK_DIR/CORES/DRIVER_MEMORY/SHUFFLE_PARTITIONS/REMOTE (the
        folder defaults to `<project root>/data/spark`, beside the default DuckDB
        warehouse; no remote: a run starts a local server)."""
        from omnireport.settings import project_root

        source = os.environ if env is None else env
        value = (source.get(SPARK_DIR_ENV) or "").strip()
        directory = (
            Path(value).expanduser().absolute() if value else project_root() / "data" / "spark"
        )
        remote = (source.get(SPARK_REMOTE_ENV) or "").strip() or None
        if remote is not None and not remote.startswith("sc://"):
            raise SparkLoadError(
                f"{SPARK_REMOTE_ENV}={remote!r} is not a Spark Connect URL: give "
                "sc://<host>:<port>/;token=<token> (or unset it to run a local server)"
            )
        return cls(
            directory=directory,
            cores=_positive_int(source, SPARK_CORES_ENV, "2"),
            driver_memory=source.get(SPARK_DRIVER_MEMORY_ENV) or "2g",
            shuffle_partitions=_positive_int(source, SPARK_SHUFFLE_PARTITIONS_ENV, "4"),
            remote=remote,
        )

    def describe(self) -> str:
        """Where it points, for messages (never the token)."""
        if self.remote is None:
            return f"Spark (no server yet) on {self.directory}"
        return f"Spark Connect {self.remote.split(';', 1)[0]}"

    def dbt_env(self) -> dict[str, str]:
        """The environment variables that point dbt's `spark` output at the server (and
        quiet two pyspark warnings dbt-spark's session method triggers on every run)."""
        return {
            SPARK_DIR_ENV: str(self.directory),
            SPARK_REMOTE_ENV: self.remote or "",
            "PYTHONWARNINGS": _QUIET_PYSPARK_WARNINGS,
        }


# dbt-spark asks for Hive support, which a Connect client cannot set (the server has it);
# pyspark 4.3 is not tested with pandas 3 (the Connect client uses Arrow).
_QUIET_PYSPARK_WARNINGS = ",".join(
    (
        "ignore::UserWarning:pyspark.sql.connect.conf",
        "ignore::FutureWarning:pyspark.sql.connect.utils",
        "ignore::FutureWarning:pyspark.testing.utils",
    )
)


def _positive_int(source: Mapping[str, str], name: str, default: str) -> int:
    text = (source.get(name) or default).strip()
    if not text.isdigit() or int(text) < 1:
        raise SparkLoadError(f"{name}={text!r} is not a positive whole number: set it to 1 or more")
    return int(text)


def spark_session(target: SparkTarget) -> Any:
    """A Spark Connect session to the target's server (one per process and URL)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkLoadError(
            "pyspark is not installed: install the `spark` extra (dbt-spark[session], "
            "pyspark[connect]) to use the Spark target"
        ) from exc
    if target.remote is None:
        raise SparkLoadError(
            f"no Spark Connect server: set {SPARK_REMOTE_ENV} to the server's "
            "sc://<host>:<port>/;token=<token> URL (`omnireport` starts a local one for its "
            "own run when it is unset)"
        )
    # pyspark 4.3 warns that it is not tested with pandas 3; the client uses Arrow only.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    _quiet_query_error_log()
    try:
        session = SparkSession.builder.remote(target.remote).getOrCreate()
    except Exception as exc:
        raise SparkLoadError(
            f"cannot connect to {target.describe()}: {str(exc).strip().splitlines()[0]}"
        ) from exc
    if not any(session is known for known in _OPEN_SESSIONS):
        _OPEN_SESSIONS.append(session)
    return session


# The Connect sessions this process opened. A client still open when its server stops
# makes the process hang at exit: pyspark's exit hook sends the server one more request
# and retries it for 10 minutes.
_OPEN_SESSIONS: list[Any] = []


def close_spark_sessions() -> None:
    """Close every Spark Connect session this process opened (before their server stops)."""
    while _OPEN_SESSIONS:
        session = _OPEN_SESSIONS.pop()
        if not session.is_stopped:
            session.stop()


def _quiet_query_error_log() -> None:
    """pyspark logs every failed query with the server's whole JVM stack trace (hundreds of
    lines) before raising it; the raised error's message is what callers report."""
    import logging

    from pyspark.logger import PySparkLogger

    PySparkLogger.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)


@contextmanager
def local_connect_server(target: SparkTarget) -> Iterator[SparkTarget]:
    """A Spark Connect server for one run on this machine: Spark in the server's JVM
    (`local[cores]`), tables in `<dir>/warehouse`, the Derby metastore in `<dir>/metastore`,
    logs in `<dir>/logs`; on leaving, this process's sessions are closed and the server
    stopped. Yields the target with its URL."""
    from omnireport.warehouse.spark_cluster import ClusterConfig, local_spark_cluster

    config = ClusterConfig(
        target.directory,
        standalone=False,
        worker_cores=target.cores,
        driver_memory=target.driver_memory,
        shuffle_partitions=target.shuffle_partitions,
    )
    with local_spark_cluster(config) as server:
        try:
            yield replace(target, remote=server.connect_url)
        finally:
            close_spark_sessions()


class SparkConnection:
    """A Spark Connect session behind the DuckDB-style calls the orchestration makes
    (`execute(sql, [params])` with `?` placeholders, then `fetchone` / `fetchall` /
    `description`), and `relation_exists`: Spark has no information_schema."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self._rows: list[tuple[Any, ...]] = []
        self.description: list[tuple[str, ...]] = []

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> SparkConnection:
        frame = (
            self.session.sql(sql, args=list(parameters)) if parameters else self.session.sql(sql)
        )
        self._rows = [tuple(row) for row in frame.collect()]
        self.description = [(field.name,) for field in frame.schema.fields]
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._rows)

    def relation_exists(self, schema: str, name: str) -> bool:
        return bool(self.session.catalog.tableExists(f"{schema}.{name}"))

    def close(self) -> None:
        """Nothing to close: the process keeps its one session to the server."""


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
    failed and retried on the next run; the other files still load. `spark`: the session
    to use (by default one to the target's server).
    """
    report = progress or (lambda _line: None)
    discovery = discover_landing_files(Path(landing_dir))
    for warning in discovery.warnings:
        report(f"warning: {warning}")
    return load_files_spark(
        discovery.files, target, warnings=discovery.warnings, progress=report, spark=spark
    )


def load_files_spark(
    files: Sequence[LandingFile],
    target: SparkTarget,
    *,
    warnings: Sequence[str] = (),
    progress: Progress | None = None,
    spark: Any = None,
) -> LoadResult:
    """Load `files` (in the order given) into Spark `raw`; see `load_landing_spark`."""
    report = progress or (lambda _line: None)
    result = LoadResult(warnings=list(warnings))
    session = spark if spark is not None else spark_session(target)
    ensure_raw_schema_spark(session)
    history, log = read_history_spark(session)
    # The server reads the staged files: under the target's folder, which it sees too.
    staging_root = target.directory / "loading"
    staging_root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=staging_root))
    reader = duckdb.connect()
    outcomes: list[FileOutcome | None] = []
    staged: dict[str, list[tuple[int, PendingFile, int]]] = {}
    try:
        reader.execute("set enable_progress_bar = false")
        for landing_file in files:
            outcome = _stage_file(reader, scratch, landing_file, history, log, report)
            if isinstance(outcome, FileOutcome):
                outcomes.append(outcome)
            else:
                pending, rows = outcome
                staged.setdefault(landing_file.table, []).append((len(outcomes), pending, rows))
                outcomes.append(None)
        for table_name, table_files in staged.items():
            report(
                f"writing {sum(rows for _, _, rows in table_files):,} rows of "
                f"{len(table_files)} file(s) to raw.{table_name} ..."
            )
            _insert_table_files(session, table_name, scratch / table_name)
        for table_files in staged.values():
            for _, pending, rows in table_files:
                log.write(pending.loaded_entry(rows), replaces_status=pending.replaces_status)
        log.flush()
    finally:
        reader.close()
        shutil.rmtree(scratch, ignore_errors=True)
    for table_files in staged.values():
        for position, pending, rows in table_files:
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
