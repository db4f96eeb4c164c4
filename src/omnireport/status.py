"""``omnireport status``: the last run, the last publish, freshness, quarantine.

Everything comes from the warehouse's own Dagster instance (``Settings.dagster_home``),
the same run history the Dagster UI shows, never from the warehouse itself, so ``status``
answers at once even while a build holds the warehouse:

- the last run (command line, schedule, sensor or UI): job, end, result, what failed;
- the last publish (the ``published/marts_snapshot`` materialization): when, where, the
  newest message in the data, and the rows quarantined per raw table, with the change
  since the publish before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from omnireport.settings import Settings


@dataclass(frozen=True)
class WarehouseHealth:
    """Rows quarantined per raw table and the newest event (UTC ISO text), None when unknown."""

    quarantined: dict[str, int] | None
    newest_event_at: str | None


def _exists(con: Any, schema: str, name: str) -> bool:
    from omnireport.warehouse.targets import relation_exists

    return relation_exists(con, schema, name)


def collect_health(con: Any) -> WarehouseHealth:
    """Read quarantine counts (``audit.row_reconciliation``) and the newest message time
    (``marts.fct_messages.sent_at``) through a warehouse connection (``Warehouse.connect``)."""
    quarantined = None
    if _exists(con, "audit", "row_reconciliation"):
        rows = con.execute(
            "select table_name, quarantined_rows from audit.row_reconciliation order by 1"
        ).fetchall()
        quarantined = {str(name): int(count or 0) for name, count in rows}
    newest = None
    if _exists(con, "marts", "fct_messages"):
        row = con.execute("select max(sent_at) from marts.fct_messages").fetchone()
        newest = row[0].isoformat(timespec="seconds") if row and row[0] else None
    return WarehouseHealth(quarantined, newest)


def _age(moment: datetime, now: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = int((now - moment).total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    text = f"{days}d {hours}h {minutes}m" if days else f"{hours}h {minutes}m"
    return sign + text


def quarantine_changes(
    current: Mapping[str, int], previous: Mapping[str, int] | None
) -> list[tuple[str, int, int | None]]:
    """(table, quarantined now, change since the previous publish or None) per raw table."""
    return [
        (
            table,
            int(count),
            None if previous is None else int(count) - int(previous.get(table, 0)),
        )
        for table, count in sorted(current.items())
    ]


@dataclass(frozen=True)
class LastRun:
    """The newest finished run of the instance."""

    job: str
    source: str
    ok: bool
    finished_at: datetime
    seconds: float
    problems: list[str]


@dataclass(frozen=True)
class Publish:
    """One materialization of the published snapshot."""

    published_at: datetime
    snapshot: str
    newest_event_at: str | None
    quarantined: dict[str, int]
    reader_snapshot: str = ""


def _metadata(event: Any) -> dict[str, Any]:
    materialization = event.asset_materialization
    return {key: getattr(value, "value", value) for key, value in materialization.metadata.items()}


def read_history(settings: Settings) -> tuple[LastRun | None, list[Publish]]:
    """The last finished run and the last two publishes (newest first), from the Dagster
    instance of the warehouse; (None, []) when it has none."""
    from dagster import (
        AssetCheckSeverity,
        DagsterEventType,
        DagsterInstance,
        DagsterRunStatus,
        RunsFilter,
    )

    from orchestration.assets.publish import PUBLISH_ASSET_KEY

    if not settings.dagster_home.is_dir():
        return None, []
    with DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        finished = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED]
        records = instance.get_run_records(filters=RunsFilter(statuses=finished), limit=1)
        last = None
        if records:
            record = records[0]
            run = record.dagster_run
            problems = [
                entry.dagster_event.message or ""
                for entry in instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_FAILURE)
            ]
            for entry in instance.all_logs(
                run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
            ):
                check = entry.dagster_event.event_specific_data
                if not check.passed and check.severity == AssetCheckSeverity.ERROR:
                    problems.append(f"{check.asset_key.to_user_string()} {check.check_name} failed")
            end = record.end_time or record.update_timestamp.timestamp()
            last = LastRun(
                job=run.tags.get("omnireport/command", run.job_name),
                source=run.tags.get("omnireport/source", "dagster"),
                ok=run.status == DagsterRunStatus.SUCCESS and not problems,
                finished_at=datetime.fromtimestamp(end, UTC),
                seconds=(end - record.start_time) if record.start_time else 0.0,
                problems=[line.splitlines()[0] for line in problems if line][:20],
            )
        publishes = []
        for event in instance.fetch_materializations(PUBLISH_ASSET_KEY, limit=2).records:
            metadata = _metadata(event.event_log_entry)
            publishes.append(
                Publish(
                    published_at=datetime.fromtimestamp(event.timestamp, UTC),
                    snapshot=str(metadata.get("snapshot", "")),
                    newest_event_at=metadata.get("newest_event_at") or None,
                    quarantined=dict(metadata.get("quarantined_by_table") or {}),
                    reader_snapshot=str(metadata.get("reader_snapshot", "")),
                )
            )
    return last, publishes


def format_status(settings: Settings, *, now: datetime | None = None) -> str:
    """The text of ``omnireport status`` for the warehouse of ``settings``."""
    from omnireport.publish import snapshot_path
    from omnireport.summary import format_table

    now = now or datetime.now(UTC)
    last, publishes = read_history(settings)
    lines = [f"Warehouse: {settings.warehouse}"]
    if last is None:
        lines.append("Last run: none recorded (run `omnireport run`)")
    else:
        result = "OK" if last.ok else "FAILED"
        lines.append(
            f"Last run: {result} {last.job} ({last.source}) finished "
            f"{last.finished_at.isoformat(timespec='seconds')} ({_age(last.finished_at, now)} "
            f"ago), took {last.seconds:.1f} s"
        )
        lines.extend(f"  - {problem}" for problem in last.problems)
    if not publishes:
        lines.append(f"Last publish: never (snapshot would be {snapshot_path(settings.warehouse)})")
        return "\n".join(lines)
    publish = publishes[0]
    present = "" if Path(publish.snapshot).is_file() else " [file missing]"
    lines.append(
        f"Last publish: {publish.published_at.isoformat(timespec='seconds')} "
        f"({_age(publish.published_at, now)} ago) -> {publish.snapshot}{present}"
    )
    if publish.reader_snapshot:
        missing = "" if Path(publish.reader_snapshot).is_file() else " [file missing]"
        lines.append(f"  reader snapshot (BI) -> {publish.reader_snapshot}{missing}")
    if publish.newest_event_at:
        newest = datetime.fromisoformat(publish.newest_event_at)
        lines.append(
            f"Freshness: newest message in the data {publish.newest_event_at} UTC, "
            f"{_age(newest, now)} old"
        )
    else:
        lines.append("Freshness: unknown (no message in marts.fct_messages)")
    previous: Sequence[Publish] = publishes[1:]
    changes = quarantine_changes(publish.quarantined, previous[0].quarantined if previous else None)
    if changes:
        lines.append("")
        lines.append("Quarantined rows per raw table (change since the previous publish)")
        lines.append(
            format_table(
                ["table", "quarantined", "change"],
                [
                    [table, count, "-" if delta is None else f"{delta:+d}"]
                    for table, count, delta in changes
                ],
            )
        )
    return "\n".join(lines)
