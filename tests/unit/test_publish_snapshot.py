"""Publishing the marts to a separate snapshot file, on small hand-made DuckDB files."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from omnireport.publish import SNAPSHOT_ENV, publish, read_publish_info, snapshot_path

pytestmark = pytest.mark.unit


def _warehouse(path: Path, sessions: int) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts; create schema raw; create schema staging")
        con.execute(f"create table marts.fct_sessions as select range as session_id from range({sessions})")
        con.execute("create table marts.dim_channels (channel_id varchar, channel_type varchar)")
        con.execute("insert into marts.dim_channels values ('ch1', 'facebook'), ('ch2', 'zalo')")
        con.execute("create view marts.rpt_view as select count(*) as n from marts.fct_sessions")
        con.execute("create table raw.sessions as select 1 as x")
        con.execute("create table staging.stg as select 1 as x")
    finally:
        con.close()
    return path


def _count(path: Path, relation: str) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"select count(*) from {relation}").fetchone()[0]
    finally:
        con.close()


def _count_in_new_process(path: Path, relation: str) -> int:
    # DuckDB caches one database instance per path within a process: while a connection to
    # the old snapshot is open here, connect() in this process would return that instance.
    # Readers are other processes, so read the new file from another process.
    code = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
        f"print(c.execute('select count(*) from {relation}').fetchone()[0])"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout)


def test_snapshot_path_default_and_override(tmp_path):
    assert snapshot_path(tmp_path / "wh.duckdb", env={}) == tmp_path / "wh.published.duckdb"
    other = tmp_path / "bi" / "reports.duckdb"
    assert snapshot_path(tmp_path / "wh.duckdb", env={SNAPSHOT_ENV: str(other)}) == other


def test_publish_copies_only_the_marts_schema(tmp_path, monkeypatch):
    monkeypatch.delenv(SNAPSHOT_ENV, raising=False)
    warehouse = _warehouse(tmp_path / "wh.duckdb", sessions=5)
    result = publish(warehouse, run_id="r1")
    assert result.snapshot == tmp_path / "wh.published.duckdb"
    assert result.tables == {"marts.dim_channels": 2, "marts.fct_sessions": 5, "marts.rpt_view": 1}
    con = duckdb.connect(str(result.snapshot), read_only=True)
    try:
        schemas = {row[0] for row in con.execute("select schema_name from information_schema.schemata where catalog_name = current_database()").fetchall()}
        assert "raw" not in schemas and "staging" not in schemas
        assert con.execute("select * from marts.dim_channels order by 1").fetchall() == [
            ("ch1", "facebook"), ("ch2", "zalo"),
        ]
        assert con.execute("select n from marts.rpt_view").fetchall() == [(5,)]  # a view becomes a table
    finally:
        con.close()
    info = read_publish_info(result.snapshot)
    assert info["run_id"] == "r1" and info["tables"]["marts.fct_sessions"] == 5
    assert not list(tmp_path.glob(".wh.published.duckdb*"))  # no temporary file left behind
    assert not Path(str(result.snapshot) + ".wal").exists()


def test_open_reader_keeps_the_old_snapshot_new_readers_see_the_new(tmp_path, monkeypatch):
    monkeypatch.delenv(SNAPSHOT_ENV, raising=False)
    warehouse = _warehouse(tmp_path / "wh.duckdb", sessions=3)
    snapshot = publish(warehouse).snapshot
    reader = duckdb.connect(str(snapshot), read_only=True)
    try:
        assert reader.execute("select count(*) from marts.fct_sessions").fetchone()[0] == 3
        con = duckdb.connect(str(warehouse))
        con.execute("insert into marts.fct_sessions select range + 100 from range(4)")
        con.close()
        publish(warehouse)  # the reader stays open meanwhile
        assert reader.execute("select count(*) from marts.fct_sessions").fetchone()[0] == 3
        assert _count_in_new_process(snapshot, "marts.fct_sessions") == 7
    finally:
        reader.close()


def test_nothing_to_publish_keeps_the_old_snapshot(tmp_path, monkeypatch):
    monkeypatch.delenv(SNAPSHOT_ENV, raising=False)
    warehouse = _warehouse(tmp_path / "wh.duckdb", sessions=2)
    snapshot = publish(warehouse).snapshot
    before = os.stat(snapshot)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(RuntimeError, match="no relation in schema marts"):
        publish(empty, snapshot)
    after = os.stat(snapshot)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert _count(snapshot, "marts.fct_sessions") == 2
    assert not list(tmp_path.glob(".wh.published.duckdb*"))


def test_missing_warehouse_is_an_error_naming_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.duckdb does not exist"):
        publish(tmp_path / "nowhere.duckdb")
