"""Run compiled metric SQL on the published snapshot, read-only.

The snapshot (``omnireport.publish.snapshot_path``) is a separate file that a successful
build swaps in atomically; opening it read-only takes no lock a build needs, so a query
answers while ``omnireport run`` holds the warehouse's writer lock, and sees the last
published build, never a half-built one. The connection is opened and closed per query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from omnireport.publish import snapshot_path


class SnapshotMissingError(FileNotFoundError):
    """No published snapshot to read yet."""


@dataclass(frozen=True)
class ResultTable:
    """Rows of a metric query, with their column names."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def resolve_snapshot(warehouse: Path) -> Path:
    """The published snapshot of ``warehouse``; ``SnapshotMissingError`` when there is none."""
    snapshot = snapshot_path(warehouse)
    if not snapshot.is_file():
        raise SnapshotMissingError(
            f"no published snapshot at {snapshot}: run `omnireport run` first (a successful "
            "run publishes it), or pass the --warehouse it was built for"
        )
    return snapshot


def _plain(value: Any) -> Any:
    """Dates of a time dimension come back as midnight timestamps: make them dates."""
    if isinstance(value, datetime) and value.tzinfo is None and value.time() == datetime.min.time():
        return value.date()
    return value


def run_sql(snapshot: Path, sql: str) -> ResultTable:
    """Execute ``sql`` on ``snapshot`` opened read-only."""
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        con.execute("set enable_progress_bar = false")
        cursor = con.execute(sql)
        columns = tuple(str(column[0]) for column in cursor.description or ())
        rows = [tuple(_plain(value) for value in row) for row in cursor.fetchall()]
    finally:
        con.close()
    return ResultTable(columns=columns, rows=rows)
