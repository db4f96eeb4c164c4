"""Render a :class:`Table` as an aligned terminal table, CSV or JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from omnireport.report.table import Table

MAX_CELL = 40


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
    if "pct_" in column and isinstance(value, int | float):
        return f"{value:.2f}%"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _numeric(column: str, values: list[Any]) -> bool:
    return any(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def to_text(table: Table) -> str:
    """An aligned table: numbers right-aligned, a totals row under a rule."""
    if table.vertical:
        row = table.rows[0]
        width = max(len(table.labels.get(c, c)) for c in table.columns)
        return "\n".join(
            f"{table.labels.get(c, c):<{width}}  {format_cell(c, v)}"
            for c, v in zip(table.columns, row, strict=True)
        )
    headers = [table.labels.get(c, c) for c in table.columns]
    body = [
        [format_cell(c, v) for c, v in zip(table.columns, row, strict=True)] for row in table.rows
    ]
    totals = (
        [
            format_cell(c, v) if v is not None else ""
            for c, v in zip(table.columns, table.totals, strict=True)
        ]
        if table.totals
        else None
    )
    every = body + ([totals] if totals else [])
    widths = [max([len(h)] + [len(r[i]) for r in every]) for i, h in enumerate(headers)]
    right = [_numeric(c, table.column(c)) for c in table.columns]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if right[i] else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in body]
    if not body:
        out.append("(no rows)")
    if totals:
        out += ["  ".join("=" * w for w in widths), line(totals)]
    return "\n".join(out)


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
