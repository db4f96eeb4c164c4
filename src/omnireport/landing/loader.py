"""Load the landing folder into the raw schema: idempotent, append-only, file by file.

`load_landing` opens the warehouse, creates the raw schema where missing, loads every
candidate file in (table, file name) order and closes the warehouse again. Each file is
one transaction (its rows and its load-log row commit together or not at all), so a
file that fails, or a process killed mid-file, leaves none of that file's rows behind.
See CONTRACT.md section 2, "Landing files".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from omnireport.contract import LINEAGE_COLUMNS, RAW_SCHEMA, RAW_TABLES, RAW_TABLES_BY_NAME
from omnireport.landing.files import LandingFile, content_hash, discover_landing_files
from omnireport.landing.load_log import LoadHistory, LogEntry, read_history, write_entry
from omnireport.landing.raw_schema import ensure_raw_schema
from omnireport.landing.read_errors import describe_read_error
from omnireport.landing.readers import LandingFileError, build_select, sql_identifier

Progress = Callable[[str], None]

# Errors of the machine, not of the file: they stop the run instead of failing the file.
_NOT_THE_FILES_FAULT = (
    duckdb.OutOfMemoryException,
    duckdb.FatalException,
    duckdb.InternalException,
    duckdb.InterruptException,
)


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one landing file in this run."""

    table: str
    path: str
    content_hash: str
    status: str  # 'loaded' | 'already_loaded' | 'failed'
    rows: int
    error: str | None = None


@dataclass
class LoadResult:
    """Every file's outcome, rows added per raw table by this run, and warnings."""

    files: list[FileOutcome] = field(default_factory=list)
    rows_loaded_by_table: dict[str, int] = field(
        default_factory=lambda: {table.name: 0 for table in RAW_TABLES}
    )
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[FileOutcome]:
        """The files that could not be read (nothing of them was loaded)."""
        return [outcome for outcome in self.files if outcome.status == "failed"]

    @property
    def ok(self) -> bool:
        """True when no file failed."""
        return not self.failed


def load_landing(
    landing_dir: Path, warehouse: Path, *, progress: Progress | None = None
) -> LoadResult:
    """Load every new landing file under `landing_dir` into `warehouse` (created if missing).

    Files whose bytes were loaded before add nothing; unreadable files are recorded as
    failed and retried on the next run; the other files still load.
    """
    report = progress or (lambda _line: None)
    landing_dir = Path(landing_dir)
    warehouse = Path(warehouse)
    discovery = discover_landing_files(landing_dir)
    result = LoadResult(warnings=list(discovery.warnings))
    for warning in discovery.warnings:
        report(f"warning: {warning}")

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("set enable_progress_bar = false")
        ensure_raw_schema(con)
        history = read_history(con)
        for landing_file in discovery.files:
            outcome = _load_file(con, landing_file, history, report)
            result.files.append(outcome)
            result.rows_loaded_by_table[outcome.table] += outcome.rows
    finally:
        con.close()
    return result


def _load_file(
    con: duckdb.DuckDBPyConnection,
    landing_file: LandingFile,
    history: LoadHistory,
    report: Progress,
) -> FileOutcome:
    table, path = landing_file.table, landing_file.relative_path
    try:
        digest = content_hash(landing_file.path)
        file_size = landing_file.path.stat().st_size
    except OSError as exc:  # vanished or unreadable since discovery: retried next run
        error = f"{path}: cannot read the file ({exc.strerror or exc})"
        return _record_failure(
            con, landing_file, "", 0, error, history.next_load_id(), history, report
        )
    now = datetime.now(UTC).replace(tzinfo=None)
    recorded_status = history.status_by_file.get((table, path, digest))

    loaded_as = history.loaded_by_hash.get((table, digest))
    if loaded_as is not None:
        if recorded_status is None:
            entry = LogEntry(
                history.next_load_id(), table, path, digest, file_size, 0,
                "already_loaded", None, now,
            )
            _in_transaction(con, lambda: write_entry(con, entry, replaces_status=None))
            history.status_by_file[(table, path, digest)] = "already_loaded"
        same = "" if loaded_as == path else f" (same content as {loaded_as})"
        report(f"skipped {path}: already loaded{same}")
        return FileOutcome(table, path, digest, "already_loaded", 0)

    report(f"loading {path} ...")
    load_id = history.next_load_id()
    replaces = "failed" if recorded_status == "failed" else None
    try:
        con.begin()
        rows = _insert_rows(con, landing_file, load_id, now)
        write_entry(
            con,
            LogEntry(load_id, table, path, digest, file_size, rows, "loaded", None, now),
            replaces_status=replaces,
        )
        con.commit()
    except (LandingFileError, duckdb.Error, OSError) as exc:
        con.rollback()
        if isinstance(exc, _NOT_THE_FILES_FAULT):
            raise
        error = _error_text(exc, landing_file)
        return _record_failure(
            con, landing_file, digest, file_size, error, load_id, history, report
        )
    history.status_by_file[(table, path, digest)] = "loaded"
    history.loaded_by_hash[(table, digest)] = path
    report(f"loading {path} ... {rows:,} rows")
    return FileOutcome(table, path, digest, "loaded", rows)


def _insert_rows(
    con: duckdb.DuckDBPyConnection, landing_file: LandingFile, load_id: int, now: datetime
) -> int:
    columns = RAW_TABLES_BY_NAME[landing_file.table].columns
    target_columns = ", ".join(sql_identifier(c) for c in (*columns, *LINEAGE_COLUMNS))
    source_columns = ", ".join(sql_identifier(c) for c in columns)
    select = build_select(con, landing_file)
    inserted = con.execute(
        f"insert into {RAW_SCHEMA}.{sql_identifier(landing_file.table)} ({target_columns})\n"
        f"select {source_columns}, ?, _row_number, ?, ?\nfrom (\n{select}\n)",
        [landing_file.relative_path, load_id, now],
    ).fetchone()
    return int(inserted[0]) if inserted else 0


def _error_text(exc: BaseException, landing_file: LandingFile) -> str:
    """`<path>: line <n>: <problem>` (no line when the reader gives none)."""
    described = describe_read_error(exc, landing_file)
    line = "" if described.line is None else f" line {described.line}:"
    return f"{landing_file.relative_path}:{line} {described.problem}"


def _record_failure(
    con: duckdb.DuckDBPyConnection,
    landing_file: LandingFile,
    digest: str,
    file_size: int,
    error: str,
    load_id: int,
    history: LoadHistory,
    report: Progress,
) -> FileOutcome:
    """Log the file as failed (one row per file and content, updated on each retry)."""
    table, path = landing_file.table, landing_file.relative_path
    recorded_status = history.status_by_file.get((table, path, digest))
    replaces = "failed" if recorded_status == "failed" else None
    entry = LogEntry(
        load_id, table, path, digest, file_size, 0, "failed", error,
        datetime.now(UTC).replace(tzinfo=None),
    )
    _in_transaction(con, lambda: write_entry(con, entry, replaces_status=replaces))
    history.status_by_file[(table, path, digest)] = "failed"
    report(f"FAILED {error}")
    return FileOutcome(table, path, digest, "failed", 0, error)


def _in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], None]) -> None:
    con.begin()
    try:
        work()
    except BaseException:
        con.rollback()
        raise
    con.commit()
