"""`omnireport status` text from a hand-written run history."""

from datetime import UTC, datetime

import pytest

from omnireport.settings import Settings
from omnireport.status import append_history, format_status, quarantine_changes, read_history

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 16, 12, 0, 0, tzinfo=UTC)


def _settings(tmp_path):
    return Settings(tmp_path / "landing", tmp_path / "wh.duckdb", tmp_path / "dbt")


def test_status_without_history_says_so(tmp_path, monkeypatch):
    monkeypatch.delenv("OMNIREPORT_SNAPSHOT", raising=False)
    text = format_status(_settings(tmp_path), now=NOW)
    assert "Last run: none recorded" in text
    assert f"Last publish: never (snapshot would be {tmp_path / 'wh.published.duckdb'})" in text


def test_status_shows_last_run_publish_freshness_and_quarantine_change(tmp_path, monkeypatch):
    monkeypatch.delenv("OMNIREPORT_SNAPSHOT", raising=False)
    settings = _settings(tmp_path)
    snapshot = tmp_path / "wh.published.duckdb"
    snapshot.write_bytes(b"")
    append_history(
        settings,
        {
            "kind": "publish",
            "published_at": "2026-03-15T10:00:00+00:00",
            "snapshot": str(snapshot),
            "newest_event_at": "2026-03-15T09:00:00",
            "quarantined": {"messages": 9, "sessions": 12},
        },
    )
    append_history(
        settings,
        {
            "kind": "run",
            "source": "cli",
            "job": "omnireport run",
            "finished_at": "2026-03-15T10:00:05+00:00",
            "ok": True,
            "seconds": 95.0,
        },
    )
    append_history(
        settings,
        {
            "kind": "publish",
            "published_at": "2026-03-16T11:30:00+00:00",
            "snapshot": str(snapshot),
            "newest_event_at": "2026-03-16T08:45:00",
            "quarantined": {"messages": 11, "sessions": 12, "users": 1},
        },
    )
    append_history(
        settings,
        {
            "kind": "run",
            "source": "dagster",
            "job": "omnireport_incremental",
            "finished_at": "2026-03-16T11:50:00+00:00",
            "ok": False,
            "seconds": 12.5,
            "problems": ["step dbt_models: boom"],
        },
    )
    text = format_status(settings, now=NOW)
    assert (
        "Last run: FAILED omnireport_incremental (dagster) finished 2026-03-16T11:50:00+00:00 "
        "(0h 10m ago), took 12.5 s"
    ) in text
    assert "  - step dbt_models: boom" in text
    assert f"Last publish: 2026-03-16T11:30:00+00:00 (0h 30m ago) -> {snapshot}" in text
    # 12:00 - 08:45 = 3 h 15 min
    assert "Freshness: newest message in the data 2026-03-16T08:45:00 UTC, 3h 15m old" in text
    table = text.split("Quarantined rows per raw table")[1].splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in table[3:]}
    assert rows == {"messages": ["11", "+2"], "sessions": ["12", "+0"], "users": ["1", "+1"]}


def test_first_publish_has_no_change_and_torn_lines_are_skipped(tmp_path):
    settings = _settings(tmp_path)
    append_history(settings, {"kind": "publish", "quarantined": {"tags": 1}})
    with (settings.state_dir / "run_history.jsonl").open("a") as stream:
        stream.write('{"kind": "run", "ok"')  # a torn last line
    records = read_history(settings)
    assert len(records) == 1
    assert quarantine_changes(records) == [("tags", 1, None)]
