"""The business-hours tables of CONTRACT.md 7.1: business_hours, holidays, channel_schedules.

They are small, so they are planned whole (`plan_schedules`) and then written
(`write_schedules`), after every other table and from their own random stream
(`<seed>:schedules`): the other tables' files stay byte-identical to a run without them.

The schedules (dates follow `--start-date` and `--days`; D0 is the first local day):

- `default`, `Asia/Ho_Chi_Minh`: a first version with an empty `valid_from` (in force from
  the beginning of time): Monday-Friday 08:00-12:00 and 13:00-17:30, Saturday 08:00-12:00,
  Sunday closed. A second version from the middle of the range (`valid_from` = D0 + days // 2,
  so the change is at local midnight) keeps those hours but opens Friday afternoon until
  20:00; it is exported in the batch of the day before it starts. Its Saturday row of the
  first version is re-exported corrected (closes 11:30) in the last batch, written with
  ` 6 ` as weekday and the link name `Asia/Saigon` (the same typed key, so it replaces it).
- `eu`, `Europe/Berlin` (daylight saving: the last Sundays of March and October), one
  version from D0: Monday-Friday 09:00-17:00, an overlapping Wednesday 12:00-19:00, Friday
  18:00-24:00 (an opening that ends at `24:00`), and a night shift split in two rows,
  Saturday 22:00-24:00 and Sunday 00:00-02:30 (on a change Sunday 02:30 falls in the gap or
  the fold). Sessions of the first hours of D0 fall on D0 - 1 in Berlin, before the first
  version: closed.
- `us`, `America/New_York` (daylight saving: the second Sunday of March, the first of
  November), one version from D0 + 1 (D0 when `--days` is 1): Monday-Friday 09:00-17:00 and
  a weekend night shift Saturday 20:00-24:00 plus Sunday 00:00-06:00 (on a change Sunday the
  shift is an hour shorter or longer). Its channels' sessions before D0 + 1 in New York have
  a schedule with no version yet (0.0 business seconds, not null).

  With the default start (2026-03-02), `--days` 7 or more crosses New York's change of
  2026-03-08 (so the default 14 days do), and `--days` 28 or more Berlin's of 2026-03-29.
  A shorter run still has every schedule in force (their `valid_from` is at most D0 + 1).

Holidays: the fixed-date public holidays of every year the range touches (Vietnam for
`default`, Germany with Good Friday and Easter Monday for `eu`, the United States for `us`),
and near the range (each the first Monday-Friday at or after its day that is no holiday of
its schedule yet): a company day of `default` from D0 + 2 * days // 3, re-exported renamed in
a later batch; a storm closure of `default` from D0 + days // 4, declared afterwards (only in
the last batch, so an incremental run sees earlier sessions lose business time); an unnamed
holiday of `eu` from D0 + days // 2 + 1. (In a one-day run the storm closes that day.)

channel_schedules: ch02 -> default (explicitly), ch04 -> eu, ch05 -> us, ch06 -> default,
re-exported in a later batch as ch06 -> eu, ch08 -> legacy (a schedule with no valid
business_hours row: its sessions have no schedule), ch09 -> eu (second batch, with the late
channel), ch99 -> us (a channel never exported). ch01, ch03 and ch07 have no row: `default`.

Re-exports: besides the changes above (always written, counted as re-exports), `dup_rate` of
the rows are written again unchanged in a later batch. Bad rows (`bad_rate` > 0): the tables
are too small for a rate, so every kind of `BAD_KINDS` is written at least once, and more at
higher rates: `bad_row_count` rows per table, the kinds in turn, each with its exact reason,
in a random batch at a random place of the file; about half the bad business_hours rows name
`legacy`, whose rows are then all bad.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from omnireport.contract import RAW_TABLES_BY_NAME
from omnireport.generate.config import GenerateConfig
from omnireport.generate.export import Exporter
from omnireport.generate.scenarios import Window
from omnireport.generate.timefmt import DAY

SCHEDULE_TABLES = ("business_hours", "holidays", "channel_schedules")
DEFAULT_ZONE = "Asia/Ho_Chi_Minh"
DEFAULT_ZONE_LINK = "Asia/Saigon"  # a link name of the same zone: valid
EU_ZONE = "Europe/Berlin"
US_ZONE = "America/New_York"
NO_ROWS_SCHEDULE = "legacy"  # mapped, but never given a valid business_hours row

# (weekday, opens_at, closes_at); ISO weekday, 1 = Monday
WEEKDAY_HOURS = tuple(
    (weekday, opens, closes)
    for weekday in range(1, 6)
    for opens, closes in (("08:00", "12:00"), ("13:00", "17:30"))
)
DEFAULT_HOURS = (*WEEKDAY_HOURS, (6, "08:00", "12:00"))
DEFAULT_HOURS_V2 = tuple(
    (w, o, "20:00" if (w, o) == (5, "13:00") else c) for w, o, c in DEFAULT_HOURS
)
EU_HOURS = (
    *((w, "09:00", "17:00") for w in range(1, 6)),
    (3, "12:00", "19:00"),  # overlaps the Wednesday day shift: counted once
    (5, "18:00", "24:00"),  # ends at the end of the day
    (6, "22:00", "24:00"),  # a night shift across midnight, as two rows
    (7, "00:00", "02:30"),
)
US_HOURS = (
    *((w, "09:00", "17:00") for w in range(1, 6)),
    (6, "20:00", "24:00"),
    (7, "00:00", "06:00"),
)

VN_HOLIDAYS = (
    (1, 1, "Tết Dương lịch"),
    (4, 30, "Ngày Giải phóng miền Nam"),
    (5, 1, "Quốc tế Lao động"),
    (9, 2, "Quốc khánh"),
)
DE_HOLIDAYS = (
    (1, 1, "Neujahr"),
    (5, 1, "Tag der Arbeit"),
    (10, 3, "Tag der Deutschen Einheit"),
    (12, 25, "1. Weihnachtstag"),
    (12, 26, "2. Weihnachtstag"),
)
US_HOLIDAYS = ((1, 1, "New Year's Day"), (7, 4, "Independence Day"), (12, 25, "Christmas Day"))

Row = list[str | None]
_MISSING = (None, "", "   ")


def easter(year: int) -> date:
    """Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday) // 451
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return date(year, month, day + 1)


# --------------------------------------------------------------------------- bad rows


@dataclass(frozen=True)
class BadKind:
    """One way to break a row of a table, with the exact reason of CONTRACT.md 7.1."""

    table: str
    name: str
    # (variant index, the run's year) -> (changes to a good row, the reason)
    make: Callable[[int, int], tuple[dict[str, str | None], str]]


def _missing(table: str, column: str) -> BadKind:
    def make(i: int, year: int) -> tuple[dict[str, str | None], str]:
        return {column: _MISSING[i % len(_MISSING)]}, f"missing {column}"

    return BadKind(table, f"missing {column}", make)


def _bad_value(
    table: str, name: str, column: str, problem: str, values: Callable[[int], tuple[str, ...]]
) -> BadKind:
    def make(i: int, year: int) -> tuple[dict[str, str | None], str]:
        choices = values(year)
        value = choices[i % len(choices)]
        return {column: value}, f"{problem} {column} '{value}'"

    return BadKind(table, name, make)


def _impossible_dates(year: int) -> tuple[str, ...]:
    return (f"{year}-02-30", f"{year}-04-31", f"{year}-13-01", f"{year}-06-00")


def _misformatted_dates(year: int) -> tuple[str, ...]:
    return (f"16/03/{year}", f"{year}0316", f"{year}-03-16T00:00:00Z", f"{year}/03/16")


def _not_after(i: int, year: int) -> tuple[dict[str, str | None], str]:
    opens, closes = (("17:30", "08:00"), ("12:00", "12:00"), ("22:00", "02:00"))[i % 3]
    return {"opens_at": opens, "closes_at": closes}, "closes_at not after opens_at"


BAD_KINDS: dict[str, tuple[BadKind, ...]] = {
    "business_hours": (
        _missing("business_hours", "schedule_id"),
        _missing("business_hours", "time_zone"),
        _missing("business_hours", "weekday"),
        _missing("business_hours", "opens_at"),
        _missing("business_hours", "closes_at"),
        _bad_value(
            "business_hours",
            "impossible valid_from",
            "valid_from",
            "unparseable",
            _impossible_dates,
        ),
        _bad_value(
            "business_hours",
            "misformatted valid_from",
            "valid_from",
            "unparseable",
            _misformatted_dates,
        ),
        _bad_value(
            "business_hours",
            "time_zone: a system file",
            "time_zone",
            "unknown",
            lambda _year: ("localtime", "posixrules"),
        ),
        _bad_value(
            "business_hours",
            "time_zone: posix/ or right/",
            "time_zone",
            "unknown",
            lambda _year: ("posix/Asia/Ho_Chi_Minh", "right/Europe/Berlin"),
        ),
        _bad_value(
            "business_hours",
            "time_zone: wrong case or spaces",
            "time_zone",
            "unknown",
            lambda _year: ("asia/ho_chi_minh", " Asia/Saigon", "Europe/berlin", "AMERICA/NEW_YORK"),
        ),
        _bad_value(
            "business_hours",
            "time_zone: not a zone name",
            "time_zone",
            "unknown",
            lambda _year: ("UTC+07:00", "ICT", "GMT+7"),
        ),
        _bad_value(
            "business_hours",
            "invalid weekday",
            "weekday",
            "invalid",
            lambda _year: ("01", "8", "0", "Mon", "1.0"),
        ),
        _bad_value(
            "business_hours",
            "invalid opens_at",
            "opens_at",
            "invalid",
            lambda _year: ("8:00", "24:00", "12:60", "08:00:00", "0800"),
        ),
        _bad_value(
            "business_hours",
            "invalid closes_at",
            "closes_at",
            "invalid",
            lambda _year: ("24:30", "12:60", "17:5", "24:00:00", "25:00"),
        ),
        BadKind("business_hours", "closes_at not after opens_at", _not_after),
    ),
    "holidays": (
        _missing("holidays", "schedule_id"),
        _missing("holidays", "holiday_date"),
        _bad_value(
            "holidays", "impossible holiday_date", "holiday_date", "unparseable", _impossible_dates
        ),
        _bad_value(
            "holidays",
            "misformatted holiday_date",
            "holiday_date",
            "unparseable",
            _misformatted_dates,
        ),
    ),
    "channel_schedules": (
        _missing("channel_schedules", "channel_id"),
        _missing("channel_schedules", "schedule_id"),
    ),
}


def bad_row_count(bad_rate: float, good_rows: int, table: str) -> int:
    """How many bad rows a schedule table gets: none at rate 0, else every kind at least
    once and one per good row at rate 1 (the kinds in turn, `BAD_KINDS` order)."""
    if bad_rate <= 0:
        return 0
    return max(len(BAD_KINDS[table]), math.ceil(bad_rate * good_rows))


def bad_kind_counts(bad_rate: float, good_rows: int, table: str) -> dict[str, int]:
    """Bad rows per kind name for a table (the kinds are written in turn)."""
    total = bad_row_count(bad_rate, good_rows, table)
    kinds = BAD_KINDS[table]
    return {
        kind.name: total // len(kinds) + (1 if index < total % len(kinds) else 0)
        for index, kind in enumerate(kinds)
    }


# --------------------------------------------------------------------------- the plan


@dataclass
class PlannedRow:
    """One row to write: `kind` is `row` (a first export), `dup` (a re-export) or `bad`."""

    table: str
    batch: int
    values: dict[str, str | None]
    kind: str = "row"
    reason: str | None = None  # a bad row's exact quarantine reason
    phase: int = 0  # order inside a file: first exports, then random copies, then changes

    def as_row(self) -> Row:
        return [self.values.get(column) for column in RAW_TABLES_BY_NAME[self.table].columns]


@dataclass
class SchedulePlan:
    """Every row of the three tables, per table and batch, in file order."""

    files: dict[tuple[str, int], list[PlannedRow]] = field(default_factory=dict)

    def rows(self, table: str | None = None) -> list[PlannedRow]:
        return [
            row
            for (name, _), rows in sorted(self.files.items())
            if table in (None, name)
            for row in rows
        ]


class _Planner:
    def __init__(self, config: GenerateConfig, window: Window) -> None:
        self.config = config
        self.window = window
        self.rng = random.Random(f"{config.seed}:schedules")
        self.first = config.start_date
        self.last_day = config.start_date + timedelta(days=config.days - 1)
        self.last = config.batches - 1
        self.second = min(1, self.last)
        self.rows: list[PlannedRow] = []
        self._holiday_keys: set[tuple[str, date]] = set()

    def later_batch(self, batch: int) -> int:
        return min(batch + 1, self.last)

    def batch_of_day(self, day: date) -> int:
        """The batch whose window holds local midnight of `day` (clipped to the run)."""
        offset = (day - self.first).days
        return self.window.batch_of(self.window.start + offset * DAY)

    def add(self, table: str, batch: int, values: dict, kind: str = "row", phase: int = 0) -> None:
        self.rows.append(PlannedRow(table, batch, dict(values), kind, None, phase))

    # ---- business_hours -------------------------------------------------------------
    def opening(
        self, schedule: str, valid_from: date | None, zone: str, hours: tuple
    ) -> list[dict]:
        text = valid_from.isoformat() if valid_from else None
        return [
            {
                "schedule_id": schedule,
                "valid_from": text,
                "time_zone": zone,
                "weekday": str(weekday),
                "opens_at": opens,
                "closes_at": closes,
            }
            for weekday, opens, closes in hours
        ]

    def business_hours(self) -> None:
        days = self.config.days
        for values in self.opening("default", None, DEFAULT_ZONE, DEFAULT_HOURS):
            self.add("business_hours", 0, values)
        change = self.first + timedelta(days=days // 2)
        announced = self.batch_of_day(change - timedelta(days=1))
        for values in self.opening("default", change, DEFAULT_ZONE, DEFAULT_HOURS_V2):
            self.add("business_hours", announced, values)
        for values in self.opening("eu", self.first, EU_ZONE, EU_HOURS):
            self.add("business_hours", 0, values)
        us_from = self.first + timedelta(days=min(1, days - 1))
        for values in self.opening("us", us_from, US_ZONE, US_HOURS):
            self.add("business_hours", 0, values)
        # a corrected Saturday of the first default version: the same typed key written
        # with spaces and the zone's link name, in the last batch
        saturday = {
            "schedule_id": "default",
            "valid_from": None,
            "time_zone": DEFAULT_ZONE_LINK,
            "weekday": " 6 ",
            "opens_at": "08:00",
            "closes_at": "11:30",
        }
        self.add("business_hours", self.last, saturday, kind="dup", phase=2)

    # ---- holidays ---------------------------------------------------------------------
    def holiday(self, schedule: str, day: date, name: str | None, batch: int) -> None:
        self._holiday_keys.add((schedule, day))
        values = {"schedule_id": schedule, "holiday_date": day.isoformat(), "holiday_name": name}
        self.add("holidays", batch, values)

    def free_weekday(self, schedule: str, index: int) -> date:
        """The first Monday-Friday at or after D0 + index that is no holiday of `schedule` yet."""
        day = self.first + timedelta(days=index)
        while day.isoweekday() > 5 or (schedule, day) in self._holiday_keys:
            day += timedelta(days=1)
        return day

    def holidays(self) -> None:
        years = range(self.first.year, self.last_day.year + 1)
        for year in years:
            for month, day, name in VN_HOLIDAYS:
                self.holiday("default", date(year, month, day), name, 0)
            sunday = easter(year)
            for day_, name in (
                (sunday - timedelta(days=2), "Karfreitag"),
                (sunday + timedelta(days=1), "Ostermontag"),
            ):
                self.holiday("eu", day_, name, 0)
            for month, day, name in DE_HOLIDAYS:
                self.holiday("eu", date(year, month, day), name, 0)
            for month, day, name in US_HOLIDAYS:
                self.holiday("us", date(year, month, day), name, 0)
        days = self.config.days
        company = self.free_weekday("default", 2 * days // 3)
        self.holiday("default", company, "Ngày hội công ty", 0)
        renamed = {
            "schedule_id": "default",
            "holiday_date": company.isoformat(),
            "holiday_name": "Ngày hội công ty (nghỉ cả ngày)",
        }
        self.add("holidays", self.later_batch(0), renamed, kind="dup", phase=2)
        storm = self.free_weekday("default", days // 4)
        self.holiday("default", storm, "Nghỉ do bão", self.last)  # declared afterwards
        self.holiday("eu", self.free_weekday("eu", days // 2 + 1), None, 0)

    # ---- channel_schedules ------------------------------------------------------------
    def channel_schedules(self) -> None:
        for channel_id, schedule_id, batch in (
            ("ch02", "default", 0),
            ("ch04", "eu", 0),
            ("ch05", "us", 0),
            ("ch06", "default", 0),
            ("ch08", NO_ROWS_SCHEDULE, 0),
            ("ch09", "eu", self.second),
            ("ch99", "us", 0),
        ):
            self.add(
                "channel_schedules", batch, {"channel_id": channel_id, "schedule_id": schedule_id}
            )
        moved = {"channel_id": "ch06", "schedule_id": "eu"}
        self.add("channel_schedules", self.later_batch(0), moved, kind="dup", phase=2)

    # ---- re-exports and bad rows ------------------------------------------------------
    def copies(self) -> None:
        """`dup_rate` of the first exports, written again unchanged in a later batch."""
        rate = self.config.dup_rate
        for row in [r for r in self.rows if r.kind == "row"]:
            if rate > 0 and self.rng.random() < rate:
                self.add(row.table, self.later_batch(row.batch), row.values, kind="dup", phase=1)

    def bad_rows(self) -> list[PlannedRow]:
        rate = self.config.bad_rate
        year = self.first.year
        out = []
        for table in SCHEDULE_TABLES:
            good = [r for r in self.rows if r.table == table]
            kinds = BAD_KINDS[table]
            for index in range(bad_row_count(rate, len(good), table)):
                kind = kinds[index % len(kinds)]
                base = dict(self.rng.choice(good).values)
                if table == "business_hours":
                    # a row of its own (no good key's twin), of a schedule or of `legacy`
                    base["schedule_id"] = self.rng.choice((NO_ROWS_SCHEDULE, base["schedule_id"]))
                    base["weekday"] = base["weekday"].strip()
                changes, reason = kind.make(index // len(kinds), year)
                base.update(changes)
                bad = PlannedRow(
                    table, self.rng.randrange(self.config.batches), base, "bad", reason
                )
                out.append(bad)
        return out


def plan_schedules(config: GenerateConfig, window: Window) -> SchedulePlan:
    """Every row of business_hours, holidays and channel_schedules for a run, in file order."""
    planner = _Planner(config, window)
    planner.business_hours()
    planner.holidays()
    planner.channel_schedules()
    planner.copies()
    bad = planner.bad_rows()
    plan = SchedulePlan()
    for table in SCHEDULE_TABLES:
        for batch in range(config.batches):
            rows = [r for r in planner.rows if (r.table, r.batch) == (table, batch)]
            rows.sort(key=lambda r: r.phase)  # stable: first exports, copies, then changes
            plan.files[(table, batch)] = rows
    for row in bad:  # bad rows anywhere in their file (exports are not sorted)
        rows = plan.files[(row.table, row.batch)]
        rows.insert(planner.rng.randint(0, len(rows)), row)
    return plan


def write_schedules(exporter: Exporter, config: GenerateConfig, window: Window) -> SchedulePlan:
    """Write the three tables through `exporter` (counted like every table); return the plan."""
    plan = plan_schedules(config, window)
    for (table, batch), rows in plan.files.items():
        for row in rows:
            if row.kind == "bad":
                exporter.emit_bad(table, batch, row.as_row())
            elif row.kind == "dup":
                exporter.emit_dup(table, batch, row.as_row())
            else:
                exporter.write(table, batch, row.as_row())
    return plan
