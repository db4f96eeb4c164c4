"""`omnireport report` views on a tiny hand-made warehouse: hand-computed figures for every
view and filter, unfiltered views equal to the report tables, and the error messages.

The landing data (times UTC; the report zone Asia/Ho_Chi_Minh is UTC+7):

  s1  ch1 Alpha Page  message  assignee u1  category Refund (child of Orders)  done
      started 03-01 01:00 (local 03-01 08h), contact 01:00, u1 01:00:30, contact 01:10,
      u2 01:20, done 01:30 -> waiting 30 s, support 01:20 - 01:00:30 = 1170 s; tag VIP
  s2  ch1 Alpha Page  comment  assignee u2  category Orders  open
      started 03-01 03:00 (local 10h), contact 03:00, u2 03:10 -> waiting 600 s;
      tag Spam added then removed
  s3  ch2 Beta Zalo   message  unassigned   category Other   done
      started 03-02 02:00 (local 03-02 09h), contact 02:00, page auto-reply 02:00:05 ->
      unsupported, no waiting or support time
  s4  ch2 Beta Zalo   message  assignee u3  no category      done
      started 03-02 20:00 (local 03-03 03h), contact 20:00, u3 20:05, u1 20:40, done 20:45
      -> waiting 300 s, support 2100 s; tag VIP (tagged at local 03-03)
  users u1 An Nguyen, u2 Binh Tran (no group), u3 Chi Le; group Sales = u1, u3
  pauses: u1 paused 03-01 02:00-02:30 (1800 s); u2 paused 03-02 04:00, still open
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from omnireport.report.cli import add_report_parser

pytestmark = pytest.mark.integration

OMNIREPORT = Path(sys.executable).parent / "omnireport"

LANDING = {
    "channels": "channel_id,channel_name,channel_type\nch1,Alpha Page,facebook\nch2,Beta Zalo,zalo\n",
    "users": "user_id,full_name,email,is_active\nu1,An Nguyen,,true\nu2,Binh Tran,,true\nu3,Chi Le,,true\n",
    "groups": "group_id,group_name\ng1,Sales\n",
    "user_groups": "user_id,group_id\nu1,g1\nu3,g1\n",
    "contacts": "contact_id,display_name,channel_id,external_id\nk1,Khach Mot,ch1,e1\nk2,Khach Hai,ch1,e2\n"
    "k3,Khach Ba,ch2,e3\n",
    "categories": "category_id,category_name,parent_id\ncat1,Orders,\ncat2,Refund,cat1\ncat3,Other,\n",
    "tags": "tag_id,tag_name\nt1,VIP\nt2,Spam\n",
    "sessions": "session_id,conversation_id,channel_id,contact_id,session_name,support_type,assigned_user_id,"
    "category_id,note,status,started_at,done_at,rating,updated_at\n"
    "s1,cv1,ch1,k1,Khach Mot,message,u1,cat2,,done,2026-03-01T01:00:00Z,2026-03-01T01:30:00Z,5,2026-03-01T01:30:00Z\n"
    "s2,cv2,ch1,k2,Khach Hai,comment,u2,cat1,,open,2026-03-01T03:00:00Z,,,2026-03-01T03:10:00Z\n"
    "s3,cv3,ch2,k3,Khach Ba,message,,cat3,,done,2026-03-02T02:00:00Z,2026-03-02T02:20:00Z,,2026-03-02T02:20:00Z\n"
    "s4,cv4,ch2,k3,Khach Ba,message,u3,,,done,2026-03-02T20:00:00Z,2026-03-02T20:45:00Z,,2026-03-02T20:45:00Z\n",
    "messages": "message_id,conversation_id,session_id,channel_id,initiated_by,direction,from_id,to_id,"
    "agent_user_id,sent_at,content_type,content,template_id,template_name,media_url,status,status_updated_at\n"
    "m11,cv1,s1,ch1,user,incoming,e1,ch1,,2026-03-01T01:00:00Z,text,hi,,,,read,2026-03-01T01:00:00Z\n"
    "m12,cv1,s1,ch1,business,outgoing,ch1,e1,u1,2026-03-01T01:00:30Z,text,hello,,,,read,2026-03-01T01:00:30Z\n"
    "m13,cv1,s1,ch1,user,incoming,e1,ch1,,2026-03-01T01:10:00Z,text,refund?,,,,read,2026-03-01T01:10:00Z\n"
    "m14,cv1,s1,ch1,business,outgoing,ch1,e1,u2,2026-03-01T01:20:00Z,text,done,,,,read,2026-03-01T01:20:00Z\n"
    "m21,cv2,s2,ch1,user,incoming,e2,ch1,,2026-03-01T03:00:00Z,text,nice,,,,read,2026-03-01T03:00:00Z\n"
    "m22,cv2,s2,ch1,business,outgoing,ch1,e2,u2,2026-03-01T03:10:00Z,text,thanks,,,,read,2026-03-01T03:10:00Z\n"
    "m31,cv3,s3,ch2,user,incoming,e3,ch2,,2026-03-02T02:00:00Z,text,price?,,,,read,2026-03-02T02:00:00Z\n"
    "m32,cv3,s3,ch2,business,outgoing,ch2,e3,,2026-03-02T02:00:05Z,text,auto,,,,read,2026-03-02T02:00:05Z\n"
    "m41,cv4,s4,ch2,user,incoming,e3,ch2,,2026-03-02T20:00:00Z,text,help,,,,read,2026-03-02T20:00:00Z\n"
    "m42,cv4,s4,ch2,business,outgoing,ch2,e3,u3,2026-03-02T20:05:00Z,text,yes,,,,read,2026-03-02T20:05:00Z\n"
    "m43,cv4,s4,ch2,business,outgoing,ch2,e3,u1,2026-03-02T20:40:00Z,text,ok,,,,read,2026-03-02T20:40:00Z\n",
    "tag_events": "tag_event_id,tag_id,session_id,contact_id,channel_id,user_id,action,event_at\n"
    "te1,t1,s1,k1,ch1,u1,added,2026-03-01T01:05:00Z\n"
    "te2,t2,s2,k2,ch1,u2,added,2026-03-01T03:05:00Z\n"
    "te3,t2,s2,k2,ch1,u2,removed,2026-03-01T03:06:00Z\n"
    "te4,t1,s4,k3,ch2,u3,added,2026-03-02T20:10:00Z\n",
    "agent_status_events": "event_id,user_id,status,event_at\n"
    "ev1,u1,online,2026-03-01T00:00:00Z\nev2,u1,paused,2026-03-01T02:00:00Z\nev3,u1,online,2026-03-01T02:30:00Z\n"
    "ev4,u2,paused,2026-03-02T04:00:00Z\n",
}


def write_landing(root: Path) -> Path:
    landing = root / "landing"
    for table, text in LANDING.items():
        (landing / table).mkdir(parents=True, exist_ok=True)
        (landing / table / f"{table}.csv").write_text(text, encoding="utf-8")
    return landing


def tiny_warehouse(factory: pytest.TempPathFactory) -> Path:
    """Build the tiny warehouse once per pytest session (shared by the test_report_* modules).

    In development, REPORT_TEST_TINY_WAREHOUSE may name a warehouse already built from
    write_landing() (`omnireport run --landing <it> --warehouse <file>`) to skip the build.
    """
    prebuilt = os.environ.get("REPORT_TEST_TINY_WAREHOUSE")
    if prebuilt:
        return Path(prebuilt)
    root = factory.getbasetemp() / "report_tiny"
    warehouse = root / "wh.duckdb"
    failed = root / "failed"
    if failed.exists():  # one failed build is reported once per module, not retried
        pytest.fail(f"the tiny warehouse did not build:\n{failed.read_text()}")
    if not (root / "built").exists():
        root.mkdir(parents=True, exist_ok=True)
        landing = write_landing(root)
        env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
        result = subprocess.run(
            [str(OMNIREPORT), "run", "--landing", str(landing), "--warehouse", str(warehouse)],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if result.returncode != 0:
            failed.write_text(result.stdout[-3000:] + result.stderr[-3000:])
            pytest.fail(f"the tiny warehouse did not build:\n{failed.read_text()}")
        (root / "built").write_text("ok")
    return warehouse


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_warehouse(tmp_path_factory)


def report(capsys: pytest.CaptureFixture[str], warehouse: Path, *argv: str) -> tuple[int, str, str]:
    """Run `omnireport report ARGV` through run_report, as the lead will wire it."""
    parser = argparse.ArgumentParser(prog="omnireport")
    add_report_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["report", *argv, "--warehouse", str(warehouse)])
    code = args.func(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def rows(capsys, warehouse, *argv) -> tuple[list[dict], dict | None]:
    code, out, err = report(capsys, warehouse, *argv, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    return document["rows"], document["totals"]


def by(key: str, records: list[dict]) -> dict:
    return {record[key]: record for record in records}


# ------------------------------------------------------------------ overview


def test_overview_unfiltered_hand_computed(capsys, warehouse):
    (row,), _ = rows(capsys, warehouse, "overview")
    assert row == {
        "sessions": 4,
        "contacts": 3,
        "assigned_sessions": 3,
        "unassigned_sessions": 1,
        "done_sessions": 3,
        "pending_sessions": 1,
        "total_waiting_time_s": 930.0,
        "sessions_with_waiting_time": 3,
        "total_support_time_s": 3270.0,
        "sessions_with_support_time": 2,
        "avg_waiting_time_s": 310.0,
        "avg_support_time_s": 1635.0,
    }


@pytest.mark.parametrize(
    ("argv", "sessions", "contacts", "done", "avg_wait"),
    [
        (["--page", "Beta Zalo"], 2, 1, 2, 300.0),
        (["--page", "ch1", "--page", "ch2"], 4, 3, 3, 310.0),
        (["--tag", "VIP"], 2, 2, 2, 165.0),
        (["--category", "Orders"], 2, 2, 1, 315.0),  # Orders and its child Refund
        (["--category", "cat2"], 1, 1, 1, 30.0),
        (["--user", "u1"], 2, 2, 2, 165.0),  # assignee of s1, sender in s4
        (["--user", "Binh Tran"], 2, 2, 1, 315.0),  # sender in s1, assignee of s2
        (["--group", "Sales"], 2, 2, 2, 165.0),
        (["--supported", "no"], 1, 1, 1, None),
        (["--completed", "no"], 1, 1, 0, 600.0),
        (["--support-type", "comment"], 1, 1, 0, 600.0),
        (["--from", "2026-03-02", "--to", "2026-03-02"], 1, 1, 1, None),  # s4 starts 03-03 local
        (["--from", "2026-03-03"], 1, 1, 1, 300.0),
        (["--tag", "VIP", "--page", "ch1"], 1, 1, 1, 30.0),
    ],
)
def test_overview_filters_hand_computed(
    capsys, warehouse, argv, sessions, contacts, done, avg_wait
):
    (row,), _ = rows(capsys, warehouse, "overview", *argv)
    assert (row["sessions"], row["contacts"], row["done_sessions"], row["avg_waiting_time_s"]) == (
        sessions,
        contacts,
        done,
        avg_wait,
    )


# ------------------------------------------------------------------ history views


def test_sessions_filtered_sorted_and_limited(capsys, warehouse):
    records, _ = rows(capsys, warehouse, "sessions", "--tag", "VIP", "--sort", "waiting_time_s")
    assert [(r["session_id"], r["waiting_time_s"], r["tag_names"]) for r in records] == [
        ("s1", 30.0, "VIP"),
        ("s4", 300.0, "VIP"),
    ]
    records, _ = rows(capsys, warehouse, "sessions", "--limit", "2")  # newest first by default
    assert [r["session_id"] for r in records] == ["s4", "s3"]
    records, _ = rows(capsys, warehouse, "sessions", "--category", "Orders", "--completed", "yes")
    assert [(r["session_id"], r["sub_category"], r["support_time_s"]) for r in records] == [
        ("s1", "Refund", 1170.0)
    ]


def test_messages_own_date_and_session_filters(capsys, warehouse):
    records, _ = rows(capsys, warehouse, "messages", "--supported", "no", "--sort", "sent_at")
    assert [(r["message_id"], r["sender_kind"]) for r in records] == [
        ("m31", "contact"),
        ("m32", "page"),
    ]
    records, _ = rows(capsys, warehouse, "messages", "--from", "2026-03-03", "--sort", "message_id")
    assert [r["message_id"] for r in records] == ["m41", "m42", "m43"]
    records, _ = rows(capsys, warehouse, "messages")
    assert len(records) == 11


# ------------------------------------------------------------------ users


def test_users_unfiltered_hand_computed(capsys, warehouse):
    records, totals = rows(capsys, warehouse, "users")
    users = by("user_id", records)
    assert set(users) == {"u1", "u2", "u3"}
    u1, u2, u3 = users["u1"], users["u2"], users["u3"]
    assert (u1["assigned_completed_supported"], u1["not_assigned_completed_supported"]) == (1, 1)
    assert (u1["sla_1m"], u1["sla_5m"], u1["sla_15m"], u1["sla_30m"]) == (1, 1, 1, 1)
    assert (u1["total_waiting_time_s"], u1["sessions_with_waiting_time"]) == (30.0, 1)
    assert (u1["total_support_time_s"], u1["sessions_with_support_time"]) == (0.0, 2)
    assert (u2["assigned_not_completed_supported"], u2["not_assigned_completed_supported"]) == (
        1,
        1,
    )
    assert (u2["sla_1m"], u2["sla_5m"], u2["sla_15m"], u2["sla_30m"]) == (0, 0, 1, 1)
    assert u2["avg_waiting_time_s"] == 600.0
    assert (u3["assigned_completed_supported"], u3["sla_5m"], u3["sla_15m"]) == (1, 0, 1)
    assert totals["avg_waiting_time_s"] == pytest.approx(930.0 / 3)
    assert totals["assigned_completed_supported"] == 2


def test_users_filters(capsys, warehouse):
    records, _ = rows(capsys, warehouse, "users", "--completed", "no")
    assert [
        (r["user_id"], r["assigned_not_completed_supported"], r["total_waiting_time_s"])
        for r in records
    ] == [("u2", 1, 600.0)]
    records, _ = rows(capsys, warehouse, "users", "--group", "Sales")
    assert sorted(r["user_id"] for r in records) == ["u1", "u3"]
    records, _ = rows(capsys, warehouse, "users", "--page", "Beta Zalo")
    assert {r["user_id"]: r["not_assigned_completed_supported"] for r in records} == {
        "u1": 1,
        "u3": 0,
    }


# ------------------------------------------------------------------ hourly, daily, channels


def test_hourly_local_hours(capsys, warehouse):
    records, totals = rows(capsys, warehouse, "hourly")
    assert [(r["started_hour"], r["sessions"], r["supported_within_1m"]) for r in records] == [
        (3, 1, 0),
        (8, 1, 1),
        (9, 1, 0),
        (10, 1, 0),
    ]
    assert (totals["sessions"], totals["supported_sessions"], totals["done_sessions"]) == (4, 3, 3)
    records, _ = rows(capsys, warehouse, "hourly", "--group", "Sales")
    assert [r["started_hour"] for r in records] == [3, 8]


def test_daily_chat_and_comment_side_by_side(capsys, warehouse):
    records, totals = rows(capsys, warehouse, "daily")
    days = by("started_date", records)
    assert (
        days["2026-03-01"]["message_done_supported"],
        days["2026-03-01"]["comment_not_done_supported"],
    ) == (1, 1)
    assert days["2026-03-01"]["sessions"] == 2
    assert days["2026-03-02"]["message_done_not_supported"] == 1
    assert days["2026-03-02"]["message_pct_support"] == 0.0
    assert days["2026-03-03"]["message_done_supported"] == 1
    assert days["2026-03-01"]["comment_pct_complete"] == 0.0
    assert (
        totals["message_sessions"],
        totals["message_pct_complete"],
        totals["message_pct_support"],
    ) == (
        3,
        100.0,
        66.67,
    )
    records, _ = rows(capsys, warehouse, "daily", "--tag", "VIP")
    assert [(r["started_date"], r["message_done_supported"]) for r in records] == [
        ("2026-03-01", 1),
        ("2026-03-03", 1),
    ]


def test_channels_with_times(capsys, warehouse):
    records, totals = rows(capsys, warehouse, "channels")
    channels = by("channel_id", records)
    ch1, ch2 = channels["ch1"], channels["ch2"]
    assert (
        ch1["channel_name"],
        ch1["message_done_supported"],
        ch1["comment_not_done_supported"],
    ) == (
        "Alpha Page",
        1,
        1,
    )
    assert (
        ch1["total_waiting_time_s"],
        ch1["sessions_with_waiting_time"],
        ch1["avg_waiting_time_s"],
    ) == (
        630.0,
        2,
        315.0,
    )
    assert (ch2["message_pct_complete"], ch2["message_pct_support"], ch2["avg_support_time_s"]) == (
        100.0,
        50.0,
        2100.0,
    )
    assert totals["sessions"] == 4
    records, _ = rows(capsys, warehouse, "channels", "--supported", "yes")
    assert by("channel_id", records)["ch2"]["message_sessions"] == 1


# ------------------------------------------------------------------ working time and tags


def test_working_time(capsys, warehouse):
    records, totals = rows(capsys, warehouse, "working-time")
    assert [
        (r["user_id"], r["pause_count"], r["total_pause_s"], r["open_pause_count"]) for r in records
    ] == [
        ("u1", 1, 1800.0, 0),
        ("u2", 1, 0.0, 1),
    ]
    records, _ = rows(capsys, warehouse, "working-time", "--from", "2026-03-02")
    assert [r["user_id"] for r in records] == ["u2"]


def test_tags_by_chart_page_staff(capsys, warehouse):
    records, totals = rows(capsys, warehouse, "tags")
    assert [(r["tag_name"], r["tags_added"], r["tags_removed"]) for r in records] == [
        ("VIP", 2, 0),
        ("Spam", 1, 1),
    ]
    records, _ = rows(capsys, warehouse, "tags", "--by", "staff")
    assert {(r["tagged_by_user_id"], r["tag_id"]): r["tags_added"] for r in records} == {
        ("u1", "t1"): 1,
        ("u2", "t2"): 1,
        ("u3", "t1"): 1,
    }
    records, _ = rows(capsys, warehouse, "tags", "--by", "page", "--tag", "Spam")
    assert [(r["channel_name"], r["tags_removed"]) for r in records] == [("Alpha Page", 1)]
    records, _ = rows(capsys, warehouse, "tags", "--from", "2026-03-03")
    assert [(r["tag_id"], r["tags_added"]) for r in records] == [("t1", 1)]


# ------------------------------------------------------------------ equal to the report tables


def _query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_unfiltered_views_equal_report_tables(capsys, warehouse):
    (overview,), _ = rows(capsys, warehouse, "overview")
    (expected,) = _query(
        warehouse,
        "select sum(sessions), sum(done_sessions), sum(total_waiting_time_s) "
        "from marts.rpt_overview_daily",
    )
    assert (
        overview["sessions"],
        overview["done_sessions"],
        overview["total_waiting_time_s"],
    ) == expected

    hourly, _ = rows(capsys, warehouse, "hourly")
    assert [tuple(r.values()) for r in hourly] == _query(
        warehouse,
        "select started_hour, sum(sessions), sum(supported_sessions), sum(supported_within_1m), "
        "sum(done_sessions) from marts.rpt_hourly_stats group by 1 order by 1",
    )

    daily, _ = rows(capsys, warehouse, "daily")
    mart = _query(
        warehouse,
        "select cast(started_date as varchar), support_type, done_supported, sessions, "
        "pct_complete, pct_support from marts.rpt_daily_stats",
    )
    mine = {
        (r["started_date"], t): (
            r[f"{t}_done_supported"],
            r[f"{t}_sessions"],
            r[f"{t}_pct_complete"],
            r[f"{t}_pct_support"],
        )
        for r in daily
        for t in ("message", "comment")
        if r[f"{t}_sessions"]
    }
    assert mine == {(d, t): tuple(v) for d, t, *v in mart}

    channels, _ = rows(capsys, warehouse, "channels")
    assert {r["channel_id"]: (r["sessions"], r["total_support_time_s"]) for r in channels} == {
        c: (n, s)
        for c, n, s in _query(
            warehouse,
            "select channel_id, sum(sessions), sum(total_support_time_s) "
            "from marts.rpt_channel_stats group by 1",
        )
    }

    users, _ = rows(capsys, warehouse, "users")
    assert {r["user_id"]: (r["sla_15m"], r["total_waiting_time_s"]) for r in users} == {
        u: (n, w)
        for u, n, w in _query(
            warehouse,
            "select user_id, sum(sla_15m), sum(total_waiting_time_s) "
            "from marts.rpt_user_stats group by 1",
        )
    }
    sessions, _ = rows(capsys, warehouse, "sessions")
    assert len(sessions) == _query(warehouse, "select count(*) from marts.fct_sessions")[0][0]


@pytest.mark.parametrize("view", ["overview", "users", "hourly", "daily", "channels"])
def test_filtered_views_add_up_to_the_unfiltered_view(capsys, warehouse, view):
    """--supported yes + --supported no = the unfiltered view (the measures are additive)."""
    _, every = rows(capsys, warehouse, view)
    if view == "overview":
        every = rows(capsys, warehouse, view)[0][0]
        yes = rows(capsys, warehouse, view, "--supported", "yes")[0][0]
        no = rows(capsys, warehouse, view, "--supported", "no")[0][0]
    else:
        _, yes = rows(capsys, warehouse, view, "--supported", "yes")
        _, no = rows(capsys, warehouse, view, "--supported", "no")
        no = no or {}
    for column, value in every.items():
        if (
            isinstance(value, int | float)
            and not column.startswith(("avg_", "contacts"))
            and "pct_" not in column
        ):
            assert (yes.get(column) or 0) + (no.get(column) or 0) == pytest.approx(value), column


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["sessions", "--page", "Alpha Pag"],
            "unknown page 'Alpha Pag'; close matches: ch1 (Alpha Page)",
        ),
        (
            ["overview", "--user", "An Ngyen"],
            "unknown user 'An Ngyen'; close matches: u1 (An Nguyen)",
        ),
        (["daily", "--tag", "VIPS"], "unknown tag 'VIPS'; close matches: t1 (VIP)"),
        (
            ["hourly", "--category", "Refunds"],
            "unknown category 'Refunds'; close matches: cat2 (Refund)",
        ),
        (["users", "--group", "Sale"], "unknown group 'Sale'; close matches: Sales"),
        (["working-time", "--tag", "VIP"], "the working-time view cannot filter by --tag"),
        (
            ["tags", "--completed", "yes", "--support-type", "message"],
            "the tags view cannot filter by --completed, --support-type",
        ),
        (
            ["overview", "--from", "2026-03-05", "--to", "2026-03-01"],
            "--from 2026-03-05 is after --to 2026-03-01",
        ),
        (["sessions", "--sort", "nope"], "cannot sort by 'nope'"),
    ],
)
def test_errors_say_what_is_wrong(capsys, warehouse, argv, message):
    code, out, err = report(capsys, warehouse, *argv)
    assert code == 2
    assert message in err


def test_missing_warehouse_is_an_error(capsys, tmp_path):
    code, _, err = report(capsys, tmp_path / "nope.duckdb", "overview")
    assert code == 1
    assert "no warehouse at" in err and "omnireport run" in err


def test_a_warehouse_built_before_the_measure_marts_says_to_rebuild(capsys, tmp_path):
    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))
    con.execute("create schema marts")
    con.execute("create table marts.fct_sessions (session_id varchar)")
    con.close()
    code, _, err = report(capsys, old, "overview")
    assert code == 1
    assert "fct_participation_measures, fct_session_measures missing" in err
    assert "omnireport run" in err


def test_terminal_table_has_totals_and_build_time(capsys, warehouse):
    code, out, _ = report(capsys, warehouse, "hourly")
    assert code == 0
    # `omnireport run` published a snapshot beside the warehouse: the report reads that
    snapshot = warehouse.with_name(f"{warehouse.stem}.published.duckdb")
    assert f"published snapshot {snapshot}" in out and "build time" in out
    last = out.strip().splitlines()[-1].split()
    assert last == ["TOTAL", "4", "3", "1", "3"]


def test_python_dash_m_entry_point(warehouse):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "omnireport.report",
            "overview",
            "--warehouse",
            str(warehouse),
            "--format",
            "csv",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    header, values = result.stdout.strip().splitlines()
    assert header.split(",")[:2] == ["sessions", "contacts"] and values.split(",")[:2] == ["4", "3"]


# ------------------------------------------------------------------ a marts-only snapshot


@pytest.fixture(scope="module")
def marts_only(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy with schema marts only, like a published snapshot for readers."""
    out = tmp_path_factory.mktemp("snapshot") / "marts_only.duckdb"
    con = duckdb.connect(str(out))
    try:
        con.execute(f"attach '{warehouse}' as src (read_only)")
        con.execute("create schema marts")
        names = con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'src' and table_schema = 'marts'"
        ).fetchall()
        for (name,) in names:
            con.execute(f"create table marts.{name} as select * from src.marts.{name}")
    finally:
        con.close()
    return out


def test_marts_only_snapshot_answers_session_filters(capsys, marts_only):
    (row,), _ = rows(capsys, marts_only, "overview", "--user", "Binh Tran")
    assert (row["sessions"], row["done_sessions"]) == (2, 1)
    records, _ = rows(capsys, marts_only, "users", "--group", "Sales")
    assert sorted(r["user_id"] for r in records) == ["u1", "u3"]
    records, _ = rows(capsys, marts_only, "tags")
    assert [(r["tag_id"], r["tags_added"]) for r in records] == [("t1", 2), ("t2", 1)]


def test_marts_only_snapshot_answers_the_users_view_from_the_participation_measures(
    capsys, marts_only
):
    # marts.fct_participation_measures is published with the marts, so session filters work
    # on the by-user view of a marts-only file too.
    code, out, err = report(capsys, marts_only, "users", "--page", "ch1")
    assert code == 0, err
    assert "TOTAL" in out
