"""The run summary: row counts per raw table and the overview per channel type."""

import duckdb
import pytest

from omnireport.contract import RAW_TABLES
from omnireport.landing.raw_schema import ensure_raw_schema
from omnireport.summary import collect_summary, format_summary, format_table

pytestmark = pytest.mark.unit


def _insert_raw(con, table, count):
    columns = [row[0] for row in con.execute(f"describe raw.{table}").fetchall()]
    for number in range(1, count + 1):
        values = {
            "_source_file": "f.csv",
            "_row_number": number,
            "_load_id": 1,
            "_loaded_at": "2026-03-01",
        }
        row = [values.get(column) for column in columns]
        con.execute(f"insert into raw.{table} values ({', '.join('?' for _ in columns)})", row)


@pytest.fixture()
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    ensure_raw_schema(con)
    _insert_raw(con, "sessions", 5)
    _insert_raw(con, "messages", 3)
    con.close()
    return path


def _add_marts(path):
    con = duckdb.connect(str(path))
    con.execute("create schema audit")
    con.execute(
        "create table audit.row_reconciliation as select * from (values "
        "('sessions', 5, 3, 1, 1), ('messages', 3, 3, 0, 0)) "
        "as t(table_name, raw_rows, staged_rows, quarantined_rows, superseded_rows)"
    )
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_sessions as select * from (values "
        "('facebook', true, true, 60.0, 600.0), "
        "('facebook', false, true, 180.0, null), "
        "('facebook', false, false, null, null), "
        "('zalo', true, true, null, 30.0)) "
        "as t(channel_type, is_completed, is_supported, waiting_time_s, support_time_s)"
    )
    con.close()


def summarize(warehouse, rows_loaded):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return collect_summary(con, rows_loaded)


def test_counts_and_overview(warehouse):
    _add_marts(warehouse)
    summary = summarize(warehouse, {"sessions": 2})
    by_table = {row.table: row for row in summary.tables}
    assert set(by_table) == {table.name for table in RAW_TABLES}
    sessions = by_table["sessions"]
    assert (sessions.loaded_this_run, sessions.loaded_total) == (2, 5)
    assert (sessions.staged, sessions.quarantined, sessions.superseded) == (3, 1, 1)
    assert (by_table["messages"].loaded_this_run, by_table["messages"].loaded_total) == (0, 3)
    # a table absent from the reconciliation view has unknown stage counts
    assert by_table["users"].staged is None and by_table["users"].loaded_total == 0

    channels = {row.channel_type: row for row in summary.channels}
    facebook = channels["facebook"]
    # averages over the sessions that have the measure: (60 + 180) / 2 and 600 / 1
    assert (facebook.sessions, facebook.done, facebook.supported) == (3, 1, 2)
    assert facebook.avg_waiting_time_s == 120.0
    assert facebook.avg_support_time_s == 600.0
    zalo = channels["zalo"]
    assert (zalo.sessions, zalo.done, zalo.supported) == (1, 1, 1)
    assert zalo.avg_waiting_time_s is None
    every = channels["all"]
    assert (every.sessions, every.done, every.supported) == (4, 2, 3)
    assert every.avg_waiting_time_s == 120.0
    assert every.avg_support_time_s == 315.0  # (600 + 30) / 2
    assert [row.channel_type for row in summary.channels] == ["facebook", "zalo", "all"]
    assert summary.notes == []


def test_absent_audit_and_marts_are_tolerated(warehouse):
    summary = summarize(warehouse, {})
    assert summary.channels is None
    assert summary.tables[0].staged is None
    text = format_summary(summary)
    assert "audit.row_reconciliation is not built" in text
    assert "marts.fct_sessions is not built" in text


def test_summary_text_is_aligned(warehouse):
    _add_marts(warehouse)
    lines = format_summary(summarize(warehouse, {"sessions": 2})).splitlines()
    assert lines[0] == "Rows per raw table"
    assert lines[1].split() == ["table", "loaded", "now", "loaded", "total", "staged"] + [
        "quarantined",
        "superseded",
    ]
    assert set(lines[2]) == {"─"} and len(lines[2]) == len(lines[1])
    sessions = next(line for line in lines if line.startswith("sessions "))
    # numbers right-aligned under their headers
    assert (
        sessions
        == "sessions                       2              5        3             1            1"
    )
    facebook = next(line for line in lines if line.startswith("facebook "))
    assert facebook.split() == ["facebook", "3", "1", "2", "120.0", "600.0"]
    zalo = next(line for line in lines if line.startswith("zalo "))
    assert zalo.split() == ["zalo", "1", "1", "1", "-", "30.0"]


def test_format_table_pads_columns():
    text = format_table(["name", "n"], [["a", 1], ["long name", 1234]])
    assert text.splitlines() == [
        "name            n",
        "─────────────────",
        "a               1",
        "long name   1,234",
    ]
