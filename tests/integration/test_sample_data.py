"""`omnireport run` on the sample data (seeds/landing), checked against hand-computed values.

The expected values below were worked out by hand from the construction of the sample
data (seeds/README.md, "Which rows exercise which rule"), not read from the marts:
for example sx01's replies are 190, 60 and 90 seconds, so its avg_response_time_s is
340 / 3; sx10's timestamps carry offsets and fractions, so its waiting time is 90.25 s.
The per-table counts come from the generator's own bookkeeping of every row it wrote,
re-checked by an independent pandas count (seeds/README.md, "Expected counts").
A last test compares every mart with the independent pandas implementation of the
contract in tests/reference/ (same rows by grain, same values). The warehouse is the
session's `sample_warehouse` (tests/conftest.py), built once.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.reference.compare import compare_warehouse
from tests.reference.contract_reference import compute_marts

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SAMPLE_LANDING = REPO / "seeds" / "landing"
OMNIREPORT = Path(sys.executable).parent / "omnireport"

# table: (raw rows, staged, quarantined, superseded), seeds/README.md "Expected counts".
EXPECTED_COUNTS = {
    "channels": (10, 8, 2, 0),
    "users": (24, 21, 2, 1),
    "groups": (7, 6, 1, 0),
    "user_groups": (28, 25, 2, 1),
    "contacts": (143, 140, 2, 1),
    "categories": (15, 14, 1, 0),
    "tags": (12, 11, 1, 0),
    "sessions": (345, 330, 12, 3),
    "messages": (3625, 3612, 9, 4),
    "tag_events": (179, 175, 4, 0),
    "agent_status_events": (1574, 1569, 4, 1),
    "business_hours": (47, 29, 17, 1),
    "holidays": (11, 6, 4, 1),
    "channel_schedules": (7, 4, 2, 1),
}


def run_omnireport(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    return subprocess.run(
        [str(OMNIREPORT), *args], env=env, capture_output=True, text=True, timeout=1200, check=False
    )


def query(warehouse: Path, sql: str, *params) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def session(warehouse: Path, session_id: str) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute("select * from marts.fct_sessions where session_id = ?", [session_id])
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        con.close()
    assert len(rows) == 1, f"{session_id}: {len(rows)} rows in fct_sessions"
    return dict(zip(names, rows[0], strict=False))


def test_counts_reconcile_per_raw_table(sample_warehouse: Path) -> None:
    rows = query(
        sample_warehouse,
        "select table_name, raw_rows, staged_rows, quarantined_rows, superseded_rows from audit.row_reconciliation",
    )
    assert {row[0]: tuple(row[1:]) for row in rows} == EXPECTED_COUNTS
    for table, (raw, _, quarantined, _) in EXPECTED_COUNTS.items():
        assert query(sample_warehouse, f"select count(*) from raw.{table}")[0][0] == raw
        assert (
            query(sample_warehouse, f"select count(*) from quarantine.{table}")[0][0] == quarantined
        )


def test_every_bad_row_is_quarantined_with_its_reason(sample_warehouse: Path) -> None:
    reasons = dict(
        query(
            sample_warehouse,
            "select session_id, reason from quarantine.sessions where session_id is not null",
        )
    )
    assert reasons["sb02"] == "unknown status 'Done'"
    assert reasons["sb03"] == "unknown support_type 'Comment'"
    assert reasons["sb04"] == "unparseable started_at '31/03/2026 10:00'"
    assert reasons["sb07"] == "unparseable started_at '2026-03-01T10:00+0700'"
    assert reasons["sb06"] == "unparseable done_at '2026-02-30 10:00'"
    assert reasons["sb08"] == "invalid rating '6'"
    assert reasons["sx31"] == "done_at before started_at"
    assert reasons["sx21"] == "unknown status 'Closed'"
    message_reasons = dict(
        query(
            sample_warehouse,
            "select message_id, reason from quarantine.messages where message_id is not null",
        )
    )
    assert "agent_user_id on an incoming message" in message_reasons.values()
    assert "missing session_id" in message_reasons.values()


def test_business_hours_quarantine_is_the_expected_one(sample_warehouse: Path) -> None:
    """Every bad row of the three 7.1 tables, at its file and row, with its exact reason."""
    with (REPO / "seeds" / "expected_quarantine.csv").open(encoding="utf-8", newline="") as handle:
        expected = [row for row in csv.DictReader(handle)]
    for table in ("business_hours", "holidays", "channel_schedules"):
        found = query(
            sample_warehouse, f"select _source_file, _row_number, reason from quarantine.{table}"
        )
        assert sorted(found) == sorted(
            (row["source_file"], int(row["row_number"]), row["reason"])
            for row in expected
            if row["table"] == table
        ), table


def test_business_times_by_hand(sample_warehouse: Path) -> None:
    """seeds/README.md, "Business hours": the default schedule, its version of 2026-03-09,
    the holidays of 03-10 and 03-04, New York's DST change of 03-08, no schedule."""
    columns = (
        "schedule_id",
        "started_in_business_hours",
        "waiting_time_business_s",
        "support_time_business_s",
        "session_duration_business_s",
    )

    def business(session_id: str) -> tuple:
        row = session(sample_warehouse, session_id)
        return tuple(row[column] for column in columns)

    assert business("sx01") == ("default", True, 190.0, 380.0, 1200.0)
    assert business("sx15") == ("default", True, 34200.0, 0.0, 35400.0)
    assert business("sx19") == ("default", False, 0.0, 300.0, 1200.0)  # opens 07:00 from 03-09
    assert business("sx14") == ("default", False, None, None, 7200.0)  # 03-10 is a holiday
    assert business("sx05") == ("default", False, 0.0, 0.0, 0.0)  # holiday declared in batch 2
    assert business("sx20") == ("ny_team", True, 60.0, 0.0, 600.0)
    assert business("sx18") == ("ny_team", True, 180.0, 180.0, 1800.0)  # ch06 moved in batch 2
    # 03:29:48 EDT, the Sunday shift closes at 04:00 EDT = 08:00Z (clocks went forward at 07:00Z)
    assert session(sample_warehouse, "s0091")["session_duration_business_s"] == 1812.0
    assert business("sx16") == (None, None, None, None, None)  # ch08 -> legacy: no valid row


def test_page_auto_replies_before_first_answer_sx01(sample_warehouse: Path) -> None:
    sx01 = session(sample_warehouse, "sx01")
    assert sx01["first_response_at"] == dt.datetime(
        2026, 3, 3, 2, 3, 10
    )  # started 2026-03-03 02:00:00Z
    assert sx01["waiting_time_s"] == 190.0
    assert sx01["total_messages"] == 6
    assert sx01["avg_response_time_s"] == pytest.approx((190 + 60 + 90) / 3, rel=1e-12)
    assert sx01["support_time_s"] == 380.0
    assert sx01["session_duration_s"] == 1200.0
    assert (sx01["category"], sx01["sub_category"], sx01["sub_sub_category"]) == (
        "Bán hàng",
        "Báo giá",
        "Chiết khấu đại lý",
    )


def test_proactive_session_sx02(sample_warehouse: Path) -> None:
    sx02 = session(sample_warehouse, "sx02")
    assert (sx02["is_proactive"], sx02["session_type"], sx02["waiting_time_s"]) == (
        True,
        "proactive",
        None,
    )
    assert sx02["support_time_s"] == 960.0
    assert sx02["avg_response_time_s"] == 90.0


def test_midnight_offsets_and_fractions(sample_warehouse: Path) -> None:
    sx09 = session(sample_warehouse, "sx09")
    assert (sx09["started_date"], sx09["started_hour"], sx09["session_duration_s"]) == (
        dt.date(2026, 3, 5),
        23,
        2100.0,
    )
    sx10 = session(sample_warehouse, "sx10")
    assert sx10["waiting_time_s"] == 90.25
    assert sx10["avg_response_time_s"] == 104.875
    assert sx10["support_time_s"] == 209.75
    assert sx10["session_duration_s"] == pytest.approx(900.123456, abs=1e-9)


def test_reply_walk_and_first_responder_tie(sample_warehouse: Path) -> None:
    assert session(sample_warehouse, "sx11")["avg_response_time_s"] == 80.0
    assert query(
        sample_warehouse,
        "select agent_user_id from marts.fct_messages where session_id = 'sx12' and sender_kind = 'agent' order by sent_at, message_id limit 1",
    ) == [("u11",)]
    assert session(sample_warehouse, "sx12")["waiting_time_s"] == 45.0


def test_session_types(sample_warehouse: Path) -> None:
    assert session(sample_warehouse, "sx13")["session_type"] == "unanswered_24h"
    sx14 = session(sample_warehouse, "sx14")
    assert (sx14["session_type"], sx14["is_completed"], sx14["session_duration_s"]) == (
        "unanswered_24h",
        True,
        86400.0,
    )
    sx15 = session(sample_warehouse, "sx15")
    assert (sx15["session_type"], sx15["waiting_time_s"]) == ("unanswered_24h", 90000.0)
    assert session(sample_warehouse, "sx06")["session_type"] == "standard"
    assert session(sample_warehouse, "sx28")["session_type"] == "proactive"


def test_done_without_done_at_and_re_exports(sample_warehouse: Path) -> None:
    sx16 = session(sample_warehouse, "sx16")
    assert (
        sx16["is_completed"],
        sx16["session_duration_s"],
        sx16["last_agent_message_at"],
        sx16["support_time_s"],
    ) == (
        True,
        None,
        None,
        None,
    )
    assert session(sample_warehouse, "sx20")["note"] == "Đã xác nhận thanh toán"
    assert session(sample_warehouse, "sx21")["is_completed"] is True
    sx22 = session(sample_warehouse, "sx22")
    assert (sx22["is_completed"], sx22["rating"]) == (True, 2)


def test_late_and_quarantined_sessions_hold_their_rows_out(sample_warehouse: Path) -> None:
    assert query(
        sample_warehouse,
        "select count(*) from marts.fct_sessions where session_id in ('sx31', 'sx90')",
    ) == [(0,)]
    assert query(
        sample_warehouse,
        "select count(*) from marts.fct_messages where session_id in ('sx31', 'sx90')",
    ) == [(0,)]
    assert query(
        sample_warehouse, "select count(*) from marts.bridge_session_tags where session_id = 'sx90'"
    ) == [(0,)]
    assert session(sample_warehouse, "sx23")["contact_name"] is None
    assert session(sample_warehouse, "sx24")["staff_name"] is None
    assert session(sample_warehouse, "sx25")["channel_name"] is None


def test_tags_and_pauses(sample_warehouse: Path) -> None:
    assert session(sample_warehouse, "sx17")["tag_names"] == "Cần gọi lại"
    assert (
        query(
            sample_warehouse,
            "select pause_count, total_pause_s, open_pause_count from marts.rpt_agent_working_time "
            "where user_id = 'u03' and pause_date = date '2026-03-11'",
        )[0][0]
        >= 2
    )
    assert query(
        sample_warehouse,
        "select count(*) from marts.rpt_agent_working_time where user_id = 'u19' and open_pause_count > 0",
    ) == [(1,)]


def test_user_stats_assignee_who_never_wrote_sx04(sample_warehouse: Path) -> None:
    (started_date,) = query(
        sample_warehouse, "select started_date from marts.fct_sessions where session_id = 'sx04'"
    )[0]
    rows = query(
        sample_warehouse,
        "select assigned_completed_not_supported + assigned_not_completed_not_supported from marts.rpt_user_stats "
        "where user_id = 'u05' and started_date = ?",
        started_date,
    )
    assert rows and rows[0][0] >= 1


def test_every_mart_equals_the_reference_implementation(sample_warehouse: Path) -> None:
    problems = compare_warehouse(sample_warehouse, compute_marts(SAMPLE_LANDING))
    assert not problems, "\n".join(problems[:50])


def test_sla_and_timezone_change_the_marts(tmp_path: Path) -> None:
    warehouse = tmp_path / "berlin.duckdb"
    result = run_omnireport(
        "run",
        "--landing",
        str(SAMPLE_LANDING),
        "--warehouse",
        str(warehouse),
        "--sla",
        "2,10",
        "--timezone",
        "Europe/Berlin",
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    columns = [
        row[0]
        for row in query(
            warehouse,
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = 'rpt_user_stats' and column_name like 'sla%' order by ordinal_position",
        )
    ]
    assert columns == ["sla_2m", "sla_10m"]
    # sx09 starts 2026-03-05 16:50 UTC: 17:50 in Berlin (UTC+1), not 23:50 as in Ho Chi Minh City.
    assert query(
        warehouse,
        "select started_date, started_hour from marts.fct_sessions where session_id = 'sx09'",
    ) == [(dt.date(2026, 3, 5), 17)]
    reference = compute_marts(SAMPLE_LANDING, report_timezone="Europe/Berlin", sla_minutes=[2, 10])
    problems = compare_warehouse(warehouse, reference)
    assert not problems, "\n".join(problems[:50])
