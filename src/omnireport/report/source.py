"""Where the report reads from: ONE function picks the file, another opens it read-only.

The report reads the published snapshot of a warehouse (omnireport.publish), so it works
while a build writes the warehouse and never shows a failed build. A warehouse that has
never been published is read directly; a snapshot path can also be given as --warehouse.
With ``--reader`` it reads the reader snapshot instead (what BI readers see: identifiers
hashed, free text left out or redacted, the same numbers), and never anything else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

# The marts every view reads; a warehouse built before the measure marts lacks some.
REQUIRED_MARTS = ("fct_sessions", "fct_session_measures", "fct_participation_measures")


class SourceError(Exception):
    """The warehouse file cannot be read as a report source."""


@dataclass(frozen=True)
class BuildInfo:
    """Which file the report reads and when it was last written (the build time)."""

    path: Path
    built_at: dt.datetime

    def describe(self) -> str:
        kind = (
            "published snapshot"
            if self.path.name.endswith(".published.duckdb")
            else "reader snapshot"
            if self.path.name.endswith(".reader.duckdb")
            else "warehouse"
        )
        return f"{kind} {self.path} (build time {self.built_at:%Y-%m-%d %H:%M:%S %Z})"


def report_database(warehouse: Path | str | None = None, *, reader: bool = False) -> Path:
    """The file the report reads: the published snapshot of ``warehouse`` (or of the
    configured warehouse) when it exists, else the warehouse itself; with ``reader``, its
    reader snapshot, whether it exists or not (never a file holding personal data)."""
    from omnireport.publish import reader_snapshot_path, snapshot_path

    if warehouse is not None:
        path = Path(warehouse).expanduser().resolve()
    else:
        from omnireport.settings import load_settings

        path = load_settings().warehouse
    if reader:
        return path if path.name.endswith(".reader.duckdb") else reader_snapshot_path(path)
    snapshot = snapshot_path(path)
    return snapshot if snapshot.is_file() and snapshot != path else path


def build_info(path: Path) -> BuildInfo:
    """The file and its modification time (UTC), shown on every report as the build time."""
    stat = path.stat()
    return BuildInfo(path=path, built_at=dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC))


def open_marts(path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only; the caller closes it (open, use, close)."""
    file = Path(path)
    if not file.is_file() and file.name.endswith(".reader.duckdb"):
        raise SourceError(
            f"no reader snapshot at {file}: `omnireport run` publishes it beside the warehouse"
        )
    if not file.is_file():
        raise SourceError(
            f"no warehouse at {file}: build one with `omnireport run --warehouse {file}` "
            "or pass --warehouse FILE"
        )
    try:
        con = duckdb.connect(str(file), read_only=True)
    except duckdb.Error as error:
        raise SourceError(
            f"cannot open {file} read-only ({error}); if a build is writing it, wait for it to "
            "finish and try again"
        ) from error
    missing = set(REQUIRED_MARTS) - {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    }
    if missing:
        con.close()
        raise SourceError(
            f"{file} lacks marts the report reads ({', '.join(sorted(missing))} missing): "
            "build it with `omnireport run` first"
        )
    return con
