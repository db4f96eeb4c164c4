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
        con.execute(
            f"create table marts.fct_sessions as select range as session_id from range({sessions})"
        )
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
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
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
        schemas = {
            row[0]
            for row in con.execute(
                "select schema_name from information_schema.schemata where catalog_name = current_database()"
            ).fetchall()
        }
        assert "raw" not in schemas and "staging" not in schemas
        assert con.execute("select * from marts.dim_channels order by 1").fetchall() == [
            ("ch1", "facebook"),
            ("ch2", "zalo"),
        ]
        assert con.execute("select n from marts.rpt_view").fetchall() == [
            (5,)
        ]  # a view becomes a table
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


def _build(
    path: Path,
    built_at: str,
    previous_built_at: str | None,
    sessions: dict[int, str],
    scope: list[int],
) -> None:
    """A hand-made warehouse after a build: fct_sessions (session_id, staff), a dimension,
    the build state, the build's incremental scope and the marts it replaced in part."""
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "create schema if not exists marts; create schema if not exists intermediate; "
            "create schema if not exists raw; create schema if not exists audit"
        )
        con.execute(
            "create or replace table marts.fct_sessions (session_id integer, staff varchar)"
        )
        con.executemany("insert into marts.fct_sessions values (?, ?)", list(sessions.items()))
        con.execute(
            "create or replace table marts.dim_channels as select 'ch' || ? as channel_id",
            [built_at],
        )
        con.execute("create or replace table intermediate.scope (session_id integer)")
        if scope:
            con.executemany("insert into intermediate.scope values (?)", [(s,) for s in scope])
        con.execute(
            "create or replace table raw._build_state as "
            "select cast(? as timestamptz) as built_at, cast(? as varchar) as previous_built_at",
            [built_at, previous_built_at],
        )
        con.execute(
            "create or replace table audit.replaced_scopes as select * from (values "
            "('fct_sessions', 'session_id', 'intermediate.scope')) "
            "as scopes (relation_name, scope_column, scope_relation)"
        )
    finally:
        con.close()


def _rows(path: Path, relation: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"select * from {relation} order by all").fetchall()
    finally:
        con.close()


def test_incremental_publish_replaces_only_the_scope_of_the_build_it_continues(
    tmp_path, monkeypatch
):
    monkeypatch.delenv(SNAPSHOT_ENV, raising=False)
    warehouse = tmp_path / "wh.duckdb"
    _build(warehouse, "2026-11-01 10:00:00+00", None, {1: "An", 2: "Binh", 3: "Chi", 4: "Dung"}, [])
    first = publish(warehouse)
    assert first.mode == "full"  # the first build was a full one
    (built_at,) = (
        duckdb.connect(str(warehouse), read_only=True)
        .execute("select cast(built_at as varchar) from raw._build_state")
        .fetchone()
    )

    # The next build continued that one: it changed session 2, removed 3, added 9 (its
    # scope), and, to show that only the scope is copied, also changed 4 outside it.
    _build(
        warehouse,
        "2026-11-01 11:00:00+00",
        built_at,
        {1: "An", 2: "Binh 2", 4: "Dung 2", 9: "Giang"},
        [2, 3, 9],
    )
    second = publish(warehouse)
    assert second.mode == "incremental"
    snapshot = snapshot_path(warehouse, env={})
    assert _rows(snapshot, "marts.fct_sessions") == [
        (1, "An"),
        (2, "Binh 2"),
        (4, "Dung"),
        (9, "Giang"),
    ]
    # a relation without a scope (a dimension) is copied in full
    assert _rows(snapshot, "marts.dim_channels") == [("ch2026-11-01 11:00:00+00",)]
    assert second.tables == {"marts.fct_sessions": 4, "marts.dim_channels": 1}
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        (tags,) = con.execute(
            "select tags from duckdb_databases() where not internal and path is not null"
        ).fetchone()
        (mode,) = con.execute("select publish_mode from main.omnireport_publish").fetchone()
    finally:
        con.close()
    assert tags["storage_version"].startswith("v1.0.0")  # still readable by DuckDB 1.x
    assert mode == "incremental"

    # A build that did not continue the published one: everything is copied again.
    _build(
        warehouse,
        "2026-11-01 12:00:00+00",
        "2026-11-01 09:00:00+00",
        {1: "An", 2: "Binh 2", 4: "Dung 2", 9: "Giang"},
        [9],
    )
    third = publish(warehouse)
    assert third.mode == "full"
    assert _rows(snapshot, "marts.fct_sessions") == [
        (1, "An"),
        (2, "Binh 2"),
        (4, "Dung 2"),
        (9, "Giang"),
    ]


def test_incremental_publish_copies_a_relation_whose_columns_changed(tmp_path, monkeypatch):
    monkeypatch.delenv(SNAPSHOT_ENV, raising=False)
    warehouse = tmp_path / "wh.duckdb"
    _build(warehouse, "2026-11-01 10:00:00+00", None, {1: "An", 2: "Binh"}, [])
    publish(warehouse)
    (built_at,) = (
        duckdb.connect(str(warehouse), read_only=True)
        .execute("select cast(built_at as varchar) from raw._build_state")
        .fetchone()
    )
    _build(warehouse, "2026-11-01 11:00:00+00", built_at, {1: "An", 2: "Binh"}, [2])
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table marts.fct_sessions add column sla_2m integer default 7")
    result = publish(warehouse)
    assert result.mode == "incremental"
    assert _rows(snapshot_path(warehouse, env={}), "marts.fct_sessions") == [
        (1, "An", 7),
        (2, "Binh", 7),
    ]
