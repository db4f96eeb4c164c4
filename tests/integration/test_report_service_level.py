"""The section-7 report views (replies, conversations, backlog, csat) and --business-hours on
the tiny hand-made warehouse of test_report_views.py, with figures worked out by hand.

Replies (CONTRACT.md 7.4; report zone UTC+7):
  s1 ch1: m11 contact 01:00 -> m12 u1 01:00:30   reply 1, 30 s,  local 03-01
          m13 contact 01:10 -> m14 u2 01:20      reply 2, 600 s, local 03-01
  s2 ch1: m21 contact 03:00 -> m22 u2 03:10      reply 1, 600 s, local 03-01
  s3 ch2: a page auto-reply only                 no reply
  s4 ch2: m41 contact 20:00 -> m42 u3 20:05      reply 1, 300 s, local 03-03 (03:05)
          m43 u1 20:40 follows an agent message  no reply
So u1/ch1 = [30], u2/ch1 = [600, 600], u3/ch2 = [300]; over all four replies the median is
the mean of the 2nd and 3rd values (300 + 600) / 2 = 450 (percentile_cont at position
1 + 0.5 * 3 = 2.5) and p90 is at position 3.7, between 600 and 600: 600. Averaging the rows'
medians would give (30 + 600 + 300) / 3 = 310, which is not the median.

Conversations (7.5): cv1..cv4 are one session each; cv1 (ch1) is done with 2 replies
(two-touch), cv2 (ch1) is open, cv3 (ch2) done with no reply, cv4 (ch2) done with 1 reply
(one-touch); cv4 starts 03-02 20:00 UTC = local 03-03.

Backlog (7.6): the as-of date is the local date of the newest sent_at (m43, 03-02 20:40
UTC = local 03-03), snapshots 03-01 .. 03-03. Only s2 (ch1 comment, assigned to u2, open,
started 03-01 03:00 UTC) is open at any end of day (17:00 UTC): 14 h old at the end of
03-01, 38 h at the end of 03-02, 62 h at the end of 03-03. s1, s3 and s4 are done the day
they start (local).

Satisfaction (7.7): s1 (u1) is rated 5; s2 (u2, open), s3 (unassigned), s4 (u3) are not rated.

The tiny landing folder has no business hours (they are optional, 7.1): every business
time is null, so the business columns are null, totals 0.0 and counts 0.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_report_views import by, report, rows, tiny_warehouse  # noqa: E402

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_warehouse(tmp_path_factory)


# ------------------------------------------------------------------ replies


def test_replies_per_agent_and_channel_hand_computed(capsys, warehouse):
    records, totals = rows(capsys, warehouse, "replies")
    found = {
        (r["replied_by_user_id"], r["channel_id"]): (
            r["replies"],
            r["first_replies"],
            r["total_reply_time_s"],
            r["avg_reply_time_s"],
            r["median_reply_time_s"],
            r["p90_reply_time_s"],
        )
        for r in records
    }
    assert found == {
        ("u1", "ch1"): (1, 1, 30.0, 30.0, 30.0, 30.0),
        ("u2", "ch1"): (2, 1, 1200.0, 600.0, 600.0, 600.0),
        ("u3", "ch2"): (1, 1, 300.0, 300.0, 300.0, 300.0),
    }
    assert [(r["full_name"], r["channel_name"]) for r in records] == [
        ("An Nguyen", "Alpha Page"),
        ("Binh Tran", "Alpha Page"),
        ("Chi Le", "Beta Zalo"),
    ]
    # the totals' median and p90 are of the four replies, not of the rows' medians (310)
    assert (totals["replies"], totals["first_replies"], totals["avg_reply_time_s"]) == (
        4,
        3,
        382.5,
    )
    assert (totals["median_reply_time_s"], totals["p90_reply_time_s"]) == (450.0, 600.0)
    # no schedule: no business reply time
    assert all(r["replies_with_business_time"] == 0 for r in records)
    assert totals["avg_reply_time_business_s"] is None


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--user", "Binh Tran"], {("u2", "ch1"): (2, 600.0)}),
        (["--group", "Sales"], {("u1", "ch1"): (1, 30.0), ("u3", "ch2"): (1, 300.0)}),
        (["--page", "Beta Zalo"], {("u3", "ch2"): (1, 300.0)}),
        (["--from", "2026-03-02"], {("u3", "ch2"): (1, 300.0)}),  # m42 is local 03-03
        (["--to", "2026-03-02"], {("u1", "ch1"): (1, 30.0), ("u2", "ch1"): (2, 600.0)}),
    ],
)
def test_replies_filters(capsys, warehouse, argv, expected):
    records, _ = rows(capsys, warehouse, "replies", *argv)
    assert {
        (r["replied_by_user_id"], r["channel_id"]): (r["replies"], r["median_reply_time_s"])
        for r in records
    } == expected


def test_replies_totals_median_follows_the_filter(capsys, warehouse):
    # --page ch1: [30, 600, 600], median 600 (position 2), p90 at 2.8: 600
    _, totals = rows(capsys, warehouse, "replies", "--page", "ch1")
    assert (totals["median_reply_time_s"], totals["p90_reply_time_s"]) == (600.0, 600.0)
    # --group Sales: [30, 300], median 165, p90 at 1.9: 30 + 0.9 * 270 = 273
    _, totals = rows(capsys, warehouse, "replies", "--group", "Sales")
    assert totals["median_reply_time_s"] == pytest.approx(165.0)
    assert totals["p90_reply_time_s"] == pytest.approx(273.0)


# ------------------------------------------------------------------ conversations


def test_conversations_by_channel_hand_computed(capsys, warehouse):
    records, totals = rows(capsys, warehouse, "conversations")
    channels = by("channel_id", records)
    ch1, ch2 = channels["ch1"], channels["ch2"]
    columns = (
        "conversations",
        "sessions",
        "reopens",
        "completed_conversations",
        "one_touch_conversations",
        "two_touch_conversations",
        "replies",
    )
    assert tuple(ch1[c] for c in columns) == (2, 2, 0, 1, 0, 1, 3)
    assert tuple(ch2[c] for c in columns) == (2, 2, 0, 2, 1, 0, 1)
    assert (ch1["pct_conversations_completed"], ch2["pct_one_touch"]) == (50.0, 50.0)
    # totals: 1 one-touch of 3 completed
    assert (totals["conversations"], totals["completed_conversations"]) == (4, 3)
    assert (totals["pct_one_touch"], totals["pct_two_touch"]) == (33.33, 33.33)
    records, _ = rows(capsys, warehouse, "conversations", "--from", "2026-03-03")
    assert [
        (r["channel_id"], r["conversations"], r["one_touch_conversations"]) for r in records
    ] == [("ch2", 1, 1)]


# ------------------------------------------------------------------ backlog


def test_backlog_per_date_without_totals(capsys, warehouse):
    records, totals = rows(capsys, warehouse, "backlog")
    assert [
        (
            r["snapshot_date"],
            r["open_sessions"],
            r["unassigned_open_sessions"],
            r["open_over_24h"],
            r["oldest_started_at"],
        )
        for r in records
    ] == [
        ("2026-03-01", 1, 0, 0, "2026-03-01T03:00:00"),
        ("2026-03-02", 1, 0, 1, "2026-03-01T03:00:00"),
        ("2026-03-03", 1, 0, 1, "2026-03-01T03:00:00"),
    ]
    assert totals is None  # s2 is in three snapshots: the dates do not add up


def test_backlog_filters(capsys, warehouse):
    records, _ = rows(capsys, warehouse, "backlog", "--from", "2026-03-02", "--to", "2026-03-02")
    assert [(r["snapshot_date"], r["open_sessions"]) for r in records] == [("2026-03-02", 1)]
    assert rows(capsys, warehouse, "backlog", "--page", "Beta Zalo")[0] == []
    assert rows(capsys, warehouse, "backlog", "--support-type", "message")[0] == []
    assert len(rows(capsys, warehouse, "backlog", "--support-type", "comment")[0]) == 3


def test_backlog_terminal_table_has_no_totals_row(capsys, warehouse):
    code, out, _ = report(capsys, warehouse, "backlog")
    assert code == 0
    assert "TOTAL" not in out
    assert out.strip().splitlines()[-1].split() == [
        "2026-03-03",
        "1",
        "0",
        "1",
        "2026-03-01",
        "03:00:00",
    ]


# ------------------------------------------------------------------ csat


def test_csat_by_assignee_hand_computed(capsys, warehouse):
    records, totals = rows(capsys, warehouse, "csat")
    found = {
        r["assigned_user_id"]: (
            r["sessions"],
            r["done_sessions"],
            r["rated_sessions"],
            r["satisfied_sessions"],
            r["csat_pct"],
            r["avg_rating"],
        )
        for r in records
    }
    assert found == {
        "u1": (1, 1, 1, 1, 100.0, 5.0),
        "u2": (1, 0, 0, 0, None, None),
        "u3": (1, 1, 0, 0, None, None),
        None: (1, 1, 0, 0, None, None),  # s3, not assigned: listed last
    }
    assert records[-1]["assigned_user_id"] is None
    assert (totals["sessions"], totals["rated_sessions"], totals["csat_pct"]) == (4, 1, 100.0)
    assert totals["avg_rating"] == 5.0


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--user", "Binh Tran"], ["u2"]),  # the assignee, not a helper: u2 wrote in s1 too
        (["--group", "Sales"], ["u1", "u3"]),
        (["--page", "Beta Zalo"], ["u3", None]),
        (["--from", "2026-03-02"], ["u3", None]),  # s3 local 03-02, s4 local 03-03
    ],
)
def test_csat_filters(capsys, warehouse, argv, expected):
    records, _ = rows(capsys, warehouse, "csat", *argv)
    assert [r["assigned_user_id"] for r in records] == expected


# ------------------------------------------------------------------ refused filters


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["replies", "--tag", "VIP"], "the replies view cannot filter by --tag: it counts replies"),
        (
            ["replies", "--completed", "yes", "--support-type", "message"],
            "the replies view cannot filter by --completed, --support-type",
        ),
        (["conversations", "--user", "u1"], "the conversations view cannot filter by --user"),
        (["backlog", "--group", "Sales"], "the backlog view cannot filter by --group"),
        (["backlog", "--category", "Orders"], "the backlog view cannot filter by --category"),
        (["csat", "--supported", "yes"], "the csat view cannot filter by --supported"),
        (["csat", "--tag", "VIP"], "Filters it accepts: --from/--to, --page, --user, --group"),
    ],
)
def test_refused_filters_say_what_is_accepted(capsys, warehouse, argv, message):
    code, _, err = report(capsys, warehouse, *argv)
    assert code == 2
    assert message in err


# ------------------------------------------------------------------ --business-hours


def test_business_hours_columns_beside_the_calendar_ones(capsys, warehouse):
    (row,), _ = rows(capsys, warehouse, "overview", "--business-hours")
    keys = list(row)
    at = keys.index("total_waiting_time_s")
    assert keys[at : at + 2] == ["total_waiting_time_s", "total_waiting_time_business_s"]
    assert keys[keys.index("avg_support_time_s") + 1] == "avg_support_time_business_s"
    # the calendar figures are unchanged; without a schedule nothing is counted in business time
    assert (row["total_waiting_time_s"], row["avg_waiting_time_s"]) == (930.0, 310.0)
    assert (row["total_waiting_time_business_s"], row["sessions_with_waiting_time_business"]) == (
        0.0,
        0,
    )
    assert row["avg_waiting_time_business_s"] is None
    (plain,), _ = rows(capsys, warehouse, "overview")
    assert "total_waiting_time_business_s" not in plain


def test_business_hours_on_users_and_sessions(capsys, warehouse):
    records, totals = rows(capsys, warehouse, "users", "--business-hours")
    u1 = by("user_id", records)["u1"]
    assert (u1["total_waiting_time_s"], u1["sessions_with_waiting_time_business"]) == (30.0, 0)
    assert totals["avg_support_time_business_s"] is None
    records, _ = rows(capsys, warehouse, "sessions", "--business-hours", "--sort", "session_id")
    s1 = records[0]
    columns = list(s1)
    assert columns[columns.index("waiting_time_s") + 1] == "waiting_time_business_s"
    assert columns[columns.index("done_at") + 1 : columns.index("done_at") + 3] == [
        "schedule_id",
        "started_in_business_hours",
    ]
    assert (s1["session_id"], s1["waiting_time_s"], s1["schedule_id"]) == ("s1", 30.0, None)
    assert s1["waiting_time_business_s"] is None


def test_business_hours_only_where_it_applies(capsys, warehouse):
    with pytest.raises(SystemExit) as exit_info:
        report(capsys, warehouse, "hourly", "--business-hours")
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --business-hours" in capsys.readouterr().err
