"""Freshness: warn when the newest event in the data is older than a configurable age.

The newest event is the latest of ``sent_at`` (messages), ``event_at`` (tag events,
agent status events) and ``started_at`` (sessions) in staging, all UTC. The allowed age
is ``OMNIREPORT_FRESHNESS_HOURS`` (default 24), read when the check runs. Severity
WARN: stale data is worth a look, not a reason to hold the reports back.
"""

import os
from collections.abc import Mapping
from datetime import UTC, datetime

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from omnireport.errors import SettingsError
from orchestration.resources import WarehouseResource

FRESHNESS_HOURS_ENV = "OMNIREPORT_FRESHNESS_HOURS"
DEFAULT_FRESHNESS_HOURS = 24.0
FRESHNESS_CHECK_NAME = "data_freshness"
FRESHNESS_ASSET = AssetKey(["staging", "stg_crm__messages"])

# event source (relation.column) -> staging relation and column (UTC timestamps)
EVENT_SOURCES: dict[str, tuple[str, str]] = {
    "stg_crm__messages.sent_at": ("stg_crm__messages", "sent_at"),
    "stg_crm__tag_events.event_at": ("stg_crm__tag_events", "event_at"),
    "stg_crm__agent_status_events.event_at": ("stg_crm__agent_status_events", "event_at"),
    "stg_crm__sessions.started_at": ("stg_crm__sessions", "started_at"),
}


def freshness_hours(env: Mapping[str, str] | None = None) -> float:
    """The allowed age in hours: ``OMNIREPORT_FRESHNESS_HOURS``, else 24."""
    env = os.environ if env is None else env
    text = env.get(FRESHNESS_HOURS_ENV, "").strip()
    if not text:
        return DEFAULT_FRESHNESS_HOURS
    try:
        hours = float(text)
    except ValueError:
        hours = float("nan")
    if not hours > 0 or hours == float("inf"):
        raise SettingsError(
            f"{FRESHNESS_HOURS_ENV}={text!r} is not a positive number of hours: set it to, for "
            f"example, 24 (or unset it for the default of {DEFAULT_FRESHNESS_HOURS:g})."
        )
    return hours


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return _utc(moment).isoformat().replace("+00:00", "Z")


def evaluate_freshness(
    newest_by_source: Mapping[str, datetime | None], *, now: datetime, max_age_hours: float
) -> AssetCheckResult:
    """The check's result: passes when the newest event is at most ``max_age_hours`` old.

    Naive timestamps are UTC (staging's timestamps are). No event at all fails too.
    """
    present = {name: _utc(value) for name, value in newest_by_source.items() if value is not None}
    metadata: dict[str, object] = {
        "max_age_hours": max_age_hours,
        "checked_at": _iso(now),
        "newest_by_source": MetadataValue.json(
            {name: (_iso(value) if value else None) for name, value in newest_by_source.items()}
        ),
    }
    if not present:
        return AssetCheckResult(
            asset_key=FRESHNESS_ASSET,
            check_name=FRESHNESS_CHECK_NAME,
            passed=False,
            severity=AssetCheckSeverity.WARN,
            metadata=metadata,
            description="no events in staging: nothing loaded yet, or every row quarantined",
        )
    source, newest = max(present.items(), key=lambda item: item[1])
    age_hours = (_utc(now) - newest).total_seconds() / 3600
    metadata.update(
        newest_event_at=_iso(newest), newest_event_source=source, age_hours=round(age_hours, 3)
    )
    fresh = age_hours <= max_age_hours
    return AssetCheckResult(
        asset_key=FRESHNESS_ASSET,
        check_name=FRESHNESS_CHECK_NAME,
        passed=fresh,
        severity=AssetCheckSeverity.WARN,
        metadata=metadata,
        description=(
            f"newest event {_iso(newest)} ({source}) is {age_hours:.1f} h old; "
            + (f"within {max_age_hours:g} h" if fresh else f"older than {max_age_hours:g} h")
        ),
    )


def build_freshness_check() -> AssetChecksDefinition:
    """The freshness check (WARN), on ``staging/stg_crm__messages``, after all event tables."""

    @asset_check(
        asset=FRESHNESS_ASSET,
        name=FRESHNESS_CHECK_NAME,
        additional_deps=[
            AssetKey(["staging", relation])
            for relation, _ in EVENT_SOURCES.values()
            if relation != FRESHNESS_ASSET.path[-1]
        ],
        description=(
            "The newest event in staging (sent_at, event_at, started_at) is at most "
            f"{FRESHNESS_HOURS_ENV} hours old (default {DEFAULT_FRESHNESS_HOURS:g})."
        ),
    )
    def data_freshness(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> AssetCheckResult:
        from orchestration.checks.warehouse_reader import read_rows

        max_age_hours = freshness_hours()
        sql = " union all ".join(
            f"select '{name}' as source, max({column}) as newest from staging.{relation}"
            for name, (relation, column) in EVENT_SOURCES.items()
        )
        rows = read_rows(warehouse, "staging event tables", sql)
        newest = {str(row["source"]): row["newest"] for row in rows}
        return evaluate_freshness(newest, now=datetime.now(UTC), max_age_hours=max_age_hours)

    return data_freshness
