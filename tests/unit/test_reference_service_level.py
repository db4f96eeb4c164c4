"""CONTRACT.md section 7 (service level) in the reference oracle: hand-computed cases.

Every expected value was worked out by hand from the contract (the arithmetic is in the
comments), never copied from the code's output. Unless a test says otherwise the report
time zone is Asia/Ho_Chi_Minh (UTC+7, no DST) and so are the schedules, so local =
UTC + 7 h. Calendar: 2026-03-01 is a Sunday, 2026-03-02 a Monday (ISO weekday 1),
2026-03-03 a Tuesday; Europe/Berlin moves to summer time on Sunday 2026-03-29 at 01:00 UTC
(02:00 CET -> 03:00 CEST) and back on Sunday 2026-10-25 at 01:00 UTC (03:00 CEST -> 02:00 CET).
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path

import pytest

_REPO_ROOT = Path(__file__).resolve().parents[2]
if str(_REPO_ROOT) not in sys.path:  # tests/ is not a package on pytest's default path
    sys.path.insert(0, str(_REPO_ROOT))

from tests.reference.business_clock import (  # noqa: E402
    Opening,
    Schedule,
    known_time_zones,
    start_of_local_date,
    wall_to_utc,
)
from tests.reference.contract_reference import (  # noqa: E402
    MART_COLUMNS,
    MART_KEYS,
    compute_marts,
    percentile_cont,
    to_records,
)
from tests.unit.test_reference_contract import (  # noqa: E402
    agent_msg,
    contact_msg,
    one,
    session,
    write_table,
)

pytestmark = pytest.mark.unit

HCM = "Asia/Ho_Chi_Minh"
BERLIN = "Europe/Berlin"


# --------------------------------------------------------------------------- helpers


def hours(
    schedule_id: str,
    weekday: int | str,
    opens_at: str,
    closes_at: str,
    time_zone: str = HCM,
    valid_from: str = "",
) -> dict:
    """One business_hours row (valid_from empty = the earliest version)."""
    return {
        "schedule_id": schedule_id,
        "valid_from": valid_from,
        "time_zone": time_zone,
        "weekday": str(weekday),
        "opens_at": opens_at,
        "closes_at": closes_at,
    }


def answered(
    session_id: str, asked_at: str, answered_at: str, agent: str = "u1", prefix: str = ""
) -> list[dict]:
    """A contact message and the agent's reply to it."""
    return [
        contact_msg(f"{prefix or session_id}-c", session_id, asked_at),
        agent_msg(f"{prefix or session_id}-r", session_id, answered_at, agent),
    ]


def sessions_of(landing: Path, **options) -> dict[str, dict]:
    marts = compute_marts(landing, **options)
    return {row["session_id"]: row for row in to_records(marts["fct_sessions"])}


# --------------------------------------------------------------------------- frames


def test_section_7_frames_and_columns(tmp_path: Path) -> None:
    marts = compute_marts(tmp_path)
    for mart in (
        "fct_replies",
        "rpt_reply_stats",
        "fct_conversations",
        "rpt_backlog_daily",
        "rpt_csat_daily",
    ):
        assert mart in MART_KEYS and len(marts[mart]) == 0
        assert list(marts[mart].columns) == [c for c, _ in MART_COLUMNS[mart]]
    assert list(marts["fct_sessions"].columns)[-6:] == [
        "schedule_id",
        "started_in_business_hours",
        "waiting_time_business_s",
        "support_time_business_s",
        "session_duration_business_s",
        "avg_response_time_business_s",
    ]
    for table in ("business_hours", "holidays", "channel_schedules"):
        assert f"quarantine__{table}" in marts
        assert one(marts["reconciliation"], table_name=table)["raw_rows"] == 0


# --------------------------------------------------------------------------- 7.1 validation


def test_every_business_hours_reason(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "business_hours",
        [
            # 1: nothing but an empty row (valid_from may be null)
            hours("", "", "", "", time_zone=""),
            # 2: every column bad at once, reasons in column order
            hours(
                "s", "01", "24:00", "9:00", time_zone="asia/ho_chi_minh", valid_from="2026-02-30"
            ),
            # 3, 4: row rule
            hours("s", 1, "10:00", "10:00", time_zone="UTC"),
            hours("s", 1, "10:00", "09:59", time_zone="UTC"),
            # 5: more bad formats
            hours("s", 8, "09:60", "24:01", time_zone=BERLIN, valid_from="2026/03/01"),
            hours("s", 0, "9:00", "10:00", valid_from="2026-03-01T00:00"),
            hours("s", "Mon", "08:00", "10:00"),
            hours("s", "3.0", "08:00", "10:00"),
            # names that are files of a zoneinfo directory but not zones, wrong case, spaces
            *[
                hours("s", 1, "08:00", "10:00", time_zone=z)
                for z in (
                    "localtime",
                    "posixrules",
                    "posix/Europe/Berlin",
                    "right/UTC",
                    "Europe/berlin",
                    " UTC",
                    "Mars/Olympus_Mons",
                )
            ],
            # valid: links and Etc names, spaces around weekday, times and dates, 24:00
            hours(
                "ok", " 3 ", " 08:00 ", "24:00", time_zone="Asia/Saigon", valid_from=" 2026-03-01 "
            ),
            hours("ok", 1, "00:00", "00:01", time_zone="UTC"),
            hours("ok", 7, "23:59", "24:00", time_zone="Etc/GMT+7"),
            hours("ok", 2, "08:00", "17:00", time_zone=HCM),
        ],
    )
    marts = compute_marts(tmp_path)
    reasons = [r["reason"] for r in to_records(marts["quarantine__business_hours"])]
    assert reasons == [
        "missing schedule_id; missing time_zone; missing weekday; missing opens_at; "
        "missing closes_at",
        "unparseable valid_from '2026-02-30'; unknown time_zone 'asia/ho_chi_minh'; "
        "invalid weekday '01'; invalid opens_at '24:00'; invalid closes_at '9:00'",
        "closes_at not after opens_at",
        "closes_at not after opens_at",
        "unparseable valid_from '2026/03/01'; invalid weekday '8'; invalid opens_at '09:60'; "
        "invalid closes_at '24:01'",
        "unparseable valid_from '2026-03-01T00:00'; invalid weekday '0'; invalid opens_at '9:00'",
        "invalid weekday 'Mon'",
        "invalid weekday '3.0'",
        "unknown time_zone 'localtime'",
        "unknown time_zone 'posixrules'",
        "unknown time_zone 'posix/Europe/Berlin'",
        "unknown time_zone 'right/UTC'",
        "unknown time_zone 'Europe/berlin'",
        "unknown time_zone ' UTC'",
        "unknown time_zone 'Mars/Olympus_Mons'",
    ]
    # The quarantine keeps the raw values as exported, with the file and row.
    second = to_records(marts["quarantine__business_hours"])[1]
    assert (
        second["weekday"],
        second["closes_at"],
        second["_source_file"],
        second["_row_number"],
    ) == ("01", "9:00", "business_hours/export.csv", 2)
    recon = one(marts["reconciliation"], table_name="business_hours")
    assert (
        recon["raw_rows"],
        recon["staged_rows"],
        recon["quarantined_rows"],
        recon["superseded_rows"],
    ) == (19, 4, 15, 0)


def test_time_zone_list_is_the_iana_names_only() -> None:
    zones = known_time_zones()
    assert {HCM, BERLIN, "Asia/Saigon", "UTC", "Etc/GMT+7"} <= zones
    assert not {"localtime", "posixrules", "utc"} & zones
    assert not [z for z in zones if z.startswith(("posix/", "right/"))]


def test_every_holiday_and_channel_schedule_reason(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "holidays",
        [
            {"schedule_id": "", "holiday_date": ""},
            {"schedule_id": "s", "holiday_date": "2026-13-01"},
            {"schedule_id": "s", "holiday_date": "01/03/2026", "holiday_name": "x"},
            {"schedule_id": "s", "holiday_date": " 2026-03-03 "},  # good, no name
        ],
    )
    write_table(
        tmp_path,
        "channel_schedules",
        [
            {"channel_id": "", "schedule_id": ""},
            {"channel_id": "ch1", "schedule_id": "   "},  # only spaces: missing, like empty
            {"channel_id": "ch2", "schedule_id": "s"},
        ],
    )
    marts = compute_marts(tmp_path)
    assert [r["reason"] for r in to_records(marts["quarantine__holidays"])] == [
        "missing schedule_id; missing holiday_date",
        "unparseable holiday_date '2026-13-01'",
        "unparseable holiday_date '01/03/2026'",
    ]
    assert [r["reason"] for r in to_records(marts["quarantine__channel_schedules"])] == [
        "missing channel_id; missing schedule_id",
        "missing schedule_id",
    ]
    assert one(marts["reconciliation"], table_name="holidays")["staged_rows"] == 1
    assert one(marts["reconciliation"], table_name="channel_schedules")["staged_rows"] == 1


def test_jsonl_and_parquet_business_tables(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    folder = tmp_path / "business_hours"
    folder.mkdir()
    lines = [
        # weekday as a JSON number is its text "1"; valid_from absent is null
        {
            "schedule_id": "default",
            "time_zone": HCM,
            "weekday": 1,
            "opens_at": "08:00",
            "closes_at": "12:00",
        },
        {
            "schedule_id": "default",
            "time_zone": HCM,
            "weekday": 2.0,
            "opens_at": "08:00",
            "closes_at": "12:00",
        },
    ]
    (folder / "hours.jsonl").write_text(
        "\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8"
    )
    (tmp_path / "holidays").mkdir()
    pq.write_table(
        pa.table(
            {
                "schedule_id": ["default"],
                "holiday_date": pa.array([date(2026, 3, 2)], type=pa.date32()),  # text 2026-03-02
                "holiday_name": [None],
            }
        ),
        tmp_path / "holidays" / "h.parquet",
    )
    # Monday 2026-03-02 is a holiday: 08:00-10:00 local would be open, but not that day.
    write_table(tmp_path, "sessions", [session("s1", "2026-03-02T01:00:00Z")])
    write_table(
        tmp_path, "messages", answered("s1", "2026-03-02T01:00:00Z", "2026-03-02T03:00:00Z")
    )
    marts = compute_marts(tmp_path)
    assert [r["reason"] for r in to_records(marts["quarantine__business_hours"])] == [
        "invalid weekday '2.0'"
    ]
    s1 = one(marts["fct_sessions"], session_id="s1")
    assert (s1["schedule_id"], s1["waiting_time_s"], s1["waiting_time_business_s"]) == (
        "default",
        7200.0,
        0.0,
    )


# --------------------------------------------------------------------------- 7.1 dedup


def test_dedup_of_the_business_tables(tmp_path: Path) -> None:
    # a.csv then b.csv then c.csv (file-name order). The key of business_hours compares typed
    # values: " 1 " is weekday 1 and " 08:00" is 08:00, so b's row replaces a's; c's bad
    # re-export is quarantined and replaces nothing. The dated version (2026-03-09) is another
    # key: a null valid_from is a key value of its own.
    write_table(
        tmp_path,
        "business_hours",
        [
            hours("default", 1, "08:00", "12:00"),
            hours("default", 1, "08:00", "12:00", valid_from="2026-03-09"),
        ],
        name="a.csv",
    )
    write_table(
        tmp_path, "business_hours", [hours("default", " 1 ", " 08:00", "10:00")], name="b.csv"
    )
    write_table(tmp_path, "business_hours", [hours("default", "1", "08:00", "25:00")], name="c.csv")
    write_table(
        tmp_path,
        "holidays",
        [
            {"schedule_id": "default", "holiday_date": "2026-03-03", "holiday_name": "old"},
            {"schedule_id": "default", "holiday_date": " 2026-03-03 ", "holiday_name": "new"},
        ],
    )
    write_table(
        tmp_path, "channel_schedules", [{"channel_id": "ch2", "schedule_id": "nope"}], name="a.csv"
    )
    write_table(
        tmp_path,
        "channel_schedules",
        [{"channel_id": "ch2", "schedule_id": "default"}],
        name="b.csv",
    )
    write_table(
        tmp_path,
        "sessions",
        [
            session("s1", "2026-03-02T00:00:00Z"),  # Monday 07:00 local
            session("s2", "2026-03-02T00:00:00Z", channel_id="ch2"),
        ],
    )
    write_table(
        tmp_path,
        "messages",
        [
            *answered("s1", "2026-03-02T00:00:00Z", "2026-03-02T06:00:00Z"),  # 07:00 -> 13:00 local
            *answered("s2", "2026-03-02T00:00:00Z", "2026-03-02T06:00:00Z"),
        ],
    )
    marts = compute_marts(tmp_path)
    # Only b's 08:00-10:00 is open on Monday 2026-03-02 (before the 2026-03-09 version):
    # 2 h = 7200 s of 07:00-13:00. Had a's 08:00-12:00 survived it would be 14400.
    s1 = one(marts["fct_sessions"], session_id="s1")
    assert s1["waiting_time_business_s"] == 7200.0
    # ch2: the later mapping (default) wins over "nope" (no such schedule -> no schedule).
    assert one(marts["fct_sessions"], session_id="s2")["schedule_id"] == "default"
    recon = {r["table_name"]: r for r in to_records(marts["reconciliation"])}
    assert [
        recon["business_hours"][k]
        for k in ("raw_rows", "staged_rows", "quarantined_rows", "superseded_rows")
    ] == [4, 2, 1, 1]
    assert [recon["holidays"][k] for k in ("staged_rows", "superseded_rows")] == [1, 1]
    assert [recon["channel_schedules"][k] for k in ("staged_rows", "superseded_rows")] == [1, 1]


# --------------------------------------------------------------------------- 7.2 / 7.3 clock


def test_lunch_break_and_replies(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "business_hours",
        [hours("default", 1, "08:00", "12:00"), hours("default", 1, "13:00", "17:00")],
    )
    write_table(
        tmp_path,
        "sessions",
        [
            session(
                "s1",
                "2026-03-02T04:00:00Z",
                status="done",
                done_at="2026-03-02T09:30:00Z",
                assigned_user_id="u1",
            ),  # Mon 11:00 -> 16:30 local
            session("s2", "2026-03-02T05:30:00Z"),  # 12:30, during lunch
            session("s3", "2026-03-02T05:00:00Z"),  # 12:00 exactly: closed
            session("s4", "2026-03-02T04:59:59.999999Z"),  # 11:59:59.999999: open
        ],
    )
    write_table(
        tmp_path,
        "messages",
        [
            contact_msg("m1", "s1", "2026-03-02T04:00:00Z"),  # 11:00
            agent_msg("m2", "s1", "2026-03-02T07:00:00Z", "u1"),  # 14:00
            contact_msg("m3", "s1", "2026-03-02T08:00:00Z"),  # 15:00
            agent_msg("m4", "s1", "2026-03-02T09:00:00Z", "u1"),  # 16:00
            *answered("s2", "2026-03-02T05:30:00Z", "2026-03-02T06:10:00Z", "u2"),  # 12:30 -> 13:10
        ],
    )
    marts = compute_marts(tmp_path)
    s1 = one(marts["fct_sessions"], session_id="s1")
    assert (s1["schedule_id"], s1["started_in_business_hours"]) == ("default", True)
    # waiting 11:00 -> 14:00 = 10800 s; open 11-12 and 13-14 = 7200 s
    assert (s1["waiting_time_s"], s1["waiting_time_business_s"]) == (10800.0, 7200.0)
    # support 14:00 -> 16:00, all open: 7200 s both
    assert (s1["support_time_s"], s1["support_time_business_s"]) == (7200.0, 7200.0)
    # duration 11:00 -> 16:30 = 19800 s; open 11-12 (3600) + 13-16:30 (12600) = 16200 s
    assert (s1["session_duration_s"], s1["session_duration_business_s"]) == (19800.0, 16200.0)
    # replies: 10800 s (7200 business) and 3600 s (15:00-16:00, 3600 business)
    assert (s1["avg_response_time_s"], s1["avg_response_time_business_s"]) == (7200.0, 5400.0)
    replies = {r["reply_message_id"]: r for r in to_records(marts["fct_replies"])}
    assert (replies["m2"]["reply_time_business_s"], replies["m2"]["reply_number"]) == (7200.0, 1)
    assert (replies["m4"]["reply_time_business_s"], replies["m4"]["reply_number"]) == (3600.0, 2)
    # s2: starts in the lunch break, clock starts at 13:00: 600 of 2400 s
    s2 = one(marts["fct_sessions"], session_id="s2")
    assert (
        s2["started_in_business_hours"],
        s2["waiting_time_s"],
        s2["waiting_time_business_s"],
    ) == (False, 2400.0, 600.0)
    # open intervals are [opens, closes)
    s3 = one(marts["fct_sessions"], session_id="s3")
    assert one(marts["fct_sessions"], session_id="s4")["started_in_business_hours"] is True
    assert s3["started_in_business_hours"] is False
    # null where the calendar column is null, even with a schedule
    assert (
        s3["waiting_time_business_s"],
        s3["support_time_business_s"],
        s3["session_duration_business_s"],
        s3["avg_response_time_business_s"],
    ) == (None, None, None, None)
    stats = one(marts["rpt_reply_stats"], replied_by_user_id="u1")
    # u1's replies 10800 and 3600: sorted [3600, 10800]; median at position 1.5 = 7200,
    # p90 at 1 + 0.9 = 1.9: 3600 + 0.9 * 7200 = 10080
    assert (stats["reply_date"], stats["channel_id"], stats["replies"], stats["first_replies"]) == (
        date(2026, 3, 2),
        "ch1",
        2,
        1,
    )
    assert (
        stats["total_reply_time_s"],
        stats["avg_reply_time_s"],
        stats["median_reply_time_s"],
        stats["p90_reply_time_s"],
    ) == (14400.0, 7200.0, 7200.0, 10080.0)
    assert (
        stats["total_reply_time_business_s"],
        stats["replies_with_business_time"],
        stats["avg_reply_time_business_s"],
    ) == (10800.0, 2, 5400.0)


def test_overnight_opening_in_two_rows_and_mapping_beats_default(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "business_hours",
        [
            hours("night", 1, "22:00", "24:00"),
            hours("night", 2, "00:00", "06:00"),
            hours("default", 1, "08:00", "17:00"),
        ],
    )
    write_table(tmp_path, "channel_schedules", [{"channel_id": "ch1", "schedule_id": "night"}])
    write_table(
        tmp_path,
        "sessions",
        [
            session("n1", "2026-03-02T14:00:00Z"),  # Mon 21:00 local, before the opening
            session(
                "n2", "2026-03-02T15:00:00Z", status="done", done_at="2026-03-03T01:00:00Z"
            ),  # Mon 22:00 (opening) -> Tue 08:00
        ],
    )
    write_table(
        tmp_path, "messages", answered("n1", "2026-03-02T14:00:00Z", "2026-03-02T18:00:00Z")
    )  # -> Tue 01:00
    by_id = sessions_of(tmp_path)
    n1, n2 = by_id["n1"], by_id["n2"]
    assert (n1["schedule_id"], n1["started_in_business_hours"]) == ("night", False)
    # 21:00 -> 01:00 = 14400 s; open Mon 22-24 (7200) + Tue 00-01 (3600) = 10800 s
    assert (n1["waiting_time_s"], n1["waiting_time_business_s"]) == (14400.0, 10800.0)
    assert n2["started_in_business_hours"] is True
    # 22:00 -> 08:00 = 36000 s; open 22-24 (7200) + 00-06 (21600) = 28800 s
    assert (n2["session_duration_s"], n2["session_duration_business_s"]) == (36000.0, 28800.0)


def test_holiday_closes_the_whole_local_date(tmp_path: Path) -> None:
    write_table(
        tmp_path, "business_hours", [hours("default", d, "09:00", "17:00") for d in range(1, 6)]
    )
    write_table(
        tmp_path,
        "holidays",
        [
            {"schedule_id": "default", "holiday_date": "2026-03-03", "holiday_name": "Tet"},
            {"schedule_id": "other", "holiday_date": "2026-03-04"},  # another schedule's
        ],
    )
    write_table(tmp_path, "sessions", [session("h1", "2026-03-02T09:00:00Z")])  # Mon 16:00
    write_table(
        tmp_path, "messages", answered("h1", "2026-03-02T09:00:00Z", "2026-03-04T03:00:00Z")
    )  # Wed 10:00
    h1 = sessions_of(tmp_path)["h1"]
    # 42 h = 151200 s; open Mon 16-17 (3600) + Tue holiday (0) + Wed 09-10 (3600) = 7200 s
    assert (h1["waiting_time_s"], h1["waiting_time_business_s"]) == (151200.0, 7200.0)


def test_version_change_at_midnight(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "business_hours",
        [
            *[hours("default", d, "20:00", "24:00") for d in range(1, 8)],  # earliest version
            hours("default", 2, "00:00", "02:00", valid_from="2026-03-03"),  # from Tue 3 March
        ],
    )
    write_table(
        tmp_path,
        "sessions",
        [
            session("v1", "2026-03-02T16:00:00Z"),  # Mon 23:00 local
            session("v2", "2026-03-03T13:00:00Z"),  # Tue 20:00 local
        ],
    )
    write_table(
        tmp_path,
        "messages",
        [
            *answered("v1", "2026-03-02T16:00:00Z", "2026-03-02T18:30:00Z"),  # -> Tue 01:30
            *answered("v2", "2026-03-03T13:00:00Z", "2026-03-03T15:00:00Z"),  # -> Tue 22:00
        ],
    )
    by_id = sessions_of(tmp_path)
    # v1: Monday uses the earliest version (23:00-24:00 = 3600), Tuesday the new one
    # (00:00-01:30 = 5400): 9000 s. The old version on Tuesday would give 3600; the new one
    # on Monday (it has no Monday row) 5400.
    assert by_id["v1"]["waiting_time_business_s"] == 9000.0
    # v2: on Tuesday only 00:00-02:00 is open, so 20:00-22:00 is closed: 0.0
    assert (by_id["v2"]["waiting_time_s"], by_id["v2"]["waiting_time_business_s"]) == (7200.0, 0.0)
    assert by_id["v2"]["started_in_business_hours"] is False


def test_schedule_with_no_version_yet_gives_zero(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "business_hours",
        [hours("future", d, "00:00", "24:00", valid_from="2026-04-01") for d in range(1, 8)],
    )
    write_table(tmp_path, "channel_schedules", [{"channel_id": "ch1", "schedule_id": "future"}])
    write_table(
        tmp_path,
        "sessions",
        [session("f1", "2026-03-02T03:00:00Z", status="done", done_at="2026-03-02T04:00:00Z")],
    )
    write_table(
        tmp_path, "messages", answered("f1", "2026-03-02T03:00:00Z", "2026-03-02T03:30:00Z")
    )
    f1 = sessions_of(tmp_path)["f1"]
    assert (f1["schedule_id"], f1["started_in_business_hours"]) == ("future", False)
    # closed before its first version: 0.0, not null, where the calendar column is set
    assert (f1["waiting_time_s"], f1["waiting_time_business_s"]) == (1800.0, 0.0)
    assert (f1["support_time_s"], f1["support_time_business_s"]) == (0.0, 0.0)
    assert (f1["session_duration_s"], f1["session_duration_business_s"]) == (3600.0, 0.0)
    assert f1["avg_response_time_business_s"] == 0.0


def test_berlin_spring_forward_gap(tmp_path: Path) -> None:
    # Sunday 2026-03-29: 02:00-03:00 local does not exist in Berlin.
    write_table(
        tmp_path,
        "business_hours",
        [
            hours("a", 7, "01:00", "04:00", time_zone=BERLIN),  # 00:00Z -> 02:00Z: 2 h, not 3
            hours("b", 7, "02:10", "02:50", time_zone=BERLIN),  # inside the gap: 01:10Z -> 01:50Z
            hours("c", 7, "02:30", "04:00", time_zone=BERLIN),  # 02:30 is 03:30 CEST = 01:30Z
        ],
    )
    write_table(
        tmp_path, "channel_schedules", [{"channel_id": f"ch_{x}", "schedule_id": x} for x in "abc"]
    )
    write_table(
        tmp_path,
        "sessions",
        [session(f"g{x}", "2026-03-29T00:00:00Z", channel_id=f"ch_{x}") for x in "abc"],
    )
    write_table(
        tmp_path,
        "messages",
        [
            m
            for x in "abc"
            for m in answered(f"g{x}", "2026-03-29T00:00:00Z", "2026-03-29T03:00:00Z")
        ],
    )
    by_id = sessions_of(tmp_path)
    assert by_id["ga"]["waiting_time_s"] == 10800.0
    assert by_id["ga"]["waiting_time_business_s"] == 7200.0  # 00:00Z-02:00Z
    assert by_id["gb"]["waiting_time_business_s"] == 2400.0  # 01:10Z-01:50Z
    assert by_id["gc"]["waiting_time_business_s"] == 1800.0  # 01:30Z-02:00Z
    assert by_id["ga"]["started_in_business_hours"] is True
    assert by_id["gb"]["started_in_business_hours"] is False


def test_berlin_fall_back_fold_takes_the_first_occurrence(tmp_path: Path) -> None:
    # Sunday 2026-10-25: 02:00-03:00 local happens twice (CEST, then CET).
    # 02:30 first occurrence = 02:30 CEST = 00:30Z; 03:30 (once, CET) = 02:30Z: 2 h open.
    write_table(
        tmp_path, "business_hours", [hours("default", 7, "02:30", "03:30", time_zone=BERLIN)]
    )
    write_table(
        tmp_path,
        "sessions",
        [
            session("k1", "2026-10-25T00:00:00Z"),
            session("k2", "2026-10-25T01:45:00Z"),  # 02:45 CET, the second 02:45: inside
            session("k3", "2026-10-25T00:15:00Z"),  # 02:15 CEST, before the first 02:30
        ],
    )
    write_table(
        tmp_path, "messages", answered("k1", "2026-10-25T00:00:00Z", "2026-10-25T03:00:00Z")
    )
    by_id = sessions_of(tmp_path)
    assert (by_id["k1"]["waiting_time_s"], by_id["k1"]["waiting_time_business_s"]) == (
        10800.0,
        7200.0,
    )
    assert by_id["k2"]["started_in_business_hours"] is True
    assert by_id["k3"]["started_in_business_hours"] is False


def test_wall_clock_conversion_rules() -> None:
    # gap: 02:30 moves forward by the one-hour gap to 03:30 CEST = 01:30Z
    assert wall_to_utc(datetime(2026, 3, 29, 2, 30), BERLIN) == datetime(2026, 3, 29, 1, 30)
    # fold: first occurrence, 02:30 CEST = 00:30Z
    assert wall_to_utc(datetime(2026, 10, 25, 2, 30), BERLIN) == datetime(2026, 10, 25, 0, 30)
    assert wall_to_utc(datetime(2026, 3, 2, 8, 0), HCM) == datetime(2026, 3, 2, 1, 0)
    # the first instant of a date; 29 March lasts 23 hours, 25 October 25 hours
    assert start_of_local_date(date(2026, 3, 29), BERLIN) == datetime(2026, 3, 28, 23, 0)
    assert start_of_local_date(date(2026, 3, 30), BERLIN) == datetime(2026, 3, 29, 22, 0)
    assert start_of_local_date(date(2026, 10, 26), BERLIN) == datetime(2026, 10, 25, 23, 0)


def test_closes_at_24_00_is_the_first_instant_of_the_next_day(tmp_path: Path) -> None:
    write_table(tmp_path, "business_hours", [hours("default", 1, "18:00", "24:00")])
    write_table(
        tmp_path,
        "sessions",
        [
            session("t1", "2026-03-02T16:30:00Z"),  # Mon 23:30 local
            session("t2", "2026-03-02T16:59:59.999999Z"),  # the last instant of Monday: open
            session("t3", "2026-03-02T17:00:00Z"),  # Tue 00:00: closed (24:00 excluded)
        ],
    )
    write_table(
        tmp_path, "messages", answered("t1", "2026-03-02T16:30:00Z", "2026-03-02T17:30:00Z")
    )  # -> Tue 00:30
    by_id = sessions_of(tmp_path)
    # 3600 s; open 23:30-24:00 only: 1800 s
    assert (by_id["t1"]["waiting_time_s"], by_id["t1"]["waiting_time_business_s"]) == (
        3600.0,
        1800.0,
    )
    assert by_id["t2"]["started_in_business_hours"] is True
    assert by_id["t3"]["started_in_business_hours"] is False


def test_overlapping_openings_count_once(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "business_hours",
        [
            hours("default", 1, "09:00", "12:00"),
            hours("default", 1, "10:00", "11:00"),
            hours("default", 1, "11:30", "13:00"),
        ],
    )
    write_table(tmp_path, "sessions", [session("o1", "2026-03-02T01:00:00Z")])  # Mon 08:00
    write_table(
        tmp_path, "messages", answered("o1", "2026-03-02T01:00:00Z", "2026-03-02T07:00:00Z")
    )  # -> 14:00
    o1 = sessions_of(tmp_path)["o1"]
    # union 09:00-13:00 = 14400 s (the rows add up to 3 + 1 + 1.5 h = 19800 s)
    assert (o1["waiting_time_s"], o1["waiting_time_business_s"]) == (21600.0, 14400.0)


def test_sessions_without_a_schedule(tmp_path: Path) -> None:
    write_table(tmp_path, "sessions", [session("x1", "2026-03-02T01:00:00Z")])
    write_table(
        tmp_path, "messages", answered("x1", "2026-03-02T01:00:00Z", "2026-03-02T01:01:00Z")
    )
    marts = compute_marts(tmp_path)  # no business tables at all
    x1 = one(marts["fct_sessions"], session_id="x1")
    assert x1["waiting_time_s"] == 60.0
    assert (
        x1["schedule_id"],
        x1["started_in_business_hours"],
        x1["waiting_time_business_s"],
        x1["avg_response_time_business_s"],
    ) == (None, None, None, None)
    assert one(marts["fct_replies"], reply_message_id="x1-r")["reply_time_business_s"] is None
    stats = one(marts["rpt_reply_stats"], replied_by_user_id="u1")
    assert (
        stats["total_reply_time_business_s"],
        stats["replies_with_business_time"],
        stats["avg_reply_time_business_s"],
    ) == (0.0, 0, None)


def test_which_schedule(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "business_hours",
        [
            hours("default", 1, "00:00", "24:00"),
            hours("ghost", 1, "00:00", "24:00", time_zone="Mars/Base"),  # quarantined
        ],
    )
    write_table(
        tmp_path,
        "channel_schedules",
        [
            {"channel_id": "ch1", "schedule_id": "ghost"},  # no valid row: no schedule
            {"channel_id": "ch9", "schedule_id": "nosuch"},  # not in business_hours at all
        ],
    )
    write_table(
        tmp_path,
        "sessions",
        [
            session("a", "2026-03-02T01:00:00Z", channel_id="ch1"),
            session("b", "2026-03-02T01:00:00Z", channel_id="ch2"),  # unmapped: default
            session("c", "2026-03-02T01:00:00Z", channel_id="ch9"),
        ],
    )
    by_id = sessions_of(tmp_path)
    assert [(by_id[s]["schedule_id"], by_id[s]["started_in_business_hours"]) for s in "abc"] == [
        (None, None),
        ("default", True),
        (None, None),
    ]


def test_default_needs_a_valid_row(tmp_path: Path) -> None:
    write_table(tmp_path, "business_hours", [hours("default", 9, "08:00", "17:00")])  # bad
    write_table(tmp_path, "holidays", [{"schedule_id": "default", "holiday_date": "2026-03-02"}])
    write_table(tmp_path, "sessions", [session("a", "2026-03-02T01:00:00Z")])
    assert sessions_of(tmp_path)["a"]["schedule_id"] is None


def test_signed_business_seconds(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "business_hours",
        [hours("default", 1, "08:00", "09:30"), hours("default", 1, "10:00", "17:00")],
    )
    write_table(
        tmp_path,
        "sessions",
        [session("g", "2026-03-02T03:00:00Z", status="done", done_at="2026-03-02T04:00:00Z")],
    )  # 10-11
    write_table(
        tmp_path,
        "messages",
        [
            agent_msg("m1", "g", "2026-03-02T02:00:00Z", "u1"),  # 09:00, before started_at
            agent_msg("m2", "g", "2026-03-02T05:00:00Z", "u1"),  # 12:00, after done_at
        ],
    )
    g = sessions_of(tmp_path)["g"]
    # proactive; first_response_at 12:00, last agent message at or before done_at 09:00:
    # support = 09:00 - 12:00 = -10800 s; business = -(09:00-09:30 + 10:00-12:00) = -9000 s
    assert (g["first_response_at"], g["last_agent_message_at"]) == (
        datetime(2026, 3, 2, 5, 0),
        datetime(2026, 3, 2, 2, 0),
    )
    assert (g["support_time_s"], g["support_time_business_s"]) == (-10800.0, -9000.0)
    assert (g["waiting_time_s"], g["waiting_time_business_s"]) == (None, None)
    assert (g["session_duration_s"], g["session_duration_business_s"]) == (3600.0, 3600.0)


def test_business_micros_directly() -> None:
    schedule = Schedule("s", {None: [Opening(HCM, 1, 8 * 60, 12 * 60)]})
    a, b = datetime(2026, 3, 2, 0, 0), datetime(2026, 3, 2, 4, 0, 0, 1)  # 07:00 -> 11:00.000001
    # open 08:00-11:00.000001 = 3 h + 1 us
    assert schedule.business_micros(a, b) == 3 * 3600 * 1_000_000 + 1
    assert schedule.business_micros(b, a) == -(3 * 3600 * 1_000_000 + 1)
    assert schedule.business_micros(a, a) == 0


# --------------------------------------------------------------------------- 7.4 replies


def test_reply_numbering_waiting_since_and_late_messages(tmp_path: Path) -> None:
    write_table(tmp_path, "sessions", [session("r", "2026-03-01T17:00:00Z")])  # 3-02 00:00 local
    write_table(
        tmp_path,
        "messages",
        [
            contact_msg("c1", "r", "2026-03-01T17:00:00Z"),
            contact_msg("c2", "r", "2026-03-01T17:01:00Z"),
            agent_msg("p1", "r", "2026-03-01T17:02:00Z", None),  # page: skipped
            agent_msg("a1", "r", "2026-03-01T17:03:00Z", "u1"),  # reply 1 to c1: 180 s
            agent_msg("a2", "r", "2026-03-01T17:04:00Z", "u2"),  # no contact since: no reply
            contact_msg("c3", "r", "2026-03-01T17:05:00Z"),
            {
                **agent_msg("a3", "r", "2026-03-01T17:07:00Z", "u2"),  # reply 2 to c3: 120 s
                "channel_id": "ch2",
                "conversation_id": "elsewhere",
            },
            agent_msg("z1", "r", "2026-03-01T17:10:00Z", "u2"),  # same instant as z0, id after
            contact_msg("z0", "r", "2026-03-01T17:10:00Z"),  # so z0 first: reply 3, 0 s
            contact_msg("c9", "r", "2026-03-01T17:20:00Z"),  # never answered
            contact_msg("l1", "late", "2026-03-01T17:00:00Z"),  # session not loaded: held out
            agent_msg("l2", "late", "2026-03-01T17:01:00Z", "u1"),
        ],
    )
    marts = compute_marts(tmp_path)
    replies = to_records(marts["fct_replies"])
    assert [
        (r["reply_message_id"], r["customer_message_id"], r["reply_number"], r["reply_time_s"])
        for r in replies
    ] == [("a1", "c1", 1, 180.0), ("a3", "c3", 2, 120.0), ("z1", "z0", 3, 0.0)]
    a3 = replies[1]
    assert (a3["waiting_since"], a3["replied_at"], a3["replied_by_user_id"]) == (
        datetime(2026, 3, 1, 17, 5),
        datetime(2026, 3, 1, 17, 7),
        "u2",
    )
    # conversation and channel are the session's, not the message's
    assert (a3["conversation_id"], a3["channel_id"], a3["session_id"]) == ("conv-r", "ch1", "r")
    assert (a3["reply_date"], a3["reply_hour"]) == (date(2026, 3, 2), 0)  # 00:07 local
    # avg_response_time_s is the mean of the session's fct_replies rows: 300 / 3
    assert one(marts["fct_sessions"], session_id="r")["avg_response_time_s"] == 100.0
    u2 = one(marts["rpt_reply_stats"], replied_by_user_id="u2")
    # u2: 120 and 0 s; sorted [0, 120]: median 60, p90 at 1.9: 0.9 * 120 = 108
    assert (
        u2["replies"],
        u2["first_replies"],
        u2["total_reply_time_s"],
        u2["avg_reply_time_s"],
        u2["median_reply_time_s"],
        u2["p90_reply_time_s"],
    ) == (2, 0, 120.0, 60.0, 60.0, 108.0)
    assert one(marts["rpt_reply_stats"], replied_by_user_id="u1")["first_replies"] == 1


def test_median_and_p90_of_four_replies(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "sessions",
        [session("q1", "2026-03-02T01:00:00Z"), session("q2", "2026-03-02T03:00:00Z")],
    )
    write_table(
        tmp_path,
        "messages",
        [
            *answered("q1", "2026-03-02T01:00:00Z", "2026-03-02T01:01:00Z", prefix="q1a"),  # 60
            *answered("q1", "2026-03-02T02:00:00Z", "2026-03-02T02:10:00Z", prefix="q1b"),  # 600
            *answered("q2", "2026-03-02T03:00:00Z", "2026-03-02T03:02:00Z", prefix="q2a"),  # 120
            *answered("q2", "2026-03-02T04:00:00Z", "2026-03-02T04:03:00Z", prefix="q2b"),  # 180
        ],
    )
    stats = one(compute_marts(tmp_path)["rpt_reply_stats"], replied_by_user_id="u1")
    # sorted [60, 120, 180, 600]; median at 1 + 0.5 * 3 = 2.5: 120 + 0.5 * 60 = 150;
    # p90 at 1 + 0.9 * 3 = 3.7: 180 + 0.7 * 420 = 474; mean 960 / 4 = 240
    assert (
        stats["replies"],
        stats["first_replies"],
        stats["total_reply_time_s"],
        stats["avg_reply_time_s"],
    ) == (4, 2, 960.0, 240.0)
    assert (stats["median_reply_time_s"], stats["p90_reply_time_s"]) == (150.0, 474.0)


def test_percentile_cont_edges() -> None:
    assert percentile_cont([], Fraction(1, 2)) is None
    assert percentile_cont([7_000_000], Fraction(9, 10)) == 7.0
    # [1, 2] s: p90 at position 1.9: 1 + 0.9 = 1.9 s
    assert percentile_cont([2_000_000, 1_000_000], Fraction(9, 10)) == 1.9


# --------------------------------------------------------------------------- 7.5 conversations


def test_conversations_reopens_and_touches(tmp_path: Path) -> None:
    def conv(session_id: str, conversation: str, started_at: str, **extra: str) -> dict:
        return session(session_id, started_at, conversation_id=conversation, **extra)

    write_table(
        tmp_path,
        "sessions",
        [
            # A: A0 and A1 start together; A0 is first by session_id
            conv("A1", "A", "2026-03-01T17:30:00Z", status="done", done_at="2026-03-01T19:00:00Z"),
            conv(
                "A0",
                "A",
                "2026-03-01T17:30:00Z",
                status="done",
                done_at="2026-03-01T17:50:00Z",
                channel_id="ch2",
                contact_id="k2",
            ),
            conv("A2", "A", "2026-03-01T18:00:00Z", status="done", done_at="2026-03-01T18:30:00Z"),
            conv("B1", "B", "2026-03-02T01:00:00Z", status="done", done_at="2026-03-02T02:00:00Z"),
            conv("C1", "C", "2026-03-02T01:00:00Z", status="done", done_at="2026-03-02T02:00:00Z"),
            conv("C2", "C", "2026-03-02T03:00:00Z"),  # still open
            conv("D1", "D", "2026-03-02T01:00:00Z", status="done"),  # done without done_at
            conv("D2", "D", "2026-03-02T02:00:00Z", status="done", done_at="2026-03-02T03:00:00Z"),
        ],
    )
    write_table(
        tmp_path,
        "messages",
        [
            *answered("A1", "2026-03-01T17:30:00Z", "2026-03-01T17:35:00Z"),
            *answered("A2", "2026-03-01T18:00:00Z", "2026-03-01T18:05:00Z"),
            *answered("B1", "2026-03-02T01:00:00Z", "2026-03-02T01:05:00Z"),
            *answered("C1", "2026-03-02T01:00:00Z", "2026-03-02T01:05:00Z"),
        ],
    )
    convs = {
        r["conversation_id"]: r for r in to_records(compute_marts(tmp_path)["fct_conversations"])
    }
    a = convs["A"]
    assert (a["contact_id"], a["channel_id"], a["sessions"], a["reopens"]) == ("k2", "ch2", 3, 2)
    assert (a["first_started_at"], a["last_started_at"], a["first_started_date"]) == (
        datetime(2026, 3, 1, 17, 30),
        datetime(2026, 3, 1, 18, 0),
        date(2026, 3, 2),
    )
    assert (a["is_completed"], a["last_done_at"]) == (True, datetime(2026, 3, 1, 19, 0))
    assert (a["total_messages"], a["replies"], a["is_one_touch"], a["is_two_touch"]) == (
        4,
        2,
        False,
        True,
    )
    b = convs["B"]
    assert (b["reopens"], b["replies"], b["is_one_touch"], b["is_two_touch"]) == (0, 1, True, False)
    c = convs["C"]
    assert (c["is_completed"], c["last_done_at"], c["replies"], c["is_one_touch"]) == (
        False,
        None,
        1,
        False,
    )
    d = convs["D"]
    assert (
        d["is_completed"],
        d["last_done_at"],
        d["replies"],
        d["is_one_touch"],
        d["is_two_touch"],
    ) == (True, None, 0, False, False)


# --------------------------------------------------------------------------- 7.6 backlog


def test_backlog_boundaries(tmp_path: Path) -> None:
    # Ho Chi Minh: the end of local date D is D 17:00Z.
    write_table(
        tmp_path,
        "sessions",
        [
            session("o1", "2026-03-01T01:00:00Z"),  # open, unassigned
            session("o2", "2026-03-02T10:00:00Z", assigned_user_id="u1"),  # open
            session("o3", "2026-03-01T17:00:00Z"),  # open, 3-02 00:00 local
            session(
                "d_end", "2026-03-01T02:00:00Z", status="done", done_at="2026-03-01T17:00:00Z"
            ),  # done at the end of 3-01
            session(
                "d_before",
                "2026-03-01T03:00:00Z",
                status="done",
                done_at="2026-03-01T16:59:59.999999Z",
            ),  # done just before it
            session("d_null", "2026-03-01T03:00:00Z", status="done"),  # no done_at: no backlog
            session("o_c", "2026-03-02T02:00:00Z", support_type="comment"),  # another grain row
        ],
    )
    # as-of date: the newest sent_at 2026-03-03T01:00Z is 3-03 08:00 local
    write_table(tmp_path, "messages", [contact_msg("m1", "o2", "2026-03-03T01:00:00Z")])
    rows = {
        (r["snapshot_date"], r["support_type"]): r
        for r in to_records(compute_marts(tmp_path)["rpt_backlog_daily"])
    }
    assert set(rows) == {
        (date(2026, 3, 1), "message"),
        (date(2026, 3, 2), "message"),
        (date(2026, 3, 3), "message"),
        (date(2026, 3, 2), "comment"),
        (date(2026, 3, 3), "comment"),
    }

    def counts(day: int, support_type: str = "message") -> tuple:
        r = rows[(date(2026, 3, day), support_type)]
        return (
            r["open_sessions"],
            r["unassigned_open_sessions"],
            r["open_over_24h"],
            r["oldest_started_at"],
        )

    # 3-01 (end 3-01 17:00Z): o1 (16 h old) and d_end (done_at = end: still in backlog)
    assert counts(1) == (2, 2, 0, datetime(2026, 3, 1, 1, 0))
    # 3-02 (end 3-02 17:00Z): o1 (40 h: over), o2 (7 h), o3 (exactly 24 h: not over)
    assert counts(2) == (3, 2, 1, datetime(2026, 3, 1, 1, 0))
    # 3-03 (end 3-03 17:00Z): o1 (64 h), o2 (31 h), o3 (48 h): all over 24 h
    assert counts(3) == (3, 2, 3, datetime(2026, 3, 1, 1, 0))
    assert counts(2, "comment") == (1, 1, 0, datetime(2026, 3, 2, 2, 0))


def test_backlog_on_a_23_hour_dst_day(tmp_path: Path) -> None:
    # Report in Berlin. The end of 3-28 is 3-29 00:00 CET = 3-28 23:00Z; 3-29 has 23 hours,
    # so its end is 3-30 00:00 CEST = 3-29 22:00Z (not 23:00Z); the end of 3-30 is 3-30 22:00Z.
    write_table(
        tmp_path,
        "sessions",
        [
            session("p", "2026-03-28T22:00:00Z"),  # 3-28 23:00 CET, open
            session("q", "2026-03-29T10:00:00Z", status="done", done_at="2026-03-29T22:00:00Z"),
            session("r", "2026-03-29T10:00:00Z", status="done", done_at="2026-03-29T21:59:59Z"),
        ],
    )
    write_table(tmp_path, "messages", [contact_msg("m1", "p", "2026-03-30T08:00:00Z")])
    backlog = to_records(compute_marts(tmp_path, report_timezone=BERLIN)["rpt_backlog_daily"])
    got = {
        r["snapshot_date"]: (r["open_sessions"], r["open_over_24h"], r["oldest_started_at"])
        for r in backlog
    }
    assert got == {
        # 3-28: p started 1 h before the end
        date(2026, 3, 28): (1, 0, datetime(2026, 3, 28, 22, 0)),
        # 3-29: p is exactly 24 h old at 22:00Z (not over); q is done exactly at the end
        # (in backlog); r is done 1 s before it (not)
        date(2026, 3, 29): (2, 0, datetime(2026, 3, 28, 22, 0)),
        # 3-30 (the as-of date): p is 48 h old
        date(2026, 3, 30): (1, 1, datetime(2026, 3, 28, 22, 0)),
    }


def test_no_messages_no_backlog(tmp_path: Path) -> None:
    write_table(tmp_path, "sessions", [session("o1", "2026-03-01T01:00:00Z")])
    assert len(compute_marts(tmp_path)["rpt_backlog_daily"]) == 0


# --------------------------------------------------------------------------- 7.7 csat


def test_csat_with_unassigned_sessions(tmp_path: Path) -> None:
    def rated(session_id: str, user: str, rating: str, status: str = "done") -> dict:
        extra = {"done_at": "2026-03-02T02:00:00Z"} if status == "done" else {}
        return session(
            session_id,
            "2026-03-02T01:00:00Z",
            assigned_user_id=user,
            rating=rating,
            status=status,
            **extra,
        )

    write_table(
        tmp_path,
        "sessions",
        [
            rated("c1", "u1", "5"),
            rated("c2", "u1", "4"),
            rated("c3", "u1", "2"),
            rated("c4", "u1", "", status="open"),
            rated("c5", "", "3"),
            rated("c6", "", "1"),
            rated("c7", "", "", status="open"),
            rated("c8", "u2", ""),
        ],
    )
    rows = {r["assigned_user_id"]: r for r in to_records(compute_marts(tmp_path)["rpt_csat_daily"])}
    assert set(rows) == {"u1", "u2", None}
    u1 = rows["u1"]
    # ratings 5, 4, 2: satisfied 2 of 3 = 66.666..% -> 66.67; mean 11 / 3
    assert (
        u1["started_date"],
        u1["channel_id"],
        u1["sessions"],
        u1["done_sessions"],
        u1["rated_sessions"],
        u1["satisfied_sessions"],
        u1["dissatisfied_sessions"],
    ) == (date(2026, 3, 2), "ch1", 4, 3, 3, 2, 1)
    assert (u1["csat_pct"], u1["avg_rating"]) == (66.67, 11 / 3)
    # unassigned: ratings 3, 1: none satisfied (0.0, not null), 1 dissatisfied, mean 2
    none = rows[None]
    assert (
        none["sessions"],
        none["done_sessions"],
        none["rated_sessions"],
        none["satisfied_sessions"],
        none["dissatisfied_sessions"],
        none["csat_pct"],
        none["avg_rating"],
    ) == (3, 2, 2, 0, 1, 0.0, 2.0)
    # u2: nothing rated: null percentage and average
    assert (rows["u2"]["rated_sessions"], rows["u2"]["csat_pct"], rows["u2"]["avg_rating"]) == (
        0,
        None,
        None,
    )
