"""`omnireport status` text from a real Dagster instance with hand-made runs and publishes."""

from datetime import UTC, datetime

import dagster as dg
import pytest

from omnireport.settings import Settings
from omnireport.status import format_status, quarantine_changes
from orchestration.assets.publish import PUBLISH_ASSET_KEY

pytestmark = pytest.mark.unit


def _settings(tmp_path):
    return Settings(tmp_path / "landing", tmp_path / "wh.duckdb", tmp_path / "dbt")


def _publish(instance, snapshot, newest, quarantined):
    instance.report_runless_asset_event(
        dg.AssetMaterialization(
            asset_key=PUBLISH_ASSET_KEY,
            metadata={
                "snapshot": dg.MetadataValue.path(str(snapshot)),
                "newest_event_at": newest,
                "quarantined_by_table": dg.MetadataValue.json(quarantined),
            },
        )
    )


@dg.op
def boom():
    raise RuntimeError("boom")


@dg.job
def omnireport_incremental():
    boom()


def test_status_without_history_says_so(tmp_path, monkeypatch):
    monkeypatch.delenv("OMNIREPORT_SNAPSHOT", raising=False)
    text = format_status(_settings(tmp_path))
    assert "Last run: none recorded" in text
    assert f"Last publish: never (snapshot would be {tmp_path / 'wh.published.duckdb'})" in text


def test_status_shows_last_run_publish_freshness_and_quarantine_change(tmp_path, monkeypatch):
    monkeypatch.delenv("OMNIREPORT_SNAPSHOT", raising=False)
    settings = _settings(tmp_path)
    snapshot = tmp_path / "wh.published.duckdb"
    snapshot.write_bytes(b"")
    settings.dagster_home.mkdir(parents=True)
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        _publish(instance, snapshot, "2026-03-15T09:00:00", {"messages": 9, "sessions": 12})
        _publish(
            instance, snapshot, "2026-03-16T08:45:00", {"messages": 11, "sessions": 12, "users": 1}
        )
        omnireport_incremental.execute_in_process(
            instance=instance, raise_on_error=False, tags={"omnireport/source": "schedule"}
        )
    now = datetime.now(UTC)
    text = format_status(settings, now=now)
    assert "Last run: FAILED omnireport_incremental (schedule) finished" in text
    assert any(line.startswith("  - ") and "boom" in line for line in text.splitlines())
    assert f"-> {snapshot}" in text
    assert "Freshness: newest message in the data 2026-03-16T08:45:00 UTC" in text
    table = text.split("Quarantined rows per raw table")[1].splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in table[3:]}
    assert rows == {"messages": ["11", "+2"], "sessions": ["12", "+0"], "users": ["1", "+1"]}


def test_the_first_publish_has_no_change():
    assert quarantine_changes({"tags": 1}, None) == [("tags", 1, None)]
    assert quarantine_changes({"tags": 1}, {"tags": 3}) == [("tags", 1, -2)]
