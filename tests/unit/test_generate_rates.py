"""Bad and re-export rates, and the edge cases, seen through the independent pandas reference.

The reference (tests/reference/contract_reference.py) validates and deduplicates the
generated files on its own; its quarantine and superseded counts are the check.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from omnireport.generate import GenerateConfig, generate
from tests.reference.contract_reference import compute_marts

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict[str, pd.DataFrame]]:
    out = tmp_path_factory.mktemp("clean")
    stats = generate(GenerateConfig(out=out, sessions=400, seed=5, bad_rate=0.0, dup_rate=0.03))
    return out, stats, compute_marts(out)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict[str, pd.DataFrame]]:
    out = tmp_path_factory.mktemp("dirty")
    stats = generate(
        GenerateConfig(out=out, sessions=400, seed=6, bad_rate=0.05, dup_rate=0.0, format="mixed")
    )
    return out, stats, compute_marts(out)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("broken")
    generate(GenerateConfig(out=out, sessions=150, seed=9, bad_rate=0.5, dup_rate=0.0))
    return compute_marts(out)


def _reconciliation(marts: dict[str, pd.DataFrame]) -> dict[str, dict]:
    return {row["table_name"]: row for row in marts["reconciliation"].to_dict("records")}


def test_with_no_bad_rate_every_row_is_valid_and_every_reexport_is_superseded(clean) -> None:
    _, stats, marts = clean
    counts = _reconciliation(marts)
    for table, written in stats.tables.items():
        assert counts[table]["quarantined_rows"] == 0, (table, marts[f"quarantine__{table}"].head())
        assert counts[table]["raw_rows"] == written.rows, table
        assert counts[table]["superseded_rows"] == written.dup, table
    messages = stats.tables["messages"]
    assert 0.02 <= messages.dup / messages.rows <= 0.04


def test_bad_rate_is_honoured_and_each_bad_row_is_quarantined(dirty) -> None:
    _, stats, marts = dirty
    counts = _reconciliation(marts)
    for table, written in stats.tables.items():
        assert counts[table]["quarantined_rows"] == written.bad, table
    # binomial spread: messages (~5000 rows) tight, sessions (~400 rows) loose
    for table, low, high in (
        ("messages", 0.04, 0.06),
        ("agent_status_events", 0.03, 0.07),
        ("sessions", 0.02, 0.08),
    ):
        written = stats.tables[table]
        assert low <= written.bad / written.rows <= high, table


def test_bad_rows_show_every_kind_the_contract_lists(broken) -> None:
    marts = broken
    reasons = " | ".join(
        reason
        for key, frame in marts.items()
        if key.startswith("quarantine__")
        for reason in frame["reason"]
    )
    for expected in (
        "missing session_id",
        "missing message_id",
        "unknown direction 'Outgoing'",
        "unknown status 'Done'",
        "invalid rating '6'",
        "invalid rating '5.0'",
        "invalid is_active 'maybe'",
        "done_at before started_at",
        "done_at set on an open session",
        "agent_user_id on an incoming message",
        "missing external_id",
        "unparseable sent_at",
    ):
        assert expected in reasons, expected
    sessions = marts["quarantine__sessions"]
    assert any(
        re.search(r"unparseable \w+ '2026-02-30 ", r)
        for r in marts["quarantine__messages"]["reason"].tolist()
        + sessions["reason"].tolist()
        + marts["quarantine__tag_events"]["reason"].tolist()
        + marts["quarantine__agent_status_events"]["reason"].tolist()
    )


def _raw_values(out: Path, table: str, column: str) -> list[str]:
    values = []
    for path in sorted((out / table).glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            values.extend(row[column] for row in csv.DictReader(handle))
    return values


def test_the_awkward_cases_are_all_there(clean) -> None:
    out, _, marts = clean
    sessions = marts["fct_sessions"]
    assert set(sessions["session_type"]) == {"proactive", "unanswered_24h", "standard"}
    assert (sessions["waiting_time_s"] > 86400).any()  # answered after more than 24 h
    assert {60.0, 300.0, 86400.0} <= set(sessions["waiting_time_s"])  # strict-bound edges
    assert (sessions["total_messages"] == 0).any()
    assert (sessions["is_completed"] & sessions["done_at"].isna()).any()  # done without done_at
    assert (~sessions["is_assigned"]).any() and (
        sessions["is_supported"] & ~sessions["is_assigned"]
    ).any()
    assert (sessions["contact_name"].isna()).any() and (sessions["category"].isna()).any()
    assert (sessions["started_hour"] == 23).any()
    messages = marts["fct_messages"]
    assert set(messages["sender_kind"]) == {"contact", "agent", "page"}
    agents = messages[messages["sender_kind"] == "agent"]
    same_second = agents.groupby(["session_id", "sent_at"])["agent_user_id"].nunique()
    assert (same_second >= 2).any()  # two agents answering in the same second
    assert (
        agents["agent_user_id"].str.startswith("u_ghost").any()
        or agents["agent_user_id"].eq("bot_x").any()
    )
    merged = messages.merge(sessions[["session_id", "done_at"]], on="session_id")
    assert (merged["sent_at"] > merged["done_at"]).any()  # messages after done_at
    assert (messages["sent_at"].dt.microsecond > 0).any()
    tags = marts["rpt_tag_stats"]
    assert tags["tagged_by_user_id"].isna().any() and (tags["tags_removed"] > 0).any()
    assert len(marts["bridge_session_tags"]) > 0
    pauses = marts["rpt_agent_working_time"]
    assert (pauses["open_pause_count"] > 0).any() and (pauses["total_pause_s"] > 0).any()
    assert set(marts["dim_categories"]["category_level"]) == {1, 2, 3}
    sent_at = _raw_values(out, "messages", "sent_at")
    for pattern in (r"\+07:00$", r"-05:30$", r"^\d{4}-\d\d-\d\d \d\d:\d\d", r"\.\d{1,6}Z$", r"^ "):
        assert any(re.search(pattern, value) for value in sent_at), pattern
    tag_sessions = _raw_values(out, "tag_events", "session_id")
    assert "" in tag_sessions  # contact-level tags
