"""Print metric results and catalogues: an aligned table (rich), CSV or JSON.

CSV and JSON carry every value exactly (the metric names are the column names); the
table rounds decimals to 2 places for reading only, and right-aligns numbers.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

FORMATS = ("table", "csv", "json")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _display(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, float | Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return _text(value)


def write_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]], out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_text(value) for value in row])


def write_json(columns: Sequence[str], rows: Sequence[Sequence[Any]], out: IO[str]) -> None:
    records = [
        {column: _json_value(value) for column, value in zip(columns, row, strict=True)}
        for row in rows
    ]
    json.dump(records, out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    out: IO[str],
    *,
    title: str | None = None,
    caption: str | None = None,
    numeric: bool = True,
    max_widths: dict[str, int] | None = None,
) -> None:
    """A rich table; when ``out`` is not a terminal it is as wide as its content."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, caption=caption, title_justify="left", caption_justify="left")
    for index, column in enumerate(columns):
        values = [row[index] for row in rows if row[index] is not None]
        is_number = (
            numeric
            and bool(values)
            and all(
                isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in values
            )
        )
        table.add_column(
            column,
            justify="right" if is_number else "left",
            overflow="fold",
            max_width=(max_widths or {}).get(column),
        )
    for row in rows:
        table.add_row(
            *(_display(value) if numeric else _text(value) for value in row),
        )
    console = Console(file=out, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        wide = Console(file=out, width=100_000)
        width = max(wide.measure(table).maximum, 40)
        console = Console(file=out, highlight=False, width=width, soft_wrap=False)
    console.print(table)


def write_rows(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    out: IO[str] | None = None,
    **table_options: Any,
) -> None:
    """``rows`` in format ``fmt`` (one of ``FORMATS``) to ``out`` (stdout by default)."""
    out = out or sys.stdout
    if fmt == "csv":
        write_csv(columns, rows, out)
    elif fmt == "json":
        write_json(columns, rows, out)
    else:
        write_table(columns, rows, out, **table_options)
