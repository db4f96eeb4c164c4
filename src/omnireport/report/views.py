"""Every view of the seed page, as a declaration over the marts.

A summing view names a mart, the columns it groups by and the measures it adds up, and
:func:`aggregate` runs every one of them the same way::

    select <dims>, sum(<measure>)... from marts.<mart> where <filters> group by <dims>

The session views read ``marts.fct_session_measures`` and the by-user view
``marts.fct_participation_measures``: one row per session (per agent and session) that
carries each additive report measure as a 0/1 count or a duration total, defined once in
dbt. So every filter is a predicate on the mart's own columns, and an unfiltered view adds
up to its report table (``rpt_*``), which sums the same rows by date. Averages and
percentages are the display of the marts' ratios: taken of the summed rows
(:data:`RATIOS`), never averaged. The history views list rows of the facts.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb

from omnireport.report.filters import (
    FILTER_OPTIONS,
    SESSION_FILTERS,
    SUPPORT_TYPES,
    FilterArgs,
    FilterColumns,
    FilterError,
    Filters,
    Where,
    conditions,
    require_supported,
    tag_lookup_sql,
)
from omnireport.report.table import Table, average, percentage

DURATIONS = (
    "total_waiting_time_s",
    "sessions_with_waiting_time",
    "total_support_time_s",
    "sessions_with_support_time",
)
AVERAGES = ("avg_waiting_time_s", "avg_support_time_s")
MATRIX = ("done_supported", "done_not_supported", "not_done_supported", "not_done_not_supported")
USER_MATRIX = (
    "assigned_completed_supported",
    "assigned_completed_not_supported",
    "assigned_not_completed_supported",
    "assigned_not_completed_not_supported",
    "not_assigned_completed_supported",
    "not_assigned_not_completed_supported",
)
# A ratio column (or <support type>_<it>) -> the helper and the summed numerator and
# denominator it is the display of: the marts' avg_* and pct_* columns, of any rows' sums.
RATIOS: dict[str, tuple[Callable[[Any, Any], float | None], str, str]] = {
    "avg_waiting_time_s": (average, "total_waiting_time_s", "sessions_with_waiting_time"),
    "avg_support_time_s": (average, "total_support_time_s", "sessions_with_support_time"),
    "pct_complete": (percentage, "done_sessions", "sessions"),
    "pct_support": (percentage, "supported_sessions", "sessions"),
    # CONTRACT.md 7.3: the business twins, over the sessions that have a business time
    "avg_waiting_time_business_s": (
        average,
        "total_waiting_time_business_s",
        "sessions_with_waiting_time_business",
    ),
    "avg_support_time_business_s": (
        average,
        "total_support_time_business_s",
        "sessions_with_support_time_business",
    ),
    # CONTRACT.md 7.4-7.7, of rpt_reply_stats', fct_conversations' and rpt_csat_daily's sums
    "avg_reply_time_s": (average, "total_reply_time_s", "replies"),
    "avg_reply_time_business_s": (
        average,
        "total_reply_time_business_s",
        "replies_with_business_time",
    ),
    "pct_conversations_completed": (percentage, "completed_conversations", "conversations"),
    "pct_one_touch": (percentage, "one_touch_conversations", "completed_conversations"),
    "pct_two_touch": (percentage, "two_touch_conversations", "completed_conversations"),
    "csat_pct": (percentage, "satisfied_sessions", "rated_sessions"),
    "avg_rating": (average, "total_rating", "rated_sessions"),
}
# A calendar column -> its business-time twin (CONTRACT.md 7.3), shown beside it with
# --business-hours: the measure marts' totals and counts, the ratios, fct_sessions' columns.
BUSINESS_TWINS = {
    "total_waiting_time_s": "total_waiting_time_business_s",
    "sessions_with_waiting_time": "sessions_with_waiting_time_business",
    "total_support_time_s": "total_support_time_business_s",
    "sessions_with_support_time": "sessions_with_support_time_business",
    "avg_waiting_time_s": "avg_waiting_time_business_s",
    "avg_support_time_s": "avg_support_time_business_s",
    "waiting_time_s": "waiting_time_business_s",
    "support_time_s": "support_time_business_s",
    "session_duration_s": "session_duration_business_s",
    "avg_response_time_s": "avg_response_time_business_s",
}
TIME_LABELS = {
    "total_waiting_time_s": "waiting",
    "sessions_with_waiting_time": "n waiting",
    "total_support_time_s": "support",
    "sessions_with_support_time": "n support",
    "avg_waiting_time_s": "avg waiting",
    "avg_support_time_s": "avg support",
}


@dataclass(frozen=True)
class ViewOptions:
    """Options of the history views and the tags view."""

    sort: str | None = None
    limit: int | None = None
    tags_by: str = "chart"
    business_hours: bool = False


@dataclass(frozen=True)
class Name:
    """A group-by column's display name: ``column`` of ``relation`` where ``key`` matches
    (a left join: null when the dimension row is missing)."""

    column: str
    relation: str
    key: str


@dataclass(frozen=True)
class Percentiles:
    """Columns that do not add up: continuous percentiles (``percentile_cont``, CONTRACT.md
    7.4) of ``column`` over the rows of ``marts.<mart>`` that pass the view's filters, per
    group and over all of them (the totals row). ``mart`` names the view's filter and
    group-by columns as the summed mart does."""

    mart: str
    column: str
    fractions: Mapping[str, float]


@dataclass(frozen=True)
class Sums:
    """A summing view: the mart it reads, its group-by columns, the measures it sums.

    ``shown`` are the columns after the group-by columns (and their names): summed measures
    and :data:`RATIOS`. ``split`` measures are also summed per support type, as
    ``message_<measure>`` and ``comment_<measure>`` (chat and comment side by side).
    ``distinct`` columns are counted distinct, as they do not add up. ``counts`` are the
    rows where a condition on the mart's columns (alias ``m``) holds: a flag the mart
    defines, never a metric's rule. ``earliest`` are minimums (the oldest of a snapshot).
    ``percentiles`` come from the rows of a fact, never from averaging percentiles. A
    measure with ``*`` is every mart column it matches (the configured ``sla_<X>m``).
    ``totals`` is false where the rows must not be added up (one snapshot per date).
    """

    view: str
    title: str
    mart: str
    filters: FilterColumns
    measures: tuple[str, ...]
    shown: tuple[str, ...]
    dims: tuple[str, ...] = ()
    names: Mapping[str, Name] = field(default_factory=dict)
    split: tuple[str, ...] = ()
    distinct: Mapping[str, str] = field(default_factory=dict)
    counts: Mapping[str, str] = field(default_factory=dict)
    earliest: Mapping[str, str] = field(default_factory=dict)
    percentiles: Percentiles | None = None
    totals: bool = True
    order: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    def keys(self) -> list[str]:
        """The group-by columns, each followed by its name column."""
        names = [[name.column] if (name := self.names.get(dim)) else [] for dim in self.dims]
        return [k for dim, name in zip(self.dims, names, strict=True) for k in (dim, *name)]


def _mart_columns(con: duckdb.DuckDBPyConnection, mart: str) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = ? order by ordinal_position",
            [mart],
        ).fetchall()
    ]


def _expand(names: tuple[str, ...], columns: list[str]) -> tuple[str, ...]:
    return tuple(
        m for name in names for m in (fnmatch.filter(columns, name) if "*" in name else [name])
    )


def aggregate(con: duckdb.DuckDBPyConnection, spec: Sums, filters: Filters) -> list[dict[str, Any]]:
    """The one query of every summing view; rows as dicts of the group-by columns, their
    names and the sums (a sum over no rows is 0)."""
    where = conditions(filters, spec.filters, "m")
    keys: list[str] = []
    joins: list[str] = []
    for index, dim in enumerate(spec.dims):
        keys.append(f"m.{dim}")
        if name := spec.names.get(dim):
            keys.append(f"n{index}.{name.column}")
            joins.append(f"left join {name.relation} as n{index} on n{index}.{name.key} = m.{dim}")
    sums = [f"coalesce(sum(m.{c}), 0) as {c}" for c in spec.measures]
    sums += [
        f"coalesce(sum(m.{c}) filter (where m.support_type = '{kind}'), 0) as {kind}_{c}"
        for kind in SUPPORT_TYPES
        for c in spec.split
    ]
    sums += [f"count(distinct m.{column}) as {name}" for name, column in spec.distinct.items()]
    sums += [
        f"count(*) filter (where {condition}) as {name}" for name, condition in spec.counts.items()
    ]
    sums += [f"min(m.{column}) as {name}" for name, column in spec.earliest.items()]
    sql = f"select {', '.join(keys + sums)} from marts.{spec.mart} as m {' '.join(joins)} where {where.sql()}"
    if keys:
        names = [f"{name.column} nulls last" for name in spec.names.values()]
        sql += f" group by {', '.join(keys)} order by {spec.order or ', '.join(names + list(spec.dims))}"
    records = _records(con, sql, where.params)
    if spec.percentiles:
        found = {
            tuple(row[dim] for dim in spec.dims): row
            for row in percentiles(con, spec.percentiles, spec.filters, filters, spec.dims)
        }
        for record in records:
            row = found.get(tuple(record[dim] for dim in spec.dims), {})
            record.update({name: row.get(name) for name in spec.percentiles.fractions})
    return records


def percentiles(
    con: duckdb.DuckDBPyConnection,
    spec: Percentiles,
    columns: FilterColumns,
    filters: Filters,
    dims: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Each group's continuous percentiles of ``spec.column`` over the filtered rows of the
    fact (one row without ``dims``): linear between the two nearest ranks, unrounded."""
    where = conditions(filters, columns, "m")
    values = [
        f"cast(quantile_cont(m.{spec.column}, {float(fraction)}) as double) as {name}"
        for name, fraction in spec.fractions.items()
    ]
    keys = [f"m.{dim}" for dim in dims]
    sql = f"select {', '.join(keys + values)} from marts.{spec.mart} as m where {where.sql()}"
    if keys:
        sql += f" group by {', '.join(keys)}"
    return _records(con, sql, where.params)


def _records(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object]
) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _value(column: str, sums: Mapping[str, Any]) -> Any:
    """A summed column, or a ratio of the sums."""
    if column in sums:
        return sums[column]
    for ratio, (helper, numerator, denominator) in RATIOS.items():
        if column.endswith(ratio):
            prefix = column[: -len(ratio)]
            return helper(sums[prefix + numerator], sums[prefix + denominator])
    raise KeyError(column)


def sum_view(con: duckdb.DuckDBPyConnection, spec: Sums, filters: Filters) -> Table:
    """Run a summing view on the warehouse."""
    mart_columns = _mart_columns(con, spec.mart)
    spec = replace(
        spec,
        measures=_expand(spec.measures, mart_columns),
        shown=_expand(spec.shown, mart_columns),
    )
    records = aggregate(con, spec, filters)
    overall = None
    if spec.percentiles and spec.dims and spec.totals and records:
        (overall,) = percentiles(con, spec.percentiles, spec.filters, filters)
    return summed_table(spec, records, overall)


def _summed(spec: Sums, records: list[dict[str, Any]], overall: Mapping[str, Any] | None) -> dict:
    """The totals of the rows: sums, the earliest of the minimums, and the percentiles of
    every filtered row (``overall``), which the rows' percentiles cannot give."""
    keys = set(spec.keys())
    fractions = spec.percentiles.fractions if spec.percentiles else {}
    summed: dict[str, Any] = {}
    for column in records[0]:
        if column in keys:
            continue
        if column in fractions:
            summed[column] = (overall or {}).get(column)
        elif column in spec.earliest:
            summed[column] = min(
                (r[column] for r in records if r[column] is not None), default=None
            )
        else:
            summed[column] = sum(r[column] for r in records)
    return summed


def summed_table(
    spec: Sums, records: list[dict[str, Any]], overall: Mapping[str, Any] | None = None
) -> Table:
    """The view's rows, and a totals row summed from them; every ratio, totals included,
    is taken of the sums (2 done of 3 sessions is 66.67 %, not the mean of the rows' %), and
    a percentile of the totals is ``overall``'s, taken of every row of the fact."""
    keys = spec.keys()
    columns = [*keys, *spec.shown]
    rows = [tuple(_value(c, record) for c in columns) for record in records]
    totals = None
    if records and spec.dims and spec.totals:
        summed = _summed(spec, records, overall)
        totals = tuple(
            ("TOTAL" if c == keys[0] else None) if c in keys else _value(c, summed) for c in columns
        )
    slas = {c: c.replace("sla_", "SLA ") for c in columns if c.startswith("sla_")}
    return Table(
        spec.view,
        spec.title,
        columns,
        rows,
        totals,
        {**spec.labels, **slas},
        f"marts.{spec.mart}",
        vertical=not spec.dims,
    )


def _split(measures: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{kind}_{m}" for kind in SUPPORT_TYPES for m in measures)


def _split_labels() -> dict[str, str]:
    short = {"message": "chat", "comment": "comment"}
    cells = {
        "done_supported": "done/sup",
        "done_not_supported": "done/no",
        "not_done_supported": "open/sup",
        "not_done_not_supported": "open/no",
        "sessions": "total",
        "pct_complete": "%done",
        "pct_support": "%sup",
    }
    return {f"{k}_{c}": f"{short[k]} {text}" for k in SUPPORT_TYPES for c, text in cells.items()}


USERS_NAME = Name("full_name", "marts.dim_users", "user_id")
CHANNEL_NAME = Name("channel_name", "marts.dim_channels", "channel_id")
PARTICIPATION_FILTERS = replace(SESSION_FILTERS, people="user_id")
SPLIT_SHOWN = (*MATRIX, "sessions", "pct_complete", "pct_support")
SPLIT_SUMMED = (*MATRIX, "sessions", "done_sessions", "supported_sessions")

OVERVIEW = Sums(
    view="overview",
    title="Overview of conversation report statistics",
    mart="fct_session_measures",
    filters=SESSION_FILTERS,
    measures=(
        "sessions",
        "assigned_sessions",
        "unassigned_sessions",
        "done_sessions",
        "pending_sessions",
        *DURATIONS,
    ),
    distinct={"contacts": "contact_id"},
    shown=(
        "sessions",
        "contacts",
        "assigned_sessions",
        "unassigned_sessions",
        "done_sessions",
        "pending_sessions",
        *DURATIONS,
        *AVERAGES,
    ),
    labels={
        "sessions": "Total conversation",
        "contacts": "Contact interactive",
        "assigned_sessions": "Session assigned",
        "unassigned_sessions": "Session not assigned",
        "done_sessions": "Done session",
        "pending_sessions": "Pending",
        "total_waiting_time_s": "Total waiting time",
        "sessions_with_waiting_time": "Sessions with waiting time",
        "total_support_time_s": "Total support time",
        "sessions_with_support_time": "Sessions with support time",
        "avg_waiting_time_s": "Average waiting time",
        "avg_support_time_s": "Average support time",
    },
)
USERS = Sums(
    view="users",
    title="Omni statistics by user",
    mart="fct_participation_measures",
    filters=PARTICIPATION_FILTERS,
    dims=("user_id",),
    names={"user_id": USERS_NAME},
    measures=(*USER_MATRIX, "sla_*", *DURATIONS),
    shown=(*USER_MATRIX, "sla_*", *DURATIONS, *AVERAGES),
    labels={
        "assigned_completed_supported": "asg/done/sup",
        "assigned_completed_not_supported": "asg/done/no",
        "assigned_not_completed_supported": "asg/open/sup",
        "assigned_not_completed_not_supported": "asg/open/no",
        "not_assigned_completed_supported": "other/done/sup",
        "not_assigned_not_completed_supported": "other/open/sup",
        **TIME_LABELS,
    },
)
HOURLY = Sums(
    view="hourly",
    title="Conversation sessions by hour",
    mart="fct_session_measures",
    filters=SESSION_FILTERS,
    dims=("started_hour",),
    measures=("sessions", "supported_sessions", "supported_within_1m", "done_sessions"),
    shown=("sessions", "supported_sessions", "supported_within_1m", "done_sessions"),
    labels={
        "started_hour": "hour",
        "supported_sessions": "supported",
        "supported_within_1m": "supported <1m",
        "done_sessions": "done",
    },
)
DAILY = Sums(
    view="daily",
    title="Conversation sessions by date (chat and comment)",
    mart="fct_session_measures",
    filters=SESSION_FILTERS,
    dims=("started_date",),
    measures=("sessions",),
    split=SPLIT_SUMMED,
    shown=(*_split(SPLIT_SHOWN), "sessions"),
    labels={"started_date": "date", "sessions": "total", **_split_labels()},
)
CHANNELS = Sums(
    view="channels",
    title="Conversation sessions by channel",
    mart="fct_session_measures",
    filters=SESSION_FILTERS,
    dims=("channel_id",),
    names={"channel_id": CHANNEL_NAME},
    measures=("sessions", *DURATIONS),
    split=SPLIT_SUMMED,
    shown=(*_split(SPLIT_SHOWN), "sessions", *DURATIONS, *AVERAGES),
    labels={
        "channel_id": "channel",
        "channel_name": "name",
        "sessions": "total",
        **_split_labels(),
        **TIME_LABELS,
    },
)
WORKING_TIME = Sums(
    view="working-time",
    title="Working time (pauses)",
    mart="rpt_agent_working_time",
    filters=FilterColumns(date="pause_date", people="user_id"),
    dims=("user_id",),
    names={"user_id": USERS_NAME},
    measures=("pause_count", "total_pause_s", "open_pause_count"),
    shown=("pause_count", "total_pause_s", "open_pause_count"),
    labels={
        "user_id": "user",
        "full_name": "employee",
        "pause_count": "time stop",
        "total_pause_s": "total time stop",
        "open_pause_count": "still paused",
    },
)
TAGS = Sums(
    view="tags",
    title="Report tags by chart",
    mart="rpt_tag_stats",
    filters=FilterColumns(
        date="event_date", page="channel_id", people="tagged_by_user_id", tag="tag_id"
    ),
    dims=("tag_id",),
    names={"tag_id": Name("tag_name", f"({tag_lookup_sql()})", "tag_id")},
    measures=("tags_added", "tags_removed"),
    shown=("tags_added", "tags_removed"),
    order="tags_added desc, tag_id",
    labels={
        "channel_id": "page",
        "channel_name": "page name",
        "tagged_by_user_id": "staff",
        "full_name": "staff name",
        "tag_id": "tag",
        "tag_name": "tag name",
        "tags_added": "added",
        "tags_removed": "removed",
    },
)
# --by page / staff: the tag events of each page (their own channel) or tagging user first.
TAGS_BY = {
    "chart": TAGS,
    "page": replace(
        TAGS,
        title="Report tags by page",
        dims=("channel_id", "tag_id"),
        names={"channel_id": CHANNEL_NAME, **TAGS.names},
        order="channel_name nulls last, channel_id nulls last, tags_added desc, tag_id",
    ),
    "staff": replace(
        TAGS,
        title="Report tags by staff",
        dims=("tagged_by_user_id", "tag_id"),
        names={"tagged_by_user_id": USERS_NAME, **TAGS.names},
        order="full_name nulls last, tagged_by_user_id nulls last, tags_added desc, tag_id",
    ),
}


# ---------------------------------------------------------------- CONTRACT.md 7.4-7.7

REPLY_FILTERS = FilterColumns(date="reply_date", page="channel_id", people="replied_by_user_id")
REPLY_PERCENTILES = Percentiles(
    "fct_replies", "reply_time_s", {"median_reply_time_s": 0.5, "p90_reply_time_s": 0.9}
)
REPLY_LABELS = {
    "replied_by_user_id": "user",
    "full_name": "employee",
    "channel_id": "channel",
    "channel_name": "name",
    "first_replies": "first",
    "total_reply_time_s": "reply time",
    "avg_reply_time_s": "avg",
    "median_reply_time_s": "median",
    "p90_reply_time_s": "p90",
    "total_reply_time_business_s": "reply time (business)",
    "replies_with_business_time": "n business",
    "avg_reply_time_business_s": "avg (business)",
}
# The sums of rpt_reply_stats; the median and p90 of the fct_replies rows behind them.
REPLIES = Sums(
    view="replies",
    title="Replies by agent and channel",
    mart="rpt_reply_stats",
    filters=REPLY_FILTERS,
    dims=("replied_by_user_id", "channel_id"),
    names={"replied_by_user_id": USERS_NAME, "channel_id": CHANNEL_NAME},
    measures=(
        "replies",
        "first_replies",
        "total_reply_time_s",
        "total_reply_time_business_s",
        "replies_with_business_time",
    ),
    percentiles=REPLY_PERCENTILES,
    shown=(
        "replies",
        "first_replies",
        "total_reply_time_s",
        "avg_reply_time_s",
        "median_reply_time_s",
        "p90_reply_time_s",
        "total_reply_time_business_s",
        "replies_with_business_time",
        "avg_reply_time_business_s",
    ),
    labels=REPLY_LABELS,
)
CONVERSATIONS = Sums(
    view="conversations",
    title="Conversations by channel (of their first session)",
    mart="fct_conversations",
    filters=FilterColumns(date="first_started_date", page="channel_id"),
    dims=("channel_id",),
    names={"channel_id": CHANNEL_NAME},
    counts={
        "conversations": "true",
        "completed_conversations": "m.is_completed",
        "one_touch_conversations": "m.is_one_touch",
        "two_touch_conversations": "m.is_two_touch",
    },
    measures=("sessions", "reopens", "replies", "total_messages"),
    shown=(
        "conversations",
        "sessions",
        "reopens",
        "completed_conversations",
        "pct_conversations_completed",
        "one_touch_conversations",
        "pct_one_touch",
        "two_touch_conversations",
        "pct_two_touch",
        "replies",
        "total_messages",
    ),
    labels={
        "channel_id": "channel",
        "channel_name": "name",
        "completed_conversations": "completed",
        "pct_conversations_completed": "%completed",
        "one_touch_conversations": "one-touch",
        "pct_one_touch": "%one-touch",
        "two_touch_conversations": "two-touch",
        "pct_two_touch": "%two-touch",
        "total_messages": "messages",
    },
)
# One snapshot per date, summed over channels and support types only: a session open on
# two dates is in both snapshots, so dates never add up (no totals row).
BACKLOG = Sums(
    view="backlog",
    title="Backlog at the end of each local date",
    mart="rpt_backlog_daily",
    filters=FilterColumns(date="snapshot_date", page="channel_id", support_type="support_type"),
    dims=("snapshot_date",),
    measures=("open_sessions", "unassigned_open_sessions", "open_over_24h"),
    earliest={"oldest_started_at": "oldest_started_at"},
    shown=("open_sessions", "unassigned_open_sessions", "open_over_24h", "oldest_started_at"),
    totals=False,
    labels={
        "snapshot_date": "date",
        "open_sessions": "open",
        "unassigned_open_sessions": "unassigned",
        "open_over_24h": "older than 24 h",
        "oldest_started_at": "oldest started (UTC)",
    },
)
CSAT = Sums(
    view="csat",
    title="Satisfaction by assignee",
    mart="rpt_csat_daily",
    filters=FilterColumns(date="started_date", page="channel_id", people="assigned_user_id"),
    dims=("assigned_user_id",),
    names={"assigned_user_id": USERS_NAME},
    measures=(
        "sessions",
        "done_sessions",
        "rated_sessions",
        "satisfied_sessions",
        "dissatisfied_sessions",
        "total_rating",
    ),
    shown=(
        "sessions",
        "done_sessions",
        "rated_sessions",
        "satisfied_sessions",
        "dissatisfied_sessions",
        "csat_pct",
        "avg_rating",
    ),
    labels={
        "assigned_user_id": "assignee",
        "full_name": "employee",
        "done_sessions": "done",
        "rated_sessions": "rated",
        "satisfied_sessions": "satisfied (4-5)",
        "dissatisfied_sessions": "dissatisfied (1-2)",
        "csat_pct": "CSAT %",
        "avg_rating": "avg rating",
    },
)


def _beside(columns: tuple[str, ...]) -> tuple[str, ...]:
    """Each column, followed by its business-time twin when it has one."""
    return tuple(c for column in columns for c in (column, BUSINESS_TWINS.get(column)) if c)


def with_business_hours(spec: Sums) -> Sums:
    """The view with the business-time measures and ratios beside the calendar ones."""
    labels = {
        BUSINESS_TWINS[column]: f"{spec.labels.get(column, column)} (business)"
        for column in spec.shown
        if column in BUSINESS_TWINS
    }
    return replace(
        spec,
        measures=_beside(spec.measures),
        shown=_beside(spec.shown),
        labels={**spec.labels, **labels},
    )


def overview_figures(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, Any]:
    """The overview figures (and the totals behind the averages) for ``filters``."""
    return sum_view(con, OVERVIEW, filters).records()[0]


# ---------------------------------------------------------------- history views

SESSION_COLUMNS = [
    "session_id",
    "contact_name",
    "session_name",
    "staff_name",
    "channel_name",
    "channel_type",
    "support_type",
    "session_type",
    "note",
    "category",
    "sub_category",
    "sub_sub_category",
    "tag_names",
    "total_messages",
    "started_at",
    "done_at",
    "session_duration_s",
    "waiting_time_s",
    "support_time_s",
    "avg_response_time_s",
    "is_completed",
    "is_supported",
    "rating",
]
MESSAGE_COLUMNS = [
    "message_id",
    "conversation_id",
    "session_id",
    "initiated_by",
    "channel_name",
    "from_id",
    "to_id",
    "direction",
    "sender_kind",
    "agent_user_id",
    "sent_at",
    "content_type",
    "content",
    "template_id",
    "template_name",
    "media_url",
    "status",
    "status_updated_at",
]


def _listing(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    columns: list[str],
    where: Where,
    options: ViewOptions,
    default: str,
    tie: str,
) -> list[tuple]:
    """Rows of a fact, sorted by ``--sort`` (``COLUMN``, ``COLUMN:desc`` or ``-COLUMN``)."""
    spec = (options.sort or default).strip()
    descending = spec.startswith("-") or spec.lower().endswith(":desc")
    name = spec.lstrip("-+").removesuffix(":desc").removesuffix(":asc")
    if name not in columns:
        raise FilterError(
            f"cannot sort by {name!r}: give one of {', '.join(columns)} (COLUMN:desc or --sort=-COLUMN for descending)"
        )
    direction = "desc" if descending else "asc"
    limit = "" if options.limit is None else f"limit {int(options.limit)}"
    sql = (
        f"select {', '.join(columns)} from {relation} where {where.sql()} "
        f"order by {name} {direction} nulls last, {tie} {direction} {limit}"
    )
    return con.execute(sql, where.params).fetchall()


def _business_session_columns() -> list[str]:
    """fct_sessions' columns with CONTRACT.md 7.3's beside them: the schedule and whether
    the session started in business hours after done_at, each business time after its
    calendar one."""
    columns = list(_beside(tuple(SESSION_COLUMNS)))
    at = columns.index("done_at") + 1
    return [*columns[:at], "schedule_id", "started_in_business_hours", *columns[at:]]


def sessions(con: duckdb.DuckDBPyConnection, filters: Filters, options: ViewOptions) -> Table:
    where = conditions(filters, SESSION_FILTERS, "s")
    relation = "marts.fct_sessions as s"
    columns = _business_session_columns() if options.business_hours else SESSION_COLUMNS
    rows = _listing(con, relation, columns, where, options, "-started_at", "session_id")
    return Table(
        "sessions",
        "Conversation session history",
        columns,
        rows,
        source="marts.fct_sessions",
    )


def messages(con: duckdb.DuckDBPyConnection, filters: Filters, options: ViewOptions) -> Table:
    """Message history: --from/--to on the message's own local date, --page on its own channel;
    the session filters keep the messages of the sessions that pass them."""
    own = {"date", "page"}
    where = conditions(filters, FilterColumns(date="sent_date", page="channel_id"), "m", own)
    session_keys = filters.active() - own
    if session_keys:
        inner = conditions(filters, SESSION_FILTERS, "s", session_keys)
        where.add(
            f"m.session_id in (select s.session_id from marts.fct_sessions as s where {inner.sql()})",
            *inner.params,
        )
    relation = "marts.fct_messages as m"
    rows = _listing(con, relation, MESSAGE_COLUMNS, where, options, "-sent_at", "message_id")
    return Table("messages", "Message history", MESSAGE_COLUMNS, rows, source="marts.fct_messages")


# ---------------------------------------------------------------- the registry


@dataclass(frozen=True)
class View:
    """A view's command: how it runs, the filters it honours and what its rows count."""

    name: str
    run: Callable[[duckdb.DuckDBPyConnection, Filters, ViewOptions], Table]
    filters: frozenset[str]
    history: bool = False
    rows_are: str = "sessions"
    business_hours: bool = False


def _summing(spec: Sums, rows_are: str = "sessions", business_hours: bool = False) -> View:
    """A summing view's command; with ``business_hours``, --business-hours adds the
    business-time columns (:func:`with_business_hours`)."""
    business = with_business_hours(spec) if business_hours else spec

    def run(con: duckdb.DuckDBPyConnection, filters: Filters, options: ViewOptions) -> Table:
        return sum_view(con, business if options.business_hours else spec, filters)

    return View(
        spec.view, run, spec.filters.keys(), rows_are=rows_are, business_hours=business_hours
    )


def _tags(con: duckdb.DuckDBPyConnection, filters: Filters, options: ViewOptions) -> Table:
    """Tag events by tag (chart), page x tag or staff x tag. --from/--to on the event's local
    date, --page on its own channel, --user/--group on the user who tagged, --tag on the tag."""
    if options.tags_by not in TAGS_BY:
        raise FilterError(f"unknown --by {options.tags_by!r}: give chart, page or staff")
    return sum_view(con, TAGS_BY[options.tags_by], filters)


ALL_FILTERS = frozenset(FILTER_OPTIONS)
VIEWS: dict[str, View] = {
    view.name: view
    for view in (
        _summing(OVERVIEW, business_hours=True),
        View("sessions", sessions, ALL_FILTERS, history=True, business_hours=True),
        View("messages", messages, ALL_FILTERS, history=True),
        _summing(USERS, business_hours=True),
        _summing(HOURLY),
        _summing(DAILY),
        _summing(CHANNELS),
        _summing(WORKING_TIME, rows_are="agent pauses"),
        View("tags", _tags, TAGS.filters.keys(), rows_are="tag events (some on no session)"),
        _summing(REPLIES, rows_are="replies (by agent, channel and reply date)"),
        _summing(CONVERSATIONS, rows_are="conversations (by first channel and start date)"),
        _summing(BACKLOG, rows_are="end-of-day snapshots of open sessions"),
        _summing(CSAT, rows_are="ratings (by start date, channel and assignee)"),
    )
}


def check_view(name: str, filters: Filters | FilterArgs) -> None:
    """Refuse filters the view cannot honour (before any name is resolved)."""
    view = VIEWS[name]
    require_supported(name, filters, view.filters, view.rows_are)


def run_view(
    con: duckdb.DuckDBPyConnection, name: str, filters: Filters, options: ViewOptions
) -> Table:
    """Run view ``name`` after checking it can honour every active filter."""
    check_view(name, filters)
    if not VIEWS[name].history and (options.sort or options.limit is not None):
        raise FilterError(
            f"--sort and --limit apply to the history views (sessions, messages), not {name}"
        )
    if options.business_hours and not VIEWS[name].business_hours:
        shown = ", ".join(view.name for view in VIEWS.values() if view.business_hours)
        raise FilterError(f"--business-hours applies to {shown}, not {name}")
    return VIEWS[name].run(con, filters, options)
