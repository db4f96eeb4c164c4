"""The command line's Dagster instance (orchestration/run_history.py): its events land in
Dagster's own files, where an instance with Dagster's defaults (the UI, the daemon,
`omnireport status`) reads them, and each write reaches the database file itself."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import dagster as dg
import pytest

from orchestration.run_history import PooledSqliteEventLogStorage, warehouse_instance

pytestmark = pytest.mark.unit


@dg.asset
def first() -> int:
    return 1


@dg.asset
def second(first: int) -> int:
    return first + 1


@dg.asset_check(asset=second)
def second_is_two(second: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=second == 2)


def _run(home: Path) -> str:
    with warehouse_instance(home) as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        result = dg.materialize([first, second, second_is_two], instance=instance)
        assert result.success
        return result.run_id


def test_dagster_defaults_read_the_runs_it_wrote(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    run_ids = [_run(home), _run(home)]
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert {record.dagster_run.run_id for record in instance.get_run_records()} == set(run_ids)
        for run_id in run_ids:
            assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.SUCCESS
            materialized = instance.all_logs(
                run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
            )
            assert sorted(e.dagster_event.asset_key.to_user_string() for e in materialized) == [
                "first",
                "second",
            ]
        # the index across runs: both materializations of each asset, the check's last result
        assert len(instance.fetch_materializations(dg.AssetKey("second"), limit=10).records) == 2
        check = dg.AssetCheckKey(dg.AssetKey("second"), "second_is_two")
        assert instance.event_log_storage.get_latest_asset_check_execution_by_key([check])


def test_every_event_reaches_the_database_file_while_the_instance_is_open(
    tmp_path: Path,
) -> None:
    """Read without the write-ahead log (`immutable=1`) while the writer's connections are
    still open: the events are in the file the UI watches, not only in the log beside it."""
    home = tmp_path / "dagster"
    with warehouse_instance(home) as instance:
        result = dg.materialize([first, second, second_is_two], instance=instance)
        stored = len(instance.all_logs(result.run_id))
        path = home / "history" / "runs" / f"{result.run_id}.db"
        con = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            in_file = con.execute("select count(*) from event_logs").fetchone()[0]
        finally:
            con.close()
    assert stored > 10
    assert in_file == stored


def test_open_engines_are_bounded(tmp_path: Path) -> None:
    storage = PooledSqliteEventLogStorage(str(tmp_path / "runs"))
    try:
        for number in range(12):
            with storage.run_connection(f"run{number}") as conn:
                conn.exec_driver_sql("select 1")
        assert len(storage._engines) == 8
        assert "run11" in storage._engines and "run0" not in storage._engines
    finally:
        storage.dispose()
    assert not storage._engines
