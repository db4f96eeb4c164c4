"""Timestamp text forms and the split of sessions over days, against hand-computed values."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from omnireport.generate import GenerateConfig
from omnireport.generate.run import sessions_per_day
from omnireport.generate.timefmt import (
    HOUR,
    MINUTE,
    SECOND,
    TimestampWriter,
    bad_timestamp,
    epoch_us,
    iso_z,
)

pytestmark = pytest.mark.unit

T = epoch_us(date(2026, 3, 1)) + 8 * HOUR + 15 * MINUTE  # 2026-03-01T08:15:00Z


def test_canonical_form_and_trimmed_fractions() -> None:
    assert iso_z(T) == "2026-03-01T08:15:00Z"
    assert iso_z(T + 500_000) == "2026-03-01T08:15:00.5Z"
    assert iso_z(T + 123_000) == "2026-03-01T08:15:00.123Z"
    assert iso_z(T + 1) == "2026-03-01T08:15:00.000001Z"


def test_offset_forms_name_the_same_instant() -> None:
    writer = TimestampWriter(random.Random(0))
    assert writer._styled(T, "plus7") == "2026-03-01T15:15:00+07:00"
    assert writer._styled(T, "minus530") == "2026-03-01T02:45:00-05:30"
    assert writer._styled(T, "space") == "2026-03-01 08:15:00Z"
    assert writer._styled(T, "short") == "2026-03-01 08:15"
    assert writer._styled(T + 7 * SECOND, "short") == "2026-03-01 08:15:07"
    assert writer._styled(T, "padded") == " 2026-03-01T08:15:00Z "


def test_bad_timestamps_cover_the_contract_examples() -> None:
    rng = random.Random(3)
    seen = {bad_timestamp(T, rng) for _ in range(400)}
    assert {
        "2026-03-01",
        "2026-03-01T08:15:00+0700",
        "01/03/2026 08:15",
        "2026-02-30 08:15",
    } <= seen


def test_sessions_are_split_over_days_by_weekday_weight() -> None:
    # weights Mon..Sun 1, 1, .95, 1, 1.1, .8, .6 (sum 6.45); 10 sessions: exact shares
    # 1.55 1.55 1.47 1.55 1.71 1.24 .93 -> floors 1 1 1 1 1 1 0, then the 4 largest remainders
    # (.93 Sun, .71 Fri, .55 Mon, .55 Tue; ties by day order) get one more.
    config = GenerateConfig(out=Path("unused"), sessions=10, days=7, start_date=date(2026, 3, 2))
    assert sessions_per_day(config) == [2, 2, 1, 1, 2, 1, 1]
