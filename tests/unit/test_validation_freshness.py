"""The freshness check: the newest event against the allowed age."""

from datetime import UTC, datetime

import pytest
from dagster import AssetCheckSeverity, AssetKey

from orchestration.checks.freshness import evaluate_freshness, freshness_hours

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)


def newest(**values):
    sources = {
        "stg_crm__messages.sent_at": None,
        "stg_crm__tag_events.event_at": None,
        "stg_crm__agent_status_events.event_at": None,
        "stg_crm__sessions.started_at": None,
    }
    sources.update({f"stg_crm__{name}": value for name, value in values.items()})
    return sources


def meta(result, name):
    value = result.metadata[name]
    return getattr(value, "value", value)


def test_fresh_data_passes_with_its_age():
    result = evaluate_freshness(
        newest(**{"messages.sent_at": datetime(2026, 3, 16, 0, 0)}),  # naive = UTC
        now=NOW,
        max_age_hours=24,
    )
    assert result.passed
    assert result.asset_key == AssetKey(["staging", "stg_crm__messages"])
    assert result.severity == AssetCheckSeverity.WARN
    assert meta(result, "age_hours") == 12.0
    assert meta(result, "newest_event_at") == "2026-03-16T00:00:00Z"


def test_stale_data_warns_and_the_newest_source_wins():
    result = evaluate_freshness(
        newest(
            **{
                "messages.sent_at": datetime(2026, 3, 14, 6, 0),
                "agent_status_events.event_at": datetime(2026, 3, 15, 6, 0),
                "sessions.started_at": datetime(2026, 3, 15, 5, 0),
            }
        ),
        now=NOW,
        max_age_hours=24,
    )
    assert not result.passed
    assert result.severity == AssetCheckSeverity.WARN
    assert meta(result, "age_hours") == 30.0
    assert meta(result, "newest_event_source") == "stg_crm__agent_status_events.event_at"
    assert "older than 24 h" in result.description


def test_no_events_warns():
    result = evaluate_freshness(newest(), now=NOW, max_age_hours=24)
    assert not result.passed
    assert "no events" in result.description


@pytest.mark.parametrize(("text", "hours"), [(None, 24.0), ("", 24.0), ("6", 6.0), ("0.5", 0.5)])
def test_freshness_hours_from_the_environment(text, hours):
    env = {} if text is None else {"OMNIREPORT_FRESHNESS_HOURS": text}
    assert freshness_hours(env) == hours


@pytest.mark.parametrize("text", ["0", "-3", "a day", "inf", "nan"])
def test_a_bad_freshness_setting_says_what_to_do(text):
    with pytest.raises(ValueError, match="OMNIREPORT_FRESHNESS_HOURS=.* is not a positive number"):
        freshness_hours({"OMNIREPORT_FRESHNESS_HOURS": text})
