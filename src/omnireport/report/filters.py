"""The seed's report filters: parsed from the command line, resolved against the marts.

A :class:`Filters` holds resolved ids (a page, user, tag or category given by name becomes
its ids). :func:`conditions` turns them into SQL predicates on the columns a mart names in
its :class:`FilterColumns`; a view refuses the filters its mart has no column for
(:func:`require_supported`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace

import duckdb

# Filter keys, in the order the seed lists them; the command-line option of each.
FILTER_OPTIONS = {
    "date": "--from/--to",
    "page": "--page",
    "completed": "--completed",
    "supported": "--supported",
    "category": "--category",
    "user": "--user",
    "group": "--group",
    "support_type": "--support-type",
    "tag": "--tag",
}
SUPPORT_TYPES = ("message", "comment")
# The fields of a resolved filter (:class:`Filters`) that each key sets.
RESOLVED_FIELDS = {
    "date": ("date_from", "date_to"),
    "page": ("channel_ids",),
    "completed": ("completed",),
    "supported": ("supported",),
    "category": ("category_ids",),
    "user": ("user_ids",),
    "group": ("group_name", "group_user_ids"),
    "support_type": ("support_type",),
    "tag": ("tag_ids",),
}


class FilterError(Exception):
    """A filter value that does not exist or a filter a view cannot honour."""


@dataclass(frozen=True)
class FilterArgs:
    """The filters as typed on the command line (names or ids, not resolved)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    pages: tuple[str, ...] = ()
    completed: bool | None = None
    supported: bool | None = None
    category: str | None = None
    users: tuple[str, ...] = ()
    group: str | None = None
    support_type: str | None = None
    tags: tuple[str, ...] = ()

    def active(self) -> set[str]:
        """The filter keys given, before resolution."""
        given = {
            "date": self.date_from or self.date_to,
            "page": self.pages,
            "completed": self.completed is not None,
            "supported": self.supported is not None,
            "category": self.category,
            "user": self.users,
            "group": self.group,
            "support_type": self.support_type,
            "tag": self.tags,
        }
        return {key for key, value in given.items() if value}


@dataclass(frozen=True)
class Filters:
    """Resolved filters: ids the marts hold, and the labels to print."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    channel_ids: tuple[str, ...] = ()
    completed: bool | None = None
    supported: bool | None = None
    category_ids: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()
    group_name: str | None = None
    group_user_ids: tuple[str, ...] = ()
    support_type: str | None = None
    tag_ids: tuple[str, ...] = ()
    labels: tuple[str, ...] = field(default=(), compare=False)

    def active(self) -> set[str]:
        """The filter keys in use."""
        return {
            key
            for key, names in RESOLVED_FIELDS.items()
            if any(getattr(self, name) not in (None, ()) for name in names)
        }

    def only(self, keys: Iterable[str]) -> Filters:
        """These filters without the ones outside ``keys``."""
        unset = {f.name: f.default for f in fields(self)}
        names = [name for key, own in RESOLVED_FIELDS.items() if key not in keys for name in own]
        return replace(self, **{name: unset[name] for name in names})

    @property
    def people(self) -> tuple[str, ...]:
        """Users named by --user and members of --group together (either one matches)."""
        return tuple(dict.fromkeys((*self.user_ids, *self.group_user_ids)))

    def describe(self) -> str:
        return "; ".join(self.labels) if self.labels else "none"


def parse_date(value: str) -> dt.date:
    """A local date ``YYYY-MM-DD``."""
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as error:
        raise ValueError(f"invalid date {value!r}: give a local date as YYYY-MM-DD") from error


def parse_yes_no(value: str) -> bool:
    answer = value.strip().lower()
    if answer in ("yes", "y", "true"):
        return True
    if answer in ("no", "n", "false"):
        return False
    raise ValueError(f"invalid value {value!r}: give yes or no")


def require_supported(
    view: str, filters: Filters | FilterArgs, supported: Iterable[str], rows_are: str = "sessions"
) -> None:
    """Refuse, with a message, any active filter the view cannot honour."""
    refused = sorted(filters.active() - set(supported), key=list(FILTER_OPTIONS).index)
    if refused:
        options = ", ".join(FILTER_OPTIONS[key] for key in refused)
        allowed = ", ".join(FILTER_OPTIONS[key] for key in FILTER_OPTIONS if key in set(supported))
        raise FilterError(
            f"the {view} view cannot filter by {options}: it counts {rows_are}, which that filter "
            "does not describe. "
            f"Filters it accepts: {allowed or 'none'}"
        )


def _fold(text: str) -> str:
    """Lower case without accents, so ``Bep Nha Mai`` is close to ``Bếp Nhà Mai``."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("đ", "d"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def suggest(value: str, candidates: dict[str, str], what: str) -> FilterError:
    """An error for an unknown ``value`` listing close matches among ``candidates``.

    ``candidates`` maps each label (id or name) to its display text ``id (name)``.
    """
    by_lower = {_fold(label): label for label in candidates}
    close = difflib.get_close_matches(_fold(value), list(by_lower), n=5, cutoff=0.5)
    shown = list(dict.fromkeys(candidates[by_lower[label]] for label in close))
    hint = f"; close matches: {', '.join(shown)}" if shown else "; no close match"
    return FilterError(f"unknown {what} {value!r}{hint}")


def _resolve(value: str, rows: Sequence[tuple[str, str | None]], what: str) -> tuple[str, ...]:
    """Ids whose id equals ``value``, else whose name equals it (case-insensitive)."""
    wanted = value.strip()
    ids = [row_id for row_id, _ in rows if row_id == wanted]
    if not ids:
        ids = [
            row_id
            for row_id, row_id_name in rows
            if row_id_name and row_id_name.lower() == wanted.lower()
        ]
    if not ids:
        ids = [row_id for row_id, _ in rows if row_id.lower() == wanted.lower()]
    if ids:
        return tuple(dict.fromkeys(ids))
    candidates: dict[str, str] = {}
    for row_id, name in rows:
        display = f"{row_id} ({name})" if name else row_id
        candidates[row_id] = display
        if name:
            candidates[name] = display
    raise suggest(wanted, candidates, what)


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[str, str | None]]:
    return [(str(a), b) for a, b in con.execute(sql).fetchall() if a is not None]


def tag_lookup_sql() -> str:
    """Tag id and name: the tag dimension, plus the ids seen in the current session tags and
    the tag stats (a tag event can name a tag that is not loaded)."""
    return """
        select tag_id, max(tag_name) as tag_name
        from (
            select tag_id, tag_name from marts.dim_tags
            union all
            select tag_id, null from marts.bridge_session_tags
            union all
            select tag_id, null from marts.rpt_tag_stats
        )
        group by tag_id
    """


def resolve_filters(con: duckdb.DuckDBPyConnection, args: FilterArgs) -> Filters:
    """Turn names into ids, refusing unknown values with close matches."""
    labels: list[str] = []
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise FilterError(f"--from {args.date_from} is after --to {args.date_to}: swap them")
    if args.date_from or args.date_to:
        labels.append(f"date {args.date_from or '...'} to {args.date_to or '...'}")

    channel_ids: list[str] = []
    if args.pages:
        rows = _rows(
            con,
            """
            select channel_id, max(channel_name) from (
                select channel_id, channel_name from marts.dim_channels
                union all select channel_id, null from marts.fct_sessions
            ) group by channel_id order by channel_id
            """,
        )
        for page in args.pages:
            channel_ids.extend(_resolve(page, rows, "page"))
        labels.append("page " + ", ".join(args.pages))

    category_ids: tuple[str, ...] = ()
    if args.category:
        rows = _rows(con, "select category_id, category_name from marts.dim_categories order by 1")
        category_ids = _resolve(args.category, rows, "category")
        labels.append(f"category {args.category}")

    user_ids: list[str] = []
    if args.users:
        rows = _rows(
            con,
            """
            select user_id, max(full_name) from (
                select user_id, full_name from marts.dim_users
                union all select assigned_user_id, null from marts.fct_sessions
                union all select agent_user_id, null from marts.fct_messages where sender_kind = 'agent'
            ) where user_id is not null group by user_id order by user_id
            """,
        )
        for user in args.users:
            user_ids.extend(_resolve(user, rows, "user"))
        labels.append("user " + ", ".join(args.users))

    group_user_ids: tuple[str, ...] = ()
    group_name: str | None = None
    if args.group:
        memberships = con.execute(
            """
            select user_id, unnest(string_split(group_names, ',')) as group_name
            from marts.dim_users where group_names is not null
            """
        ).fetchall()
        names = sorted({name for _, name in memberships})
        match = [name for name in names if name.lower() == args.group.strip().lower()]
        if not match:
            raise suggest(args.group.strip(), {name: name for name in names}, "group")
        group_name = match[0]
        group_user_ids = tuple(sorted({uid for uid, name in memberships if name == group_name}))
        labels.append(f"group {match[0]}")

    if args.support_type:
        if args.support_type not in SUPPORT_TYPES:
            raise FilterError(
                f"unknown support type {args.support_type!r}: give message or comment"
            )
        labels.append(f"support type {args.support_type}")
    if args.completed is not None:
        labels.append(f"completed {'yes' if args.completed else 'no'}")
    if args.supported is not None:
        labels.append(f"supported {'yes' if args.supported else 'no'}")

    tag_ids: list[str] = []
    if args.tags:
        rows = _rows(con, tag_lookup_sql() + " order by tag_id")
        for tag in args.tags:
            tag_ids.extend(_resolve(tag, rows, "tag"))
        labels.append("tag " + " or ".join(args.tags))

    return Filters(
        date_from=args.date_from,
        date_to=args.date_to,
        channel_ids=tuple(dict.fromkeys(channel_ids)),
        completed=args.completed,
        supported=args.supported,
        category_ids=category_ids,
        user_ids=tuple(dict.fromkeys(user_ids)),
        group_name=group_name,
        group_user_ids=group_user_ids,
        support_type=args.support_type,
        tag_ids=tuple(dict.fromkeys(tag_ids)),
        labels=tuple(labels),
    )


@dataclass
class Where:
    """SQL predicates joined with ``and``, and their parameters in order."""

    conditions: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)

    def add(self, condition: str, *params: object) -> None:
        self.conditions.append(condition)
        self.params.extend(params)

    def sql(self) -> str:
        return " and ".join(self.conditions) if self.conditions else "true"


def date_conditions(where: Where, filters: Filters, column: str) -> None:
    if filters.date_from:
        where.add(f"{column} >= ?", filters.date_from)
    if filters.date_to:
        where.add(f"{column} <= ?", filters.date_to)


@dataclass(frozen=True)
class FilterColumns:
    """The columns of a mart that answer the filters; a filter without one is refused.

    ``people`` and ``tag`` hold the user or tag a row belongs to (an agent's statistics,
    pauses, tag events). ``session`` is a session id: without ``people``, --user/--group keep
    the sessions those users took part in (assignee or sender, marts.fct_agent_participations);
    without ``tag``, --tag keeps the sessions carrying any of the tags now
    (marts.bridge_session_tags).
    """

    date: str | None = None
    page: str | None = None
    completed: str | None = None
    supported: str | None = None
    category: str | None = None
    support_type: str | None = None
    people: str | None = None
    tag: str | None = None
    session: str | None = None

    def keys(self) -> frozenset[str]:
        """The filter keys these columns answer."""
        people = self.people or self.session
        columns = {
            "date": self.date,
            "page": self.page,
            "completed": self.completed,
            "supported": self.supported,
            "category": self.category,
            "user": people,
            "group": people,
            "support_type": self.support_type,
            "tag": self.tag or self.session,
        }
        return frozenset(key for key, column in columns.items() if column)


# The session's columns, as fct_sessions and the measure marts name them.
SESSION_FILTERS = FilterColumns(
    date="started_date",
    page="channel_id",
    completed="is_completed",
    supported="is_supported",
    category="category_id",
    support_type="support_type",
    session="session_id",
)

# The category and every category under it (at most two levels down, CONTRACT.md 6.18).
_CATEGORY_TREE = """
    select c.category_id
    from marts.dim_categories as c
    left join marts.dim_categories as p on p.category_id = c.parent_id
    where list_contains(?::varchar[], c.category_id)
        or list_contains(?::varchar[], c.parent_id)
        or list_contains(?::varchar[], p.parent_id)
"""


def conditions(
    filters: Filters, columns: FilterColumns, alias: str, keys: Iterable[str] = FILTER_OPTIONS
) -> Where:
    """Predicates on ``{alias}.<column>`` for the active filters among ``keys``; the caller
    has refused the filters ``columns`` cannot answer."""
    active = filters.active() & set(keys)
    where = Where()

    def any_of(column: str | None, values: Sequence[str]) -> None:
        where.add(f"list_contains(?::varchar[], {alias}.{column})", list(values))

    def in_sessions(relation: str, column: str, values: Sequence[str]) -> None:
        """The row's session is one of those where ``relation.column`` is one of ``values``."""
        where.add(
            f"{alias}.{columns.session} in (select session_id from {relation} "
            f"where list_contains(?::varchar[], {column}))",
            list(values),
        )

    if "date" in active:
        date_conditions(where, filters, f"{alias}.{columns.date}")
    if "page" in active:
        any_of(columns.page, filters.channel_ids)
    for key, column, value in (
        ("completed", columns.completed, filters.completed),
        ("supported", columns.supported, filters.supported),
        ("support_type", columns.support_type, filters.support_type),
    ):
        if key in active:
            where.add(f"{alias}.{column} = ?", value)
    if "category" in active:
        ids = list(filters.category_ids)
        where.add(f"{alias}.{columns.category} in ({_CATEGORY_TREE})", ids, ids, ids)
    if active & {"user", "group"}:
        if columns.people:
            any_of(columns.people, filters.people)
        else:
            in_sessions("marts.fct_agent_participations", "user_id", filters.people)
    if "tag" in active:
        if columns.tag:
            any_of(columns.tag, filters.tag_ids)
        else:
            in_sessions("marts.bridge_session_tags", "tag_id", filters.tag_ids)
    return where
