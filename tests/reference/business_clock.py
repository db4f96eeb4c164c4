"""The business clock of CONTRACT.md section 7.1-7.2, in plain Python (part of the test oracle).

Pure functions and small classes, with no pandas and no dependency on the rest of the
reference, so the clock can be checked on its own:

- the value rules of 7.1 (dates, weekdays, ``HH:MM`` times, IANA time zone names);
- :func:`wall_to_utc`: a local wall-clock time to its UTC instant (DST gap and fold rules);
- :class:`Schedule`: the open intervals of one schedule and its business microseconds.

Instants are naive ``datetime`` values in UTC, like everywhere in the reference.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

_SPACES = " \t\r\n"
_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME_RE = re.compile(r"([0-9]{2}):([0-9]{2})")
MINUTES_PER_DAY = 24 * 60
ONE_MICROSECOND = timedelta(microseconds=1)

# ---------------------------------------------------------------------------
# 7.1 value rules
# ---------------------------------------------------------------------------


def parse_date(text: str) -> date | None:
    """7.1: exactly ``YYYY-MM-DD`` and a real date, surrounding spaces ignored; else None."""
    match = _DATE_RE.fullmatch(text.strip(_SPACES))
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:  # 2026-02-30, month 13, year 0
        return None


def parse_weekday(text: str) -> int | None:
    """7.1: exactly one of ``1`` ... ``7`` (ISO weekday), spaces ignored; ``01`` is bad."""
    cleaned = text.strip(_SPACES)
    return int(cleaned) if cleaned in {"1", "2", "3", "4", "5", "6", "7"} else None


def parse_clock_time(text: str, *, allow_24: bool) -> int | None:
    """7.1: ``HH:MM`` (00-23, 00-59, two digits each) as minutes after midnight.

    ``allow_24`` accepts ``24:00`` (1440 minutes), which only ``closes_at`` may use.
    """
    cleaned = text.strip(_SPACES)
    if allow_24 and cleaned == "24:00":
        return MINUTES_PER_DAY
    match = _TIME_RE.fullmatch(cleaned)
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if hours > 23 or minutes > 59:
        return None
    return hours * 60 + minutes


# Names that are files of a zoneinfo directory but not zones (7.1 names them).
_NOT_ZONES = frozenset({"localtime", "posixrules"})
_NOT_ZONE_PREFIXES = ("posix/", "right/")


@lru_cache(maxsize=1)
def known_time_zones() -> frozenset[str]:
    """The zone and link names 7.1 accepts, matched exactly (case and spaces count).

    The list is the ``zones`` file of the ``tzdata`` package: every Zone and Link name of
    the IANA release it packages, and nothing else (no ``localtime``, ``posixrules``,
    ``posix/...``, ``right/...``). Using the package, not the machine's
    ``/usr/share/zoneinfo``, makes the oracle give the same answer on every machine.
    Without ``tzdata``, ``zoneinfo.available_timezones()`` minus those non-zone names.
    """
    try:
        from importlib.resources import files

        names = set(files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())
    except (ImportError, FileNotFoundError):
        names = set(zoneinfo.available_timezones())
    return frozenset(
        name for name in names if name not in _NOT_ZONES and not name.startswith(_NOT_ZONE_PREFIXES)
    )


def is_known_time_zone(name: str) -> bool:
    return name in known_time_zones()


# ---------------------------------------------------------------------------
# 7.2 wall-clock times to UTC
# ---------------------------------------------------------------------------


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def wall_to_utc(wall: datetime, zone_name: str) -> datetime:
    """The UTC instant (naive) of a local wall-clock time in ``zone_name`` (7.2).

    Both offsets zoneinfo offers for the wall time (``fold`` 0 and 1) give a candidate
    instant; a candidate is real when it reads back as the same wall time.
    - one real candidate: the ordinary case;
    - two (clocks went back, the wall time happens twice): the first occurrence, the
      earlier instant;
    - none (clocks went forward, the wall time does not exist): it moves forward by the
      gap, i.e. it is read with the offset in force before the gap, the smaller one;
      that is the later of the two candidates (02:30 in Berlin's spring gap is 01:30 UTC,
      the instant of 03:30 CEST).
    """
    zone = _zone(zone_name)
    candidates = []
    for fold in (0, 1):
        utc = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC).replace(tzinfo=None)
        candidates.append(utc)
    real = [u for u in candidates if utc_to_wall(u, zone_name) == wall]
    return min(real) if real else max(candidates)


def utc_to_wall(instant: datetime, zone_name: str) -> datetime:
    """The local wall-clock time (naive) of a naive UTC instant."""
    return instant.replace(tzinfo=UTC).astimezone(_zone(zone_name)).replace(tzinfo=None)


def start_of_local_date(day: date, zone_name: str) -> datetime:
    """The first instant (naive UTC) of local date ``day``: its 00:00 by :func:`wall_to_utc`.

    Also the end of ``day - 1`` (7.2 ``24:00``, 7.6 "end of D"); it handles 23- and 25-hour days.
    """
    return wall_to_utc(datetime.combine(day, time()), zone_name)


# ---------------------------------------------------------------------------
# 7.2 schedules
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Opening:
    """One valid ``business_hours`` row: a weekly opening of one version."""

    time_zone: str
    weekday: int  # ISO: 1 = Monday ... 7 = Sunday
    opens_minute: int  # minutes after local midnight
    closes_minute: int  # up to 1440 (24:00)

    def interval_on(self, day: date) -> tuple[datetime, datetime] | None:
        """[opens, closes) on local date ``day`` in UTC; None when it converts to nothing.

        Each end is converted on its own (7.2), so an opening that a DST gap turns
        inside out (02:30-03:00 in Berlin's spring gap: 03:30 to 03:00) is empty.
        """
        midnight = datetime.combine(day, time())
        start = wall_to_utc(midnight + timedelta(minutes=self.opens_minute), self.time_zone)
        if self.closes_minute == MINUTES_PER_DAY:
            end = start_of_local_date(day + timedelta(days=1), self.time_zone)
        else:
            end = wall_to_utc(midnight + timedelta(minutes=self.closes_minute), self.time_zone)
        return (start, end) if end > start else None


@dataclass
class Schedule:
    """One schedule: its versions (by ``valid_from``) and its holidays (7.2)."""

    schedule_id: str
    # valid_from -> openings of that version; None is the earliest version.
    versions: dict[date | None, list[Opening]]
    holidays: frozenset[date] = frozenset()
    _day_cache: dict[tuple[str, date], list[tuple[datetime, datetime]]] = field(
        default_factory=dict, repr=False
    )

    def version_on(self, day: date) -> list[Opening]:
        """The version in force on ``day``: greatest valid_from <= day (null earliest); [] before."""
        candidates = [v for v in self.versions if v is None or v <= day]
        if not candidates:
            return []  # before its first version the schedule is closed
        newest = max(candidates, key=lambda v: (v is not None, v or date.min))
        return self.versions[newest]

    def zones(self) -> set[str]:
        return {o.time_zone for openings in self.versions.values() for o in openings}

    def intervals_of_day(self, zone_name: str, day: date) -> list[tuple[datetime, datetime]]:
        """The UTC intervals opened on local date ``day`` by the rows in ``zone_name``.

        ``day`` is the date in that row's time zone (7.2), so the version in force and
        the holiday are decided on it too.
        """
        key = (zone_name, day)
        if key not in self._day_cache:
            intervals = []
            if day not in self.holidays:
                for opening in self.version_on(day):
                    if opening.time_zone == zone_name and opening.weekday == day.isoweekday():
                        interval = opening.interval_on(day)
                        if interval is not None:
                            intervals.append(interval)
            self._day_cache[key] = intervals
        return self._day_cache[key]

    def open_intervals(self, low: datetime, high: datetime) -> list[tuple[datetime, datetime]]:
        """The open intervals, merged (overlaps count once) and clipped to [low, high)."""
        raw: list[tuple[datetime, datetime]] = []
        for zone_name in self.zones():
            # Local dates that can open an interval reaching [low, high): a margin of
            # days on each side covers 24:00 ends and openings moved by a DST gap.
            first = utc_to_wall(low, zone_name).date() - timedelta(days=2)
            last = utc_to_wall(high, zone_name).date() + timedelta(days=1)
            day = first
            while day <= last:
                raw.extend(self.intervals_of_day(zone_name, day))
                day += timedelta(days=1)
        clipped = sorted((max(s, low), min(e, high)) for s, e in raw if s < high and e > low)
        merged: list[tuple[datetime, datetime]] = []
        for start, end in clipped:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged

    def business_micros(self, a: datetime, b: datetime) -> int:
        """Exact microseconds of [a, b) inside open intervals; minus those of [b, a) when b < a."""
        if b < a:
            return -self.business_micros(b, a)
        if a == b:
            return 0
        return sum((end - start) // ONE_MICROSECOND for start, end in self.open_intervals(a, b))

    def is_open_at(self, instant: datetime) -> bool:
        """``instant`` lies in an open interval (intervals are half-open: [opens, closes))."""
        return self.business_micros(instant, instant + ONE_MICROSECOND) == 1
