"""The summary printed at the end of ``omnireport run``: what was loaded, and what the data says.

Two tables, read through a connection to the warehouse (any target):

- per raw table: rows loaded by this run (from the load log: ``loads_since`` the last load
  id before the run, so an interrupted or failed run still counts what it committed) and
  in total, staged, quarantined and superseded (from ``audit.row_reconciliation``; blank
  when that table is not built yet, or when it does not add up to the raw rows because the
  build did not count the latest loads);
- per channel type, from ``marts.fct_sessions``: sessions, done, supported, and the
  average waiting and support times over the sessions that have them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from omnireport.contract import LOAD_LOG_TABLE, RAW_SCHEMA, RAW_TABLES

Cell = str | int | float | None


@dataclass(frozen=True)
class TableRows:
    """Row counts of one raw table through the pipeline (None: not known)."""

    table: str
    loaded_this_run: int
    loaded_total: int | None
    staged: int | None = None
    quarantined: int | None = None
    superseded: int | None = None


@dataclass(frozen=True)
class ChannelOverview:
    """Sessions of one channel type and their average waiting and support times (seconds)."""

    channel_type: str
    sessions: int
    done: int
    supported: int
    avg_waiting_time_s: float | None
    avg_support_time_s: float | None


@dataclass
class RunSummary:
    """What the summary shows; ``notes`` say which part could not be read and why."""

    tables: list[TableRows] = field(default_factory=list)
    channels: list[ChannelOverview] | None = None
    notes: list[str] = field(default_factory=list)


def _relation_exists(con: Any, schema: str, name: str) -> bool:
    from omnireport.warehouse.targets import relation_exists

    return relation_exists(con, schema, name)


@dataclass(frozen=True)
class LoadedFile:
    """A landing file whose rows were committed to raw."""

    table: str
    path: str
    rows: int


def last_load_id(con: Any) -> int:
    """The highest load id in the load log (0 before the first load)."""
    if not _relation_exists(con, RAW_SCHEMA, LOAD_LOG_TABLE):
        return 0
    row = con.execute(f"select max(load_id) from {RAW_SCHEMA}.{LOAD_LOG_TABLE}").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def loads_since(con: Any, load_id: int) -> list[LoadedFile]:
    """The files committed after ``load_id``, in load order."""
    if not _relation_exists(con, RAW_SCHEMA, LOAD_LOG_TABLE):
        return []
    rows = con.execute(
        f"select table_name, file_path, rows_loaded from {RAW_SCHEMA}.{LOAD_LOG_TABLE} "
        "where load_id > ? and status = 'loaded' order by load_id",
        [load_id],
    ).fetchall()
    return [LoadedFile(str(table), str(path), int(rows or 0)) for table, path, rows in rows]


def rows_by_table(files: Sequence[LoadedFile]) -> dict[str, int]:
    """Rows per raw table of ``files``."""
    rows: dict[str, int] = {}
    for loaded in files:
        rows[loaded.table] = rows.get(loaded.table, 0) + loaded.rows
    return rows


def _reconciliation(con: Any) -> dict[str, tuple[int, int, int]] | None:
    if not _relation_exists(con, "audit", "row_reconciliation"):
        return None
    rows = con.execute(
        "select table_name, staged_rows, quarantined_rows, superseded_rows "
        "from audit.row_reconciliation"
    ).fetchall()
    return {
        str(name): (staged, quarantined, superseded)
        for name, staged, quarantined, superseded in rows
    }


def _channels(con: Any) -> list[ChannelOverview]:
    rows = con.execute(
        """
        select
            case
                when grouping(channel_type) = 1 then 'all'
                else coalesce(channel_type, '(unknown)')
            end as channel_type,
            count(*) as sessions,
            count(*) filter (where is_completed) as done,
            count(*) filter (where is_supported) as supported,
            avg(waiting_time_s) as avg_waiting_time_s,
            avg(support_time_s) as avg_support_time_s
        from marts.fct_sessions
        group by rollup (channel_type)
        order by grouping(channel_type), channel_type
        """
    ).fetchall()
    return [ChannelOverview(*row) for row in rows]


def collect_summary(con: Any, rows_loaded_this_run: Mapping[str, int]) -> RunSummary:
    """Read the summary through a warehouse connection (``Warehouse.connect``); parts that
    are not built yet are left out with a note."""
    summary = RunSummary()
    reconciliation = _reconciliation(con)
    if reconciliation is None:
        summary.notes.append("audit.row_reconciliation is not built: staged/quarantined unknown")
    behind: list[str] = []
    for table in RAW_TABLES:
        total = None
        if _relation_exists(con, RAW_SCHEMA, table.name):
            (total,) = con.execute(f'select count(*) from {RAW_SCHEMA}."{table.name}"').fetchone()
        counts = (reconciliation or {}).get(table.name, (None, None, None))
        if None not in counts and total is not None and sum(counts) != total:
            behind.append(table.name)  # counted by an older build: they would not add up
            counts = (None, None, None)
        staged, quarantined, superseded = counts
        summary.tables.append(
            TableRows(
                table=table.name,
                loaded_this_run=int(rows_loaded_this_run.get(table.name, 0)),
                loaded_total=total,
                staged=staged,
                quarantined=quarantined,
                superseded=superseded,
            )
        )
    if behind:
        summary.notes.append(
            f"staged, quarantined and superseded of {', '.join(behind)} are not shown: the last "
            "build did not count the rows loaded since; `omnireport build` counts them"
        )
    if _relation_exists(con, "marts", "fct_sessions"):
        summary.channels = _channels(con)
    else:
        summary.notes.append("marts.fct_sessions is not built: no overview per channel type")
    return summary


def _cell(value: Cell) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """A text table (the report's rich renderer): first column left-aligned, the others right."""
    from omnireport.report.render import text_table, to_plain

    cells = [[_cell(value) for value in row] for row in rows]
    return to_plain(text_table(headers, cells, [False] + [True] * (len(headers) - 1)))


def format_summary(summary: RunSummary) -> str:
    """The summary as text: the rows table, the channel overview, then any notes."""
    blocks: list[str] = []
    if summary.tables:
        blocks.append(
            "Rows per raw table\n"
            + format_table(
                ["table", "loaded now", "loaded total", "staged", "quarantined", "superseded"],
                [
                    [
                        t.table,
                        t.loaded_this_run,
                        t.loaded_total,
                        t.staged,
                        t.quarantined,
                        t.superseded,
                    ]
                    for t in summary.tables
                ],
            )
        )
    if summary.channels is not None:
        rows: list[list[Cell]] = [
            [
                c.channel_type,
                c.sessions,
                c.done,
                c.supported,
                c.avg_waiting_time_s,
                c.avg_support_time_s,
            ]
            for c in summary.channels
        ]
        blocks.append(
            "Sessions per channel type (averages over sessions that have the measure)\n"
            + format_table(
                ["channel type", "sessions", "done", "supported", "avg waiting s", "avg support s"],
                rows,
            )
        )
    blocks.extend(f"note: {note}" for note in summary.notes)
    return "\n\n".join(blocks)
