"""Read and write `raw._load_log`: one row per (table, file path, content hash) seen.

Statuses: `loaded` (its rows are in raw, under `load_id`), `already_loaded` (same bytes
as a file loaded before under another name: nothing added), `failed` (unreadable: nothing
added; retried on every run, the row is updated in place and becomes `loaded` once the
file reads), `withdrawn` (failed, then removed or replaced: it no longer fails a run).
Every row gets an id from the same increasing sequence as `_load_id`. A file that is not
a readable regular file, or that changes while it is read, is skipped with a warning and
not logged: the next run sees it afresh.

The steps of loading one file that do not depend on the engine live here too, written
once for the DuckDB loader (`landing.loader`), the PostgreSQL loader
(`warehouse.postgres`) and the Spark loader (`warehouse.spark`): `start_file` (hash the
file, skip contents loaded before, hand out the load id), `finish_loaded`,
`record_failure` / `fail_pending`. Each engine gives them a `LogWriter` (one committed log
row per call): `SqlLog` over a `LogConnection` for DuckDB and PostgreSQL, its own for Spark.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import duckdb

from omnireport.contract import LOAD_LOG_TABLE, RAW_SCHEMA, RAW_TABLES
from omnireport.landing.files import (
    HashCache,
    LandingFile,
    content_hash,
    file_stamp,
    printable,
)
from omnireport.landing.read_errors import describe_read_error

Progress = Callable[[str], None]

_LOG = f"{RAW_SCHEMA}.{LOAD_LOG_TABLE}"


@dataclass
class LoadHistory:
    """What the log says before this run: loaded contents, recorded files, the last id."""

    loaded_by_hash: dict[tuple[str, str], str] = field(default_factory=dict)
    status_by_file: dict[tuple[str, str, str], str] = field(default_factory=dict)
    last_load_id: int = 0

    def next_load_id(self) -> int:
        """A new id, greater than any before."""
        self.last_load_id += 1
        return self.last_load_id


def read_history(con: LogConnection) -> LoadHistory:
    """The load log as a LoadHistory (keys: table, content hash / table, path, hash), its
    last load id raised to the highest one in the raw tables."""
    history = _logged_history(con)
    raw_max = con.execute(_max_raw_load_id_sql()).fetchone()
    if raw_max and raw_max[0] is not None:
        history.last_load_id = max(history.last_load_id, int(raw_max[0]))
    return history


def _logged_history(con: LogConnection) -> LoadHistory:
    """The load log alone as a LoadHistory (its SQL runs on every target)."""
    history = LoadHistory()
    rows = con.execute(
        f"select table_name, file_path, content_hash, status, load_id from {_LOG} order by load_id"
    ).fetchall()
    for table, path, digest, status, load_id in rows:
        history.status_by_file[(table, path, digest)] = status
        if status == "loaded":
            history.loaded_by_hash.setdefault((table, digest), path)
        history.last_load_id = max(history.last_load_id, load_id)
    return history


def nothing_to_load(con: LogConnection, files: Sequence[LandingFile], hashes: HashCache) -> bool:
    """True when loading ``files`` would neither load nor log anything: each file is unchanged
    since a run hashed it, the log holds it under its name as loaded (or already loaded), and
    no file is failed in the log (a run retries a failed file, or withdraws it). Reads no
    file's bytes: a file the hashes do not know counts as new."""
    history = _logged_history(con)
    if "failed" in history.status_by_file.values():
        return False
    for landing_file in files:
        try:
            digest = hashes.known(landing_file.path)
        except OSError:
            return False
        if digest is None or (landing_file.table, digest) not in history.loaded_by_hash:
            return False
        key = (landing_file.table, landing_file.relative_path, digest)
        if history.status_by_file.get(key) not in ("loaded", "already_loaded"):
            return False
    return True


def _max_raw_load_id_sql() -> str:
    parts = [f'select max(_load_id) as m from {RAW_SCHEMA}."{t.name}"' for t in RAW_TABLES]
    return "select max(m) from (" + " union all ".join(parts) + ") as loads"


@dataclass(frozen=True)
class LogEntry:
    """One file's outcome, as written to the log."""

    load_id: int
    table: str
    path: str
    content_hash: str
    file_size: int
    rows: int
    status: str
    error: str | None
    seen_at: datetime


def write_entry(con: LogConnection, entry: LogEntry, *, replaces_status: str | None) -> None:
    """Insert the entry, or update the row of the same file and content in place."""
    values = [
        entry.load_id,
        entry.file_size,
        entry.rows,
        entry.status,
        entry.error,
        entry.seen_at,
        entry.table,
        entry.path,
        entry.content_hash,
    ]
    if replaces_status is not None:
        con.execute(
            f"update {_LOG} set load_id = ?, file_size = ?, rows_loaded = ?, status = ?, "
            "error = ?, seen_at = ? where table_name = ? and file_path = ? "
            "and content_hash = ? and status = ?",
            [*values, replaces_status],
        )
    else:
        con.execute(
            f"insert into {_LOG} (load_id, file_size, rows_loaded, status, error, seen_at, "
            "table_name, file_path, content_hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            values,
        )


# --- The per-file steps every loader shares (DuckDB, PostgreSQL, Spark) -------------------

# DuckDB errors of the machine, not of the file (every loader reads files with DuckDB):
# they stop the run instead of failing the file.
NOT_THE_FILES_FAULT: tuple[type[BaseException], ...] = (
    duckdb.OutOfMemoryException,
    duckdb.FatalException,
    duckdb.InternalException,
    duckdb.InterruptException,
)


class LogConnection(Protocol):
    """A warehouse connection the log is written through: DuckDB's own connection, or
    `omnireport.warehouse.postgres.QmarkConnection` on PostgreSQL. `execute` takes `?`
    placeholders; `begin` starts a transaction (a no-op where one starts by itself)."""

    def execute(self, sql: str, parameters: list[Any] | None = None, /) -> Any: ...

    def begin(self) -> Any: ...

    def commit(self) -> Any: ...

    def rollback(self) -> Any: ...


class LogWriter(Protocol):
    """Writes one log row on its own, committed (or not at all) when `write` returns."""

    def write(self, entry: LogEntry, *, replaces_status: str | None) -> None: ...


def in_transaction(con: LogConnection, work: Callable[[], object]) -> None:
    """Run `work` in one transaction of `con`: committed, or rolled back and re-raised."""
    con.begin()
    try:
        work()
    except BaseException:
        con.rollback()
        raise
    con.commit()


@dataclass(frozen=True)
class SqlLog:
    """The LogWriter of a transactional engine: `write_entry` in a transaction of its own."""

    con: LogConnection

    def write(self, entry: LogEntry, *, replaces_status: str | None) -> None:
        in_transaction(
            self.con, lambda: write_entry(self.con, entry, replaces_status=replaces_status)
        )


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one landing file in this run."""

    table: str
    path: str
    content_hash: str
    status: str  # 'loaded' | 'already_loaded' | 'failed' | 'skipped' (not logged)
    rows: int
    error: str | None = None


@dataclass(frozen=True)
class PendingFile:
    """A landing file whose rows are to be loaded now, under `load_id`."""

    landing_file: LandingFile
    content_hash: str
    file_size: int
    load_id: int
    loaded_at: datetime
    replaces_status: str | None  # 'failed' when an earlier run failed on the same bytes
    stamp: tuple[int, ...] = ()  # file_stamp before hashing: the file is unchanged while equal

    def changed(self) -> str | None:
        """Why the file is no longer the one that was hashed (written to, replaced,
        removed since), or None. The caller checks it after reading the rows and before
        committing them, so a file that changes while it is read never commits."""
        try:
            unchanged = tuple(file_stamp(self.landing_file.path)) == self.stamp
        except OSError as exc:
            return f"it could no longer be read ({exc.strerror})"
        return None if unchanged else "it changed while it was being read"

    def loaded_entry(self, rows: int) -> LogEntry:
        """The `loaded` log row, to write in the same transaction as the rows."""
        return LogEntry(
            self.load_id,
            self.landing_file.table,
            self.landing_file.relative_path,
            self.content_hash,
            self.file_size,
            rows,
            "loaded",
            None,
            self.loaded_at,
        )


def utc_now() -> datetime:
    """Now, as a naive UTC timestamp (the type of `_loaded_at` and `seen_at`)."""
    return datetime.now(UTC).replace(tzinfo=None)


def start_file(
    log: LogWriter,
    landing_file: LandingFile,
    history: LoadHistory,
    report: Progress,
    hashes: HashCache | None = None,
) -> PendingFile | FileOutcome:
    """Decide what to do with a file: a FileOutcome when it is settled already (it vanished
    or became unreadable since it was found: skipped with a warning, and seen again by the
    next run; its bytes were loaded before: logged as `already_loaded` once, nothing added),
    else a PendingFile with a new load id for the caller to load. `hashes`: the file hashes
    remembered from earlier runs (by default every file is hashed)."""
    table, path, shown = landing_file.table, landing_file.relative_path, landing_file.shown
    try:
        stamp = tuple(file_stamp(landing_file.path))
        digest = (
            hashes.digest(landing_file.path)
            if hashes is not None
            else content_hash(landing_file.path)
        )
    except OSError as exc:
        return skip_file(landing_file, f"it could no longer be read ({exc.strerror})", report)
    file_size = stamp[0]
    now = utc_now()
    recorded_status = history.status_by_file.get((table, path, digest))

    loaded_as = history.loaded_by_hash.get((table, digest))
    if loaded_as is not None:
        # Said once, when the file is first seen: a file settled by an earlier run is only
        # counted in the run's summary line (an hourly run would otherwise list every file).
        # A file refused before whose bytes have loaded since under another name (a .csv
        # holding what loaded as .jsonl) adds nothing either, and is no longer refused.
        if recorded_status in (None, "failed"):
            entry = LogEntry(
                history.next_load_id(),
                table,
                path,
                digest,
                file_size,
                0,
                "already_loaded",
                None,
                now,
            )
            log.write(entry, replaces_status=recorded_status)
            history.status_by_file[(table, path, digest)] = "already_loaded"
            same = "" if loaded_as == path else f" (same content as {printable(loaded_as)})"
            report(f"skipped {shown}: already loaded{same}")
        return FileOutcome(table, path, digest, "already_loaded", 0)

    report(f"loading {shown} ...")
    replaces = "failed" if recorded_status == "failed" else None
    return PendingFile(
        landing_file, digest, file_size, history.next_load_id(), now, replaces, stamp
    )


def skip_file(landing_file: LandingFile, reason: str, report: Progress) -> FileOutcome:
    """A file left for the next run: nothing of it loaded, nothing logged, a warning."""
    warning = f"skipped {landing_file.shown}: {reason}; the next run tries it again"
    report(f"warning: {warning}")
    return FileOutcome(landing_file.table, landing_file.relative_path, "", "skipped", 0, warning)


def withdraw_failures(con: LogConnection, present: set[tuple[str, str, str]]) -> int:
    """Mark `withdrawn` the `failed` log rows whose file (same table, path and content) was
    not in the landing folder this run: it was removed or replaced, so it no longer fails
    the run. `present`: (table, path, content hash) of every file found. Returns how many."""
    rows = con.execute(
        f"select table_name, file_path, content_hash from {_LOG} where status = 'failed'"
    ).fetchall()
    gone = [tuple(row) for row in rows if tuple(row) not in present]
    if gone:
        in_transaction(con, lambda: _withdraw(con, gone))
    return len(gone)


def _withdraw(con: LogConnection, gone: list[tuple[Any, ...]]) -> None:
    for table, path, digest in gone:
        con.execute(
            f"update {_LOG} set status = 'withdrawn' where status = 'failed' "
            "and table_name = ? and file_path = ? and content_hash = ?",
            [table, path, digest],
        )


def finish_loaded(
    pending: PendingFile, rows: int, history: LoadHistory, report: Progress
) -> FileOutcome:
    """After the caller committed the rows and `pending.loaded_entry(rows)`."""
    table, path = pending.landing_file.table, pending.landing_file.relative_path
    history.status_by_file[(table, path, pending.content_hash)] = "loaded"
    history.loaded_by_hash[(table, pending.content_hash)] = path
    report(f"loading {pending.landing_file.shown} ... {rows:,} rows")
    return FileOutcome(table, path, pending.content_hash, "loaded", rows)


def fail_pending(
    log: LogWriter, pending: PendingFile, error: str, history: LoadHistory, report: Progress
) -> FileOutcome:
    """The pending file's rows did not load (the caller rolled them back): log it as failed."""
    return record_failure(
        log,
        pending.landing_file,
        pending.content_hash,
        pending.file_size,
        error,
        pending.load_id,
        history,
        report,
    )


def record_failure(
    log: LogWriter,
    landing_file: LandingFile,
    digest: str,
    file_size: int,
    error: str,
    load_id: int,
    history: LoadHistory,
    report: Progress,
) -> FileOutcome:
    """Log the file as failed (one row per file and content, replaced on each retry)."""
    table, path = landing_file.table, landing_file.relative_path
    recorded_status = history.status_by_file.get((table, path, digest))
    replaces = "failed" if recorded_status == "failed" else None
    entry = LogEntry(load_id, table, path, digest, file_size, 0, "failed", error, utc_now())
    log.write(entry, replaces_status=replaces)
    history.status_by_file[(table, path, digest)] = "failed"
    report(f"FAILED {error}")
    return FileOutcome(table, path, digest, "failed", 0, error)


def read_error_text(exc: BaseException, landing_file: LandingFile) -> str:
    """`<path>: line <n>: <problem>` for a file that could not be read (no line when the
    reader gives none)."""
    described = describe_read_error(exc, landing_file)
    line = "" if described.line is None else f" line {described.line}:"
    return f"{landing_file.shown}:{line} {described.problem}"
