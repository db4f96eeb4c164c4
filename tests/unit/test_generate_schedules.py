"""The business-hours tables of the generator (CONTRACT.md 7.1-7.2), seen through the reference.

The independent pandas reference (tests/reference/) validates, deduplicates and applies the
generated schedules on its own: its quarantine reasons, superseded counts and business
clock are the check. Kinds of bad rows are recognised here from the reason text alone.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from omnireport.generate import GenerateConfig, generate
from omnireport.generate.schedules import BAD_KINDS, SCHEDULE_TABLES, bad_kind_counts
from tests.reference.business_clock import known_time_zones
from tests.reference.contract_reference import (
    build_schedules,
    compute_marts,
    load_landing,
    stage,
)

pytestmark = pytest.mark.unit


def _tree(folder: Path, tables: tuple[str, ...] | None = None) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and (tables is None or p.parent.name in tables)
    }


def _reconciliation(marts: dict[str, pd.DataFrame]) -> dict[str, dict]:
    return {row["table_name"]: row for row in marts["reconciliation"].to_dict("records")}


def _records(out: Path, table: str, batch: str) -> list[dict[str, str]]:
    with (out / table / batch).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


_LOWER_ZONES = {name.lower() for name in known_time_zones()}


def kind_of(table: str, reason: str) -> str:
    """The kind of a bad row from its quarantine reason (one reason per bad row)."""
    if reason.startswith("missing ") or reason == "closes_at not after opens_at":
        return reason
    value = re.fullmatch(r"\w+ \w+ '(.*)'", reason, re.S)
    assert value, reason
    text = value[1]
    for column in ("valid_from", "holiday_date"):
        if reason.startswith(f"unparseable {column} "):
            shape = "impossible" if re.fullmatch(r"\d{4}-\d\d-\d\d", text) else "misformatted"
            return f"{shape} {column}"
    if reason.startswith("unknown time_zone "):
        if text in ("localtime", "posixrules"):
            return "time_zone: a system file"
        if text.startswith(("posix/", "right/")):
            return "time_zone: posix/ or right/"
        if text.strip().lower() in _LOWER_ZONES:
            return "time_zone: wrong case or spaces"
        return "time_zone: not a zone name"
    for column in ("weekday", "opens_at", "closes_at"):
        if reason.startswith(f"invalid {column} "):
            return f"invalid {column}"
    raise AssertionError(f"{table}: unexpected reason {reason!r}")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[float, tuple[Path, object, dict]]:
    """One run per bad rate (30 days: both DST changes of March 2026 are inside)."""
    out = {}
    for rate in (0.0, 0.01, 0.6):
        folder = tmp_path_factory.mktemp(f"rate{rate}")
        config = GenerateConfig(
            out=folder, sessions=120, days=30, seed=11, bad_rate=rate, dup_rate=0.2
        )
        stats = generate(config)
        out[rate] = (folder, stats, compute_marts(folder))
    return out


def test_written_rows_reconcile_with_the_reference(runs) -> None:
    for rate, (_, stats, marts) in runs.items():
        counts = _reconciliation(marts)
        for table in SCHEDULE_TABLES:
            written = stats.tables[table]
            assert counts[table]["raw_rows"] == written.rows, (rate, table)
            assert counts[table]["quarantined_rows"] == written.bad, (rate, table)
            assert counts[table]["superseded_rows"] == written.dup, (rate, table)
            assert counts[table]["staged_rows"] > 0, (rate, table)
            assert written.dup > 0, (rate, table)  # schedule changes between batches
            assert (written.bad == 0) == (rate == 0), (rate, table)


@pytest.mark.parametrize("rate", [0.01, 0.6])
def test_bad_rows_per_kind_at_a_rate(runs, rate: float) -> None:
    _, stats, marts = runs[rate]
    for table in SCHEDULE_TABLES:
        reasons = list(marts[f"quarantine__{table}"]["reason"])
        found = Counter(kind_of(table, reason) for reason in reasons)
        good = stats.tables[table].rows - stats.tables[table].bad
        expected = bad_kind_counts(rate, good, table)
        assert dict(found) == {k: n for k, n in expected.items() if n}, table
        # every kind at least once; more at a higher rate, about one per good row at 1.0
        assert set(found) == {kind.name for kind in BAD_KINDS[table]}, table
        if rate == 0.6:
            assert sum(found.values()) == max(len(BAD_KINDS[table]), -(-good * 6 // 10))


def test_every_bad_value_the_contract_names_is_written(tmp_path: Path) -> None:
    generate(GenerateConfig(out=tmp_path, sessions=10, days=3, seed=4, bad_rate=1.0))
    marts = compute_marts(tmp_path)
    reasons = {r for t in SCHEDULE_TABLES for r in marts[f"quarantine__{t}"]["reason"]}
    for expected in (
        "missing schedule_id",
        "missing time_zone",
        "missing weekday",
        "missing opens_at",
        "missing closes_at",
        "missing holiday_date",
        "missing channel_id",
        "unparseable valid_from '2026-02-30'",
        "unparseable holiday_date '2026-02-30'",
        "unparseable valid_from '16/03/2026'",
        "unknown time_zone 'localtime'",
        "unknown time_zone 'posixrules'",
        "unknown time_zone 'posix/Asia/Ho_Chi_Minh'",
        "unknown time_zone 'right/Europe/Berlin'",
        "unknown time_zone 'asia/ho_chi_minh'",
        "unknown time_zone ' Asia/Saigon'",
        "invalid weekday '01'",
        "invalid weekday '8'",
        "invalid opens_at '8:00'",
        "invalid opens_at '24:00'",
        "invalid closes_at '24:30'",
        "invalid closes_at '12:60'",
        "closes_at not after opens_at",
    ):
        assert expected in reasons, expected


def test_same_seed_same_bytes_and_other_tables_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(name: str, seed: int) -> Path:
        out = tmp_path / name
        generate(
            GenerateConfig(out=out, sessions=50, days=9, seed=seed, bad_rate=0.2, format="mixed")
        )
        return out

    first, again, other = run("a", 7), run("b", 7), run("c", 8)
    assert _tree(first) == _tree(again)
    assert _tree(first, SCHEDULE_TABLES) != _tree(other, SCHEDULE_TABLES)
    # the schedules come last, from their own random stream: without them, every other
    # table has the same bytes
    monkeypatch.setattr("omnireport.generate.run.write_schedules", lambda *args: None)
    without = run("d", 7)
    others = tuple(p.name for p in first.iterdir() if p.name not in SCHEDULE_TABLES)
    assert _tree(first, others) == _tree(without, others)


def _dst_changes(zone: str, first: date, last: date) -> list[date]:
    """Local dates in [first, last] whose UTC offset at noon differs from the day before."""
    tz = ZoneInfo(zone)

    def offset(day: date) -> timedelta:
        return datetime(day.year, day.month, day.day, 12, tzinfo=tz).utcoffset()

    return [
        first + timedelta(days=i)
        for i in range((last - first).days + 1)
        if offset(first + timedelta(days=i)) != offset(first + timedelta(days=i - 1))
    ]


def _schedules(folder: Path) -> dict:
    return build_schedules(stage(load_landing(folder)))


@pytest.mark.parametrize(
    ("days", "crossed"),
    [
        (14, {"us": date(2026, 3, 8)}),  # the default size: New York's change only
        (30, {"us": date(2026, 3, 8), "eu": date(2026, 3, 29)}),
    ],
)
def test_dst_schedules_are_in_force_across_a_change(
    tmp_path: Path, days: int, crossed: dict[str, date]
) -> None:
    config = GenerateConfig(out=tmp_path, sessions=80, days=days, seed=3)
    generate(config)
    schedules = _schedules(tmp_path)
    first = config.start_date
    last = first + timedelta(days=days - 1)
    found = {}
    for schedule_id, schedule in schedules.items():
        for zone in schedule.zones():
            for change in _dst_changes(zone, first, last):
                if schedule.version_on(change):  # in force on the day of the change
                    found[schedule_id] = change
    assert found == crossed
    # New York, Sunday 2026-03-08: the night shift 00:00-06:00 is 00:00 EST (05:00Z) to
    # 06:00 EDT (10:00Z), five hours; a week earlier it is six
    us = schedules["us"]
    assert us.intervals_of_day("America/New_York", date(2026, 3, 8)) == [
        (datetime(2026, 3, 8, 5), datetime(2026, 3, 8, 10))
    ]
    assert us.intervals_of_day("America/New_York", date(2026, 3, 15)) == [
        (datetime(2026, 3, 15, 4), datetime(2026, 3, 15, 10))
    ]
    if "eu" in crossed:
        # Berlin, Sunday 2026-03-29: 02:30 does not exist and moves forward by the gap to
        # 03:30 CEST (01:30Z); the shift starts at 00:00 CET (23:00Z the day before), and the
        # Saturday row ends at 24:00, the same instant
        eu = schedules["eu"]
        assert eu.intervals_of_day("Europe/Berlin", date(2026, 3, 29)) == [
            (datetime(2026, 3, 28, 23), datetime(2026, 3, 29, 1, 30))
        ]
        assert eu.intervals_of_day("Europe/Berlin", date(2026, 3, 28)) == [
            (datetime(2026, 3, 28, 21), datetime(2026, 3, 28, 23))
        ]


def test_schedules_versions_holidays_and_channels(runs) -> None:
    folder, _, marts = runs[0.01]
    schedules = _schedules(folder)
    assert set(schedules) == {"default", "eu", "us"}  # `legacy` has no valid row
    default = schedules["default"]
    start, change = date(2026, 3, 2), date(2026, 3, 17)  # 30 days: the change at day 15
    assert set(default.versions) == {None, change}
    friday = {o.weekday: o for o in default.versions[change] if o.opens_minute == 13 * 60}[5]
    assert friday.closes_minute == 20 * 60  # longer Friday hours from the middle of the range
    saturday = [o for o in default.versions[None] if o.weekday == 6]
    assert [(o.time_zone, o.closes_minute) for o in saturday] == [("Asia/Saigon", 11 * 60 + 30)]
    assert not [o for v in default.versions.values() for o in v if o.weekday == 7]  # Sunday
    in_range = {d for d in default.holidays if start <= d < start + timedelta(days=30)}
    assert len(in_range) == 2 and all(d.isoweekday() <= 5 for d in in_range)
    assert {date(2026, 4, 3), date(2026, 4, 6)} <= schedules["eu"].holidays  # Easter 04-05
    assert set(schedules["eu"].versions) == {start}
    assert set(schedules["us"].versions) == {start + timedelta(days=1)}

    sessions = marts["fct_sessions"]
    by_channel = sessions.groupby("channel_id")["schedule_id"].agg(lambda s: set(s.fillna("-")))
    expected = {"ch01": "default", "ch02": "default", "ch03": "default", "ch04": "eu"}
    expected |= {"ch05": "us", "ch06": "eu", "ch07": "default", "ch08": "-", "ch09": "eu"}
    for channel, schedule_id in expected.items():
        assert by_channel.get(channel, {schedule_id}) == {schedule_id}, channel
    assert {"default", "eu", "us", "-"} <= set(sessions["schedule_id"].fillna("-"))
    no_schedule = sessions[sessions["schedule_id"].isna()]
    assert no_schedule["started_in_business_hours"].isna().all()
    # the us schedule starts on the second day (2026-03-03 in New York, 05:00Z): closed
    # before, so sessions that end by then count 0.0 business seconds, not null
    us_from = datetime(2026, 3, 3, 5)
    assert schedules["us"].business_micros(datetime(2026, 3, 1), us_from) == 0
    early = sessions[(sessions["schedule_id"] == "us") & (sessions["done_at"] < us_from)]
    assert (early["session_duration_business_s"] == 0.0).all()


def test_later_batches_change_the_schedules(tmp_path: Path) -> None:
    generate(GenerateConfig(out=tmp_path, sessions=20, days=14, seed=2, bad_rate=0, dup_rate=0))
    first = {t: _records(tmp_path, t, "batch_0001.csv") for t in SCHEDULE_TABLES}
    last = {t: _records(tmp_path, t, "batch_0003.csv") for t in SCHEDULE_TABLES}
    assert {r["holiday_name"] for r in last["holidays"]} == {"Nghỉ do bão"}  # declared afterwards
    assert [r["weekday"] for r in last["business_hours"]] == [" 6 "]  # a corrected Saturday
    assert not any(r["valid_from"] == "2026-03-09" for r in first["business_hours"])
    second = _records(tmp_path, "business_hours", "batch_0002.csv")
    assert {r["valid_from"] for r in second} == {"2026-03-09"}  # the new version, announced
    moved = _records(tmp_path, "channel_schedules", "batch_0002.csv")
    assert {"channel_id": "ch06", "schedule_id": "eu"} in moved
    assert {"channel_id": "ch06", "schedule_id": "default"} in first["channel_schedules"]


def test_jsonl_writes_canonical_weekdays_as_numbers(tmp_path: Path) -> None:
    generate(GenerateConfig(out=tmp_path, sessions=5, days=3, format="jsonl", bad_rate=1.0))
    weekdays = [
        json.loads(line).get("weekday")
        for path in sorted((tmp_path / "business_hours").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    assert 1 in weekdays and " 6 " in weekdays and "01" in weekdays
    assert 8 in weekdays or "8" in weekdays
