"""``omnireport report html``: the whole report in one self-contained, offline HTML file.

plotly.js is inlined once (``include_plotlyjs=True``), so the file needs no network. Every
section is a chart and the table it is drawn from; the numbers come from the same view
functions as the terminal report. Beyond the seed: first-response-time distribution per
channel, a weekday x hour heatmap, and the overview against the previous period.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import html
from pathlib import Path
from typing import Any

import duckdb

from omnireport.report.filters import FILTER_OPTIONS, FilterError, Filters, session_conditions
from omnireport.report.render import format_cell
from omnireport.report.source import BuildInfo
from omnireport.report.table import Table
from omnireport.report.views import (
    OVERVIEW_COLUMNS,
    OVERVIEW_LABELS,
    VIEWS,
    ViewOptions,
    overview_figures,
)

# first-response (waiting) time buckets: label, lower bound (s, inclusive), upper bound (exclusive)
FRT_BUCKETS = [
    ("<1m", 0, 60),
    ("1-5m", 60, 300),
    ("5-15m", 300, 900),
    ("15-60m", 900, 3600),
    ("1-4h", 3600, 14400),
    ("4-24h", 14400, 86400),
    (">24h", 86400, None),
]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
OVERVIEW_FIGURES = [
    "sessions",
    "contacts",
    "assigned_sessions",
    "unassigned_sessions",
    "done_sessions",
    "pending_sessions",
    "avg_waiting_time_s",
    "avg_support_time_s",
]

CSS = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #1f2933; }
h1 { margin-bottom: 4px; } .meta { color: #52606d; margin: 2px 0; }
section { margin: 28px 0; } h2 { border-bottom: 2px solid #d9e2ec; padding-bottom: 4px; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; }
.card { border: 1px solid #d9e2ec; border-radius: 8px; padding: 12px; background: #f8fafc; }
.card .label { color: #52606d; font-size: 13px; } .card .value { font-size: 26px; font-weight: 600; }
.card .previous { font-size: 12px; color: #52606d; }
table { border-collapse: collapse; font-size: 12px; margin-top: 8px; }
th, td { border: 1px solid #d9e2ec; padding: 3px 6px; } th { background: #f0f4f8; }
td.num { text-align: right; } tr.total td { font-weight: 600; background: #f0f4f8; }
.note { color: #a15c07; font-size: 13px; }
"""


def _subset(filters: Filters, keys: frozenset[str]) -> Filters:
    """``filters`` without the ones outside ``keys``."""
    cleared: dict[str, Any] = {}
    if "date" not in keys:
        cleared.update(date_from=None, date_to=None)
    if "page" not in keys:
        cleared["channel_ids"] = ()
    if "completed" not in keys:
        cleared["completed"] = None
    if "supported" not in keys:
        cleared["supported"] = None
    if "category" not in keys:
        cleared["category_ids"] = ()
    if "user" not in keys:
        cleared["user_ids"] = ()
    if "group" not in keys:
        cleared.update(group_name=None, group_user_ids=())
    if "support_type" not in keys:
        cleared["support_type"] = None
    if "tag" not in keys:
        cleared["tag_ids"] = ()
    return dataclasses.replace(filters, **cleared)


def table_html(table: Table, table_id: str) -> str:
    """The table as HTML: display formatting of the terminal, raw value in ``data-value``."""
    head = "".join(f"<th>{html.escape(table.labels.get(c, c))}</th>" for c in table.columns)

    def row_html(values: tuple, css: str = "") -> str:
        cells = []
        for column, value in zip(table.columns, values, strict=True):
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            shown = "" if value is None and css else format_cell(column, value)
            raw = "" if value is None else str(value)
            cells.append(
                f'<td class="{"num" if numeric else ""}" data-col="{column}" data-value="{html.escape(raw)}">'
                f"{html.escape(shown)}</td>"
            )
        return f'<tr class="{css}">{"".join(cells)}</tr>'

    body = "".join(row_html(row) for row in table.rows)
    if table.totals:
        body += row_html(table.totals, "total")
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


class _Figures:
    """Turns plotly figures into HTML; the first one carries plotly.js inline."""

    def __init__(self) -> None:
        self.first = True

    def __call__(self, figure: Any, div_id: str) -> str:
        figure.update_layout(margin={"l": 50, "r": 20, "t": 40, "b": 40}, height=360)
        out = figure.to_html(
            full_html=False,
            include_plotlyjs=self.first,
            div_id=div_id,
            config={"displaylogo": False, "responsive": True},
        )
        self.first = False
        return out


def _previous_period(
    con: duckdb.DuckDBPyConnection, filters: Filters
) -> tuple[dt.date, dt.date] | None:
    """This period (the filter's dates, else the data's) and the same number of days before it."""
    where = session_conditions(filters, "s")
    low, high = con.execute(
        f"select min(started_date), max(started_date) from marts.fct_sessions as s where {where.sql()}",
        where.params,
    ).fetchone()
    start = filters.date_from or low
    end = filters.date_to or high
    if start is None or end is None:
        return None
    return start, end


def _overview_section(con: duckdb.DuckDBPyConnection, filters: Filters) -> str:
    current = overview_figures(con, filters)
    period = _previous_period(con, filters)
    previous: dict[str, Any] | None = None
    period_text = ""
    if period:
        start, end = period
        days = (end - start).days + 1
        before = dataclasses.replace(
            filters, date_from=start - dt.timedelta(days=days), date_to=start - dt.timedelta(days=1)
        )
        previous = overview_figures(con, before)
        period_text = (
            f"{start} to {end} ({days} days) against {before.date_from} to {before.date_to}"
        )
    cards = []
    rows = []
    for key in OVERVIEW_FIGURES:
        value = current[key]
        old = previous[key] if previous else None
        change = ""
        if isinstance(value, int | float) and isinstance(old, int | float):
            delta = value - old
            change = format_cell(key, abs(delta)) if key.endswith("_s") else f"{abs(delta):,}"
            change = ("+" if delta >= 0 else "-") + change
            if old:
                change += f" ({100 * delta / old:+.1f}%)"
        cards.append(
            f'<div class="card" data-figure="{key}" data-value="{"" if value is None else value}">'
            f'<div class="label">{html.escape(OVERVIEW_LABELS[key])}</div>'
            f'<div class="value">{html.escape(format_cell(key, value))}</div>'
            f'<div class="previous">previous period: {html.escape(format_cell(key, old))} {html.escape(change)}'
            f"</div></div>"
        )
        rows.append((OVERVIEW_LABELS[key], value, old, change))
    comparison = Table(
        "overview-comparison",
        "",
        ["figure", "this_period", "previous_period", "change"],
        [
            (label, format_cell(k, v), format_cell(k, o), c)
            for k, (label, v, o, c) in zip(OVERVIEW_FIGURES, rows, strict=True)
        ],
    )
    detail = Table(
        "overview",
        "",
        OVERVIEW_COLUMNS,
        [tuple(current[c] for c in OVERVIEW_COLUMNS)],
        labels=OVERVIEW_LABELS,
    )
    return (
        '<section id="overview"><h2>Overview</h2>'
        f'<p class="meta">Period {html.escape(period_text or "(no sessions)")}</p>'
        f'<div class="cards">{"".join(cards)}</div>'
        f"{table_html(comparison, 'table-overview-comparison')}{table_html(detail, 'table-overview')}</section>"
    )


def _section(key: str, title: str, chart: str, table: Table, note: str = "") -> str:
    note_html = f'<p class="note">{html.escape(note)}</p>' if note else ""
    return (
        f'<section id="{key}"><h2>{html.escape(title)}</h2>{note_html}{chart}'
        f'{table_html(table, "table-" + key)}<p class="meta">Source: {html.escape(table.source)}</p></section>'
    )


def _view(
    con: duckdb.DuckDBPyConnection, name: str, filters: Filters, options: ViewOptions | None = None
) -> tuple[Table, str]:
    """Run a view with the filters it honours; the note names the ones it had to leave out."""
    view = VIEWS[name]
    left_out = filters.active() - view.filters
    note = ""
    if left_out:
        note = (
            f"Not filtered by {', '.join(FILTER_OPTIONS[k] for k in sorted(left_out))}: this view counts "
            f"{view.rows_are}, which those filters do not describe."
        )
    try:
        return view.run(con, _subset(filters, view.filters), options or ViewOptions()), note
    except FilterError as error:  # users on a marts-only file: fall back to the report table
        table_filters = frozenset({"date", "user", "group"})
        return view.run(
            con, _subset(filters, table_filters), options or ViewOptions()
        ), f"Not filtered: {error}"


def frt_distribution(con: duckdb.DuckDBPyConnection, filters: Filters) -> Table:
    """Sessions with a waiting time (first response) per channel and bucket."""
    where = session_conditions(filters, "s")
    cases = ", ".join(
        f"count(*) filter (where s.waiting_time_s >= {low}{'' if high is None else f' and s.waiting_time_s < {high}'})"
        for _, low, high in FRT_BUCKETS
    )
    raw = con.execute(
        f"""
        select s.channel_id, max(s.channel_name), {cases}, count(s.waiting_time_s)
        from marts.fct_sessions as s
        where {where.sql()} and s.waiting_time_s is not null
        group by s.channel_id order by max(s.channel_name) nulls last, s.channel_id
        """,
        where.params,
    ).fetchall()
    columns = [
        "channel_id",
        "channel_name",
        *[f"frt_{label}" for label, _, _ in FRT_BUCKETS],
        "sessions_with_waiting_time",
    ]
    rows = [tuple(r) for r in raw]
    totals = (
        ("TOTAL", None, *[sum(r[i] for r in rows) for i in range(2, len(columns))])
        if rows
        else None
    )
    labels = {f"frt_{label}": label for label, _, _ in FRT_BUCKETS}
    labels.update(channel_id="channel", channel_name="name", sessions_with_waiting_time="sessions")
    return Table(
        "frt", "First-response time by channel", columns, rows, totals, labels, "marts.fct_sessions"
    )


def weekday_hour(con: duckdb.DuckDBPyConnection, filters: Filters) -> Table:
    """Sessions by local weekday (1 = Monday) and local start hour."""
    where = session_conditions(filters, "s")
    raw = con.execute(
        f"""
        select isodow(s.started_date) as weekday, s.started_hour, count(*) as sessions
        from marts.fct_sessions as s where {where.sql()} group by 1, 2 order by 1, 2
        """,
        where.params,
    ).fetchall()
    grid = {(d, h): n for d, h, n in raw}
    columns = ["weekday", *[f"h{h:02d}" for h in range(24)], "sessions"]
    rows = [
        (
            WEEKDAYS[d - 1],
            *[grid.get((d, h), 0) for h in range(24)],
            sum(grid.get((d, h), 0) for h in range(24)),
        )
        for d in range(1, 8)
    ]
    return Table(
        "heatmap",
        "Sessions by weekday and hour",
        columns,
        rows,
        None,
        {f"h{h:02d}": str(h) for h in range(24)},
        "marts.fct_sessions",
    )


def utc_offsets(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Whole-hour UTC offsets of the local dates and hours in the marts, as seen in the data
    (the warehouse does not record its report_timezone var): ``["+07"]``, two under DST."""
    rows = con.execute(
        """
        select distinct datediff('hour', date_trunc('hour', started_at),
            cast(started_date as timestamp) + to_hours(started_hour)) as offset_h
        from marts.fct_sessions order by 1
        """
    ).fetchall()
    return [f"{'+' if h >= 0 else '-'}{abs(h):02d}" for (h,) in rows]


def build_html(con: duckdb.DuckDBPyConnection, filters: Filters, build: BuildInfo) -> str:
    """The whole report as one HTML document."""
    import plotly.graph_objects as go

    figure = _Figures()
    parts = [_overview_section(con, filters)]

    hourly, note = _view(con, "hourly", filters)
    chart = go.Figure(
        [
            go.Bar(name=label, x=hourly.column("started_hour"), y=hourly.column(col))
            for col, label in (
                ("sessions", "sessions"),
                ("supported_sessions", "supported"),
                ("supported_within_1m", "supported within 1 min"),
            )
        ]
    )
    chart.update_layout(title="Sessions by local start hour", barmode="group", xaxis={"dtick": 1})
    parts.append(
        _section("hourly", "Sessions by hour", figure(chart, "chart-hourly"), hourly, note)
    )

    daily, note = _view(con, "daily", filters)
    dates = [str(d) for d in daily.column("started_date")]
    chart = go.Figure(
        [
            go.Bar(name="chat", x=dates, y=daily.column("message_sessions")),
            go.Bar(name="comment", x=dates, y=daily.column("comment_sessions")),
        ]
    )
    chart.update_layout(title="Sessions by local start date", barmode="stack")
    parts.append(
        _section(
            "daily",
            "Sessions by date (chat and comment)",
            figure(chart, "chart-daily"),
            daily,
            note,
        )
    )

    channels, note = _view(con, "channels", filters)
    names = [
        n or c
        for c, n in zip(channels.column("channel_id"), channels.column("channel_name"), strict=True)
    ]
    chart = go.Figure(
        [
            go.Bar(name="chat", x=names, y=channels.column("message_sessions")),
            go.Bar(name="comment", x=names, y=channels.column("comment_sessions")),
        ]
    )
    chart.update_layout(title="Sessions by channel", barmode="stack")
    parts.append(
        _section("channels", "Sessions by channel", figure(chart, "chart-channels"), channels, note)
    )

    users, note = _view(con, "users", filters)
    names = [
        n or u for u, n in zip(users.column("user_id"), users.column("full_name"), strict=True)
    ]
    chart = go.Figure(
        [
            go.Bar(name=users.labels[col], x=names, y=users.column(col))
            for col in users.columns
            if col.startswith(("assigned_", "not_assigned_"))
        ]
    )
    chart.update_layout(
        title="Sessions by user (assigned / completed / supported)", barmode="stack"
    )
    parts.append(_section("users", "Statistics by user", figure(chart, "chart-users"), users, note))

    working, note = _view(con, "working-time", filters)
    names = [
        n or u for u, n in zip(working.column("user_id"), working.column("full_name"), strict=True)
    ]
    chart = go.Figure(
        [
            go.Bar(
                name="total pause (hours)",
                x=names,
                y=[round(s / 3600, 2) for s in working.column("total_pause_s")],
            )
        ]
    )
    chart.update_layout(title="Total pause time by employee (hours)")
    parts.append(
        _section("working-time", "Working time", figure(chart, "chart-working-time"), working, note)
    )

    for by in ("chart", "page", "staff"):
        tags, note = _view(con, "tags", filters, ViewOptions(tags_by=by))
        tag_names = [
            n or t for t, n in zip(tags.column("tag_id"), tags.column("tag_name"), strict=True)
        ]
        if by == "chart":
            chart = go.Figure(
                [
                    go.Bar(name="added", x=tag_names, y=tags.column("tags_added")),
                    go.Bar(name="removed", x=tag_names, y=tags.column("tags_removed")),
                ]
            )
            chart.update_layout(title="Tags added and removed", barmode="group")
        else:
            key = "channel_name" if by == "page" else "full_name"
            ids = tags.column("channel_id" if by == "page" else "tagged_by_user_id")
            who = [n or i or "automation" for i, n in zip(ids, tags.column(key), strict=True)]
            chart = go.Figure(
                [
                    go.Bar(
                        name=tag,
                        x=[w for w, t in zip(who, tag_names, strict=True) if t == tag],
                        y=[
                            a
                            for a, t in zip(tags.column("tags_added"), tag_names, strict=True)
                            if t == tag
                        ],
                    )
                    for tag in dict.fromkeys(tag_names)
                ]
            )
            chart.update_layout(title=f"Tags added by {by}", barmode="stack")
        parts.append(
            _section(f"tags-{by}", f"Tags by {by}", figure(chart, f"chart-tags-{by}"), tags, note)
        )

    frt = frt_distribution(con, filters)
    names = [
        n or c for c, n in zip(frt.column("channel_id"), frt.column("channel_name"), strict=True)
    ]
    chart = go.Figure(
        [go.Bar(name=label, x=names, y=frt.column(f"frt_{label}")) for label, _, _ in FRT_BUCKETS]
    )
    chart.update_layout(
        title="First-response time by channel (sessions with a waiting time)", barmode="stack"
    )
    parts.append(
        _section("frt", "First-response time distribution", figure(chart, "chart-frt"), frt)
    )

    heat = weekday_hour(con, filters)
    chart = go.Figure(
        go.Heatmap(
            z=[list(r[1:25]) for r in heat.rows], x=list(range(24)), y=WEEKDAYS, colorscale="Blues"
        )
    )
    chart.update_layout(title="Sessions by local weekday and hour", yaxis={"autorange": "reversed"})
    parts.append(
        _section("heatmap", "Sessions by weekday and hour", figure(chart, "chart-heatmap"), heat)
    )

    meta = (
        f'<p class="meta" id="build">Source: {html.escape(build.describe())}</p>'
        f'<p class="meta" id="filters">Filters: {html.escape(filters.describe())}</p>'
        '<p class="meta">Dates and hours are local, in the report time zone the warehouse was built with '
        f"(UTC{html.escape(' and UTC'.join(utc_offsets(con)) or '?')} in the data); timestamps are UTC; "
        "durations are H:MM:SS.</p>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Omnichannel conversation report</title>"
        f"<style>{CSS}</style></head><body><h1>Omnichannel conversation report</h1>{meta}"
        f"{''.join(parts)}</body></html>"
    )


def write_html(
    con: duckdb.DuckDBPyConnection, filters: Filters, build: BuildInfo, out: Path
) -> Path:
    """Write the report to ``out`` (written whole to a temporary name, then renamed; the
    temporary file is removed again when anything fails, a full disk or Ctrl-C included)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        partial.write_text(build_html(con, filters, build), encoding="utf-8")
        partial.replace(out)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise
    return out
