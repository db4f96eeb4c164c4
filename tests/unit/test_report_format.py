"""Pure-Python parts of the report: percentages, durations, tables, filter errors, argument parsing."""

from __future__ import annotations

import argparse
import datetime as dt
import json

import pytest

from omnireport.report.cli import add_report_parser
from omnireport.report.filters import (
    SESSION_FILTERS,
    FilterArgs,
    FilterError,
    Filters,
    require_supported,
    suggest,
)
from omnireport.report.render import format_cell, format_duration, to_csv, to_json, to_text
from omnireport.report.table import Table, average, percentage
from omnireport.report.views import (
    BACKLOG,
    CSAT,
    DAILY,
    MATRIX,
    OVERVIEW,
    REPLIES,
    Sums,
    summed_table,
    with_business_hours,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (1, 32, 3.13),
        (1, 3, 33.33),
        (2, 3, 66.67),
        (1, 8, 12.5),
        (0, 5, 0.0),
        (3, 0, None),
        (7, 7, 100.0),
    ],
)
def test_percentage_rounds_half_up(numerator, denominator, expected):
    assert percentage(numerator, denominator) == expected


def test_average_is_null_without_measures():
    assert average(0.0, 0) is None
    assert average(930.0, 3) == 310.0


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00:00"), (59.6, "0:01:00"), (3725, "1:02:05"), (90061, "1d 1:01:01")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def _daily(date: str, message: tuple, comment: tuple) -> dict:
    """A row as aggregate() sums it for the daily view: each support type's matrix
    (done/sup, done/no, open/sup, open/no) and the counts behind its percentages."""
    record: dict = {"started_date": date, "sessions": sum(message) + sum(comment)}
    for kind, matrix in (("message", message), ("comment", comment)):
        record.update({f"{kind}_{name}": n for name, n in zip(MATRIX, matrix, strict=True)})
        record[f"{kind}_sessions"] = sum(matrix)
        record[f"{kind}_done_sessions"] = matrix[0] + matrix[1]
        record[f"{kind}_supported_sessions"] = matrix[0] + matrix[2]
    return record


def test_chat_and_comment_side_by_side_and_totals_of_the_sums():
    table = summed_table(
        DAILY,
        [
            _daily("2026-03-01", (1, 0, 0, 0), (0, 0, 1, 0)),
            _daily("2026-03-02", (0, 1, 0, 1), (0,) * 4),
        ],
    )
    first, second = table.records()
    assert (first["message_done_supported"], first["comment_not_done_supported"]) == (1, 1)
    assert (first["sessions"], first["comment_pct_support"], first["comment_pct_complete"]) == (
        2,
        100.0,
        0.0,
    )
    assert second["comment_sessions"] == 0 and second["comment_pct_complete"] is None
    totals = table.totals_record()
    assert totals["started_date"] == "TOTAL"
    assert totals["message_sessions"] == 3
    assert totals["message_pct_complete"] == 66.67  # 2 of 3, not the mean of 100 and 50
    assert totals["message_pct_support"] == 33.33
    assert "message_done_sessions" not in table.columns  # summed for the ratio, not shown


def test_averages_of_the_sums_and_none_without_measures():
    spec = Sums(
        view="t",
        title="t",
        mart="m",
        filters=SESSION_FILTERS,
        dims=("key",),
        measures=("total_waiting_time_s", "sessions_with_waiting_time"),
        shown=("total_waiting_time_s", "sessions_with_waiting_time", "avg_waiting_time_s"),
    )
    records = [
        {"key": "a", "total_waiting_time_s": 30.0, "sessions_with_waiting_time": 1},
        {"key": "b", "total_waiting_time_s": 90.0, "sessions_with_waiting_time": 2},
        {"key": "c", "total_waiting_time_s": 0.0, "sessions_with_waiting_time": 0},
    ]
    table = summed_table(spec, records)
    assert table.column("avg_waiting_time_s") == [30.0, 45.0, None]
    assert table.totals == ("TOTAL", 120.0, 3, 40.0)


def _reply_row(user: str, channel: str, times: list[float], median: float, p90: float) -> dict:
    """A row as aggregate() gives it for the replies view: rpt_reply_stats' sums and the
    percentiles of the group's fct_replies rows."""
    return {
        "replied_by_user_id": user,
        "full_name": None,
        "channel_id": channel,
        "channel_name": None,
        "replies": len(times),
        "first_replies": 1,
        "total_reply_time_s": sum(times),
        "total_reply_time_business_s": 0.0,
        "replies_with_business_time": 0,
        "median_reply_time_s": median,
        "p90_reply_time_s": p90,
    }


def test_reply_percentiles_of_the_totals_come_from_every_reply_not_the_rows():
    # u1: [10, 20, 30] (median 20); u2: [100] (median 100). Every reply: [10, 20, 30, 100],
    # median (20 + 30) / 2 = 25 and p90 at position 1 + 0.9 * 3 = 3.7: 30 + 0.7 * 70 = 79.
    records = [
        _reply_row("u1", "ch1", [10.0, 20.0, 30.0], 20.0, 28.0),
        _reply_row("u2", "ch1", [100.0], 100.0, 100.0),
    ]
    overall = {"median_reply_time_s": 25.0, "p90_reply_time_s": 79.0}
    table = summed_table(REPLIES, records, overall)
    assert table.column("avg_reply_time_s") == [20.0, 100.0]
    totals = table.totals_record()
    assert (totals["replies"], totals["first_replies"], totals["avg_reply_time_s"]) == (4, 2, 40.0)
    assert (totals["median_reply_time_s"], totals["p90_reply_time_s"]) == (25.0, 79.0)
    assert totals["avg_reply_time_business_s"] is None


def test_backlog_rows_are_snapshots_without_totals():
    records = [
        {
            "snapshot_date": dt.date(2026, 3, 1),
            "open_sessions": 2,
            "unassigned_open_sessions": 1,
            "open_over_24h": 0,
            "oldest_started_at": dt.datetime(2026, 3, 1, 3),
        },
        {
            "snapshot_date": dt.date(2026, 3, 2),
            "open_sessions": 2,
            "unassigned_open_sessions": 1,
            "open_over_24h": 2,
            "oldest_started_at": dt.datetime(2026, 3, 1, 3),
        },
    ]
    table = summed_table(BACKLOG, records)
    assert table.totals is None  # the same two sessions are in both snapshots
    assert table.column("open_sessions") == [2, 2]


def test_csat_and_average_rating_of_the_sums():
    records = [
        {
            "assigned_user_id": "u1",
            "full_name": "An",
            "sessions": 3,
            "done_sessions": 3,
            "rated_sessions": 3,
            "satisfied_sessions": 2,
            "dissatisfied_sessions": 1,
            "total_rating": 10,
        },
        {
            "assigned_user_id": None,
            "full_name": None,
            "sessions": 2,
            "done_sessions": 1,
            "rated_sessions": 0,
            "satisfied_sessions": 0,
            "dissatisfied_sessions": 0,
            "total_rating": 0,
        },
    ]
    table = summed_table(CSAT, records)
    assert table.column("csat_pct") == [66.67, None]
    assert table.column("avg_rating") == [pytest.approx(10 / 3), None]
    totals = table.totals_record()
    assert (totals["csat_pct"], totals["avg_rating"]) == (66.67, pytest.approx(10 / 3))
    assert format_cell("csat_pct", 66.67) == "66.67%"


def test_business_hours_columns_sit_beside_the_calendar_ones():
    business = with_business_hours(OVERVIEW)
    shown = list(business.shown)
    assert shown[shown.index("total_waiting_time_s") + 1] == "total_waiting_time_business_s"
    assert shown[shown.index("avg_support_time_s") + 1] == "avg_support_time_business_s"
    assert "sessions_with_support_time_business" in business.measures
    assert business.labels["avg_waiting_time_business_s"] == "Average waiting time (business)"
    assert shown[: shown.index("total_waiting_time_s")] == list(
        OVERVIEW.shown[: OVERVIEW.shown.index("total_waiting_time_s")]
    )
    record = {m: 0 for m in business.measures} | {
        "contacts": 0,
        "total_waiting_time_business_s": 90.0,
        "sessions_with_waiting_time_business": 3,
    }
    (row,) = summed_table(business, [record]).records()
    assert (row["avg_waiting_time_business_s"], row["avg_support_time_business_s"]) == (30.0, None)


def test_suggest_lists_close_matches_ignoring_accents():
    error = suggest(
        "Bep Nha Mai",
        {
            "ch01": "ch01 (Bếp Nhà Mai)",
            "Bếp Nhà Mai": "ch01 (Bếp Nhà Mai)",
            "ch02": "ch02 (Outlet)",
            "Outlet": "ch02 (Outlet)",
        },
        "page",
    )
    assert str(error) == "unknown page 'Bep Nha Mai'; close matches: ch01 (Bếp Nhà Mai)"
    assert str(suggest("zzz", {"ch01": "ch01"}, "page")) == "unknown page 'zzz'; no close match"


def test_a_view_refuses_filters_it_cannot_honour():
    with pytest.raises(
        FilterError, match=r"cannot filter by --page, --tag: it counts agent pauses"
    ):
        require_supported(
            "working-time",
            FilterArgs(pages=("ch1",), tags=("VIP",)),
            {"date", "user"},
            "agent pauses",
        )
    require_supported("working-time", Filters(date_from=dt.date(2026, 3, 1)), {"date"})


def test_text_csv_json_rendering():
    table = Table(
        "hourly",
        "t",
        ["started_hour", "sessions", "total_waiting_time_s"],
        [(8, 1200, 61.0), (9, 3, None)],
        ("TOTAL", 1203, 61.0),
    )
    text = to_text(table).splitlines()
    assert text[0].split() == ["started_hour", "sessions", "total_waiting_time_s"]
    assert text[2].split() == ["8", "1,200", "0:01:01"] and text[3].split() == ["9", "3", "-"]
    assert text[-1].split() == ["TOTAL", "1,203", "0:01:01"]
    assert to_csv(table) == "started_hour,sessions,total_waiting_time_s\n8,1200,61.0\n9,3,\n"
    document = json.loads(to_json(table, {"filters": []}))
    assert document["rows"][1] == {"started_hour": 9, "sessions": 3, "total_waiting_time_s": None}
    assert document["totals"]["sessions"] == 1203


def _parse(*argv):
    parser = argparse.ArgumentParser(prog="omnireport")
    add_report_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["report", *argv])


def test_parser_reads_filters():
    args = _parse(
        "sessions",
        "--from",
        "2026-03-01",
        "--page",
        "ch1",
        "--page",
        "Beta",
        "--completed",
        "yes",
        "--supported",
        "no",
        "--tag",
        "VIP",
        "--limit",
        "5",
        "--sort=-waiting_time_s",
    )
    assert args.date_from == dt.date(2026, 3, 1) and args.page == ["ch1", "Beta"]
    assert (args.completed, args.supported, args.limit, args.sort) == (
        True,
        False,
        5,
        "-waiting_time_s",
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["overview", "--from", "01/03/2026"], "give a local date as YYYY-MM-DD"),
        (["overview", "--completed", "maybe"], "give yes or no"),
        (["sessions", "--limit", "0"], "give a positive whole number"),
        (["hourly", "--limit", "5"], "unrecognized arguments: --limit"),
        (["daily", "--business-hours"], "unrecognized arguments: --business-hours"),
        (["backlog", "--sort", "open_sessions"], "unrecognized arguments: --sort"),
    ],
)
def test_parser_rejects_bad_values(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        _parse(*argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
