"""The report-marts suite on small hand-made report tables: exact failing counts per rule."""

import datetime as dt
import json

import pandas as pd
import pytest

from orchestration.checks.marts_suite import (
    average_matches_total,
    report_rules,
    validate_report_tables,
)
from orchestration.checks.results_store import write_validation_result

pytestmark = pytest.mark.unit

TODAY = dt.date(2026, 3, 16)


def daily_stats(rows):
    columns = [
        "started_date",
        "support_type",
        "done_supported",
        "done_not_supported",
        "not_done_supported",
        "not_done_not_supported",
        "sessions",
        "pct_complete",
        "pct_support",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["started_date"] = pd.to_datetime(frame["started_date"])
    return frame


def overview(rows):
    columns = [
        "started_date",
        "channel_id",
        "support_type",
        "sessions",
        "contacts",
        "assigned_sessions",
        "unassigned_sessions",
        "done_sessions",
        "pending_sessions",
        "total_waiting_time_s",
        "sessions_with_waiting_time",
        "total_support_time_s",
        "sessions_with_support_time",
        "avg_waiting_time_s",
        "avg_support_time_s",
    ]
    return pd.DataFrame(rows, columns=columns)


def test_average_matches_total_row_by_row():
    average = pd.Series([10.0, 10.0, None, None, 0.1, None, 1 / 3])
    total = pd.Series([30.0, 30.1, 0.0, 5.0, 0.0, 3.0, 1.0])
    count = pd.Series([3, 3, 0, 0, 1, 2, 3])
    assert average_matches_total(average, total, count).tolist() == [
        True,  # 10 * 3 == 30
        False,  # 30 != 30.1 (relative error 3e-3)
        True,  # nothing to average: null average, total 0.0
        False,  # no session but a total
        False,  # a total of 0 with an average of 0.1
        False,  # sessions to average but no average
        True,  # 1/3 * 3 == 1 within 1e-6
    ]


def test_daily_stats_faults_are_counted_per_rule():
    frame = daily_stats(
        [
            ["2026-03-10", "message", 1, 0, 0, 0, 1, 100.0, 100.0],
            ["2026-03-11", "message", 1, 0, 0, 1, 2, 120.0, 50.0],  # pct over 100
            ["2026-03-12", "comment", -1, 0, 0, 2, 1, -0.5, None],  # negative count and pct
            ["2026-03-17", "message", 1, 0, 0, 0, 1, 100.0, 100.0],  # tomorrow: allowed
            ["2026-03-18", "comment", 1, 0, 0, 0, 1, 100.0, 100.0],  # two days ahead
        ]
    )
    found = validate_report_tables({"rpt_daily_stats": frame}, today=TODAY)
    table = found.tables["rpt_daily_stats"]
    assert found.latest_allowed_date == dt.date(2026, 3, 17)
    assert not found.passed
    assert table.rows == 5
    assert table.failing == {
        "future started_date": 1,
        "negative done_supported": 1,
        "pct_complete outside 0-100": 2,
    }
    examples = {o.label: o.examples for o in table.outcomes}
    assert examples["pct_complete outside 0-100"] == [
        {"started_date": "2026-03-11T00:00:00", "support_type": "message", "pct_complete": 120.0},
        {"started_date": "2026-03-12T00:00:00", "support_type": "comment", "pct_complete": -0.5},
    ]


def test_overview_averages_durations_and_null_counts():
    frame = overview(
        [
            ["2026-03-10", "ch1", "message", 2, 2, 2, 0, 2, 0, 30.0, 2, 10.0, 1, 15.0, 10.0],
            ["2026-03-10", "ch2", "message", 1, 1, 0, 1, 0, 1, 0.0, 0, 0.0, 0, None, None],
            # average not total / sessions_with; a negative duration
            ["2026-03-11", "ch1", "comment", 1, 1, 1, 0, 1, 0, 30.0, 1, -5.0, 1, 29.0, -5.0],
            # a null count; a total without a session to average
            ["2026-03-11", "ch2", "comment", 1, None, 1, 0, 1, 0, 7.0, 0, 0.0, 0, None, None],
        ]
    )
    found = validate_report_tables({"rpt_overview_daily": frame}, today=TODAY)
    table = found.tables["rpt_overview_daily"]
    assert table.failing == {
        "negative total_support_time_s": 1,
        "negative avg_support_time_s": 1,
        "null contacts": 1,
        "avg_waiting_time_s inconsistent with total_waiting_time_s / sessions_with_waiting_time": 2,
    }
    inconsistent = next(o for o in table.outcomes if o.label.startswith("avg_waiting_time_s"))
    assert [(e["channel_id"], e["avg_waiting_time_s"]) for e in inconsistent.examples] == [
        ("ch1", 29.0),
        ("ch2", None),
    ]


def test_a_clean_table_passes_and_missing_columns_fail():
    clean = daily_stats([["2026-03-10", "message", 1, 0, 0, 1, 2, 50.0, 50.0]])
    short = clean.drop(columns=["pct_support"])
    found = validate_report_tables(
        {"rpt_daily_stats": clean, "rpt_hourly_stats": short}, today=TODAY
    )
    assert found.tables["rpt_daily_stats"].passed
    assert found.tables["rpt_daily_stats"].failing == {}
    hourly = found.tables["rpt_hourly_stats"]
    assert hourly.failing == {"missing columns": 1}


def test_rules_follow_column_names():
    frame = pd.DataFrame(
        {"started_date": ["2026-03-01"], "started_hour": [3], "sla_45m": [1], "user_id": ["u1"]}
    )
    labels = [rule.label for rule in report_rules("rpt_user_stats", frame, latest_date=TODAY)]
    assert labels == [
        "missing columns",
        "future started_date",
        "started_hour outside 0-23",
        "null sla_45m",
        "negative sla_45m",
    ]


def test_results_are_stored_as_json_a_user_can_open(tmp_path):
    frame = daily_stats([["2026-03-11", "message", 1, 0, 0, 1, 2, 120.0, 50.0]])
    found = validate_report_tables({"rpt_daily_stats": frame}, today=TODAY)
    moment = dt.datetime(2026, 3, 16, 8, 15, 0, 123456, tzinfo=dt.UTC)
    path = write_validation_result(tmp_path, "report_marts", found.as_dict(), now=moment)
    assert path == tmp_path / "validations" / "20260316T081500.123456Z_report_marts.json"
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["suite"] == "report_marts"
    assert stored["tables"]["rpt_daily_stats"]["failing"] == {"pct_complete outside 0-100": 1}
    gx_result = stored["tables"]["rpt_daily_stats"]["gx_result"]
    assert gx_result["success"] is False
    failed = [r for r in gx_result["results"] if not r["success"]]
    assert [r["expectation_config"]["type"] for r in failed] == [
        "expect_column_values_to_be_between"
    ]
    assert failed[0]["result"]["unexpected_count"] == 1
