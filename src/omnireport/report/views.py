"""Every view of the seed page, as SQL over the marts.

Each view reads its report table (``rpt_*``) when the active filters are all columns of
that table (so an unfiltered view equals the report table), and otherwise aggregates the
session-grain facts (``marts.fct_sessions``; ``intermediate.int_agent_participations``
for the by-user view) with the same definitions. A filter a view cannot honour is a
:class:`~omnireport.report.filters.FilterError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from omnireport.report.filters import (
    FILTER_OPTIONS,
    SUPPORT_TYPES,
    FilterArgs,
    FilterError,
    Filters,
    Where,
    date_conditions,
    require_supported,
    session_conditions,
    tag_lookup_sql,
)
from omnireport.report.source import PARTICIPATION_RELATIONS, participations_relation
from omnireport.report.table import Table, average, percentage

ALL_FILTERS = frozenset(FILTER_OPTIONS)
SUPPORT_LABELS = {"message": "chat", "comment": "comment"}
MATRIX = ("done_supported", "done_not_supported", "not_done_supported", "not_done_not_supported")
DURATIONS = (
    "total_waiting_time_s",
    "sessions_with_waiting_time",
    "total_support_time_s",
    "sessions_with_support_time",
)


@dataclass(frozen=True)
class ViewOptions:
    """Options of the history views and the tags view."""

    sort: str | None = None
    limit: int | None = None
    tags_by: str = "chart"


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def _uses_report_table(filters: Filters, dims: set[str]) -> bool:
    return filters.active() <= dims


# ---------------------------------------------------------------- overview

OVERVIEW_COLUMNS = [
    "sessions",
    "contacts",
    "assigned_sessions",
    "unassigned_sessions",
    "done_sessions",
    "pending_sessions",
    *DURATIONS,
    "avg_waiting_time_s",
    "avg_support_time_s",
]
OVERVIEW_LABELS = {
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
}


def overview_figures(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, Any]:
    """The eight overview figures (and the totals behind the averages) for ``filters``."""
    sums = """
        coalesce(sum(sessions), 0), coalesce(sum(assigned_sessions), 0),
        coalesce(sum(unassigned_sessions), 0), coalesce(sum(done_sessions), 0),
        coalesce(sum(pending_sessions), 0), coalesce(sum(total_waiting_time_s), 0.0),
        coalesce(sum(sessions_with_waiting_time), 0), coalesce(sum(total_support_time_s), 0.0),
        coalesce(sum(sessions_with_support_time), 0)
    """
    facts = session_conditions(filters, "s")
    if _uses_report_table(filters, {"date", "page", "support_type"}):
        where = session_conditions(filters, "r", keys={"date", "page", "support_type"})
        row = _fetch(
            con,
            f"select {sums} from marts.rpt_overview_daily as r where {where.sql()}",
            where.params,
        )[0]
    else:
        row = _fetch(
            con,
            f"""
            select {sums} from (
                select
                    1 as sessions,
                    cast(s.is_assigned as int) as assigned_sessions,
                    cast(not s.is_assigned as int) as unassigned_sessions,
                    cast(s.is_completed as int) as done_sessions,
                    cast(not s.is_completed as int) as pending_sessions,
                    s.waiting_time_s as total_waiting_time_s,
                    cast(s.waiting_time_s is not null as int) as sessions_with_waiting_time,
                    s.support_time_s as total_support_time_s,
                    cast(s.support_time_s is not null as int) as sessions_with_support_time
                from marts.fct_sessions as s
                where {facts.sql()}
            )
            """,
            facts.params,
        )[0]
    # contacts are distinct over the whole range: always from the facts
    contacts = _fetch(
        con,
        f"select count(distinct s.contact_id) from marts.fct_sessions as s where {facts.sql()}",
        facts.params,
    )[0][0]
    sessions, assigned, unassigned, done, pending, wait, n_wait, support, n_support = row
    return {
        "sessions": int(sessions),
        "contacts": int(contacts),
        "assigned_sessions": int(assigned),
        "unassigned_sessions": int(unassigned),
        "done_sessions": int(done),
        "pending_sessions": int(pending),
        "total_waiting_time_s": float(wait),
        "sessions_with_waiting_time": int(n_wait),
        "total_support_time_s": float(support),
        "sessions_with_support_time": int(n_support),
        "avg_waiting_time_s": average(wait, n_wait),
        "avg_support_time_s": average(support, n_support),
    }


def overview(con: duckdb.DuckDBPyConnection, filters: Filters, options: ViewOptions) -> Table:
    figures = overview_figures(con, filters)
    return Table(
        view="overview",
        title="Overview of conversation report statistics",
        columns=OVERVIEW_COLUMNS,
        rows=[tuple(figures[c] for c in OVERVIEW_COLUMNS)],
        labels=OVERVIEW_LABELS,
        source=_source(filters, {"date", "page", "support_type"}, "rpt_overview_daily"),
        vertical=True,
    )


def _source(
    filters: Filters, dims: set[str], report_table: str, facts: str = "fct_sessions"
) -> str:
    if _uses_report_table(filters, dims):
        return f"marts.{report_table}"
    return f"marts.{facts} (filters the report table cannot answer)"


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


def _order_by(sort: str | None, default: str, columns: list[str], tie: str) -> str:
    spec = (sort or default).strip()
    descending = spec.startswith("-") or spec.lower().endswith(":desc")
    name = spec.lstrip("-+").removesuffix(":desc").removesuffix(":asc")
    if name not in columns:
        raise FilterError(
            f"cannot sort by {name!r}: give one of {', '.join(columns)} (COLUMN:desc or --sort=-COLUMN for descending)"
        )
    direction = "desc" if descending else "asc"
    return f"order by {name} {direction} nulls last, {tie} {direction}"


def _limit(limit: int | None) -> str:
    return "" if limit is None else f"limit {int(limit)}"


def sessions(con: duckdb.DuckDBPyConnection, filters: Filters, options: ViewOptions) -> Table:
    where = session_conditions(filters, "s")
    order = _order_by(options.sort, "-started_at", SESSION_COLUMNS, "session_id")
    rows = _fetch(
        con,
        f"select {', '.join(SESSION_COLUMNS)} from marts.fct_sessions as s where {where.sql()} {order} "
        f"{_limit(options.limit)}",
        where.params,
    )
    return Table(
        "sessions",
        "Conversation session history",
        SESSION_COLUMNS,
        rows,
        source="marts.fct_sessions",
    )


def messages(con: duckdb.DuckDBPyConnection, filters: Filters, options: ViewOptions) -> Table:
    """Message history: --from/--to on the message's own local date, --page on its own channel;
    the session filters keep the messages of the sessions that pass them."""
    where = Where()
    date_conditions(where, filters, "m.sent_date")
    if filters.channel_ids:
        where.add("list_contains(?::varchar[], m.channel_id)", list(filters.channel_ids))
    session_keys = filters.active() - {"date", "page"}
    if session_keys:
        inner = session_conditions(filters, "s", keys=session_keys)
        where.add(
            f"m.session_id in (select s.session_id from marts.fct_sessions as s where {inner.sql()})",
            *inner.params,
        )
    order = _order_by(options.sort, "-sent_at", MESSAGE_COLUMNS, "message_id")
    rows = _fetch(
        con,
        f"select {', '.join(MESSAGE_COLUMNS)} from marts.fct_messages as m where {where.sql()} {order} "
        f"{_limit(options.limit)}",
        where.params,
    )
    return Table("messages", "Message history", MESSAGE_COLUMNS, rows, source="marts.fct_messages")


# ---------------------------------------------------------------- users


def sla_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The configured ``sla_<X>m`` columns of rpt_user_stats, by X."""
    names = [
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'rpt_user_stats'"
        ).fetchall()
        if re.fullmatch(r"sla_\d+m", row[0])
    ]
    return sorted(names, key=lambda name: int(name[4:-1]))


USER_MATRIX = (
    "assigned_completed_supported",
    "assigned_completed_not_supported",
    "assigned_not_completed_supported",
    "assigned_not_completed_not_supported",
    "not_assigned_completed_supported",
    "not_assigned_not_completed_supported",
)
USER_MATRIX_RULES = {
    "assigned_completed_supported": "p.is_assignee and p.is_completed and p.user_supported",
    "assigned_completed_not_supported": "p.is_assignee and p.is_completed and not p.user_supported",
    "assigned_not_completed_supported": "p.is_assignee and not p.is_completed and p.user_supported",
    "assigned_not_completed_not_supported": "p.is_assignee and not p.is_completed and not p.user_supported",
    "not_assigned_completed_supported": "not p.is_assignee and p.is_completed and p.user_supported",
    "not_assigned_not_completed_supported": "not p.is_assignee and not p.is_completed and p.user_supported",
}


def users(con: duckdb.DuckDBPyConnection, filters: Filters, options: ViewOptions) -> Table:
    """Statistics by user. --user/--group keep those users' rows; other filters keep the
    sessions (from the participations) that pass them."""
    slas = sla_columns(con)
    report = _uses_report_table(filters, {"date", "user", "group"})
    if report:
        where = Where()
        date_conditions(where, filters, "r.started_date")
        if filters.user_ids or filters.group_name:
            where.add("list_contains(?::varchar[], r.user_id)", list(filters.people))
        measures = ", ".join(
            [f"coalesce(sum(r.{c}), 0) as {c}" for c in [*USER_MATRIX, *slas]]
            + [f"coalesce(sum(r.{c}), 0) as {c}" for c in DURATIONS]
        )
        sql = f"""
            select r.user_id, max(u.full_name) as full_name, {measures}
            from marts.rpt_user_stats as r
            left join marts.dim_users as u on u.user_id = r.user_id
            where {where.sql()}
            group by r.user_id
        """
    else:
        participations = participations_relation(con)
        if participations is None:
            raise FilterError(
                "the users view answers these filters from the session x agent participation fact "
                f"({' or '.join(PARTICIPATION_RELATIONS)}), which this warehouse file does not have: "
                "use only --from/--to, --user and --group, or read the full warehouse with --warehouse"
            )
        where = session_conditions(filters, "s", keys=filters.active() - {"user", "group"})
        if filters.user_ids or filters.group_name:
            where.add("list_contains(?::varchar[], p.user_id)", list(filters.people))
        measures = ", ".join(
            [f"count(*) filter (where {USER_MATRIX_RULES[c]}) as {c}" for c in USER_MATRIX]
            + [f"count(*) filter (where p.{c}) as {c}" for c in slas]
            + [
                "coalesce(sum(p.waiting_time_s), 0.0) as total_waiting_time_s",
                "count(p.waiting_time_s) as sessions_with_waiting_time",
                "coalesce(sum(p.support_time_s), 0.0) as total_support_time_s",
                "count(p.support_time_s) as sessions_with_support_time",
            ]
        )
        sql = f"""
            select p.user_id, max(u.full_name) as full_name, {measures}
            from {participations} as p
            inner join marts.fct_sessions as s on s.session_id = p.session_id
            left join marts.dim_users as u on u.user_id = p.user_id
            where {where.sql()}
            group by p.user_id
        """
    raw = _fetch(con, f"select * from ({sql}) order by full_name nulls last, user_id", where.params)
    columns = [
        "user_id",
        "full_name",
        *USER_MATRIX,
        *slas,
        *DURATIONS,
        "avg_waiting_time_s",
        "avg_support_time_s",
    ]
    rows = [(*row, average(row[-4], row[-3]), average(row[-2], row[-1])) for row in raw]
    totals = _totals(columns, rows, first_label=("TOTAL", None))
    labels = {
        "assigned_completed_supported": "asg/done/sup",
        "assigned_completed_not_supported": "asg/done/no",
        "assigned_not_completed_supported": "asg/open/sup",
        "assigned_not_completed_not_supported": "asg/open/no",
        "not_assigned_completed_supported": "other/done/sup",
        "not_assigned_not_completed_supported": "other/open/sup",
        **{c: c.replace("sla_", "SLA ") for c in slas},
        "total_waiting_time_s": "waiting",
        "sessions_with_waiting_time": "n waiting",
        "total_support_time_s": "support",
        "sessions_with_support_time": "n support",
        "avg_waiting_time_s": "avg waiting",
        "avg_support_time_s": "avg support",
    }
    source = "marts.rpt_user_stats" if report else f"{participations} x marts.fct_sessions"
    return Table("users", "Omni statistics by user", columns, rows, totals, labels, source)


def _totals(columns: list[str], rows: list[tuple], first_label: tuple) -> tuple:
    """Sums of count and total columns; percentages and averages recomputed from the sums."""
    if not rows:
        return None
    sums: dict[str, Any] = {}
    for index, name in enumerate(columns):
        if index < len(first_label):
            sums[name] = first_label[index]
        elif name.startswith(("avg_",)) or "pct_" in name:
            sums[name] = None
        else:
            values = [row[index] for row in rows if row[index] is not None]
            sums[name] = sum(values) if values else 0
    for name in columns:
        if name.startswith("avg_"):
            measure = name[len("avg_") :].removesuffix("_s")
            sums[name] = average(
                sums.get(f"total_{measure}_s"), sums.get(f"sessions_with_{measure}")
            )
        elif name.endswith("pct_complete"):
            prefix = name[: -len("pct_complete")]
            done = sums[f"{prefix}done_supported"] + sums[f"{prefix}done_not_supported"]
            sums[name] = percentage(done, sums[f"{prefix}sessions"])
        elif name.endswith("pct_support"):
            prefix = name[: -len("pct_support")]
            supported = sums[f"{prefix}done_supported"] + sums[f"{prefix}not_done_supported"]
            sums[name] = percentage(supported, sums[f"{prefix}sessions"])
    return tuple(sums[name] for name in columns)


# ---------------------------------------------------------------- hourly


def hourly(con: duckdb.DuckDBPyConnection, filters: Filters, options: ViewOptions) -> Table:
    columns = [
        "started_hour",
        "sessions",
        "supported_sessions",
        "supported_within_1m",
        "done_sessions",
    ]
    if _uses_report_table(filters, {"date"}):
        where = Where()
        date_conditions(where, filters, "r.started_date")
        sql = f"""
            select started_hour, sum(sessions), sum(supported_sessions), sum(supported_within_1m),
                sum(done_sessions)
            from marts.rpt_hourly_stats as r where {where.sql()} group by started_hour order by started_hour
        """
    else:
        where = session_conditions(filters, "s")
        sql = f"""
            select started_hour, count(*), count(*) filter (where is_supported), count(*) filter (where waiting_time_s < 60),
                count(*) filter (where is_completed)
            from marts.fct_sessions as s where {where.sql()} group by started_hour order by started_hour
        """
    rows = [tuple(int(v) for v in row) for row in _fetch(con, sql, where.params)]
    labels = {
        "started_hour": "hour",
        "supported_sessions": "supported",
        "supported_within_1m": "supported <1m",
        "done_sessions": "done",
    }
    return Table(
        "hourly",
        "Conversation sessions by hour",
        columns,
        rows,
        _totals(columns, rows, ("TOTAL",)),
        labels,
        _source(filters, {"date"}, "rpt_hourly_stats"),
    )


# ---------------------------------------------------------------- daily and channels


def _matrix_sql(where: Where, keys: str, durations: bool) -> str:
    extra = (
        ", coalesce(sum(waiting_time_s), 0.0), count(waiting_time_s), "
        "coalesce(sum(support_time_s), 0.0), count(support_time_s)"
        if durations
        else ""
    )
    return f"""
        select {keys}, support_type,
            count(*) filter (where is_completed and is_supported), count(*) filter (where is_completed and not is_supported),
            count(*) filter (where not is_completed and is_supported), count(*) filter (where not is_completed and not is_supported),
            count(*){extra}
        from marts.fct_sessions as s where {where.sql()} group by {keys}, support_type
    """


def _pivot(raw: list[tuple], n_keys: int, durations: bool) -> tuple[list[str], list[tuple]]:
    """Rows (keys..., support_type, matrix..., sessions[, durations]) -> one row per key with
    chat (message) and comment side by side, their total, and duration totals."""
    per_key: dict[tuple, dict[str, tuple]] = {}
    for row in raw:
        per_key.setdefault(tuple(row[:n_keys]), {})[row[n_keys]] = row[n_keys + 1 :]
    columns: list[str] = []
    for kind in SUPPORT_TYPES:
        columns += [f"{kind}_{c}" for c in MATRIX] + [
            f"{kind}_sessions",
            f"{kind}_pct_complete",
            f"{kind}_pct_support",
        ]
    columns.append("sessions")
    if durations:
        columns += [*DURATIONS, "avg_waiting_time_s", "avg_support_time_s"]
    rows = []
    for key, kinds in per_key.items():
        values: list[Any] = list(key)
        total = 0
        duration_sums = [0.0, 0, 0.0, 0]
        for kind in SUPPORT_TYPES:
            part = kinds.get(kind)
            matrix = [int(v) for v in part[:4]] if part else [0, 0, 0, 0]
            sessions_n = int(part[4]) if part else 0
            total += sessions_n
            values += [
                *matrix,
                sessions_n,
                percentage(matrix[0] + matrix[1], sessions_n),
                percentage(matrix[0] + matrix[2], sessions_n),
            ]
            if durations and part:
                for i in range(4):
                    duration_sums[i] += part[5 + i]
        values.append(total)
        if durations:
            wait, n_wait, support, n_support = duration_sums
            values += [
                float(wait),
                int(n_wait),
                float(support),
                int(n_support),
                average(wait, n_wait),
                average(support, n_support),
            ]
        rows.append(tuple(values))
    return columns, rows


def _matrix_labels(durations: bool) -> dict[str, str]:
    labels = {}
    for kind in SUPPORT_TYPES:
        short = SUPPORT_LABELS[kind]
        labels.update(
            {
                f"{kind}_done_supported": f"{short} done/sup",
                f"{kind}_done_not_supported": f"{short} done/no",
                f"{kind}_not_done_supported": f"{short} open/sup",
                f"{kind}_not_done_not_supported": f"{short} open/no",
                f"{kind}_sessions": f"{short} total",
                f"{kind}_pct_complete": f"{short} %done",
                f"{kind}_pct_support": f"{short} %sup",
            }
        )
    labels["sessions"] = "total"
    if durations:
        labels.update(
            {
                "total_waiting_time_s": "waiting",
                "sessions_with_waiting_time": "n waiting",
                "total_support_time_s": "support",
                "sessions_with_support_time": "n support",
                "avg_waiting_time_s": "avg waiting",
                "avg_support_time_s": "avg support",
            }
        )
    return labels


def daily(con: duckdb.DuckDBPyConnection, filters: Filters, options: ViewOptions) -> Table:
    dims = {"date", "support_type"}
    if _uses_report_table(filters, dims):
        where = session_conditions(filters, "r", keys=dims)
        sql = f"""
            select started_date, support_type, {", ".join(f"sum({c})" for c in MATRIX)}, sum(sessions)
            from marts.rpt_daily_stats as r where {where.sql()} group by started_date, support_type
        """
    else:
        where = session_conditions(filters, "s")
        sql = _matrix_sql(where, "started_date", durations=False)
    raw = _fetch(con, f"select * from ({sql}) order by 1, 2", where.params)
    columns, rows = _pivot(raw, 1, durations=False)
    columns = ["started_date", *columns]
    labels = {"started_date": "date", **_matrix_labels(False)}
    return Table(
        "daily",
        "Conversation sessions by date (chat and comment)",
        columns,
        rows,
        _totals(columns, rows, ("TOTAL",)),
        labels,
        _source(filters, dims, "rpt_daily_stats"),
    )


def channels(con: duckdb.DuckDBPyConnection, filters: Filters, options: ViewOptions) -> Table:
    dims = {"date", "page", "support_type"}
    if _uses_report_table(filters, dims):
        where = session_conditions(filters, "r", keys=dims)
        sums = ", ".join(f"sum({c})" for c in (*MATRIX, "sessions", *DURATIONS))
        sql = f"""
            select channel_id, support_type, {sums}
            from marts.rpt_channel_stats as r where {where.sql()} group by channel_id, support_type
        """
    else:
        where = session_conditions(filters, "s")
        sql = _matrix_sql(where, "channel_id", durations=True)
    raw = _fetch(
        con,
        f"""
        select q.channel_id, c.channel_name, q.* exclude (channel_id)
        from ({sql}) as q left join marts.dim_channels as c on c.channel_id = q.channel_id
        order by c.channel_name nulls last, q.channel_id, q.support_type
        """,
        where.params,
    )
    columns, rows = _pivot(raw, 2, durations=True)
    columns = ["channel_id", "channel_name", *columns]
    labels = {"channel_id": "channel", "channel_name": "name", **_matrix_labels(True)}
    return Table(
        "channels",
        "Conversation sessions by channel",
        columns,
        rows,
        _totals(columns, rows, ("TOTAL", None)),
        labels,
        _source(filters, dims, "rpt_channel_stats"),
    )


# ---------------------------------------------------------------- working time and tags


def working_time(con: duckdb.DuckDBPyConnection, filters: Filters, options: ViewOptions) -> Table:
    """Agent pauses by user; --from/--to on the pause's local start date, --user/--group on the agent."""
    where = Where()
    date_conditions(where, filters, "r.pause_date")
    if filters.user_ids or filters.group_name:
        where.add("list_contains(?::varchar[], r.user_id)", list(filters.people))
    raw = _fetch(
        con,
        f"""
        select r.user_id, max(u.full_name) as full_name, sum(r.pause_count), sum(r.total_pause_s),
            sum(r.open_pause_count)
        from marts.rpt_agent_working_time as r left join marts.dim_users as u on u.user_id = r.user_id
        where {where.sql()} group by r.user_id order by full_name nulls last, r.user_id
        """,
        where.params,
    )
    columns = ["user_id", "full_name", "pause_count", "total_pause_s", "open_pause_count"]
    rows = [(uid, name, int(n), float(total), int(n_open)) for uid, name, n, total, n_open in raw]
    labels = {
        "user_id": "user",
        "full_name": "employee",
        "pause_count": "time stop",
        "total_pause_s": "total time stop",
        "open_pause_count": "still paused",
    }
    return Table(
        "working-time",
        "Working time (pauses)",
        columns,
        rows,
        _totals(columns, rows, ("TOTAL", None)),
        labels,
        "marts.rpt_agent_working_time",
    )


TAG_GROUPINGS = {
    "chart": ([], []),
    "page": (["channel_id", "channel_name"], ["r.channel_id", "c.channel_name"]),
    "staff": (["tagged_by_user_id", "full_name"], ["r.tagged_by_user_id", "u.full_name"]),
}


def tags(con: duckdb.DuckDBPyConnection, filters: Filters, options: ViewOptions) -> Table:
    """Tag events by tag (chart), page x tag or staff x tag. --from/--to on the event's local
    date, --page on its own channel, --user/--group on the user who tagged, --tag on the tag."""
    if options.tags_by not in TAG_GROUPINGS:
        raise FilterError(f"unknown --by {options.tags_by!r}: give chart, page or staff")
    where = Where()
    date_conditions(where, filters, "r.event_date")
    if filters.channel_ids:
        where.add("list_contains(?::varchar[], r.channel_id)", list(filters.channel_ids))
    if filters.user_ids or filters.group_name:
        where.add("list_contains(?::varchar[], r.tagged_by_user_id)", list(filters.people))
    if filters.tag_ids:
        where.add("list_contains(?::varchar[], r.tag_id)", list(filters.tag_ids))
    names, exprs = TAG_GROUPINGS[options.tags_by]
    keys = [*exprs, "r.tag_id", "t.tag_name"]
    raw = _fetch(
        con,
        f"""
        select {", ".join(keys)}, sum(r.tags_added), sum(r.tags_removed)
        from marts.rpt_tag_stats as r
        left join ({tag_lookup_sql(con)}) as t on t.tag_id = r.tag_id
        left join marts.dim_channels as c on c.channel_id = r.channel_id
        left join marts.dim_users as u on u.user_id = r.tagged_by_user_id
        where {where.sql()}
        group by {", ".join(keys)}
        order by {", ".join([f"{e} nulls last" for e in exprs[::-1]] + ["sum(r.tags_added) desc", "r.tag_id"])}
        """,
        where.params,
    )
    columns = [*names, "tag_id", "tag_name", "tags_added", "tags_removed"]
    rows = [(*row[:-2], int(row[-2]), int(row[-1])) for row in raw]
    labels = {
        "channel_id": "page",
        "channel_name": "page name",
        "tagged_by_user_id": "staff",
        "full_name": "staff name",
        "tag_id": "tag",
        "tag_name": "tag name",
        "tags_added": "added",
        "tags_removed": "removed",
    }
    first = ("TOTAL",) + (None,) * (len(names) + 1)
    return Table(
        "tags",
        f"Report tags by {options.tags_by}",
        columns,
        rows,
        _totals(columns, rows, first),
        labels,
        "marts.rpt_tag_stats",
    )


@dataclass(frozen=True)
class View:
    name: str
    run: Callable[[duckdb.DuckDBPyConnection, Filters, ViewOptions], Table]
    filters: frozenset[str]
    history: bool = False
    rows_are: str = "sessions"


VIEWS: dict[str, View] = {
    view.name: view
    for view in (
        View("overview", overview, ALL_FILTERS),
        View("sessions", sessions, ALL_FILTERS, history=True),
        View("messages", messages, ALL_FILTERS, history=True),
        View("users", users, ALL_FILTERS),
        View("hourly", hourly, ALL_FILTERS),
        View("daily", daily, ALL_FILTERS),
        View("channels", channels, ALL_FILTERS),
        View(
            "working-time",
            working_time,
            frozenset({"date", "user", "group"}),
            rows_are="agent pauses",
        ),
        View(
            "tags",
            tags,
            frozenset({"date", "page", "user", "group", "tag"}),
            rows_are="tag events (some on no session)",
        ),
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
    view = VIEWS[name]
    require_supported(name, filters, view.filters, view.rows_are)
    if not view.history and (options.sort or options.limit is not None):
        raise FilterError(
            f"--sort and --limit apply to the history views (sessions, messages), not {name}"
        )
    return view.run(con, filters, options)
