"""``omnireport report html``: the whole report in one self-contained, offline HTML file.

The page is the Jinja2 template ``templates/report.html.j2`` (autoescaped); this module
gathers what it shows. plotly.js is inlined once, by the first chart, so the file needs no
network. Every section is a chart and the table it is drawn from; the numbers come from
the same views as the terminal report. Beyond the seed: first-response-time distribution
per channel, the reply-time distribution per agent (with each agent's median and p90), the
backlog at the end of each day, CSAT per agent, conversations per channel, a weekday x hour
heatmap, and the overview against the previous period.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from omnireport.report.filters import (
    FILTER_OPTIONS,
    SESSION_FILTERS,
    Filters,
    conditions,
)
from omnireport.report.render import format_cell
from omnireport.report.source import BuildInfo
from omnireport.report.table import Table
from omnireport.report.views import (
    OVERVIEW,
    REPLY_FILTERS,
    REPLY_PERCENTILES,
    USERS_NAME,
    VIEWS,
    Sums,
    ViewOptions,
    overview_figures,
    sum_view,
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
# reply time buckets (CONTRACT.md 7.4 reply_time_s): column replies_<key>, label, lower bound
# (s, inclusive), upper bound (exclusive)
REPLY_BUCKETS = [
    ("under_1m", "<1m", None, 60),
    ("1_5m", "1-5m", 60, 300),
    ("5_15m", "5-15m", 300, 900),
    ("15_60m", "15-60m", 900, 3600),
    ("1_4h", "1-4h", 3600, 14400),
    ("over_4h", ">4h", 14400, None),
]
CHAT_COMMENT = {"message": "chat", "comment": "comment"}
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
# Sessions by local start date and hour, summed like every view (the heatmap's weekdays).
DATE_HOUR = dataclasses.replace(
    OVERVIEW,
    view="heatmap",
    dims=("started_date", "started_hour"),
    measures=("sessions",),
    shown=("sessions",),
    distinct={},
)


def _bucket(low: int | None, high: int | None) -> str:
    bounds = [f"m.reply_time_s >= {low}"] if low is not None else []
    bounds += [f"m.reply_time_s < {high}"] if high is not None else []
    return " and ".join(bounds)


# Each agent's replies by reply time bucket, with the median and p90 of the same rows.
REPLY_DISTRIBUTION = Sums(
    view="reply-times",
    title="Reply time distribution by agent",
    mart="fct_replies",
    filters=REPLY_FILTERS,
    dims=("replied_by_user_id",),
    names={"replied_by_user_id": USERS_NAME},
    measures=(),
    counts={
        **{f"replies_{key}": _bucket(low, high) for key, _, low, high in REPLY_BUCKETS},
        "replies": "true",
    },
    percentiles=REPLY_PERCENTILES,
    shown=(
        *[f"replies_{key}" for key, _, _, _ in REPLY_BUCKETS],
        "replies",
        "median_reply_time_s",
        "p90_reply_time_s",
    ),
    labels={
        "replied_by_user_id": "user",
        "full_name": "employee",
        **{f"replies_{key}": label for key, label, _, _ in REPLY_BUCKETS},
        "median_reply_time_s": "median",
        "p90_reply_time_s": "p90",
    },
)


@dataclasses.dataclass
class Section:
    """One section of the page: a chart and the table it is drawn from."""

    key: str
    title: str
    chart: Any
    table: Table
    note: str = ""


def _left_out(filters: Filters, honoured: frozenset[str], rows_are: str) -> str:
    """A note naming the active filters a section could not apply, or nothing."""
    left_out = filters.active() - honoured
    if not left_out:
        return ""
    return (
        f"Not filtered by {', '.join(FILTER_OPTIONS[k] for k in sorted(left_out))}: this view counts "
        f"{rows_are}, which those filters do not describe."
    )


def _view(
    con: duckdb.DuckDBPyConnection, name: str, filters: Filters, options: ViewOptions | None = None
) -> tuple[Table, str]:
    """Run a view with the filters it honours; the note names the ones it had to leave out."""
    view = VIEWS[name]
    note = _left_out(filters, view.filters, view.rows_are)
    return view.run(con, filters.only(view.filters), options or ViewOptions()), note


def _overview(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, Any]:
    """The overview's cards and tables: this period (the filter's dates, else the data's)
    against the same number of days before it."""
    detail = sum_view(con, OVERVIEW, filters)
    current = detail.records()[0]
    where = conditions(filters, SESSION_FILTERS, "s")
    low, high = con.execute(
        f"select min(started_date), max(started_date) from marts.fct_sessions as s where {where.sql()}",
        where.params,
    ).fetchone()
    start, end = filters.date_from or low, filters.date_to or high
    previous: dict[str, Any] = {}
    period = ""
    if start and end:
        days = (end - start).days + 1
        before = dataclasses.replace(
            filters, date_from=start - dt.timedelta(days=days), date_to=start - dt.timedelta(days=1)
        )
        previous = overview_figures(con, before)
        period = f"{start} to {end} ({days} days) against {before.date_from} to {before.date_to}"
    cards = []
    for key in OVERVIEW_FIGURES:
        value, old = current[key], previous.get(key)
        change = ""
        if isinstance(value, int | float) and isinstance(old, int | float):
            delta = value - old
            change = format_cell(key, abs(delta)) if key.endswith("_s") else f"{abs(delta):,}"
            change = ("+" if delta >= 0 else "-") + change
            if old:
                change += f" ({100 * delta / old:+.1f}%)"
        label = OVERVIEW.labels[key]
        cards.append(
            {"key": key, "label": label, "value": value, "previous": old, "change": change}
        )
    comparison = Table(
        "overview-comparison",
        "",
        ["figure", "this_period", "previous_period", "change"],
        [
            (c["label"], format_cell(c["key"], c["value"]), format_cell(c["key"], c["previous"]))
            + (c["change"],)
            for c in cards
        ],
    )
    return {"period": period, "cards": cards, "comparison": comparison, "detail": detail}


def frt_distribution(con: duckdb.DuckDBPyConnection, filters: Filters) -> Table:
    """Sessions with a waiting time (first response) per channel and bucket."""
    where = conditions(filters, SESSION_FILTERS, "s")
    cases = ", ".join(
        f"count(*) filter (where s.waiting_time_s >= {low}{'' if high is None else f' and s.waiting_time_s < {high}'})"
        for _, low, high in FRT_BUCKETS
    )
    rows = con.execute(
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
    totals = ("TOTAL", None, *[sum(r[i] for r in rows) for i in range(2, len(columns))])
    labels = {f"frt_{label}": label for label, _, _ in FRT_BUCKETS}
    labels.update(channel_id="channel", channel_name="name", sessions_with_waiting_time="sessions")
    return Table(
        "frt",
        "First-response time by channel",
        columns,
        rows,
        totals if rows else None,
        labels,
        "marts.fct_sessions",
    )


def weekday_hour(con: duckdb.DuckDBPyConnection, filters: Filters) -> Table:
    """Sessions by local weekday (Monday first) and local start hour."""
    grid: dict[tuple[int, int], int] = {}
    for row in sum_view(con, DATE_HOUR, filters).records():
        key = (row["started_date"].isoweekday(), row["started_hour"])
        grid[key] = grid.get(key, 0) + row["sessions"]
    hours = [[grid.get((day, hour), 0) for hour in range(24)] for day in range(1, 8)]
    return Table(
        "heatmap",
        "Sessions by weekday and hour",
        ["weekday", *[f"h{h:02d}" for h in range(24)], "sessions"],
        [(WEEKDAYS[day], *counts, sum(counts)) for day, counts in enumerate(hours)],
        None,
        {f"h{h:02d}": str(h) for h in range(24)},
        "marts.fct_session_measures",
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


def _names(table: Table, key: str, name: str) -> list[Any]:
    """Each row's display name, its id where the name is missing."""
    return [n or k for k, n in zip(table.column(key), table.column(name), strict=True)]


def _bars(title: str, mode: str, x: list[Any], series: dict[str, list[Any]]) -> Any:
    """A bar chart: one bar series per name."""
    import plotly.graph_objects as go

    chart = go.Figure([go.Bar(name=name, x=x, y=y) for name, y in series.items()])
    chart.update_layout(title=title, barmode=mode)
    return chart


def _tag_chart(tags: Table, by: str) -> Any:
    """Tags added and removed (chart), or added by page or staff stacked by tag."""
    names = _names(tags, "tag_id", "tag_name")
    if by == "chart":
        series = {"added": tags.column("tags_added"), "removed": tags.column("tags_removed")}
        return _bars("Tags added and removed", "group", names, series)
    key, name = (
        ("channel_id", "channel_name") if by == "page" else ("tagged_by_user_id", "full_name")
    )
    who = [n or i or "automation" for i, n in zip(tags.column(key), tags.column(name), strict=True)]
    rows = list(zip(who, names, tags.column("tags_added"), strict=True))
    chart = _bars(f"Tags added by {by}", "stack", [], {})
    for tag in dict.fromkeys(names):
        chart.add_bar(
            name=tag, x=[w for w, t, _ in rows if t == tag], y=[a for _, t, a in rows if t == tag]
        )
    return chart


def _sections(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[Section]:
    """Every section after the overview, with its chart as a plotly figure."""
    import plotly.graph_objects as go

    sections = []
    hourly, note = _view(con, "hourly", filters)
    series = {
        "sessions": hourly.column("sessions"),
        "supported": hourly.column("supported_sessions"),
        "supported within 1 min": hourly.column("supported_within_1m"),
    }
    chart = _bars("Sessions by local start hour", "group", hourly.column("started_hour"), series)
    chart.update_layout(xaxis={"dtick": 1})
    sections.append(Section("hourly", "Sessions by hour", chart, hourly, note))

    daily, note = _view(con, "daily", filters)
    series = {"chat": daily.column("message_sessions"), "comment": daily.column("comment_sessions")}
    dates = [str(d) for d in daily.column("started_date")]
    chart = _bars("Sessions by local start date", "stack", dates, series)
    sections.append(Section("daily", "Sessions by date (chat and comment)", chart, daily, note))

    channels, note = _view(con, "channels", filters)
    series = {t: channels.column(f"{kind}_sessions") for kind, t in CHAT_COMMENT.items()}
    names = _names(channels, "channel_id", "channel_name")
    chart = _bars("Sessions by channel", "stack", names, series)
    sections.append(Section("channels", "Sessions by channel", chart, channels, note))

    users, note = _view(con, "users", filters)
    matrix = [c for c in users.columns if c.startswith(("assigned_", "not_assigned_"))]
    series = {users.labels[c]: users.column(c) for c in matrix}
    title = "Sessions by user (assigned / completed / supported)"
    chart = _bars(title, "stack", _names(users, "user_id", "full_name"), series)
    sections.append(Section("users", "Statistics by user", chart, users, note))

    working, note = _view(con, "working-time", filters)
    series = {"total pause (hours)": [round(s / 3600, 2) for s in working.column("total_pause_s")]}
    title = "Total pause time by employee (hours)"
    chart = _bars(title, "group", _names(working, "user_id", "full_name"), series)
    sections.append(Section("working-time", "Working time", chart, working, note))

    for by in ("chart", "page", "staff"):
        tags, note = _view(con, "tags", filters, ViewOptions(tags_by=by))
        sections.append(Section(f"tags-{by}", f"Tags by {by}", _tag_chart(tags, by), tags, note))

    frt = frt_distribution(con, filters)
    series = {label: frt.column(f"frt_{label}") for label, _, _ in FRT_BUCKETS}
    title = "First-response time by channel (sessions with a waiting time)"
    chart = _bars(title, "stack", _names(frt, "channel_id", "channel_name"), series)
    sections.append(Section("frt", "First-response time distribution", chart, frt))

    sections += _service_level_sections(con, filters)

    heat = weekday_hour(con, filters)
    z = [list(r[1:25]) for r in heat.rows]
    chart = go.Figure(go.Heatmap(z=z, x=list(range(24)), y=WEEKDAYS, colorscale="Blues"))
    chart.update_layout(title="Sessions by local weekday and hour", yaxis={"autorange": "reversed"})
    sections.append(Section("heatmap", "Sessions by weekday and hour", chart, heat))
    return sections


def _service_level_sections(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[Section]:
    """Replies, backlog, satisfaction and conversations (CONTRACT.md 7.4-7.7)."""
    import plotly.graph_objects as go

    sections = []
    honoured = REPLY_DISTRIBUTION.filters.keys()
    note = _left_out(filters, honoured, VIEWS["replies"].rows_are)
    replies = sum_view(con, REPLY_DISTRIBUTION, filters.only(honoured))
    agents = _names(replies, "replied_by_user_id", "full_name")
    chart = _bars(
        "Replies by reply time (bars) with each agent's median and p90 (minutes, dots)",
        "stack",
        agents,
        {label: replies.column(f"replies_{key}") for key, label, _, _ in REPLY_BUCKETS},
    )
    for column, label in (("median_reply_time_s", "median"), ("p90_reply_time_s", "p90")):
        minutes = [None if v is None else round(v / 60, 2) for v in replies.column(column)]
        chart.add_trace(
            go.Scatter(name=f"{label} (min)", x=agents, y=minutes, mode="markers", yaxis="y2")
        )
    chart.update_layout(
        yaxis={"title": "replies"},
        yaxis2={"title": "minutes", "overlaying": "y", "side": "right", "rangemode": "tozero"},
        legend={"x": 1.08},
    )
    title = "Reply time distribution by agent"
    sections.append(Section("reply-times", title, chart, replies, note))

    backlog, note = _view(con, "backlog", filters)
    dates = [str(d) for d in backlog.column("snapshot_date")]
    chart = go.Figure(
        [
            go.Scatter(name=name, x=dates, y=backlog.column(column), mode="lines+markers")
            for column, name in (
                ("open_sessions", "open"),
                ("unassigned_open_sessions", "unassigned"),
                ("open_over_24h", "older than 24 h"),
            )
        ]
    )
    chart.update_layout(title="Sessions open at the end of each local date")
    sections.append(Section("backlog", "Backlog", chart, backlog, note))

    csat, note = _view(con, "csat", filters)
    names = [
        n or i or "not assigned"
        for i, n in zip(csat.column("assigned_user_id"), csat.column("full_name"), strict=True)
    ]
    chart = _bars(
        "CSAT % by assignee (satisfied of rated)",
        "group",
        names,
        {"CSAT %": csat.column("csat_pct")},
    )
    chart.update_layout(yaxis={"range": [0, 100]})
    # a 0 % bar and an agent with nothing rated look alike: the hover tells them apart
    rated = [f"{n} rated" for n in csat.column("rated_sessions")]
    chart.update_traces(text=rated, textposition="none")
    sections.append(Section("csat", "Satisfaction by agent", chart, csat, note))

    conversations, note = _view(con, "conversations", filters)
    series = {
        "conversations": conversations.column("conversations"),
        "completed": conversations.column("completed_conversations"),
        "one-touch": conversations.column("one_touch_conversations"),
        "reopens": conversations.column("reopens"),
    }
    names = _names(conversations, "channel_id", "channel_name")
    chart = _bars("Conversations by channel", "group", names, series)
    sections.append(Section("conversations", "Conversations", chart, conversations, note))
    return sections


def build_html(con: duckdb.DuckDBPyConnection, filters: Filters, build: BuildInfo) -> str:
    """The whole report as one HTML document."""
    import jinja2
    from markupsafe import Markup

    sections = _sections(con, filters)
    for index, section in enumerate(sections):
        section.chart.update_layout(margin={"l": 50, "r": 20, "t": 40, "b": 40}, height=360)
        section.chart = Markup(
            section.chart.to_html(
                full_html=False,
                include_plotlyjs=index == 0,
                div_id=f"chart-{section.key}",
                config={"displaylogo": False, "responsive": True},
            )
        )
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("omnireport.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["cell"] = lambda value, column: format_cell(column, value)
    environment.globals["zip"] = zip
    return environment.get_template("report.html.j2").render(
        build=build.describe(),
        filters=filters.describe(),
        offsets=utc_offsets(con),
        overview=_overview(con, filters),
        sections=sections,
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
