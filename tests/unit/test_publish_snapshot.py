"""Publishing the marts to separate snapshot files (the full one and the reader one), on small
hand-made DuckDB files."""

import os
import stat
import subprocess
import sys
from functools import partial
from pathlib import Path

import duckdb
import pytest

from omnireport.privacy.keys import PII_KEY_ENV, PiiKey
from omnireport.publish import (
    READER_SNAPSHOT_ENV,
    SNAPSHOT_ENV,
    read_publish_info,
    reader_snapshot_path,
    snapshot_path,
)
from omnireport.publish import publish as publish_with

pytestmark = pytest.mark.unit

KEY = PiiKey("k" * 40, "the test")
# How the hand-made marts' columns reach readers (the real ones: omnireport.privacy.classes).
CLASSES = {
    "fct_sessions": {"session_id": "none", "staff": "identifier"},
    "dim_channels": {"channel_id": "none", "channel_type": "none"},
}
publish = partial(publish_with, pii_key=KEY, column_classes=CLASSES)


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch):
    for name in (SNAPSHOT_ENV, READER_SNAPSHOT_ENV, PII_KEY_ENV):
        monkeypatch.delenv(name, raising=False)


def _reader_views(con: duckdb.DuckDBPyConnection, masked: str = "staff") -> None:
    """A reader layer as dbt builds it on DuckDB: views over the marts, the ``masked``
    column of fct_sessions hashed with the key the publish connection holds."""
    columns = [
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = 'fct_sessions' order by ordinal_position"
        ).fetchall()
    ]
    select = ", ".join(
        f"sha256(getvariable('omnireport_pii_key') || ':' || {c}) as {c}" if c == masked else c
        for c in columns
    )
    con.execute("create schema if not exists reader")
    con.execute(
        f"create or replace view reader.fct_sessions as select {select} from marts.fct_sessions"
    )
    for name in ("dim_channels", "rpt_view"):
        if con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts' "
            "and table_name = ?",
            [name],
        ).fetchone()[0]:
            con.execute(f"create or replace view reader.{name} as select * from marts.{name}")


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
        _reader_views(con, masked="none")
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


def test_publish_copies_only_the_marts_schema(tmp_path):
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


def test_open_reader_keeps_the_old_snapshot_new_readers_see_the_new(tmp_path):
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


def test_nothing_to_publish_keeps_the_old_snapshot(tmp_path):
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
        _reader_views(con)
    finally:
        con.close()


def _rows(path: Path, relation: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"select * from {relation} order by all").fetchall()
    finally:
        con.close()


def test_incremental_publish_replaces_only_the_scope_of_the_build_it_continues(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    _build(warehouse, "2026-11-01 10:00:00+00", None, {1: "An", 2: "Binh", 3: "Chi", 4: "Dung"}, [])
    first = publish(warehouse)
    assert first.mode == "full"  # the first build was a full one
    (built_at,) = (
        duckdb.connect(str(warehouse), read_only=True)
        .execute("select cast(built_at as varchar) from raw._build_state")
        .fetchone()
    )

    # The next build continued that one: it changed session id 2, removed id 3, added id 9 (its
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


def test_incremental_publish_copies_a_relation_whose_columns_changed(tmp_path):
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


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_reader_snapshot_is_the_reader_layer_under_the_marts_names(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    _build(warehouse, "2026-11-01 10:00:00+00", None, {1: "An", 2: None}, [])
    result = publish(warehouse, run_id="r1")
    assert result.reader_snapshot == reader_snapshot_path(warehouse, env={})
    assert result.reader_snapshot == tmp_path / "wh.reader.duckdb"
    assert result.reader_tables == {"marts.dim_channels": 1, "marts.fct_sessions": 2}
    assert _rows(result.reader_snapshot, "marts.fct_sessions") == [
        (1, KEY.hash("An")),  # the keyed hash, computed here with hashlib
        (2, None),  # null stays null
    ]
    assert _rows(result.snapshot, "marts.fct_sessions") == [(1, "An"), (2, None)]
    # the full file: its owner only; the reader file: everyone who reaches the folder
    assert _mode(result.snapshot) == 0o600
    assert _mode(result.reader_snapshot) == 0o644
    con = duckdb.connect(str(result.reader_snapshot), read_only=True)
    try:
        schemas = {
            row[0]
            for row in con.execute(
                "select distinct table_schema from information_schema.tables"
            ).fetchall()
        }
        info = con.execute(
            "select run_id, state_built_at, pii_key_fingerprint from main.omnireport_publish"
        ).fetchone()
    finally:
        con.close()
    assert schemas == {"main", "marts"}
    assert info[0] == "r1" and info[2] == KEY.fingerprint
    # both files say they come from the same build
    assert info[1] == _rows(result.snapshot, "main.omnireport_publish")[0][4]
    assert not list(tmp_path.glob(".wh.*.publish"))  # no private folder left behind


def test_a_publish_that_fails_for_readers_swaps_in_neither_file(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    _build(warehouse, "2026-11-01 10:00:00+00", None, {1: "An"}, [])
    first = publish(warehouse)
    before = [os.stat(path) for path in (first.snapshot, first.reader_snapshot)]
    _build(warehouse, "2026-11-01 11:00:00+00", None, {1: "An", 2: "Binh"}, [])
    # a reader view that cannot be read (without the key the hash must fail, never run keyless)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create or replace view reader.fct_sessions as select session_id, "
            "error('no key') as staff from marts.fct_sessions"
        )
    with pytest.raises(duckdb.Error, match="no key"):
        publish(warehouse)
    after = [os.stat(path) for path in (first.snapshot, first.reader_snapshot)]
    assert [(a.st_ino, a.st_mtime_ns) for a in after] == [(b.st_ino, b.st_mtime_ns) for b in before]
    assert _count(first.snapshot, "marts.fct_sessions") == 1
    assert not list(tmp_path.glob(".wh.*.publish"))
    # and a warehouse without a reader layer publishes nothing either
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop schema reader cascade")
    with pytest.raises(RuntimeError, match="no relation in schema reader"):
        publish(warehouse)
    assert _count(first.snapshot, "marts.fct_sessions") == 1


def _continue(warehouse: Path, at: str, sessions: dict[int, str], scope: list[int]) -> None:
    (built_at,) = (
        duckdb.connect(str(warehouse), read_only=True)
        .execute("select cast(built_at as varchar) from raw._build_state")
        .fetchone()
    )
    _build(warehouse, at, built_at, sessions, scope)


def test_the_reader_file_is_copied_in_full_under_another_key(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    _build(warehouse, "2026-11-01 10:00:00+00", None, {1: "An", 2: "Binh"}, [])
    publish(warehouse)
    _continue(warehouse, "2026-11-01 11:00:00+00", {1: "An", 2: "Binh 2"}, [2])
    same_key = publish(warehouse)
    assert (same_key.mode, same_key.reader_mode) == ("incremental", "incremental")
    assert _rows(same_key.reader_snapshot, "marts.fct_sessions") == [
        (1, KEY.hash("An")),
        (2, KEY.hash("Binh 2")),
    ]
    _continue(warehouse, "2026-11-01 12:00:00+00", {1: "An", 2: "Binh 2"}, [])
    rotated = PiiKey("r" * 40, "the rotated key")
    result = publish_with(warehouse, pii_key=rotated, column_classes=CLASSES)
    assert result.mode == "incremental"
    assert (result.reader_mode, result.reader_reason) == (
        "full",
        "the reader layer changed (another PII key, free-text mode or redaction pattern)",
    )
    # every row under the new key: never a file mixing two keys
    assert _rows(result.reader_snapshot, "marts.fct_sessions") == [
        (1, rotated.hash("An")),
        (2, rotated.hash("Binh 2")),
    ]


def test_a_mart_whose_scope_column_is_hashed_for_readers_is_copied_in_full(tmp_path):
    classes = {"fct_sessions": {"session_id": "identifier", "staff": "none"}}
    warehouse = tmp_path / "wh.duckdb"
    _build(warehouse, "2026-11-01 10:00:00+00", None, {1: "An", 4: "Dung"}, [])
    publish_with(warehouse, pii_key=KEY, column_classes=classes)
    # session id 4 changes outside the build's scope: the incremental full file keeps the old
    # row, the reader file (its scope column would not match the hashed ids) is recomputed
    _continue(warehouse, "2026-11-01 11:00:00+00", {1: "An 2", 4: "Dung 2"}, [1])
    result = publish_with(warehouse, pii_key=KEY, column_classes=classes)
    assert result.mode == result.reader_mode == "incremental"
    assert _rows(result.snapshot, "marts.fct_sessions") == [(1, "An 2"), (4, "Dung")]
    assert _rows(result.reader_snapshot, "marts.fct_sessions") == [
        (1, KEY.hash("An 2")),
        (4, KEY.hash("Dung 2")),
    ]


def test_the_two_snapshots_and_the_warehouse_must_be_three_files(tmp_path):
    warehouse = _warehouse(tmp_path / "wh.duckdb", sessions=1)
    with pytest.raises(ValueError, match="must be three files"):
        publish(warehouse, reader_snapshot=tmp_path / "wh.published.duckdb")
    assert not (tmp_path / "wh.published.duckdb").exists()
