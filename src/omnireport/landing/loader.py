"""Load the landing folder into the raw schema: idempotent, append-only, file by file.

`load_landing` opens the warehouse, creates the raw schema where missing, loads every
candidate file in (table, file name) order and closes the warehouse again. Each file is
one transaction (its rows and its load-log row commit together or not at all), so a
file that fails, or a process killed mid-file, leaves none of that file's rows behind.
The steps every engine's loader shares (skip what was loaded, load ids, failures) are in
`landing.load_log`. See CONTRACT.md section 2, "Landing files".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from omnireport.contract import LINEAGE_COLUMNS, RAW_SCHEMA, RAW_TABLES, RAW_TABLES_BY_NAME
from omnireport.landing.files import HashCache, LandingFile, discover_landing_files
from omnireport.landing.load_log import (
    NOT_THE_FILES_FAULT,
    FileOutcome,
    LoadHistory,
    PendingFile,
    SqlLog,
    fail_pending,
    finish_loaded,
    read_error_text,
    read_history,
    skip_file,
    start_file,
    withdraw_failures,
    write_entry,
)
from omnireport.landing.raw_schema import ensure_raw_schema
from omnireport.landing.readers import LandingFileError, build_select, sql_identifier
from omnireport.settings import duckdb_config

Progress = Callable[[str], None]


__all__ = ["FileOutcome", "LoadResult", "load_files", "load_landing"]


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

    def add(self, outcome: FileOutcome) -> None:
        """Count one file's outcome (a skipped file's reason joins the warnings)."""
        self.files.append(outcome)
        self.rows_loaded_by_table[outcome.table] += outcome.rows
        if outcome.status == "skipped" and outcome.error:
            self.warnings.append(outcome.error)

    def present(self) -> set[tuple[str, str, str]]:
        """(table, path, content hash) of every file found and read in this run."""
        return {(o.table, o.path, o.content_hash) for o in self.files if o.status != "skipped"}


def load_landing(
    landing_dir: Path, warehouse: Path, *, progress: Progress | None = None
) -> LoadResult:
    """Load every new landing file under `landing_dir` into `warehouse` (created if missing).

    Files whose bytes were loaded before add nothing; unreadable files are recorded as
    failed and retried on the next run; the other files still load.
    """
    report = progress or (lambda _line: None)
    discovery = discover_landing_files(Path(landing_dir))
    for warning in discovery.warnings:
        report(f"warning: {warning}")
    return load_files(
        discovery.files, Path(warehouse), warnings=discovery.warnings, progress=report
    )


def connect_warehouse(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The loader's connection, within the configured DuckDB memory limit, which also
    bounds DuckDB's cache of the blocks a large load writes."""
    return duckdb.connect(str(warehouse), config=duckdb_config())


def load_files(
    files: Sequence[LandingFile],
    warehouse: Path,
    *,
    warnings: Sequence[str] = (),
    progress: Progress | None = None,
    hashes: HashCache | None = None,
) -> LoadResult:
    """Load `files` into `warehouse` (created if missing), in the order given.

    A file that cannot be read as a whole, or misses a column of its table, loads nothing
    and is logged as failed, so `omnireport status` shows it and every run retries it.
    `hashes`: the file hashes remembered from earlier runs, updated and saved at the end
    (by default every file is hashed).
    """
    report = progress or (lambda _line: None)
    result = LoadResult(warnings=list(warnings))
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = connect_warehouse(warehouse)
    try:
        con.execute("set enable_progress_bar = false")
        ensure_raw_schema(con)
        history = read_history(con)
        for landing_file in files:
            result.add(_load_file(con, landing_file, history, report, hashes))
        withdraw_failures(con, result.present())
    finally:
        con.close()
    if hashes is not None:
        hashes.save()
    return result


def _load_file(
    con: duckdb.DuckDBPyConnection,
    landing_file: LandingFile,
    history: LoadHistory,
    report: Progress,
    hashes: HashCache | None,
) -> FileOutcome:
    log = SqlLog(con)
    pending = start_file(log, landing_file, history, report, hashes)
    if not isinstance(pending, PendingFile):
        return pending
    try:
        con.begin()
        rows = _insert_rows(con, landing_file, pending.load_id, pending.loaded_at)
        if changed := pending.changed():
            con.rollback()
            return skip_file(landing_file, changed, report)
        write_entry(con, pending.loaded_entry(rows), replaces_status=pending.replaces_status)
        con.commit()
    except (LandingFileError, duckdb.Error, OSError) as exc:
        con.rollback()
        if isinstance(exc, NOT_THE_FILES_FAULT):
            raise
        if changed := pending.changed():  # a file cut short while read fails to parse too
            return skip_file(landing_file, changed, report)
        return fail_pending(log, pending, read_error_text(exc, landing_file), history, report)
    return finish_loaded(pending, rows, history, report)


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
