"""Read and write `raw._load_log`: one row per (table, file path, content hash) seen.

Statuses: `loaded` (its rows are in raw, under `load_id`), `already_loaded` (same bytes
as a file loaded before under another name: nothing added), `failed` (unreadable: nothing
added; retried on every run, the row is updated in place and becomes `loaded` once the
file reads). Every row gets an id from the same increasing sequence as `_load_id`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from omnireport.contract import LOAD_LOG_TABLE, RAW_SCHEMA, RAW_TABLES

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


def read_history(con: duckdb.DuckDBPyConnection) -> LoadHistory:
    """The load log as a LoadHistory (keys: table, content hash / table, path, hash)."""
    history = LoadHistory()
    rows = con.execute(
        f"select table_name, file_path, content_hash, status, load_id from {_LOG} "
        "order by load_id"
    ).fetchall()
    for table, path, digest, status, load_id in rows:
        history.status_by_file[(table, path, digest)] = status
        if status == "loaded":
            history.loaded_by_hash.setdefault((table, digest), path)
        history.last_load_id = max(history.last_load_id, load_id)
    raw_max = con.execute(_max_raw_load_id_sql()).fetchone()
    if raw_max and raw_max[0] is not None:
        history.last_load_id = max(history.last_load_id, int(raw_max[0]))
    return history


def _max_raw_load_id_sql() -> str:
    parts = [f'select max(_load_id) as m from {RAW_SCHEMA}."{t.name}"' for t in RAW_TABLES]
    return "select max(m) from (" + " union all ".join(parts) + ")"


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


def write_entry(
    con: duckdb.DuckDBPyConnection, entry: LogEntry, *, replaces_status: str | None
) -> None:
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
