"""The section-7 report views and --business-hours on the sample data (seeds/), each checked
against a figure worked out another way: by hand from the construction of the sample
(seeds/README.md), or in pandas straight from the fact rows (fct_replies, fct_sessions,
fct_conversations, fct_messages) with the business clock of the reference implementation
(tests/reference/business_clock.py), never from the view's own output or the mart it sums.

The warehouse is the session's `sample_warehouse` (tests/conftest.py), built once.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest

from tests.reference.contract_reference import (
    build_schedules,
    load_landing,
    schedule_of_channel,
    stage,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_report_views import rows  # noqa: E402

pytestmark = pytest.mark.integration

SAMPLE_LANDING = Path(__file__).resolve().parents[2] / "seeds" / "landing"
REPORT_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def frame(warehouse: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return a is None and (b is None or math.isnan(b))
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def mean_or_none(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.mean()) if len(values) else None


def half_up(numerator: int, denominator: int) -> float | None:
    if not denominator:
        return None
    exact = Decimal(100 * numerator) / Decimal(denominator)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# ------------------------------------------------------------------ replies


def _expected_replies(replies: pd.DataFrame) -> dict[tuple, tuple]:
    """Per agent and channel, from the reply rows: pandas' linear quantile is percentile_cont."""
    expected = {}
    for key, group in replies.groupby(["replied_by_user_id", "channel_id"]):
        times = group["reply_time_s"]
        expected[key] = (
            len(group),
            int((group["reply_number"] == 1).sum()),
            float(times.mean()),
            float(times.quantile(0.5)),
            float(times.quantile(0.9)),
            mean_or_none(group["reply_time_business_s"]),
        )
    return expected


@pytest.mark.parametrize(
    ("argv", "where"),
    [
        ([], "true"),
        (
            ["--page", "ch01", "--page", "ch03", "--from", "2026-03-05", "--to", "2026-03-11"],
            "channel_id in ('ch01', 'ch03') and reply_date between date '2026-03-05' and date '2026-03-11'",
        ),
        (["--user", "u08"], "replied_by_user_id = 'u08'"),
    ],
)
def test_replies_equal_pandas_over_the_reply_rows(capsys, sample_warehouse, argv, where):
    replies = frame(sample_warehouse, f"select * from marts.fct_replies where {where}")
    assert len(replies) > 20  # enough replies for the percentiles to mean something
    records, totals = rows(capsys, sample_warehouse, "replies", *argv)
    found = {
        (r["replied_by_user_id"], r["channel_id"]): (
            r["replies"],
            r["first_replies"],
            r["avg_reply_time_s"],
            r["median_reply_time_s"],
            r["p90_reply_time_s"],
            r["avg_reply_time_business_s"],
        )
        for r in records
    }
    expected = _expected_replies(replies)
    assert set(found) == set(expected)
    for key, values in expected.items():
        assert found[key][:2] == values[:2], key
        assert all(close(a, b) for a, b in zip(found[key][2:], values[2:], strict=True)), (
            key,
            found[key],
            values,
        )
    # the totals row: the percentiles of every filtered reply, not a mean of the rows' ones
    assert totals["replies"] == len(replies)
    assert close(totals["median_reply_time_s"], float(replies["reply_time_s"].quantile(0.5)))
    assert close(totals["p90_reply_time_s"], float(replies["reply_time_s"].quantile(0.9)))
    row_medians = [r["median_reply_time_s"] for r in records]
    assert not close(totals["median_reply_time_s"], sum(row_medians) / len(row_medians))


# ------------------------------------------------------------------ --business-hours


def test_sessions_business_hours_by_hand(capsys, sample_warehouse):
    """seeds/README.md "Business hours": sx01 is measured against the default schedule
    (waiting 190 s, support 380 s, duration 1200 s all inside opening hours); sx15 waits
    25 h of which 34200 s are open; sx16's channel maps to a schedule with no valid row."""
    records, _ = rows(capsys, sample_warehouse, "sessions", "--business-hours")
    sessions = {r["session_id"]: r for r in records}
    columns = (
        "schedule_id",
        "started_in_business_hours",
        "waiting_time_s",
        "waiting_time_business_s",
        "support_time_business_s",
        "session_duration_business_s",
    )
    assert tuple(sessions["sx01"][c] for c in columns) == (
        "default",
        True,
        190.0,
        190.0,
        380.0,
        1200.0,
    )
    assert tuple(sessions["sx15"][c] for c in columns) == (
        "default",
        True,
        90000.0,
        34200.0,
        0.0,
        35400.0,
    )
    assert tuple(sessions["sx16"][c] for c in columns[:2]) == (None, None)
    assert sessions["sx16"]["avg_response_time_business_s"] is None


@pytest.mark.parametrize(
    ("argv", "where"),
    [
        ([], "true"),
        (["--page", "ch01", "--supported", "yes"], "channel_id = 'ch01' and is_supported"),
    ],
)
def test_overview_business_hours_equal_pandas_over_the_sessions(
    capsys, sample_warehouse, argv, where
):
    sessions = frame(sample_warehouse, f"select * from marts.fct_sessions where {where}")
    (row,), _ = rows(capsys, sample_warehouse, "overview", "--business-hours", *argv)
    for name in ("waiting_time", "support_time"):
        business = sessions[f"{name}_business_s"].dropna()
        assert row[f"sessions_with_{name}_business"] == len(business) > 0
        assert close(row[f"total_{name}_business_s"], float(business.sum()))
        assert close(row[f"avg_{name}_business_s"], float(business.mean()))
        # calendar and business side by side: business never exceeds calendar here
        assert row[f"total_{name}_business_s"] <= row[f"total_{name}_s"]


def _agent_business_times(warehouse: Path) -> pd.DataFrame:
    """Each participation's business waiting and support time, from the facts and the
    reference clock: the session's business waiting time when first responder; the open
    seconds between the agent's first message and its last one at or before done_at."""
    staged = stage(load_landing(SAMPLE_LANDING))
    schedules = build_schedules(staged)
    mappings = {r["channel_id"]: r["schedule_id"] for r in staged.tables["channel_schedules"]}
    participations = frame(
        warehouse,
        """
        select p.session_id, p.user_id, p.is_first_responder, p.support_time_s,
            s.channel_id, s.done_at, s.waiting_time_business_s
        from marts.fct_agent_participations as p
        inner join marts.fct_sessions as s on s.session_id = p.session_id
        """,
    )
    messages = frame(
        warehouse,
        "select session_id, agent_user_id as user_id, sent_at from marts.fct_messages "
        "where sender_kind = 'agent'",
    )
    merged = participations.merge(messages, on=["session_id", "user_id"], how="left")
    first = merged.groupby(["session_id", "user_id"])["sent_at"].min().rename("first_at")
    before_done = merged[merged["sent_at"] <= merged["done_at"]]
    last = before_done.groupby(["session_id", "user_id"])["sent_at"].max().rename("last_at")
    participations = participations.join(first, on=["session_id", "user_id"]).join(
        last, on=["session_id", "user_id"]
    )

    def support(row) -> float | None:
        schedule = schedule_of_channel(row.channel_id, mappings, schedules)
        if schedule is None or pd.isna(row.support_time_s):
            return None
        start, end = row.first_at.to_pydatetime(), row.last_at.to_pydatetime()
        return schedule.business_micros(start, end) / 1_000_000

    participations["support_business_s"] = [support(r) for r in participations.itertuples()]
    participations["waiting_business_s"] = participations["waiting_time_business_s"].where(
        participations["is_first_responder"]
    )
    return participations


def test_users_business_hours_equal_the_reference_clock(capsys, sample_warehouse):
    expected = _agent_business_times(sample_warehouse)
    records, totals = rows(capsys, sample_warehouse, "users", "--business-hours")
    users = {r["user_id"]: r for r in records}
    assert set(users) == set(expected["user_id"])
    for user_id, group in expected.groupby("user_id"):
        row = users[user_id]
        for name, column in (
            ("waiting_time", "waiting_business_s"),
            ("support_time", "support_business_s"),
        ):
            values = group[column].dropna()
            assert row[f"sessions_with_{name}_business"] == len(values), (user_id, name)
            assert close(row[f"total_{name}_business_s"], float(values.sum())), (user_id, name)
    assert close(
        totals["avg_support_time_business_s"], float(expected["support_business_s"].dropna().mean())
    )
    # an agent's business support time never exceeds its calendar one on this data
    assert all(
        r["total_support_time_business_s"] <= r["total_support_time_s"] + 1e-6 for r in records
    )


# ------------------------------------------------------------------ csat


@pytest.mark.parametrize(
    ("argv", "where"),
    [
        ([], "true"),
        (
            ["--from", "2026-03-04", "--to", "2026-03-12", "--page", "ch01", "--page", "ch05"],
            "started_date between date '2026-03-04' and date '2026-03-12' and channel_id in ('ch01', 'ch05')",
        ),
    ],
)
def test_csat_equals_pandas_over_the_sessions(capsys, sample_warehouse, argv, where):
    sessions = frame(sample_warehouse, f"select * from marts.fct_sessions where {where}")
    records, totals = rows(capsys, sample_warehouse, "csat", *argv)
    found = {r["assigned_user_id"]: r for r in records}
    groups = sessions.groupby(sessions["assigned_user_id"].fillna("(none)"))
    assert {None if k == "(none)" else k for k in groups.groups} == set(found)
    for key, group in groups:
        row = found[None if key == "(none)" else key]
        rated = group["rating"].dropna()
        satisfied = int(rated.isin([4, 5]).sum())
        assert (row["sessions"], row["done_sessions"], row["rated_sessions"]) == (
            len(group),
            int(group["is_completed"].sum()),
            len(rated),
        )
        assert (row["satisfied_sessions"], row["dissatisfied_sessions"]) == (
            satisfied,
            int(rated.isin([1, 2]).sum()),
        )
        assert row["csat_pct"] == half_up(satisfied, len(rated))
        assert close(row["avg_rating"], float(rated.mean()) if len(rated) else None)
    rated = sessions["rating"].dropna()
    assert totals["csat_pct"] == half_up(int(rated.isin([4, 5]).sum()), len(rated))
    assert close(totals["avg_rating"], float(rated.mean()))


# ------------------------------------------------------------------ backlog


def _end_of_local_day(day: dt.date) -> dt.datetime:
    """The first instant of the next local date, as naive UTC."""
    local = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), REPORT_ZONE)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("argv", "channels"), [([], None), (["--page", "ch02", "--page", "ch07"], ("ch02", "ch07"))]
)
def test_backlog_equals_the_definition_over_the_sessions(capsys, sample_warehouse, argv, channels):
    """CONTRACT.md 7.6 straight from fct_sessions: started before the end of the local date,
    and open, or done with done_at at or after that end (done without done_at: never)."""
    sessions = frame(sample_warehouse, "select * from marts.fct_sessions")
    newest = frame(sample_warehouse, "select max(sent_at) as newest from marts.fct_messages")
    as_of = (
        newest["newest"][0].to_pydatetime().replace(tzinfo=dt.UTC).astimezone(REPORT_ZONE).date()
    )
    if channels:
        sessions = sessions[sessions["channel_id"].isin(channels)]
    expected = []
    # the snapshots start at the earliest start of every session, whatever the filter
    day = frame(sample_warehouse, "select min(started_date) as d from marts.fct_sessions")["d"][0]
    day = pd.Timestamp(day).date()
    while day <= as_of:
        end = _end_of_local_day(day)
        started = sessions["started_at"] < end
        still_open = ~sessions["is_completed"] | (sessions["done_at"] >= end)
        open_now = sessions[started & still_open]
        if len(open_now):
            age = (end - open_now["started_at"]).dt.total_seconds()
            expected.append(
                (
                    day.isoformat(),
                    len(open_now),
                    int(open_now["assigned_user_id"].isna().sum()),
                    int((age > 86400).sum()),
                    open_now["started_at"].min().isoformat(),
                )
            )
        day += dt.timedelta(days=1)
    records, totals = rows(capsys, sample_warehouse, "backlog", *argv)
    assert [
        (
            r["snapshot_date"],
            r["open_sessions"],
            r["unassigned_open_sessions"],
            r["open_over_24h"],
            r["oldest_started_at"],
        )
        for r in records
    ] == expected
    assert totals is None
    assert len(expected) >= 10


# ------------------------------------------------------------------ conversations


def test_conversations_equal_pandas_over_the_conversations(capsys, sample_warehouse):
    conversations = frame(
        sample_warehouse,
        "select * from marts.fct_conversations where first_started_date >= date '2026-03-08'",
    )
    records, totals = rows(capsys, sample_warehouse, "conversations", "--from", "2026-03-08")
    found = {r["channel_id"]: r for r in records}
    assert set(found) == set(conversations["channel_id"])
    for channel_id, group in conversations.groupby("channel_id"):
        row = found[channel_id]
        completed = int(group["is_completed"].sum())
        assert (
            row["conversations"],
            row["sessions"],
            row["reopens"],
            row["completed_conversations"],
            row["one_touch_conversations"],
            row["replies"],
        ) == (
            len(group),
            int(group["sessions"].sum()),
            int(group["sessions"].sum()) - len(group),
            completed,
            int(group["is_one_touch"].sum()),
            int(group["replies"].sum()),
        )
        assert row["pct_one_touch"] == half_up(int(group["is_one_touch"].sum()), completed)
    assert totals["conversations"] == len(conversations)
