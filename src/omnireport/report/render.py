"""Render a :class:`Table` as a terminal table (rich), CSV or JSON.

:func:`text_table` is the one terminal table of the package: the report views, and the
summary and status of ``omnireport run`` and ``omnireport status``, print through it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from omnireport.report.table import Table

if TYPE_CHECKING:
    from rich.console import RenderableType

MAX_CELL = 40
# Wide enough for every table: rich never squeezes or wraps a column to fit a terminal.
WIDTH = 10_000


def format_duration(seconds: float) -> str:
    """Seconds as ``H:MM:SS`` (days as ``Nd H:MM:SS``), rounded to the second."""
    total = int(round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{days}d {text}" if days else text


def format_cell(column: str, value: Any) -> str:
    """A value as the terminal shows it: durations as H:MM:SS, percentages with %, UTC times."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column.endswith("_s") and isinstance(value, int | float):
        return format_duration(float(value))
    if ("pct_" in column or column.endswith("_pct")) and isinstance(value, int | float):
        return f"{value:.2f}%"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def text_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    right: Sequence[bool],
    totals: Sequence[str] | None = None,
) -> RenderableType:
    """Formatted cells as a rich table: ``right`` columns right-aligned, totals under a rule;
    no header line when ``headers`` is empty."""
    from rich import box
    from rich.table import Table as RichTable

    table = RichTable(
        box=box.SIMPLE,
        show_edge=False,
        pad_edge=False,
        show_header=bool(headers),
        show_footer=bool(totals),
    )
    for index, align in enumerate(right):
        table.add_column(
            headers[index] if headers else "",
            footer=totals[index] if totals else "",
            justify="right" if align else "left",
        )
    for row in rows:
        table.add_row(*row)
    if not rows:
        table.caption, table.caption_justify = "(no rows)", "left"
    return table


def view_table(table: Table) -> RenderableType:
    """A view as a rich table: numbers right-aligned, the totals row under a rule; the
    overview (``vertical``) as label / value lines."""
    if table.vertical:
        return text_table(
            [],
            [[table.labels.get(c, c), format_cell(c, v)] for c, v in table.records()[0].items()],
            [False, True],
        )
    every = [*table.rows, *([table.totals] if table.totals else [])]
    right = [
        any(isinstance(row[i], int | float) and not isinstance(row[i], bool) for row in every)
        for i in range(len(table.columns))
    ]
    return text_table(
        [table.labels.get(c, c) for c in table.columns],
        [
            [format_cell(c, v) for c, v in zip(table.columns, row, strict=True)]
            for row in table.rows
        ],
        right,
        [
            "" if v is None else format_cell(c, v)
            for c, v in zip(table.columns, table.totals, strict=True)
        ]
        if table.totals
        else None,
    )


def print_rich(renderable: RenderableType, file: IO[str] | None = None) -> None:
    """Print to ``file`` (stdout): styled on a terminal, plain otherwise, never squeezed."""
    from rich.console import Console

    Console(file=file, width=WIDTH, highlight=False).print(renderable)


def to_plain(renderable: RenderableType) -> str:
    """The renderable as plain text (no colour, no trailing spaces), for files and tests."""
    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=WIDTH, color_system=None, highlight=False).print(renderable)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())


def to_text(table: Table) -> str:
    """The view as plain text, as the terminal shows it."""
    return to_plain(view_table(table))


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def to_csv(table: Table) -> str:
    """Rows with the marts' column names (no totals row); timestamps ISO-8601 UTC."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if v is None else _plain(v) for v in row])
    return buffer.getvalue()


def to_json(table: Table, meta: dict[str, Any] | None = None) -> str:
    """``{"view", "filters", "build", "rows": [...], "totals": {...}|null}`` with the marts' names."""
    document = {
        **(meta or {}),
        "view": table.view,
        "source": table.source,
        "rows": [{k: _plain(v) for k, v in r.items()} for r in table.records()],
        "totals": table.totals_record(),
    }
    return json.dumps(document, ensure_ascii=False, indent=2, default=str)
