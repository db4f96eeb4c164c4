"""Run history and ``omnireport status``: the last run, the last publish, freshness, quarantine.

The history is a JSON-lines file in the warehouse's working folder
(``<warehouse folder>/.omnireport/<stem>/run_history.jsonl``), never the warehouse itself,
so ``status`` answers at once even while a build holds the warehouse. Two kinds of record:

- ``run``: a run ended (command line or Dagster): job, start and end, ok or not, what failed;
- ``publish``: a snapshot was published: where, when, the rows quarantined per raw table
  and the newest event in the data (read from the warehouse while the run still held it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from omnireport.settings import Settings

HISTORY_NAME = "run_history.jsonl"
KEEP_RECORDS = 1000


def history_path(settings: Settings) -> Path:
    """The run history file of the warehouse of ``settings``."""
    return settings.state_dir / HISTORY_NAME


def now_utc() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def append_history(settings: Settings, record: Mapping[str, Any]) -> None:
    """Append one record (one JSON line); the file keeps its last ``KEEP_RECORDS`` lines."""
    path = history_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(dict(record), sort_keys=True, default=str) + "\n")
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) > KEEP_RECORDS:
        path.write_text("\n".join(lines[-KEEP_RECORDS:]) + "\n", encoding="utf-8")


def read_history(settings: Settings) -> list[dict[str, Any]]:
    """Every readable record, oldest first (a torn last line is skipped)."""
    path = history_path(settings)
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


@dataclass(frozen=True)
class WarehouseHealth:
    """Rows quarantined per raw table and the newest event (UTC ISO text), None when unknown."""

    quarantined: dict[str, int] | None
    newest_event_at: str | None


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(row and row[0])


def collect_health(warehouse: Path) -> WarehouseHealth:
    """Read quarantine counts (``audit.row_reconciliation``) and the newest message time
    (``marts.fct_messages.sent_at``) from ``warehouse``. Hold its writer lock while calling."""
    if not Path(warehouse).is_file():
        return WarehouseHealth(None, None)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        quarantined = None
        if _exists(con, "audit", "row_reconciliation"):
            rows = con.execute(
                "select table_name, quarantined_rows from audit.row_reconciliation order by 1"
            ).fetchall()
            quarantined = {str(name): int(count or 0) for name, count in rows}
        newest = None
        if _exists(con, "marts", "fct_messages"):
            row = con.execute(
                "select strftime(max(sent_at), '%Y-%m-%dT%H:%M:%S') from marts.fct_messages"
            ).fetchone()
            newest = row[0] if row else None
    finally:
        con.close()
    return WarehouseHealth(quarantined, newest)


def _last(records: Sequence[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    return next((r for r in reversed(records) if r.get("kind") == kind), None)


def _age(since: str, now: datetime) -> str:
    moment = datetime.fromisoformat(since)
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
    records: Sequence[dict[str, Any]],
) -> list[tuple[str, int, int | None]]:
    """(table, quarantined now, change since the previous publish or None) per raw table."""
    publishes = [r for r in records if r.get("kind") == "publish" and r.get("quarantined")]
    if not publishes:
        return []
    current = publishes[-1]["quarantined"]
    previous = publishes[-2]["quarantined"] if len(publishes) > 1 else None
    return [
        (
            table,
            int(count),
            None if previous is None else int(count) - int(previous.get(table, 0)),
        )
        for table, count in sorted(current.items())
    ]


def format_status(settings: Settings, *, now: datetime | None = None) -> str:
    """The text of ``omnireport status`` for the warehouse of ``settings``."""
    from omnireport.publish import snapshot_path
    from omnireport.summary import format_table

    now = now or datetime.now(UTC)
    records = read_history(settings)
    lines = [f"Warehouse: {settings.warehouse}"]
    run = _last(records, "run")
    if run is None:
        lines.append("Last run: none recorded (run `omnireport run`)")
    else:
        result = "OK" if run.get("ok") else "FAILED"
        lines.append(
            f"Last run: {result} {run.get('job')} ({run.get('source')}) finished "
            f"{run.get('finished_at')} ({_age(run['finished_at'], now)} ago), "
            f"took {float(run.get('seconds') or 0):.1f} s"
        )
        for problem in run.get("problems") or []:
            lines.append(f"  - {problem}")
    publish = _last(records, "publish")
    snapshot = snapshot_path(settings.warehouse)
    if publish is None:
        lines.append(f"Last publish: never (snapshot would be {snapshot})")
    else:
        present = "" if Path(publish["snapshot"]).is_file() else " [file missing]"
        lines.append(
            f"Last publish: {publish.get('published_at')} "
            f"({_age(publish['published_at'], now)} ago) -> {publish.get('snapshot')}{present}"
        )
        newest = publish.get("newest_event_at")
        if newest:
            lines.append(
                f"Freshness: newest message in the data {newest} UTC, {_age(newest, now)} old"
            )
        else:
            lines.append("Freshness: unknown (no message in marts.fct_messages)")
    changes = quarantine_changes(records)
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
