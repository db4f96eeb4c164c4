"""Hand-computed cases for the trickiest rules of CONTRACT.md, run through the reference oracle.

Every expected value below was worked out by hand from the contract, not copied from output.
Times are UTC in the files; the report time zone is Asia/Ho_Chi_Minh (UTC+7, no DST).
"""

from __future__ import annotations

import csv
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

_REPO_ROOT = Path(__file__).resolve().parents[2]
if str(_REPO_ROOT) not in sys.path:  # tests/ is not a package on pytest's default path
    sys.path.insert(0, str(_REPO_ROOT))

from tests.reference.contract_reference import (  # noqa: E402
    RAW_COLUMNS,
    compute_marts,
    parse_timestamp,
    percentage,
    to_records,
)

pytestmark = pytest.mark.unit


# --------------------------------------------------------------------------- helpers


def write_table(landing: Path, table: str, rows: list[dict], name: str = "export.csv") -> None:
    folder = landing / table
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / name, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(RAW_COLUMNS[table]))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in RAW_COLUMNS[table]})


def session(session_id: str, started_at: str, **extra: str) -> dict:
    row = {
        "session_id": session_id,
        "conversation_id": f"conv-{session_id}",
        "channel_id": "ch1",
        "contact_id": "k1",
        "session_name": "name",
        "support_type": "message",
        "status": "open",
        "started_at": started_at,
        "updated_at": started_at,
    }
    row.update(extra)
    return row


def contact_msg(message_id: str, session_id: str, sent_at: str) -> dict:
    return {
        "message_id": message_id,
        "conversation_id": f"conv-{session_id}",
        "session_id": session_id,
        "channel_id": "ch1",
        "initiated_by": "user",
        "direction": "incoming",
        "from_id": "k1",
        "to_id": "ch1",
        "sent_at": sent_at,
        "content_type": "text",
        "status": "read",
        "status_updated_at": sent_at,
    }


def agent_msg(message_id: str, session_id: str, sent_at: str, agent: str | None) -> dict:
    """An outgoing message; agent None makes it a page (automatic) message."""
    return {
        "message_id": message_id,
        "conversation_id": f"conv-{session_id}",
        "session_id": session_id,
        "channel_id": "ch1",
        "initiated_by": "business",
        "direction": "outgoing",
        "from_id": "ch1",
        "to_id": "k1",
        "agent_user_id": agent or "",
        "sent_at": sent_at,
        "content_type": "text",
        "status": "read",
        "status_updated_at": sent_at,
    }


def one(frame, **where) -> dict:
    rows = [r for r in to_records(frame) if all(r[k] == v for k, v in where.items())]
    assert len(rows) == 1, f"expected one row for {where}, got {rows}"
    return rows[0]


def marts_of(landing: Path) -> dict:
    return compute_marts(landing)


# --------------------------------------------------------------------------- session metrics


def test_reply_walk_skips_page_messages(tmp_path: Path) -> None:
    write_table(tmp_path, "sessions", [session("s1", "2026-03-01T10:00:00Z")])
    write_table(
        tmp_path,
        "messages",
        [
            agent_msg("m00", "s1", "2026-03-01T09:59:59Z", None),  # page before anything
            contact_msg("m01", "s1", "2026-03-01T10:00:00Z"),
            agent_msg("m02", "s1", "2026-03-01T10:00:05Z", None),  # page: changes nothing
            contact_msg("m03", "s1", "2026-03-01T10:00:30Z"),
            agent_msg("m04", "s1", "2026-03-01T10:01:00Z", "u1"),  # reply: 60 s from m01
            contact_msg("m05", "s1", "2026-03-01T10:02:00Z"),
            agent_msg("m06", "s1", "2026-03-01T10:02:10Z", None),  # page
            agent_msg("m07", "s1", "2026-03-01T10:02:30Z", "u1"),  # reply: 30 s from m05
            agent_msg("m08", "s1", "2026-03-01T10:03:00Z", "u1"),  # no contact since: no reply
        ],
    )
    s1 = one(marts_of(tmp_path)["fct_sessions"], session_id="s1")
    assert s1["avg_response_time_s"] == 45.0
    assert s1["total_messages"] == 6
    assert s1["is_proactive"] is False
    assert s1["first_response_at"] == datetime(2026, 3, 1, 10, 1, 0)
    assert s1["waiting_time_s"] == 60.0
    assert s1["session_type"] == "standard"
    assert s1["started_date"] == date(2026, 3, 1) and s1["started_hour"] == 17


def test_proactive_session(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "sessions",
        [
            session(
                "s2",
                "2026-03-01T10:00:00Z",
                status="done",
                done_at="2026-03-01T10:10:00Z",
                assigned_user_id="u1",
            )
        ],
    )
    write_table(
        tmp_path,
        "messages",
        [
            agent_msg("m1", "s2", "2026-03-01T10:00:00Z", "u1"),
            contact_msg("m2", "s2", "2026-03-01T10:05:00Z"),
            agent_msg("m3", "s2", "2026-03-01T10:06:00Z", "u1"),
        ],
    )
    marts = marts_of(tmp_path)
    s2 = one(marts["fct_sessions"], session_id="s2")
    assert s2["is_proactive"] is True
    assert s2["session_type"] == "proactive"
    assert s2["first_response_at"] == datetime(2026, 3, 1, 10, 0, 0)
    assert s2["waiting_time_s"] is None
    assert s2["support_time_s"] == 360.0
    assert s2["avg_response_time_s"] == 60.0
    assert one(marts["rpt_hourly_stats"], started_hour=17)["supported_within_1m"] == 0
    u1 = one(marts["rpt_user_stats"], user_id="u1")
    assert (u1["sla_1m"], u1["sla_30m"], u1["sessions_with_waiting_time"]) == (0, 0, 0)
    assert u1["total_waiting_time_s"] == 0.0 and u1["avg_waiting_time_s"] is None
    overview = one(marts["rpt_overview_daily"], channel_id="ch1")
    assert overview["total_waiting_time_s"] == 0.0
    assert overview["avg_waiting_time_s"] is None
    assert overview["avg_support_time_s"] == 360.0


def test_first_responder_tie_breaks_on_message_id(tmp_path: Path) -> None:
    write_table(
        tmp_path, "sessions", [session("s3", "2026-03-01T10:00:00Z", assigned_user_id="u2")]
    )
    write_table(
        tmp_path,
        "messages",
        [
            contact_msg("m_0", "s3", "2026-03-01T10:00:00Z"),
            agent_msg("m_b", "s3", "2026-03-01T10:00:30Z", "u2"),
            agent_msg("m_a", "s3", "2026-03-01T10:00:30Z", "u1"),  # same second, smaller id
        ],
    )
    stats = marts_of(tmp_path)["rpt_user_stats"]
    u1 = one(stats, user_id="u1")
    u2 = one(stats, user_id="u2")
    assert (u1["sla_1m"], u1["total_waiting_time_s"], u1["avg_waiting_time_s"]) == (1, 30.0, 30.0)
    assert (u2["sla_1m"], u2["sessions_with_waiting_time"], u2["avg_waiting_time_s"]) == (
        0,
        0,
        None,
    )
    assert u1["not_assigned_not_completed_supported"] == 1
    assert u2["assigned_not_completed_supported"] == 1


def test_messages_after_done_at(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "sessions",
        [
            session(
                "s4",
                "2026-03-01T10:00:00Z",
                status="done",
                done_at="2026-03-01T10:06:00Z",
                assigned_user_id="u1",
            )
        ],
    )
    write_table(
        tmp_path,
        "messages",
        [
            contact_msg("m1", "s4", "2026-03-01T10:00:00Z"),
            agent_msg("m2", "s4", "2026-03-01T10:01:00Z", "u1"),
            agent_msg("m3", "s4", "2026-03-01T10:05:00Z", "u1"),
            agent_msg("m4", "s4", "2026-03-01T10:08:00Z", "u1"),  # after done_at
            agent_msg("m5", "s4", "2026-03-01T10:09:00Z", "u2"),  # u2 writes only after done_at
        ],
    )
    marts = marts_of(tmp_path)
    s4 = one(marts["fct_sessions"], session_id="s4")
    assert s4["total_messages"] == 5
    assert s4["last_agent_message_at"] == datetime(2026, 3, 1, 10, 5, 0)
    assert s4["support_time_s"] == 240.0
    assert s4["session_duration_s"] == 360.0
    u1 = one(marts["rpt_user_stats"], user_id="u1")
    assert u1["assigned_completed_supported"] == 1
    assert (u1["total_support_time_s"], u1["sessions_with_support_time"]) == (240.0, 1)
    u2 = one(marts["rpt_user_stats"], user_id="u2")
    assert u2["not_assigned_completed_supported"] == 1
    assert (u2["total_support_time_s"], u2["sessions_with_support_time"]) == (0.0, 0)
    assert u2["avg_support_time_s"] is None


def test_unanswered_24h_applies_to_done_sessions(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "sessions",
        [
            session("s5", "2026-03-01T00:00:00Z", status="done", done_at="2026-03-01T01:00:00Z"),
            session("s6", "2026-03-01T00:00:01Z"),  # exactly 24 h before the newest message
            session("s7", "2026-03-01T00:00:00Z"),  # answered after 24 h and a half second
            session("s8", "2026-03-01T12:00:00Z"),  # answered after exactly 24 h
        ],
    )
    write_table(
        tmp_path,
        "messages",
        [
            contact_msg("m1", "s5", "2026-03-01T00:00:00Z"),
            contact_msg("m2", "s7", "2026-03-01T00:00:00Z"),
            agent_msg("m3", "s7", "2026-03-02T00:00:00.500Z", "u1"),
            contact_msg("m4", "s8", "2026-03-01T12:00:00Z"),
            agent_msg("m5", "s8", "2026-03-02T12:00:00Z", "u1"),
            contact_msg("m6", "s6", "2026-03-02T00:00:01Z"),  # not the newest: m5 is
        ],
    )
    sessions = marts_of(tmp_path)["fct_sessions"]
    # newest sent_at = 2026-03-02T12:00:00 (m5): s5 started 36 h before it, no agent.
    assert one(sessions, session_id="s5")["session_type"] == "unanswered_24h"
    assert one(sessions, session_id="s7")["waiting_time_s"] == 86400.5
    assert one(sessions, session_id="s7")["session_type"] == "unanswered_24h"
    assert one(sessions, session_id="s8")["session_type"] == "standard"
    # s6 started 35 h 59 m 59 s before m5 with no agent message: unanswered too.
    assert one(sessions, session_id="s6")["session_type"] == "unanswered_24h"


def test_unanswered_boundary_is_strictly_more_than_24h(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "sessions",
        [
            session("a", "2026-03-01T00:00:00Z"),
            session("b", "2026-03-01T00:00:00.000001Z"),
            session("c", "2026-02-28T23:59:59.999999Z"),
        ],
    )
    write_table(tmp_path, "messages", [contact_msg("m1", "a", "2026-03-02T00:00:00Z")])
    sessions = marts_of(tmp_path)["fct_sessions"]
    assert one(sessions, session_id="a")["session_type"] == "standard"
    assert one(sessions, session_id="b")["session_type"] == "standard"
    assert one(sessions, session_id="c")["session_type"] == "unanswered_24h"


# --------------------------------------------------------------------------- pauses


def test_pauses_repeated_open_and_across_midnight(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "agent_status_events",
        [
            {
                "event_id": "e1",
                "user_id": "u1",
                "status": "online",
                "event_at": "2026-03-01T01:00:00Z",
            },
            {
                "event_id": "e2",
                "user_id": "u1",
                "status": "paused",
                "event_at": "2026-03-01T02:00:00Z",
            },
            {
                "event_id": "e3",
                "user_id": "u1",
                "status": "paused",
                "event_at": "2026-03-01T02:10:00Z",
            },
            {
                "event_id": "e4",
                "user_id": "u1",
                "status": "online",
                "event_at": "2026-03-01T02:30:00Z",
            },
            {
                "event_id": "e5",
                "user_id": "u1",
                "status": "paused",
                "event_at": "2026-03-01T03:00:00Z",
            },
            # u2: a pause starting 23:30 local on 1 March, ending 00:30 local on 2 March
            {
                "event_id": "f1",
                "user_id": "u2",
                "status": "paused",
                "event_at": "2026-03-01T16:30:00Z",
            },
            {
                "event_id": "f2",
                "user_id": "u2",
                "status": "offline",
                "event_at": "2026-03-01T17:30:00Z",
            },
        ],
    )
    working = marts_of(tmp_path)["rpt_agent_working_time"]
    u1 = one(working, user_id="u1")
    assert u1["pause_date"] == date(2026, 3, 1)
    assert (u1["pause_count"], u1["total_pause_s"], u1["open_pause_count"]) == (2, 1800.0, 1)
    u2 = one(working, user_id="u2")
    assert u2["pause_date"] == date(2026, 3, 1)
    assert (u2["pause_count"], u2["total_pause_s"], u2["open_pause_count"]) == (1, 3600.0, 0)


# --------------------------------------------------------------------------- categories


def test_category_levels_missing_parent_and_loop(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "categories",
        [
            {"category_id": "c1", "category_name": "One"},
            {"category_id": "c2", "category_name": "Two", "parent_id": "c1"},
            {"category_id": "c3", "category_name": "Three", "parent_id": "c2"},
            {"category_id": "c4", "category_name": "Four", "parent_id": "c3"},
            {"category_id": "c5", "category_name": "Five", "parent_id": "cx"},  # cx not loaded
            {"category_id": "l1", "category_name": "LoopA", "parent_id": "l2"},
            {"category_id": "l2", "category_name": "LoopB", "parent_id": "l1"},
            {"category_id": "me", "category_name": "Self", "parent_id": "me"},
        ],
    )
    cats = marts_of(tmp_path)["dim_categories"]

    def levels(cid: str) -> tuple:
        r = one(cats, category_id=cid)
        return r["category_level"], r["category"], r["sub_category"], r["sub_sub_category"]

    assert levels("c1") == (1, "One", None, None)
    assert levels("c3") == (3, "One", "Two", "Three")
    assert levels("c4") == (3, "Two", "Three", "Four")
    assert levels("c5") == (2, None, "Five", None)
    assert levels("l1") == (2, "LoopB", "LoopA", None)
    assert levels("me") == (1, "Self", None, None)


# --------------------------------------------------------------------------- percentages


def test_percentage_half_up_from_exact_ratio() -> None:
    assert percentage(1, 32) == 3.13
    assert percentage(1, 3) == 33.33
    assert percentage(2, 3) == 66.67
    assert percentage(1, 8) == 12.5
    assert percentage(0, 0) is None


def test_pct_complete_one_of_32_sessions(tmp_path: Path) -> None:
    rows = [session(f"s{i:02d}", "2026-03-01T02:00:00Z") for i in range(32)]
    rows[0].update(status="done", done_at="2026-03-01T03:00:00Z")
    write_table(tmp_path, "sessions", rows)
    daily = one(marts_of(tmp_path)["rpt_daily_stats"], support_type="message")
    assert (daily["sessions"], daily["done_not_supported"], daily["pct_complete"]) == (32, 1, 3.13)
    assert daily["pct_support"] == 0.0


# --------------------------------------------------------------------------- validation and loading


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01T08:15:00Z", datetime(2026, 3, 1, 8, 15)),
        (" 2026-03-01 08:15 ", datetime(2026, 3, 1, 8, 15)),
        ("2026-03-01T08:15:00.5", datetime(2026, 3, 1, 8, 15, 0, 500000)),
        ("2026-03-01T08:15:00.123456+07:00", datetime(2026, 3, 1, 1, 15, 0, 123456)),
        ("2026-03-01T22:00:00-03:30", datetime(2026, 3, 2, 1, 30)),
        ("2026-03-01", None),
        ("2026-03-01T08:15:00+0700", None),
        ("31/03/2026 10:00", None),
        ("2026-02-30 10:00", None),
        ("2026-03-01T24:00", None),
        ("2026-03-01T08:15:00.1234567Z", None),
    ],
)
def test_parse_timestamp(text: str, expected: datetime | None) -> None:
    assert parse_timestamp(text) == expected


def test_quarantine_reasons_and_bad_reexport_does_not_replace(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "sessions",
        [
            session("s1", "2026-03-01T10:00:00Z", rating=" 4 "),
            session("s1", "2026-03-01T10:00:00Z", status="Done", updated_at="2026-03-02T00:00:00Z"),
            session(
                "s2",
                "31/03/2026",
                done_at="2026-03-01T10:00:00Z",
                rating="6",
                updated_at="2026-03-01T10:00:00Z",
            ),
        ],
    )
    write_table(
        tmp_path,
        "messages",
        [
            {**contact_msg("m1", "s1", "2026-03-01T10:00:00Z"), "agent_user_id": "u1"},
            {**contact_msg("m2", "s1", "2026-03-01T10:00:00Z"), "session_id": ""},
        ],
    )
    marts = marts_of(tmp_path)
    assert one(marts["fct_sessions"], session_id="s1")["rating"] == 4
    reasons = sorted(r["reason"] for r in to_records(marts["quarantine__sessions"]))
    assert reasons == [
        "unknown status 'Done'",
        "unparseable started_at '31/03/2026'; invalid rating '6'; done_at set on an open session",
    ]
    assert sorted(r["reason"] for r in to_records(marts["quarantine__messages"])) == [
        "agent_user_id on an incoming message",
        "missing session_id",
    ]
    recon = one(marts["reconciliation"], table_name="sessions")
    assert (
        recon["raw_rows"],
        recon["staged_rows"],
        recon["quarantined_rows"],
        recon["superseded_rows"],
    ) == (3, 1, 2, 0)


def test_dedup_equal_updated_at_keeps_last_loaded_and_duplicate_file_adds_nothing(
    tmp_path: Path,
) -> None:
    write_table(
        tmp_path, "sessions", [session("s1", "2026-03-01T10:00:00Z", note="first")], name="a.csv"
    )
    write_table(
        tmp_path, "sessions", [session("s1", "2026-03-01T10:00:00Z", note="second")], name="b.csv"
    )
    write_table(
        tmp_path, "sessions", [session("s1", "2026-03-01T10:00:00Z", note="first")], name="c.csv"
    )  # same bytes as a.csv: adds nothing
    marts = marts_of(tmp_path)
    assert one(marts["fct_sessions"], session_id="s1")["note"] == "second"
    recon = one(marts["reconciliation"], table_name="sessions")
    assert (recon["raw_rows"], recon["staged_rows"], recon["superseded_rows"]) == (2, 1, 1)


def test_tags_current_and_late_events(tmp_path: Path) -> None:
    write_table(tmp_path, "sessions", [session("s1", "2026-03-01T10:00:00Z")])
    write_table(
        tmp_path,
        "tags",
        [{"tag_id": "t1", "tag_name": "vip"}, {"tag_id": "t2", "tag_name": "Angry"}],
    )
    event = {"contact_id": "k1", "channel_id": "ch1", "user_id": "u1"}
    write_table(
        tmp_path,
        "tag_events",
        [
            {
                **event,
                "tag_event_id": "e2",
                "tag_id": "t1",
                "session_id": "s1",
                "action": "removed",
                "event_at": "2026-03-01T10:05:00Z",
            },
            {
                **event,
                "tag_event_id": "e1",
                "tag_id": "t1",
                "session_id": "s1",
                "action": "added",
                "event_at": "2026-03-01T10:05:00Z",
            },  # same time, smaller id: e2 is the last event
            {
                **event,
                "tag_event_id": "e3",
                "tag_id": "t2",
                "session_id": "s1",
                "action": "added",
                "event_at": "2026-03-01T10:06:00Z",
            },
            {
                **event,
                "tag_event_id": "e4",
                "tag_id": "t9",
                "session_id": "s1",
                "action": "added",
                "event_at": "2026-03-01T10:06:00Z",
                "user_id": "",
            },  # tag not loaded, automation
            {
                **event,
                "tag_event_id": "e5",
                "tag_id": "t1",
                "session_id": "gone",
                "action": "added",
                "event_at": "2026-03-01T10:07:00Z",
            },  # late: session not loaded
            {
                **event,
                "tag_event_id": "e6",
                "tag_id": "t1",
                "session_id": "",
                "action": "added",
                "event_at": "2026-03-01T18:00:00Z",
            },  # contact-level: next local day
        ],
    )
    marts = marts_of(tmp_path)
    bridge = sorted((r["tag_id"], r["tag_name"]) for r in to_records(marts["bridge_session_tags"]))
    assert bridge == [("t2", "Angry"), ("t9", None)]
    assert one(marts["fct_sessions"], session_id="s1")["tag_names"] == "Angry"
    stats = marts["rpt_tag_stats"]
    assert len(stats) == 4
    t1 = one(stats, tag_id="t1", event_date=date(2026, 3, 1))
    assert (t1["tags_added"], t1["tags_removed"]) == (1, 1)
    assert one(stats, tag_id="t1", event_date=date(2026, 3, 2))["tags_added"] == 1
    assert one(stats, tag_id="t9")["tagged_by_user_id"] is None
