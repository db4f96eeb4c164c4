"""Parquet landing files: typed values as text, timestamps in UTC, missing columns fail."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from omnireport.contract import RAW_TABLES_BY_NAME
from omnireport.landing.loader import LoadResult, load_landing

pytestmark = pytest.mark.unit

SESSION_COLUMNS = RAW_TABLES_BY_NAME["sessions"].columns
PLUS_7 = timezone(timedelta(hours=7))


def load(tmp_path: Path) -> LoadResult:
    return load_landing(tmp_path / "landing", tmp_path / "wh.duckdb")


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def sessions_table() -> pa.Table:
    """Two sessions, columns reversed, typed the way a CRM's Parquet export might be."""
    text = {name: pa.array(["a", None], pa.string()) for name in SESSION_COLUMNS}
    text["session_id"] = pa.array(["s1", "s2"], pa.string())
    text["note"] = pa.array(["", "n"], pa.string())
    typed = {
        # timestamptz at +07:00: 15:15 local is 08:15 UTC
        "started_at": pa.array(
            [
                datetime(2026, 3, 1, 15, 15, tzinfo=PLUS_7),
                datetime(2026, 3, 2, 6, 0, 0, 500000, tzinfo=PLUS_7),
            ],
            pa.timestamp("us", tz="Asia/Ho_Chi_Minh"),
        ),
        # naive timestamps are UTC already
        "done_at": pa.array([datetime(2026, 3, 1, 9, 0, 1, 250000), None], pa.timestamp("ms")),
        "updated_at": pa.array(
            [datetime(2026, 3, 1, 9, 30), datetime(2026, 3, 2, 0, 0)], pa.timestamp("ns")
        ),
        "rating": pa.array([5, None], pa.int64()),
        "category_id": pa.array([1.5, float("nan")], pa.float64()),
        "assigned_user_id": pa.array([True, False], pa.bool_()),
    }
    columns = {**text, **typed}
    order = [*reversed(SESSION_COLUMNS), "extra_column"]
    columns["extra_column"] = pa.array([1, 2], pa.int32())
    return pa.table({name: columns[name] for name in order})


def test_typed_values_land_as_text_and_timestamps_in_utc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A local time zone far from UTC must not shift anything.
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        (tmp_path / "landing" / "sessions").mkdir(parents=True)
        pq.write_table(sessions_table(), tmp_path / "landing" / "sessions" / "s.parquet")
        result = load(tmp_path)
    finally:
        monkeypatch.undo()
        time.tzset()

    assert result.ok and result.rows_loaded_by_table["sessions"] == 2
    assert query(
        tmp_path,
        "select session_id, started_at, done_at, updated_at, rating, category_id, "
        "assigned_user_id, note, status, _row_number from raw.sessions order by _row_number",
    ) == [
        (
            "s1",
            "2026-03-01T08:15:00Z",
            "2026-03-01T09:00:01.250000Z",
            "2026-03-01T09:30:00Z",
            "5",
            "1.5",
            "true",
            None,
            "a",
            1,
        ),
        (
            "s2",
            "2026-03-01T23:00:00.500000Z",
            None,
            "2026-03-02T00:00:00Z",
            None,
            None,
            "false",
            "n",
            None,
            2,
        ),
    ]


def test_parquet_written_by_duckdb_loads(tmp_path: Path) -> None:
    folder = tmp_path / "landing" / "tags"
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(
            "copy (select 't' || i as tag_id, 'name ' || i as tag_name from range(1, 4) r(i)) "
            f"to '{folder / 'tags.PARQUET'}' (format parquet)"
        )
    result = load(tmp_path)
    assert [(f.path, f.rows) for f in result.files] == [("tags/tags.PARQUET", 3)]
    assert query(tmp_path, "select tag_id, tag_name, _row_number from raw.tags order by 3") == [
        ("t1", "name 1", 1),
        ("t2", "name 2", 2),
        ("t3", "name 3", 3),
    ]


def test_missing_column_fails_the_file(tmp_path: Path) -> None:
    (tmp_path / "landing" / "tags").mkdir(parents=True)
    pq.write_table(pa.table({"tag_id": ["t1"]}), tmp_path / "landing" / "tags" / "t.parquet")
    result = load(tmp_path)
    [failed] = result.failed
    assert failed.error is not None
    assert failed.error.startswith("tags/t.parquet: missing column tag_name (the file has: tag_id)")
    assert query(tmp_path, "select count(*) from raw.tags") == [(0,)]


def test_repeated_column_fails_the_file_naming_it(tmp_path: Path) -> None:
    # DuckDB would read the second copy as tag_name_1 and load the first: which is meant
    # cannot be known. Nested fields of the same name are not columns and do not count.
    (tmp_path / "landing" / "tags").mkdir(parents=True)
    repeated = pa.table(
        [pa.array(["t1"]), pa.array(["a"]), pa.array(["b"])],
        names=["tag_id", "tag_name", "tag_name"],
    )
    pq.write_table(repeated, tmp_path / "landing" / "tags" / "a.parquet")
    nested = pa.table({"tag_id": ["t2"], "tag_name": ["c"], "meta": [{"tag_id": "x"}]})
    pq.write_table(nested, tmp_path / "landing" / "tags" / "b.parquet")
    result = load(tmp_path)
    [failed] = result.failed
    assert failed.error == (
        "tags/a.parquet: the column tag_name appears more than once: which copy is meant "
        "cannot be known; export each column once"
    )
    assert query(tmp_path, "select tag_id, tag_name from raw.tags") == [("t2", "c")]


def test_unreadable_parquet_fails_the_file(tmp_path: Path) -> None:
    (tmp_path / "landing" / "tags").mkdir(parents=True)
    (tmp_path / "landing" / "tags" / "t.parquet").write_bytes(b"PAR1 this is not parquet PAR1")
    result = load(tmp_path)
    [failed] = result.failed
    assert failed.error is not None
    assert failed.error.startswith("tags/t.parquet: not a readable Parquet file")
