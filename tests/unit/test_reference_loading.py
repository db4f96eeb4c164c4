"""Loading, dimensions and late rows in the reference oracle: hand-computed cases."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

_REPO_ROOT = Path(__file__).resolve().parents[2]
if str(_REPO_ROOT) not in sys.path:  # tests/ is not a package on pytest's default path
    sys.path.insert(0, str(_REPO_ROOT))

from tests.reference.contract_reference import MART_KEYS, compute_marts, to_records  # noqa: E402
from tests.unit.test_reference_contract import (  # noqa: E402
    agent_msg,
    contact_msg,
    one,
    session,
    write_table,
)

pytestmark = pytest.mark.unit


def test_every_mart_and_quarantine_frame_is_returned(tmp_path: Path) -> None:
    marts = compute_marts(tmp_path, sla_minutes=[2, 10])
    assert set(MART_KEYS) <= set(marts)
    assert "quarantine__agent_status_events" in marts and "reconciliation" in marts
    assert [c for c in marts["rpt_user_stats"].columns if c.startswith("sla_")] == [
        "sla_2m",
        "sla_10m",
    ]
    assert all(len(marts[m]) == 0 for m in MART_KEYS)


def test_broken_csv_loads_nothing_and_others_still_load(tmp_path: Path) -> None:
    folder = tmp_path / "channels"
    folder.mkdir()
    (folder / "a.csv").write_text(
        "channel_type,channel_id,channel_name,extra\nzalo,ch1,Zalo OA,x\n", encoding="utf-8"
    )
    (folder / "b.csv").write_text(
        "channel_id,channel_name,channel_type\nch2,P,facebook\nch3,P,facebook,oops\n",
        encoding="utf-8",
    )
    (folder / "c.csv").write_text("channel_id,channel_name\nch4,P\n", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\x00")
    marts = compute_marts(tmp_path)
    assert to_records(marts["dim_channels"]) == [
        {"channel_id": "ch1", "channel_name": "Zalo OA", "channel_type": "zalo"}
    ]
    statuses = {r["file"]: r["status"] for r in to_records(marts["load_log"])}
    assert statuses == {
        "channels/.DS_Store": "ignored",
        "channels/a.csv": "loaded",
        "channels/b.csv": "failed",
        "channels/c.csv": "failed",
    }


def test_jsonl_typed_values_and_absent_keys(tmp_path: Path) -> None:
    folder = tmp_path / "users"
    folder.mkdir()
    lines = [
        {"user_id": "u1", "full_name": "An", "is_active": True},
        {"user_id": "u2", "full_name": "Binh", "email": "b@x.vn", "is_active": " NO "},
        {"user_id": "u3", "is_active": "maybe"},
        {"user_id": 7, "is_active": 1},
    ]
    (folder / "users.JSONL").write_text(
        "\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8"
    )
    marts = compute_marts(tmp_path)
    users = {r["user_id"]: r for r in to_records(marts["dim_users"])}
    assert set(users) == {"u1", "u2", "7"}
    assert (users["u1"]["is_active"], users["u1"]["email"]) == (True, None)
    assert users["u2"]["is_active"] is False
    assert users["7"]["is_active"] is True
    assert to_records(marts["quarantine__users"])[0]["reason"] == "invalid is_active 'maybe'"


def test_parquet_timestamps_become_utc(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    folder = tmp_path / "agent_status_events"
    folder.mkdir()
    table = pa.table(
        {
            "event_id": ["e1", "e2"],
            "user_id": ["u1", "u1"],
            "status": ["paused", "online"],
            "event_at": pa.array(
                [datetime(2026, 3, 1, 2, 0), datetime(2026, 3, 1, 2, 0, 30, 250000)],
                type=pa.timestamp("us", tz="UTC"),
            ),
        }
    )
    pq.write_table(table, folder / "events.parquet")
    row = one(compute_marts(tmp_path)["rpt_agent_working_time"], user_id="u1")
    assert (row["pause_date"], row["total_pause_s"]) == (date(2026, 3, 1), 30.25)


def test_dimensions_late_rows_and_done_without_done_at(tmp_path: Path) -> None:
    write_table(
        tmp_path,
        "channels",
        [
            {"channel_id": "ch1", "channel_name": "Page", "channel_type": "facebook"},
            {"channel_id": "ch2", "channel_name": "OA", "channel_type": "zalo"},
        ],
    )
    write_table(tmp_path, "users", [{"user_id": "u1", "full_name": "An"}])
    write_table(
        tmp_path,
        "groups",
        [
            {"group_id": "g1", "group_name": "b"},
            {"group_id": "g2", "group_name": "B"},
            {"group_id": "g3", "group_name": "b"},
            {"group_id": "g4"},
        ],
    )
    write_table(
        tmp_path,
        "user_groups",
        [{"user_id": "u1", "group_id": g} for g in ("g1", "g2", "g3", "g4", "g9", "g1")],
    )
    write_table(
        tmp_path,
        "sessions",
        [
            session(
                "s1",
                "2026-03-01T17:30:00Z",
                status="done",
                assigned_user_id="u1",
                contact_id="k9",
                category_id="c9",
            ),
            session("bad", "2026-03-01T10:00:00Z", status="Open"),
        ],
    )
    write_table(
        tmp_path,
        "messages",
        [
            contact_msg("m1", "s1", "2026-03-01T17:30:00Z"),
            {**agent_msg("m2", "s1", "2026-03-01T17:31:00Z", "ghost"), "channel_id": "ch2"},
            contact_msg("m3", "bad", "2026-03-01T10:00:00Z"),  # session quarantined: late
            contact_msg("m4", "later", "2026-03-09T10:00:00Z"),  # session never loaded: late
        ],
    )
    marts = compute_marts(tmp_path)
    user = one(marts["dim_users"], user_id="u1")
    assert user["group_names"] == "B,b"
    s1 = one(marts["fct_sessions"], session_id="s1")
    assert (s1["contact_name"], s1["category"], s1["staff_name"]) == (None, None, "An")
    assert (s1["started_date"], s1["started_hour"]) == (date(2026, 3, 2), 0)
    assert (s1["is_completed"], s1["session_duration_s"]) == (True, None)
    assert (s1["last_agent_message_at"], s1["support_time_s"]) == (None, None)
    assert s1["waiting_time_s"] == 60.0
    assert sorted(marts["fct_messages"]["message_id"]) == ["m1", "m2"]
    m2 = one(marts["fct_messages"], message_id="m2")
    assert (m2["channel_name"], m2["sender_kind"], m2["sent_date"]) == (
        "OA",
        "agent",
        date(2026, 3, 2),
    )
    ghost = one(marts["rpt_user_stats"], user_id="ghost")
    assert (ghost["not_assigned_completed_supported"], ghost["sla_1m"], ghost["sla_5m"]) == (
        1,
        0,
        1,
    )
    u1 = one(marts["rpt_user_stats"], user_id="u1")
    assert u1["assigned_completed_not_supported"] == 1
    recon = one(marts["reconciliation"], table_name="user_groups")
    assert (recon["raw_rows"], recon["staged_rows"], recon["superseded_rows"]) == (6, 5, 1)
