"""The state of the last successful build, and whether the next build may be incremental.

The warehouse remembers its last successful build in one row of ``raw._build_state``:
the highest raw ``_load_id`` it processed, the newest ``sent_at`` it saw (unanswered_24h
depends on it), the settings it was built with and when. Before dbt runs, the
orchestration reads that row once and decides (``plan_build``):

- **full** (``dbt build --full-refresh``) when asked to, when there is no previous build,
  when the settings differ from the last build's (a mart never mixes two time zones or
  SLA lists), or when a mart an incremental run reads is missing. The row is emptied
  first, so during a full build every model and data test sees "no previous build";
- **incremental** otherwise: the dbt scope models read the row and recompute what the raw
  rows loaded since then touch.

Only a build in which every dbt node succeeded writes the new row; after a failure the
next run recomputes the same scope again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import yaml

from omnireport.contract import LOAD_LOG_TABLE, RAW_SCHEMA, dbt_project_file

STATE_TABLE = "_build_state"
STATE_RELATION = f"{RAW_SCHEMA}.{STATE_TABLE}"
STATE_COLUMNS = (
    "last_load_id bigint",
    "newest_sent_at timestamp",
    "report_timezone varchar(200)",
    "sla_minutes varchar(200)",
    "unanswered_window_hours varchar(20)",
    "built_at timestamp",
    "previous_built_at timestamp",
)
STATE_DDL = f"create table if not exists {STATE_RELATION} ({', '.join(STATE_COLUMNS)})"
# The marts an incremental run reads as they were: without them the run must be full.
REQUIRED_RELATIONS = ("marts.fct_sessions", "marts.fct_messages", "marts.bridge_session_tags")


READER_TEXT_MODES: tuple[str, ...] = ("omitted", "redacted")


@dataclass(frozen=True)
class BuildSettings:
    """The dbt vars of a build. A change of the first three rebuilds the marts in full;
    ``reader_text`` (what BI readers get of free text: ``omitted`` or ``redacted``) shapes
    only the reader layer, which is rebuilt on every build anyway."""

    report_timezone: str
    sla_minutes: tuple[int, ...]
    unanswered_window_hours: int
    reader_text: str = "omitted"

    @classmethod
    def resolve(
        cls,
        report_timezone: str | None = None,
        sla_minutes: Sequence[int] | None = None,
        reader_text: str | None = None,
    ) -> BuildSettings:
        """The given values, else the dbt project's defaults. A time zone the warehouse does
        not accept raises ``TimeZoneError`` here, before any dbt model is built."""
        from omnireport.timezones import check_time_zone

        defaults = project_vars()
        text = reader_text or str(defaults["reader_text"])
        if text not in READER_TEXT_MODES:
            raise ValueError(
                f"reader text {text!r}: give one of {', '.join(READER_TEXT_MODES)} "
                "(omitted: free text is null for readers; redacted: phones, e-mails and URLs replaced)"
            )
        return cls(
            report_timezone=(
                check_time_zone(report_timezone, setting="report_timezone")
                if report_timezone
                else str(defaults["report_timezone"])
            ),
            sla_minutes=tuple(sla_minutes or defaults["sla_minutes"]),
            unanswered_window_hours=int(defaults["unanswered_window_hours"]),
            reader_text=text,
        )

    def as_text(self) -> tuple[str, str, str]:
        """(report_timezone, sla_minutes, unanswered_window_hours) as the state row stores them."""
        return (
            self.report_timezone,
            ",".join(str(minutes) for minutes in self.sla_minutes),
            str(self.unanswered_window_hours),
        )

    def dbt_vars(self) -> dict[str, Any]:
        """The dbt vars of these settings."""
        return {
            "report_timezone": self.report_timezone,
            "sla_minutes": list(self.sla_minutes),
            "unanswered_window_hours": self.unanswered_window_hours,
            "reader_text": self.reader_text,
        }


@cache
def project_vars() -> dict[str, Any]:
    """The vars of the dbt project (the settings' defaults)."""
    project = yaml.safe_load(dbt_project_file().read_text(encoding="utf-8"))
    return dict(project["vars"])


@dataclass(frozen=True)
class BuildState:
    """One row of ``raw._build_state``."""

    last_load_id: int
    newest_sent_at: datetime | None
    settings_text: tuple[str, str, str]
    built_at: datetime
    previous_built_at: datetime | None = None


@dataclass(frozen=True)
class BuildPlan:
    """Whether a build is full, and why (a sentence for the log)."""

    full: bool
    reason: str


def plan_build(
    previous: BuildState | None,
    settings: BuildSettings,
    *,
    full_refresh: bool = False,
    missing_relations: Sequence[str] = (),
) -> BuildPlan:
    """Decide whether the next build is full or incremental (see the module docstring)."""
    if full_refresh:
        return BuildPlan(True, "a full refresh was asked for")
    if previous is None:
        return BuildPlan(True, "there is no previous build")
    names = ("report_timezone", "sla_minutes", "unanswered_window_hours")
    for name, before, now in zip(names, previous.settings_text, settings.as_text(), strict=True):
        if before != now:
            return BuildPlan(True, f"{name} changed from {before!r} to {now!r}")
    if missing_relations:
        return BuildPlan(True, f"{', '.join(missing_relations)} is missing")
    return BuildPlan(False, f"incremental: the raw rows loaded since load {previous.last_load_id}")


# --- the state row, through a warehouse connection (omnireport.warehouse.targets: DuckDB-style
# `execute(sql)` returning the result) ------------------------------------------------------

Connect = Callable[[], Any]


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        utc = value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
        text = utc.isoformat(sep=" ")
        return f"cast('{text}' as timestamp)"
    return "'" + str(value).replace("'", "''") + "'"


def read_state(con: Any) -> BuildState | None:
    """The state row, or None (no build yet, or a full build that did not finish)."""
    rows = con.execute(
        "select last_load_id, newest_sent_at, report_timezone, sla_minutes, "
        f"unanswered_window_hours, built_at, previous_built_at from {STATE_RELATION}"
    ).fetchall()
    if len(rows) != 1 or rows[0][0] is None:
        return None
    last_load_id, newest, timezone, sla, window, built_at, previous_built_at = rows[0]
    return BuildState(
        last_load_id=int(last_load_id),
        newest_sent_at=newest,
        settings_text=(str(timezone), str(sla), str(window)),
        built_at=built_at,
        previous_built_at=previous_built_at,
    )


def clear_state(con: Any) -> None:
    """Empty the state row (before a full build). `truncate`, not `delete`: Spark's
    Parquet tables have no delete; every target truncates."""
    con.execute(f"truncate table {STATE_RELATION}")


def write_state(con: Any, state: BuildState) -> None:
    """Replace the state row with ``state``."""
    values = (
        state.last_load_id,
        state.newest_sent_at,
        *state.settings_text,
        state.built_at,
        state.previous_built_at,
    )
    clear_state(con)
    con.execute(f"insert into {STATE_RELATION} values ({', '.join(_literal(v) for v in values)})")


@dataclass(frozen=True)
class BuildStart:
    """What a build decided before dbt ran: its plan, the state it continues (None for a
    full build) and the highest load id it will have processed."""

    plan: BuildPlan
    previous: BuildState | None
    load_id_upto: int
    loaded_since_previous: bool = True


def _missing_relations(con: Any) -> list[str]:
    from omnireport.warehouse.targets import relation_exists

    return [name for name in REQUIRED_RELATIONS if not relation_exists(con, *name.split(".", 1))]


def begin_build(con: Any, settings: BuildSettings, *, full_refresh: bool) -> BuildStart:
    """Read the state once, decide the build, and empty the state before a full build."""
    previous = read_state(con)
    plan = plan_build(
        previous,
        settings,
        full_refresh=full_refresh,
        missing_relations=_missing_relations(con) if previous else (),
    )
    if plan.full:
        clear_state(con)
    (load_id_upto,) = con.execute(
        f"select coalesce(max(load_id), -1) from {RAW_SCHEMA}.{LOAD_LOG_TABLE}"
    ).fetchone()
    if plan.full or previous is None:
        return BuildStart(plan, None, int(load_id_upto))
    return BuildStart(
        plan,
        previous,
        int(load_id_upto),
        loaded_since_previous=files_loaded_since(con, previous.last_load_id) > 0,
    )


def files_loaded_since(con: Any, load_id: int) -> int:
    """How many landing files loaded rows after ``load_id``."""
    (loaded,) = con.execute(
        f"select count(*) from {RAW_SCHEMA}.{LOAD_LOG_TABLE} "
        f"where load_id > {int(load_id)} and status = 'loaded'"
    ).fetchone()
    return int(loaded)


def current_build(con: Any, settings: BuildSettings) -> BuildState | None:
    """The last build, when a build now with ``settings`` would be incremental and have no
    newly loaded rows to process; else None."""
    previous = read_state(con)
    if previous is None:
        return None
    plan = plan_build(previous, settings, missing_relations=_missing_relations(con))
    if plan.full or files_loaded_since(con, previous.last_load_id) > 0:
        return None
    return previous


def finish_build(con: Any, start: BuildStart, settings: BuildSettings) -> BuildState:
    """Record a build in which every dbt node succeeded as the new state."""
    (newest_sent_at,) = con.execute(
        "select max(newest_sent_at) from intermediate.int_newest_message"
    ).fetchone()
    state = BuildState(
        last_load_id=start.load_id_upto,
        newest_sent_at=newest_sent_at,
        settings_text=settings.as_text(),
        built_at=datetime.now(UTC).replace(tzinfo=None),
        previous_built_at=start.previous.built_at if start.previous else None,
    )
    write_state(con, state)
    return state
