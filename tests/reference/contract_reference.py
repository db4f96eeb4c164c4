"""Reference implementation of /work/shared/CONTRACT.md in plain pandas and Python.

It is a test oracle: written from the contract alone (never from the dbt models), it
reads a landing folder, validates, deduplicates and computes every mart of sections 5 and 7,
so an integration test can compare the dbt marts with these frames grain by grain.
Clarity over speed: it is meant for a few thousand rows.

Entry point: :func:`compute_marts`. Grains: :data:`MART_KEYS`. Choices made where the
contract is silent are listed in ``tests/reference/README.md``. The business clock of
section 7.2 lives in :mod:`tests.reference.business_clock`.

Frame conventions (so comparisons are easy):
- text and ids: ``object`` columns holding ``str`` or ``None``;
- dates: ``object`` columns holding ``datetime.date``;
- timestamps: ``datetime64[us]`` naive UTC (``NaT`` for null);
- durations / averages / percentages: ``float64`` (``NaN`` for null);
- counts and hours: ``int64`` (never null);
- booleans: ``bool``; nullable ones (``is_active``) and ``rating``: ``object`` with ``None``.
:func:`to_records` turns any frame into plain Python values with ``None`` for every null.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from tests.reference.business_clock import (
    Opening,
    Schedule,
    is_known_time_zone,
    parse_clock_time,
    parse_date,
    parse_weekday,
    start_of_local_date,
)

# ---------------------------------------------------------------------------
# The raw contract (section 2), restated here so the oracle stays independent.
# ---------------------------------------------------------------------------

RAW_COLUMNS: dict[str, tuple[str, ...]] = {
    "channels": ("channel_id", "channel_name", "channel_type"),
    "users": ("user_id", "full_name", "email", "is_active"),
    "groups": ("group_id", "group_name"),
    "user_groups": ("user_id", "group_id"),
    "contacts": ("contact_id", "display_name", "channel_id", "external_id"),
    "categories": ("category_id", "category_name", "parent_id"),
    "tags": ("tag_id", "tag_name"),
    "sessions": (
        "session_id",
        "conversation_id",
        "channel_id",
        "contact_id",
        "session_name",
        "support_type",
        "assigned_user_id",
        "category_id",
        "note",
        "status",
        "started_at",
        "done_at",
        "rating",
        "updated_at",
    ),
    "messages": (
        "message_id",
        "conversation_id",
        "session_id",
        "channel_id",
        "initiated_by",
        "direction",
        "from_id",
        "to_id",
        "agent_user_id",
        "sent_at",
        "content_type",
        "content",
        "template_id",
        "template_name",
        "media_url",
        "status",
        "status_updated_at",
    ),
    "tag_events": (
        "tag_event_id",
        "tag_id",
        "session_id",
        "contact_id",
        "channel_id",
        "user_id",
        "action",
        "event_at",
    ),
    "agent_status_events": ("event_id", "user_id", "status", "event_at"),
    # Section 7.1: optional tables of the business clock.
    "business_hours": (
        "schedule_id",
        "valid_from",
        "time_zone",
        "weekday",
        "opens_at",
        "closes_at",
    ),
    "holidays": ("schedule_id", "holiday_date", "holiday_name"),
    "channel_schedules": ("channel_id", "schedule_id"),
}

# Section 6.3: ids that must be set (every id column not marked "null" in section 2).
REQUIRED_IDS: dict[str, tuple[str, ...]] = {
    "channels": ("channel_id",),
    "users": ("user_id",),
    "groups": ("group_id",),
    "user_groups": ("user_id", "group_id"),
    "contacts": ("contact_id", "channel_id", "external_id"),
    "categories": ("category_id",),
    "tags": ("tag_id",),
    "sessions": ("session_id", "conversation_id", "channel_id", "contact_id"),
    "messages": ("message_id", "conversation_id", "session_id", "channel_id", "from_id", "to_id"),
    "tag_events": ("tag_event_id", "tag_id", "contact_id", "channel_id"),
    "agent_status_events": ("event_id", "user_id"),
    "business_hours": ("schedule_id",),
    "holidays": ("schedule_id",),
    "channel_schedules": ("channel_id", "schedule_id"),
}

# Required enumerations and their exact values (sections 2, 6.4).
ENUMS: dict[str, dict[str, frozenset[str]]] = {
    "channels": {"channel_type": frozenset({"facebook", "zalo", "instagram", "livechat"})},
    "sessions": {
        "support_type": frozenset({"message", "comment"}),
        "status": frozenset({"open", "done"}),
    },
    "messages": {
        "initiated_by": frozenset({"user", "business"}),
        "direction": frozenset({"incoming", "outgoing"}),
        "content_type": frozenset(
            {"text", "image", "audio", "video", "file", "sticker", "template", "other"}
        ),
        "status": frozenset({"sent", "delivered", "read", "failed"}),
    },
    "tag_events": {"action": frozenset({"added", "removed"})},
    "agent_status_events": {"status": frozenset({"online", "paused", "offline"})},
}

# Timestamps: required ones and nullable ones (section 2).
REQUIRED_TIMESTAMPS: dict[str, tuple[str, ...]] = {
    "sessions": ("started_at", "updated_at"),
    "messages": ("sent_at", "status_updated_at"),
    "tag_events": ("event_at",),
    "agent_status_events": ("event_at",),
}
NULLABLE_TIMESTAMPS: dict[str, tuple[str, ...]] = {"sessions": ("done_at",)}

# Deduplication keys (section 1, 6.1).
DEDUP_KEYS: dict[str, tuple[str, ...]] = {
    "channels": ("channel_id",),
    "users": ("user_id",),
    "groups": ("group_id",),
    "user_groups": ("user_id", "group_id"),
    "contacts": ("contact_id",),
    "categories": ("category_id",),
    "tags": ("tag_id",),
    "sessions": ("session_id",),
    "messages": ("message_id",),
    "tag_events": ("tag_event_id",),
    "agent_status_events": ("event_id",),
    # 7.1: typed values (valid_from a date or None, weekday an int, opens_at minutes).
    "business_hours": ("schedule_id", "valid_from", "weekday", "opens_at"),
    "holidays": ("schedule_id", "holiday_date"),
    "channel_schedules": ("channel_id",),
}
# The order column whose highest value wins before load order (section 1).
DEDUP_ORDER: dict[str, str] = {"sessions": "updated_at", "messages": "status_updated_at"}

LANDING_EXTENSIONS = (".csv", ".jsonl", ".parquet")

# ---------------------------------------------------------------------------
# The marts (sections 5 and 7): grain and columns, with the dtype kind of each column.
# ---------------------------------------------------------------------------

MART_KEYS: dict[str, list[str]] = {
    "dim_channels": ["channel_id"],
    "dim_users": ["user_id"],
    "dim_categories": ["category_id"],
    "fct_sessions": ["session_id"],
    "fct_messages": ["message_id"],
    "bridge_session_tags": ["session_id", "tag_id"],
    "rpt_overview_daily": ["started_date", "channel_id", "support_type"],
    "rpt_user_stats": ["started_date", "user_id"],
    "rpt_hourly_stats": ["started_date", "started_hour"],
    "rpt_daily_stats": ["started_date", "support_type"],
    "rpt_channel_stats": ["started_date", "channel_id", "support_type"],
    "rpt_agent_working_time": ["pause_date", "user_id"],
    "rpt_tag_stats": ["event_date", "tag_id", "channel_id", "tagged_by_user_id"],
    # Section 7. Grain columns that can be null: rpt_csat_daily.assigned_user_id
    # (unassigned sessions), rpt_reply_stats.replied_by_user_id (never null in practice).
    "fct_replies": ["reply_message_id"],
    "rpt_reply_stats": ["reply_date", "replied_by_user_id", "channel_id"],
    "fct_conversations": ["conversation_id"],
    "rpt_backlog_daily": ["snapshot_date", "channel_id", "support_type"],
    "rpt_csat_daily": ["started_date", "channel_id", "assigned_user_id"],
}

_TOTALS = [
    ("total_waiting_time_s", "float"),
    ("sessions_with_waiting_time", "int"),
    ("total_support_time_s", "float"),
    ("sessions_with_support_time", "int"),
    ("avg_waiting_time_s", "float"),
    ("avg_support_time_s", "float"),
]
_DAILY = [
    ("done_supported", "int"),
    ("done_not_supported", "int"),
    ("not_done_supported", "int"),
    ("not_done_not_supported", "int"),
    ("sessions", "int"),
    ("pct_complete", "float"),
    ("pct_support", "float"),
]

# Column kinds: str, date, ts, float, int, bool, nbool (nullable bool), nint (nullable int).
MART_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "dim_channels": [("channel_id", "str"), ("channel_name", "str"), ("channel_type", "str")],
    "dim_users": [
        ("user_id", "str"),
        ("full_name", "str"),
        ("email", "str"),
        ("is_active", "nbool"),
        ("group_names", "str"),
    ],
    "dim_categories": [
        ("category_id", "str"),
        ("category_name", "str"),
        ("category_level", "int"),
        ("category", "str"),
        ("sub_category", "str"),
        ("sub_sub_category", "str"),
    ],
    "fct_sessions": [
        ("session_id", "str"),
        ("conversation_id", "str"),
        ("contact_id", "str"),
        ("contact_name", "str"),
        ("session_name", "str"),
        ("channel_id", "str"),
        ("channel_name", "str"),
        ("channel_type", "str"),
        ("support_type", "str"),
        ("session_type", "str"),
        ("assigned_user_id", "str"),
        ("staff_name", "str"),
        ("note", "str"),
        ("category_id", "str"),
        ("category", "str"),
        ("sub_category", "str"),
        ("sub_sub_category", "str"),
        ("tag_names", "str"),
        ("total_messages", "int"),
        ("started_at", "ts"),
        ("done_at", "ts"),
        ("started_date", "date"),
        ("started_hour", "int"),
        ("session_duration_s", "float"),
        ("first_response_at", "ts"),
        ("waiting_time_s", "float"),
        ("last_agent_message_at", "ts"),
        ("support_time_s", "float"),
        ("avg_response_time_s", "float"),
        ("is_completed", "bool"),
        ("is_supported", "bool"),
        ("is_assigned", "bool"),
        ("is_proactive", "bool"),
        ("rating", "nint"),
        # Section 7.3, after the section-5 columns.
        ("schedule_id", "str"),
        ("started_in_business_hours", "nbool"),
        ("waiting_time_business_s", "float"),
        ("support_time_business_s", "float"),
        ("session_duration_business_s", "float"),
        ("avg_response_time_business_s", "float"),
    ],
    "fct_messages": [
        ("message_id", "str"),
        ("conversation_id", "str"),
        ("session_id", "str"),
        ("channel_id", "str"),
        ("channel_name", "str"),
        ("initiated_by", "str"),
        ("from_id", "str"),
        ("to_id", "str"),
        ("direction", "str"),
        ("sender_kind", "str"),
        ("agent_user_id", "str"),
        ("sent_at", "ts"),
        ("sent_date", "date"),
        ("content_type", "str"),
        ("content", "str"),
        ("template_id", "str"),
        ("template_name", "str"),
        ("media_url", "str"),
        ("status", "str"),
        ("status_updated_at", "ts"),
    ],
    "bridge_session_tags": [("session_id", "str"), ("tag_id", "str"), ("tag_name", "str")],
    "rpt_overview_daily": [
        ("started_date", "date"),
        ("channel_id", "str"),
        ("support_type", "str"),
        ("sessions", "int"),
        ("contacts", "int"),
        ("assigned_sessions", "int"),
        ("unassigned_sessions", "int"),
        ("done_sessions", "int"),
        ("pending_sessions", "int"),
        *_TOTALS,
    ],
    # rpt_user_stats: built per call, because its sla_<X>m columns follow sla_minutes.
    "rpt_hourly_stats": [
        ("started_date", "date"),
        ("started_hour", "int"),
        ("sessions", "int"),
        ("supported_sessions", "int"),
        ("supported_within_1m", "int"),
        ("done_sessions", "int"),
    ],
    "rpt_daily_stats": [("started_date", "date"), ("support_type", "str"), *_DAILY],
    "rpt_channel_stats": [
        ("started_date", "date"),
        ("channel_id", "str"),
        ("support_type", "str"),
        *_DAILY,
        *_TOTALS,
    ],
    "rpt_agent_working_time": [
        ("pause_date", "date"),
        ("user_id", "str"),
        ("pause_count", "int"),
        ("total_pause_s", "float"),
        ("open_pause_count", "int"),
    ],
    "rpt_tag_stats": [
        ("event_date", "date"),
        ("tag_id", "str"),
        ("channel_id", "str"),
        ("tagged_by_user_id", "str"),
        ("tags_added", "int"),
        ("tags_removed", "int"),
    ],
    "fct_replies": [
        ("reply_message_id", "str"),
        ("session_id", "str"),
        ("conversation_id", "str"),
        ("channel_id", "str"),
        ("replied_by_user_id", "str"),
        ("customer_message_id", "str"),
        ("waiting_since", "ts"),
        ("replied_at", "ts"),
        ("reply_time_s", "float"),
        ("reply_time_business_s", "float"),
        ("reply_number", "int"),
        ("reply_date", "date"),
        ("reply_hour", "int"),
    ],
    "rpt_reply_stats": [
        ("reply_date", "date"),
        ("replied_by_user_id", "str"),
        ("channel_id", "str"),
        ("replies", "int"),
        ("first_replies", "int"),
        ("total_reply_time_s", "float"),
        ("avg_reply_time_s", "float"),
        ("median_reply_time_s", "float"),
        ("p90_reply_time_s", "float"),
        ("total_reply_time_business_s", "float"),
        ("replies_with_business_time", "int"),
        ("avg_reply_time_business_s", "float"),
    ],
    "fct_conversations": [
        ("conversation_id", "str"),
        ("contact_id", "str"),
        ("channel_id", "str"),
        ("sessions", "int"),
        ("reopens", "int"),
        ("first_started_at", "ts"),
        ("last_started_at", "ts"),
        ("first_started_date", "date"),
        ("is_completed", "bool"),
        ("last_done_at", "ts"),
        ("total_messages", "int"),
        ("replies", "int"),
        ("is_one_touch", "bool"),
        ("is_two_touch", "bool"),
    ],
    "rpt_backlog_daily": [
        ("snapshot_date", "date"),
        ("channel_id", "str"),
        ("support_type", "str"),
        ("open_sessions", "int"),
        ("unassigned_open_sessions", "int"),
        ("open_over_24h", "int"),
        ("oldest_started_at", "ts"),
    ],
    "rpt_csat_daily": [
        ("started_date", "date"),
        ("channel_id", "str"),
        ("assigned_user_id", "str"),
        ("sessions", "int"),
        ("done_sessions", "int"),
        ("rated_sessions", "int"),
        ("satisfied_sessions", "int"),
        ("dissatisfied_sessions", "int"),
        ("csat_pct", "float"),
        ("avg_rating", "float"),
    ],
}


def user_stats_columns(sla_minutes: Iterable[int]) -> list[tuple[str, str]]:
    """The columns of rpt_user_stats for the configured SLA minutes (section 5)."""
    return [
        ("started_date", "date"),
        ("user_id", "str"),
        ("assigned_completed_supported", "int"),
        ("assigned_completed_not_supported", "int"),
        ("assigned_not_completed_supported", "int"),
        ("assigned_not_completed_not_supported", "int"),
        ("not_assigned_completed_supported", "int"),
        ("not_assigned_not_completed_supported", "int"),
        *[(f"sla_{x}m", "int") for x in sla_minutes],
        *_TOTALS,
    ]


# ---------------------------------------------------------------------------
# Small pure helpers
# ---------------------------------------------------------------------------

_TS_RE = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})[T ]"
    r"(?P<h>[0-9]{2}):(?P<mi>[0-9]{2})"
    r"(?::(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?"
)
_SPACES = " \t\r\n"
_TRUE = frozenset({"true", "t", "1", "yes"})
_FALSE = frozenset({"false", "f", "0", "no"})


def parse_timestamp(text: str) -> datetime | None:
    """Section 6.6: a naive UTC datetime, or None when the text is unparseable."""
    match = _TS_RE.fullmatch(text.strip(_SPACES))
    if match is None:
        return None
    g = match.groupdict()
    micros = int((g["f"] or "").ljust(6, "0") or 0)
    try:
        value = datetime(
            int(g["y"]),
            int(g["mo"]),
            int(g["d"]),
            int(g["h"]),
            int(g["mi"]),
            int(g["s"] or 0),
            micros,
        )
        tz = g["tz"]
        if tz and tz != "Z":
            hours, minutes = int(tz[1:3]), int(tz[4:6])
            if hours > 23 or minutes > 59:
                return None
            offset = timedelta(hours=hours, minutes=minutes)
            value = value - offset if tz[0] == "+" else value + offset
    except (ValueError, OverflowError):
        return None
    return value


def parse_bool(text: str) -> tuple[bool, bool | None]:
    """Section 6.5 for is_active: (valid, value)."""
    cleaned = text.strip(_SPACES).lower()
    if cleaned == "":
        return True, None
    if cleaned in _TRUE:
        return True, True
    if cleaned in _FALSE:
        return True, False
    return False, None


def parse_rating(text: str) -> tuple[bool, int | None]:
    """Section 6.5 for rating: (valid, value); only 1..5 or empty."""
    cleaned = text.strip(_SPACES)
    if cleaned == "":
        return True, None
    if cleaned in {"1", "2", "3", "4", "5"}:
        return True, int(cleaned)
    return False, None


def micros_between(later: datetime, earlier: datetime) -> int:
    """Exact difference in microseconds."""
    return (later - earlier) // timedelta(microseconds=1)


def seconds(micros: int) -> float:
    """Microseconds to float seconds, correctly rounded."""
    return micros / 1_000_000


def average_seconds(total_micros: int, count: int) -> float | None:
    """Exact mean of durations in seconds (section 3, 6.20): None when nothing to average."""
    if count == 0:
        return None
    return float(Fraction(total_micros, count * 1_000_000))


def percentage(numerator: int, denominator: int) -> float | None:
    """Section 6.20: 0-100, rounded half-up to 2 decimals from the exact ratio; None on 0."""
    if denominator == 0:
        return None
    hundredths = math.floor(Fraction(100 * 100 * numerator, denominator) + Fraction(1, 2))
    return float(Fraction(hundredths, 100))


def percentile_cont(values_micros: list[int], fraction: Fraction) -> float | None:
    """Section 7.4: the value at position 1 + p(n - 1) of the sorted values, interpolated
    linearly between the two nearest ranks; exact, rounded once to a double of seconds."""
    if not values_micros:
        return None
    ordered = sorted(values_micros)
    position = fraction * (len(ordered) - 1)  # 0-based
    lower = math.floor(position)
    value = Fraction(ordered[lower])
    if position > lower:
        value += (position - lower) * (ordered[lower + 1] - ordered[lower])
    return float(value / 1_000_000)


def join_names(names: Iterable[str | None]) -> str | None:
    """Section 6.22: distinct non-null names, sorted by code point, joined with ','."""
    distinct = sorted({name for name in names if name is not None})
    return ",".join(distinct) if distinct else None


class _LocalClock:
    """Local date and hour of naive UTC timestamps in the report time zone."""

    def __init__(self, report_timezone: str) -> None:
        self.name = report_timezone
        self.zone = ZoneInfo(report_timezone)
        self._ends: dict[date, datetime] = {}

    def end_of_date(self, day: date) -> datetime:
        """Section 7.6: the end of local date ``day`` is the first instant of ``day + 1``
        (naive UTC), so a 23- or 25-hour DST day ends where the next one starts."""
        if day not in self._ends:
            self._ends[day] = start_of_local_date(day + timedelta(days=1), self.name)
        return self._ends[day]

    def local(self, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC).astimezone(self.zone)

    def date(self, value: datetime) -> date:
        return self.local(value).date()

    def hour(self, value: datetime) -> int:
        return self.local(value).hour


# ---------------------------------------------------------------------------
# Loading the landing folder (section 2 "Landing files", 6.1, 6.7)
# ---------------------------------------------------------------------------


class LandingFileError(ValueError):
    """A landing file that cannot be read as a whole (it loads nothing)."""


@dataclass
class LoadResult:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)


def _empty_to_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return None if text == "" else text


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str | None]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LandingFileError(f"{path}: not UTF-8 at byte {exc.start}") from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise LandingFileError(f"{path}: empty file, expected a header row")
        missing = [c for c in columns if c not in header]
        if missing:
            raise LandingFileError(f"{path}: line 1: missing column(s) {', '.join(missing)}")
        positions = {c: header.index(c) for c in columns}
        rows = []
        for fields in reader:
            if fields == []:  # a blank line is no record
                continue
            if len(fields) != len(header):
                raise LandingFileError(
                    f"{path}: line {reader.line_num}: {len(fields)} fields, header has {len(header)}"
                )
            rows.append({c: _empty_to_none(fields[i]) for c, i in positions.items()})
    except csv.Error as exc:
        raise LandingFileError(f"{path}: line {reader.line_num}: {exc}") from exc
    return rows


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _empty_to_none(value)
    return json.dumps(value, ensure_ascii=False)


def _read_jsonl(path: Path, columns: tuple[str, ...]) -> list[dict[str, str | None]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LandingFileError(f"{path}: not UTF-8 at byte {exc.start}") from exc
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() == "":
            continue
        try:
            # Numbers keep their written text (section 2: "numbers as written").
            obj = json.loads(line, parse_int=str, parse_float=str, parse_constant=str)
        except json.JSONDecodeError as exc:
            raise LandingFileError(f"{path}: line {number}: malformed JSON ({exc.msg})") from exc
        if not isinstance(obj, dict):
            raise LandingFileError(f"{path}: line {number}: not a JSON object")
        rows.append({c: _json_text(obj.get(c)) for c in columns})
    return rows


def _parquet_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        if value.microsecond:
            text += f".{value.microsecond:06d}"
        return text + "Z"
    return _empty_to_none(value)


def _read_parquet(path: Path, columns: tuple[str, ...]) -> list[dict[str, str | None]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure fails the file
        raise LandingFileError(f"{path}: unreadable Parquet ({exc})") from exc
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise LandingFileError(f"{path}: missing column(s) {', '.join(missing)}")
    data = {c: table.column(c).to_pylist() for c in columns}
    return [{c: _parquet_text(data[c][i]) for c in columns} for i in range(table.num_rows)]


_READERS = {".csv": _read_csv, ".jsonl": _read_jsonl, ".parquet": _read_parquet}


def load_landing(landing_dir: Path) -> LoadResult:
    """Read every landing file in load order: tables, then file names, then rows.

    Each row gets ``_source_file`` (path relative to the landing folder),
    ``_row_number`` (1-based position in its file) and ``_load_seq`` (global load order).
    """
    landing_dir = Path(landing_dir)
    result = LoadResult(rows={table: [] for table in RAW_COLUMNS})
    seq = 0
    for table in sorted(RAW_COLUMNS):
        folder = landing_dir / table
        if not folder.is_dir():
            continue
        seen_hashes: set[str] = set()
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            relative = f"{table}/{path.name}"
            suffix = path.suffix.lower()
            if not path.is_file() or suffix not in _READERS:
                result.log.append(
                    {
                        "file": relative,
                        "status": "ignored",
                        "rows": 0,
                        "message": "not a .csv, .jsonl or .parquet file",
                    }
                )
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest in seen_hashes:
                result.log.append(
                    {
                        "file": relative,
                        "status": "duplicate",
                        "rows": 0,
                        "message": "same content as a file already loaded",
                    }
                )
                continue
            try:
                rows = _READERS[suffix](path, RAW_COLUMNS[table])
            except LandingFileError as exc:
                result.log.append(
                    {"file": relative, "status": "failed", "rows": 0, "message": str(exc)}
                )
                continue
            seen_hashes.add(digest)
            for number, row in enumerate(rows, start=1):
                seq += 1
                row.update({"_source_file": relative, "_row_number": number, "_load_seq": seq})
                result.rows[table].append(row)
            result.log.append(
                {"file": relative, "status": "loaded", "rows": len(rows), "message": None}
            )
    return result


# ---------------------------------------------------------------------------
# Validation (sections 4, 6.2-6.9) and deduplication (sections 1, 6.1-6.2)
# ---------------------------------------------------------------------------


FREE_TEXT_COLUMNS = frozenset(
    {
        "channel_name",
        "full_name",
        "email",
        "group_name",
        "display_name",
        "category_name",
        "tag_name",
        "session_name",
        "note",
        "content",
        "template_name",
        "media_url",
        "holiday_name",
    }
)


def validate_row(table: str, raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Type one raw row; return (typed row, reasons). No reasons means the row is good."""
    reasons: list[str] = []
    # DECISIONS.md: a value of only spaces is missing, like an empty one, in every column
    # but free text (names, content, notes, email, media and template names).
    raw = {
        column: (
            None
            if isinstance(value, str) and column not in FREE_TEXT_COLUMNS and value.strip(" ") == ""
            else value
        )
        for column, value in raw.items()
    }
    typed = dict(raw)
    for column in REQUIRED_IDS[table]:
        if raw[column] is None:
            reasons.append(f"missing {column}")
    for column, allowed in ENUMS.get(table, {}).items():
        value = raw[column]
        if value is None:
            reasons.append(f"missing {column}")
        elif value not in allowed:
            reasons.append(f"unknown {column} '{value}'")
    for column in REQUIRED_TIMESTAMPS.get(table, ()) + NULLABLE_TIMESTAMPS.get(table, ()):
        value = raw[column]
        if value is None:
            if column in REQUIRED_TIMESTAMPS.get(table, ()):
                reasons.append(f"missing {column}")
            typed[column] = None
            continue
        parsed = parse_timestamp(value)
        if parsed is None:
            reasons.append(f"unparseable {column} '{value}'")
        typed[column] = parsed
    if table == "users":
        ok, value = parse_bool(raw["is_active"] or "")
        if not ok:
            reasons.append(f"invalid is_active '{raw['is_active']}'")
        typed["is_active"] = value
    if table == "sessions":
        ok, value = parse_rating(raw["rating"] or "")
        if not ok:
            reasons.append(f"invalid rating '{raw['rating']}'")
        typed["rating"] = value
        if raw["done_at"] is not None and raw["status"] == "open":
            reasons.append("done_at set on an open session")
        if typed["done_at"] is not None and typed["started_at"] is not None:
            if typed["done_at"] < typed["started_at"]:
                reasons.append("done_at before started_at")
    if table == "messages":
        if raw["direction"] == "incoming" and raw["agent_user_id"] is not None:
            reasons.append("agent_user_id on an incoming message")
    if table in SCHEDULE_VALIDATORS:
        SCHEDULE_VALIDATORS[table](raw, typed, reasons)
    return typed, reasons


def _check_value(
    raw: dict[str, Any],
    typed: dict[str, Any],
    reasons: list[str],
    column: str,
    parse: Callable[[str], Any],
    problem: str,
    *,
    required: bool = True,
) -> None:
    """Type one 7.1 value: ``missing <column>`` or ``<problem> <column> '<value>'`` on failure."""
    value = raw[column]
    typed[column] = None
    if value is None:
        if required:
            reasons.append(f"missing {column}")
        return
    parsed = parse(value)
    if parsed is None:
        reasons.append(f"{problem} {column} '{value}'")
    typed[column] = parsed


def _validate_business_hours(
    raw: dict[str, Any], typed: dict[str, Any], reasons: list[str]
) -> None:
    """Section 7.1, after ``missing schedule_id``: each column in table order, then the row rule."""
    _check_value(raw, typed, reasons, "valid_from", parse_date, "unparseable", required=False)
    zone = raw["time_zone"]
    if zone is None:
        reasons.append("missing time_zone")
    elif not is_known_time_zone(zone):  # exact: case and spaces count
        reasons.append(f"unknown time_zone '{zone}'")
    _check_value(raw, typed, reasons, "weekday", parse_weekday, "invalid")
    _check_value(
        raw, typed, reasons, "opens_at", lambda v: parse_clock_time(v, allow_24=False), "invalid"
    )
    _check_value(
        raw, typed, reasons, "closes_at", lambda v: parse_clock_time(v, allow_24=True), "invalid"
    )
    if typed["opens_at"] is not None and typed["closes_at"] is not None:
        if typed["closes_at"] <= typed["opens_at"]:
            reasons.append("closes_at not after opens_at")


def _validate_holidays(raw: dict[str, Any], typed: dict[str, Any], reasons: list[str]) -> None:
    """Section 7.1: a holiday needs a real ``holiday_date``; its name may be null."""
    _check_value(raw, typed, reasons, "holiday_date", parse_date, "unparseable")


# channel_schedules has only ids, checked with REQUIRED_IDS.
SCHEDULE_VALIDATORS = {
    "business_hours": _validate_business_hours,
    "holidays": _validate_holidays,
}


@dataclass
class Staged:
    tables: dict[str, list[dict[str, Any]]]
    quarantine: dict[str, pd.DataFrame]
    reconciliation: pd.DataFrame


def stage(loaded: LoadResult) -> Staged:
    """Validate every row, quarantine the bad ones, keep one version per id."""
    tables: dict[str, list[dict[str, Any]]] = {}
    quarantine: dict[str, pd.DataFrame] = {}
    recon = []
    for table, columns in RAW_COLUMNS.items():
        raw_rows = loaded.rows.get(table, [])
        good: list[dict[str, Any]] = []
        bad: list[dict[str, Any]] = []
        for raw in raw_rows:
            typed, reasons = validate_row(table, raw)
            if reasons:
                bad.append(
                    {
                        **{c: raw[c] for c in columns},
                        "reason": "; ".join(reasons),
                        "_source_file": raw["_source_file"],
                        "_row_number": raw["_row_number"],
                    }
                )
            else:
                good.append(typed)
        winners: dict[tuple, dict[str, Any]] = {}
        order_column = DEDUP_ORDER.get(table)
        for row in good:  # already in load order: a later row wins ties
            key = tuple(row[c] for c in DEDUP_KEYS[table])
            current = winners.get(key)
            if (
                current is None
                or order_column is None
                or row[order_column] >= current[order_column]
            ):
                winners[key] = row
        kept = sorted(winners.values(), key=lambda r: r["_load_seq"])
        tables[table] = kept
        quarantine[table] = _frame(
            bad,
            [(c, "str") for c in columns]
            + [("reason", "str"), ("_source_file", "str"), ("_row_number", "int")],
        )
        recon.append(
            {
                "table_name": table,
                "raw_rows": len(raw_rows),
                "staged_rows": len(kept),
                "quarantined_rows": len(bad),
                "superseded_rows": len(good) - len(kept),
            }
        )
    reconciliation = _frame(
        recon,
        [
            ("table_name", "str"),
            ("raw_rows", "int"),
            ("staged_rows", "int"),
            ("quarantined_rows", "int"),
            ("superseded_rows", "int"),
        ],
    )
    return Staged(tables=tables, quarantine=quarantine, reconciliation=reconciliation)


# ---------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------


def _series(values: list[Any], kind: str) -> pd.Series:
    if kind == "int":
        return pd.Series(values, dtype="int64")
    if kind == "float":
        return pd.Series([math.nan if v is None else float(v) for v in values], dtype="float64")
    if kind == "bool":
        return pd.Series(values, dtype="bool")
    if kind == "ts":
        return pd.Series(values, dtype="datetime64[us]")
    return pd.Series(values, dtype="object")  # str, date, nbool, nint: Python values / None


def _frame(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> pd.DataFrame:
    data = {name: _series([row[name] for row in rows], kind) for name, kind in columns}
    return pd.DataFrame(data, columns=[name for name, _ in columns])


def to_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Plain Python rows: None for NaN/NaT/None, datetime for timestamps, int/float/bool."""
    records = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
                clean[key] = None
            elif isinstance(value, pd.Timestamp):
                clean[key] = value.to_pydatetime()
            elif hasattr(value, "item") and not isinstance(value, (str, bytes)):
                clean[key] = value.item()
            else:
                clean[key] = value
        records.append(clean)
    return records


# ---------------------------------------------------------------------------
# Dimensions
# ---------------------------------------------------------------------------


def _by_id(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in rows}


def build_dim_users(staged: Staged) -> list[dict[str, Any]]:
    groups = _by_id(staged.tables["groups"], "group_id")
    names_by_user: dict[str, list[str | None]] = defaultdict(list)
    for link in staged.tables["user_groups"]:
        group = groups.get(link["group_id"])
        names_by_user[link["user_id"]].append(group["group_name"] if group else None)
    return [
        {
            "user_id": u["user_id"],
            "full_name": u["full_name"],
            "email": u["email"],
            "is_active": u["is_active"],
            "group_names": join_names(names_by_user[u["user_id"]]),
        }
        for u in staged.tables["users"]
    ]


def category_chain(category_id: str, categories: dict[str, dict[str, Any]]) -> list[str]:
    """Section 6.18: the category then at most two ancestors, stopping at a loop or a missing parent."""
    chain = [category_id]
    while len(chain) < 3:
        current = categories.get(chain[-1])
        parent_id = current["parent_id"] if current else None
        if parent_id is None or parent_id in chain:
            break
        chain.append(parent_id)
    return chain


def build_dim_categories(staged: Staged) -> list[dict[str, Any]]:
    categories = _by_id(staged.tables["categories"], "category_id")
    rows = []
    for cat in staged.tables["categories"]:
        chain = category_chain(cat["category_id"], categories)
        top_down = [
            categories[c]["category_name"] if c in categories else None for c in reversed(chain)
        ]
        top_down += [None] * (3 - len(top_down))
        rows.append(
            {
                "category_id": cat["category_id"],
                "category_name": cat["category_name"],
                "category_level": len(chain),
                "category": top_down[0],
                "sub_category": top_down[1],
                "sub_sub_category": top_down[2],
            }
        )
    return rows


# ---------------------------------------------------------------------------
# Facts
# ---------------------------------------------------------------------------


def sender_kind(message: dict[str, Any]) -> str:
    """Section 3: contact, agent or page."""
    if message["direction"] == "incoming":
        return "contact"
    return "agent" if message["agent_user_id"] is not None else "page"


def reply_pairs(messages: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Section 3 "Replies", 7.4: (earliest contact message waiting, agent reply) pairs.

    ``messages`` sorted by (sent_at, message_id); page messages are skipped.
    """
    pairs = []
    waiting: dict[str, Any] | None = None
    for message in messages:
        kind = sender_kind(message)
        if kind == "contact":
            if waiting is None:
                waiting = message
        elif kind == "agent" and waiting is not None:
            pairs.append((waiting, message))
            waiting = None
    return pairs


def reply_times_micros(messages: list[dict[str, Any]]) -> list[int]:
    """Section 3: the reply time of every reply, in order."""
    return [
        micros_between(reply["sent_at"], customer["sent_at"])
        for customer, reply in reply_pairs(messages)
    ]


@dataclass
class SessionFacts:
    """The per-session metrics of section 3 plus what the per-agent metrics need."""

    row: dict[str, Any]
    waiting_micros: int | None
    support_micros: int | None
    duration_micros: int | None
    first_responder: str | None
    agents: list[str]  # distinct agent_user_id of agent messages, in order of first message
    agent_support_micros: dict[str, int | None]


def session_metrics(
    session: dict[str, Any],
    messages: list[dict[str, Any]],
    newest_sent_at: datetime | None,
    window_hours: int,
) -> SessionFacts:
    """Every section-3 metric of one session; ``messages`` sorted by (sent_at, message_id)."""
    started_at, done_at = session["started_at"], session["done_at"]
    is_completed = session["status"] == "done"
    talk = [m for m in messages if sender_kind(m) != "page"]
    agent_msgs = [m for m in talk if sender_kind(m) == "agent"]
    is_supported = bool(agent_msgs)
    is_proactive = bool(talk) and sender_kind(talk[0]) == "agent"

    first_response = next((m for m in agent_msgs if m["sent_at"] >= started_at), None)
    first_response_at = first_response["sent_at"] if first_response else None
    waiting = (
        micros_between(first_response_at, started_at)
        if first_response_at is not None and not is_proactive
        else None
    )

    last_agent_at = None
    if is_completed and done_at is not None:
        bounded = [m for m in agent_msgs if m["sent_at"] <= done_at]
        last_agent_at = bounded[-1]["sent_at"] if bounded else None
    # DECISIONS.md: a proactive session's support time runs from its first_response_at, which
    # CONTRACT.md 6.14 defines as its first agent message at or after started_at.
    support_start = first_response_at
    support = (
        micros_between(last_agent_at, support_start)
        if is_completed and is_supported and last_agent_at is not None and support_start is not None
        else None
    )
    duration = micros_between(done_at, started_at) if is_completed and done_at is not None else None

    replies = reply_times_micros(messages)
    window = timedelta(hours=window_hours)
    if is_proactive:
        session_type = "proactive"
    elif waiting is not None and waiting > window // timedelta(microseconds=1):
        session_type = "unanswered_24h"
    elif not is_supported and newest_sent_at is not None and started_at < newest_sent_at - window:
        session_type = "unanswered_24h"
    else:
        session_type = "standard"

    agents: list[str] = []
    for m in agent_msgs:
        if m["agent_user_id"] not in agents:
            agents.append(m["agent_user_id"])
    agent_support: dict[str, int | None] = {}
    for agent in agents:
        own = [m for m in agent_msgs if m["agent_user_id"] == agent]
        own_bounded = [m for m in own if done_at is not None and m["sent_at"] <= done_at]
        agent_support[agent] = (
            micros_between(own_bounded[-1]["sent_at"], own[0]["sent_at"])
            if is_completed and own_bounded
            else None
        )

    row = {
        "session_type": session_type,
        "total_messages": len(talk),
        "session_duration_s": None if duration is None else seconds(duration),
        "first_response_at": first_response_at,
        "waiting_time_s": None if waiting is None else seconds(waiting),
        "last_agent_message_at": last_agent_at,
        "support_time_s": None if support is None else seconds(support),
        "avg_response_time_s": average_seconds(sum(replies), len(replies)),
        "is_completed": is_completed,
        "is_supported": is_supported,
        "is_assigned": session["assigned_user_id"] is not None,
        "is_proactive": is_proactive,
    }
    return SessionFacts(
        row=row,
        waiting_micros=waiting,
        support_micros=support,
        duration_micros=duration,
        first_responder=first_response["agent_user_id"] if first_response else None,
        agents=agents,
        agent_support_micros=agent_support,
    )


def current_tags(staged: Staged, session_ids: set[str]) -> list[dict[str, Any]]:
    """Section 5 bridge: per (session, tag), the last event in (event_at, tag_event_id) order."""
    tags = _by_id(staged.tables["tags"], "tag_id")
    events = [e for e in staged.tables["tag_events"] if e["session_id"] in session_ids]
    last: dict[tuple[str, str], dict[str, Any]] = {}
    for event in sorted(events, key=lambda e: (e["event_at"], e["tag_event_id"])):
        last[(event["session_id"], event["tag_id"])] = event
    return [
        {"session_id": s, "tag_id": t, "tag_name": tags[t]["tag_name"] if t in tags else None}
        for (s, t), event in sorted(last.items())
        if event["action"] == "added"
    ]


# ---------------------------------------------------------------------------
# Report tables
# ---------------------------------------------------------------------------


def _totals(sessions: list[tuple[int | None, int | None]]) -> dict[str, Any]:
    """Waiting/support totals for (waiting_micros, support_micros) pairs (section 6.21)."""
    waits = [w for w, _ in sessions if w is not None]
    supports = [s for _, s in sessions if s is not None]
    return {
        "total_waiting_time_s": seconds(sum(waits)),
        "sessions_with_waiting_time": len(waits),
        "total_support_time_s": seconds(sum(supports)),
        "sessions_with_support_time": len(supports),
        "avg_waiting_time_s": average_seconds(sum(waits), len(waits)),
        "avg_support_time_s": average_seconds(sum(supports), len(supports)),
    }


def _daily(group: list[SessionFacts]) -> dict[str, Any]:
    done = [f.row["is_completed"] for f in group]
    sup = [f.row["is_supported"] for f in group]
    pairs = list(zip(done, sup, strict=True))
    return {
        "done_supported": pairs.count((True, True)),
        "done_not_supported": pairs.count((True, False)),
        "not_done_supported": pairs.count((False, True)),
        "not_done_not_supported": pairs.count((False, False)),
        "sessions": len(group),
        "pct_complete": percentage(sum(done), len(group)),
        "pct_support": percentage(sum(sup), len(group)),
    }


def _group(items: Iterable[Any], key) -> dict[tuple, list[Any]]:
    groups: dict[tuple, list[Any]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return groups


def _sort_key(value: Any) -> tuple:
    return (value is None, value if value is not None else "")


def _sorted_groups(groups: dict[tuple, list[Any]]):
    return sorted(groups.items(), key=lambda kv: tuple(_sort_key(v) for v in kv[0]))


def build_user_stats(facts: list[SessionFacts], sla_minutes: list[int]) -> list[dict[str, Any]]:
    """Section 3 "per agent and session", 5, 6.23."""
    participations = []
    for f in facts:
        session = f.row
        assignee = session["assigned_user_id"]
        users = ([assignee] if assignee is not None else []) + [
            a for a in f.agents if a != assignee
        ]
        for user in users:
            is_first = f.first_responder == user
            participations.append(
                {
                    "started_date": session["started_date"],
                    "user_id": user,
                    "assigned": user == assignee,
                    "supported": user in f.agents,
                    "completed": session["is_completed"],
                    "waiting": f.waiting_micros if is_first else None,
                    "support": f.agent_support_micros.get(user),
                }
            )
    rows = []
    for (day, user), group in _sorted_groups(
        _group(participations, lambda p: (p["started_date"], p["user_id"]))
    ):

        def count(assigned: bool, completed: bool, supported: bool, group=group) -> int:
            return sum(
                1
                for p in group
                if (p["assigned"], p["completed"], p["supported"])
                == (assigned, completed, supported)
            )

        row = {
            "started_date": day,
            "user_id": user,
            "assigned_completed_supported": count(True, True, True),
            "assigned_completed_not_supported": count(True, True, False),
            "assigned_not_completed_supported": count(True, False, True),
            "assigned_not_completed_not_supported": count(True, False, False),
            "not_assigned_completed_supported": count(False, True, True),
            "not_assigned_not_completed_supported": count(False, False, True),
        }
        for x in sla_minutes:
            limit = 60 * x * 1_000_000
            row[f"sla_{x}m"] = sum(
                1 for p in group if p["waiting"] is not None and p["waiting"] < limit
            )
        row.update(_totals([(p["waiting"], p["support"]) for p in group]))
        rows.append(row)
    return rows


def pauses(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Section 3 "Agent pauses", 6.24: one dict per pause with start, user and micros (None if open)."""
    result = []
    by_user = _group(events, lambda e: e["user_id"])
    for user, user_events in by_user.items():
        open_pause: dict[str, Any] | None = None
        for event in sorted(user_events, key=lambda e: (e["event_at"], e["event_id"])):
            if event["status"] == "paused":
                if open_pause is None:
                    open_pause = {"user_id": user, "start": event["event_at"], "micros": None}
            elif open_pause is not None:
                open_pause["micros"] = micros_between(event["event_at"], open_pause["start"])
                result.append(open_pause)
                open_pause = None
        if open_pause is not None:
            result.append(open_pause)
    return result


# ---------------------------------------------------------------------------
# Section 7: service level
# ---------------------------------------------------------------------------

DEFAULT_SCHEDULE_ID = "default"
ONE_DAY_MICROS = 86_400 * 1_000_000


def build_schedules(staged: Staged) -> dict[str, Schedule]:
    """7.2: every schedule with at least one valid business_hours row, with its holidays.

    A schedule id that only appears in holidays or channel_schedules is no schedule.
    """
    versions: dict[str, dict[date | None, list[Opening]]] = defaultdict(lambda: defaultdict(list))
    for row in staged.tables["business_hours"]:
        versions[row["schedule_id"]][row["valid_from"]].append(
            Opening(
                time_zone=row["time_zone"],
                weekday=row["weekday"],
                opens_minute=row["opens_at"],
                closes_minute=row["closes_at"],
            )
        )
    holidays: dict[str, set[date]] = defaultdict(set)
    for row in staged.tables["holidays"]:
        holidays[row["schedule_id"]].add(row["holiday_date"])
    return {
        schedule_id: Schedule(
            schedule_id, dict(by_version), frozenset(holidays.get(schedule_id, set()))
        )
        for schedule_id, by_version in versions.items()
    }


def schedule_of_channel(
    channel_id: str, channel_schedules: dict[str, str], schedules: dict[str, Schedule]
) -> Schedule | None:
    """7.2 "Which schedule": the channel's mapping, else ``default``; None without a valid row.

    A channel mapped to a schedule without valid business_hours has no schedule: it does
    not fall back to ``default``.
    """
    if channel_id in channel_schedules:
        return schedules.get(channel_schedules[channel_id])
    return schedules.get(DEFAULT_SCHEDULE_ID)


def business_micros(
    schedule: Schedule | None, a: datetime | None, b: datetime | None
) -> int | None:
    """7.2 business time between a and b in exact microseconds (signed); None if any is null."""
    if schedule is None or a is None or b is None:
        return None
    return schedule.business_micros(a, b)


def session_replies(
    session_row: dict[str, Any],
    messages: list[dict[str, Any]],
    schedule: Schedule | None,
    clock: _LocalClock,
) -> list[dict[str, Any]]:
    """7.4 fct_replies rows of one session (messages sorted by sent_at, message_id).

    ``_micros`` / ``_business_micros`` keep the exact durations for the exact sums of
    rpt_reply_stats; they are not frame columns.
    """
    rows = []
    for number, (customer, reply) in enumerate(reply_pairs(messages), start=1):
        micros = micros_between(reply["sent_at"], customer["sent_at"])
        business = business_micros(schedule, customer["sent_at"], reply["sent_at"])
        rows.append(
            {
                "reply_message_id": reply["message_id"],
                "session_id": session_row["session_id"],
                "conversation_id": session_row[
                    "conversation_id"
                ],  # the session's, not the message's
                "channel_id": session_row["channel_id"],
                "replied_by_user_id": reply["agent_user_id"],
                "customer_message_id": customer["message_id"],
                "waiting_since": customer["sent_at"],
                "replied_at": reply["sent_at"],
                "reply_time_s": seconds(micros),
                "reply_time_business_s": None if business is None else seconds(business),
                "reply_number": number,
                "reply_date": clock.date(reply["sent_at"]),
                "reply_hour": clock.hour(reply["sent_at"]),
                "_micros": micros,
                "_business_micros": business,
            }
        )
    return rows


def business_columns(
    row: dict[str, Any], schedule: Schedule | None, replies: list[dict[str, Any]]
) -> dict[str, Any]:
    """7.3: the business columns of one fct_sessions row.

    Each spans the instants of its calendar column and is null where that one is null;
    all are null without a schedule. A schedule with no version yet gives 0.0.
    """

    def span(a: str, b: str, calendar_column: str) -> float | None:
        if schedule is None or row[calendar_column] is None:
            return None
        return seconds(schedule.business_micros(row[a], row[b]))

    reply_micros = [r["_business_micros"] for r in replies]
    return {
        "schedule_id": schedule.schedule_id if schedule else None,
        "started_in_business_hours": schedule.is_open_at(row["started_at"]) if schedule else None,
        "waiting_time_business_s": span("started_at", "first_response_at", "waiting_time_s"),
        "support_time_business_s": span(
            "first_response_at", "last_agent_message_at", "support_time_s"
        ),
        "session_duration_business_s": span("started_at", "done_at", "session_duration_s"),
        "avg_response_time_business_s": (
            average_seconds(sum(reply_micros), len(reply_micros)) if schedule else None
        ),
    }


def build_reply_stats(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """7.4 rpt_reply_stats: per reply_date x replied_by_user_id x channel_id."""
    rows = []
    for (day, user, channel_id), group in _sorted_groups(
        _group(replies, lambda r: (r["reply_date"], r["replied_by_user_id"], r["channel_id"]))
    ):
        micros = [r["_micros"] for r in group]
        business = [r["_business_micros"] for r in group if r["_business_micros"] is not None]
        rows.append(
            {
                "reply_date": day,
                "replied_by_user_id": user,
                "channel_id": channel_id,
                "replies": len(group),
                "first_replies": sum(1 for r in group if r["reply_number"] == 1),
                "total_reply_time_s": seconds(sum(micros)),
                "avg_reply_time_s": average_seconds(sum(micros), len(micros)),
                "median_reply_time_s": percentile_cont(micros, Fraction(1, 2)),
                "p90_reply_time_s": percentile_cont(micros, Fraction(9, 10)),
                "total_reply_time_business_s": seconds(sum(business)),  # 6.21: 0.0 when none
                "replies_with_business_time": len(business),
                "avg_reply_time_business_s": average_seconds(sum(business), len(business)),
            }
        )
    return rows


def build_fct_conversations(
    sessions: list[dict[str, Any]], replies: list[dict[str, Any]], clock: _LocalClock
) -> list[dict[str, Any]]:
    """7.5: one row per conversation_id of the fct_sessions rows."""
    replies_per_session = _group(replies, lambda r: r["session_id"])
    rows = []
    for (conversation_id,), group in _sorted_groups(
        _group(sessions, lambda s: (s["conversation_id"],))
    ):
        ordered = sorted(group, key=lambda s: (s["started_at"], s["session_id"]))
        first = ordered[0]
        completed = all(s["is_completed"] for s in group)
        done_ats = [s["done_at"] for s in group]
        reply_count = sum(len(replies_per_session.get(s["session_id"], [])) for s in group)
        rows.append(
            {
                "conversation_id": conversation_id,
                "contact_id": first["contact_id"],
                "channel_id": first["channel_id"],
                "sessions": len(group),
                "reopens": len(group) - 1,
                "first_started_at": first["started_at"],
                "last_started_at": max(s["started_at"] for s in group),
                "first_started_date": clock.date(first["started_at"]),
                "is_completed": completed,
                "last_done_at": (max(done_ats) if completed and None not in done_ats else None),
                "total_messages": sum(s["total_messages"] for s in group),
                "replies": reply_count,
                "is_one_touch": completed and reply_count == 1,
                "is_two_touch": completed and reply_count == 2,
            }
        )
    return rows


def backlog_days(
    session: dict[str, Any], first_day: date, as_of: date, clock: _LocalClock
) -> list[tuple[date, bool]]:
    """7.6: the snapshot dates whose backlog holds the session, each with "open over 24 h".

    In backlog at the end of D (first instant of D + 1): started before it, and open, or
    done with done_at at or after it. A done session without done_at is in none.
    """
    if session["is_completed"] and session["done_at"] is None:
        return []
    days = []
    # Start a day early: the explicit started_at test below decides, whatever the DST.
    day = max(first_day, session["started_date"] - timedelta(days=1))
    while day <= as_of:
        end = clock.end_of_date(day)
        if session["is_completed"] and session["done_at"] < end:
            break  # the end of every later day is later still
        if session["started_at"] < end:
            over_24h = micros_between(end, session["started_at"]) > ONE_DAY_MICROS
            days.append((day, over_24h))
        day += timedelta(days=1)
    return days


def build_backlog(
    sessions: list[dict[str, Any]], newest_sent_at: datetime | None, clock: _LocalClock
) -> list[dict[str, Any]]:
    """7.6 rpt_backlog_daily, from the earliest started_date to the as-of date."""
    if newest_sent_at is None or not sessions:
        return []  # no messages: no as-of date, no backlog
    as_of = clock.date(newest_sent_at)
    first_day = min(s["started_date"] for s in sessions)
    entries = [
        {"snapshot_date": day, "session": s, "over_24h": over_24h}
        for s in sessions
        for day, over_24h in backlog_days(s, first_day, as_of, clock)
    ]
    rows = []
    for (day, channel_id, support_type), group in _sorted_groups(
        _group(
            entries,
            lambda e: (
                e["snapshot_date"],
                e["session"]["channel_id"],
                e["session"]["support_type"],
            ),
        )
    ):
        rows.append(
            {
                "snapshot_date": day,
                "channel_id": channel_id,
                "support_type": support_type,
                "open_sessions": len(group),
                "unassigned_open_sessions": sum(
                    1 for e in group if not e["session"]["is_assigned"]
                ),
                "open_over_24h": sum(1 for e in group if e["over_24h"]),
                "oldest_started_at": min(e["session"]["started_at"] for e in group),
            }
        )
    return rows


def build_csat(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """7.7 rpt_csat_daily: a session's rating is credited to its assignee (null: unassigned)."""
    rows = []
    for (day, channel_id, user), group in _sorted_groups(
        _group(sessions, lambda s: (s["started_date"], s["channel_id"], s["assigned_user_id"]))
    ):
        ratings = [s["rating"] for s in group if s["rating"] is not None]
        satisfied = sum(1 for r in ratings if r >= 4)
        rows.append(
            {
                "started_date": day,
                "channel_id": channel_id,
                "assigned_user_id": user,
                "sessions": len(group),
                "done_sessions": sum(1 for s in group if s["is_completed"]),
                "rated_sessions": len(ratings),
                "satisfied_sessions": satisfied,
                "dissatisfied_sessions": sum(1 for r in ratings if r <= 2),
                "csat_pct": percentage(satisfied, len(ratings)),
                "avg_rating": float(Fraction(sum(ratings), len(ratings))) if ratings else None,
            }
        )
    return rows


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def compute_marts(
    landing_dir: Path,
    *,
    report_timezone: str = "Asia/Ho_Chi_Minh",
    sla_minutes: list[int] = [1, 5, 15, 30],  # noqa: B006 - read only
    unanswered_window_hours: int = 24,
) -> dict[str, pd.DataFrame]:
    """Every mart of CONTRACT.md sections 5 and 7 from a landing folder, plus quarantine and
    reconciliation.

    Keys: the 18 marts of :data:`MART_KEYS`, ``quarantine__<table>`` for every raw table
    (section 7.1's included), ``reconciliation`` and ``load_log`` (one row per landing file
    seen: loaded, duplicate, failed, ignored).
    """
    landing_dir = Path(landing_dir)
    if not landing_dir.is_dir():
        raise FileNotFoundError(
            f"landing folder {landing_dir} does not exist: pass the folder "
            "that holds one sub-folder per raw table"
        )
    clock = _LocalClock(report_timezone)
    sla_minutes = list(sla_minutes)
    loaded = load_landing(landing_dir)
    staged = stage(loaded)
    t = staged.tables

    channels = _by_id(t["channels"], "channel_id")
    users = _by_id(t["users"], "user_id")
    contacts = _by_id(t["contacts"], "contact_id")
    dim_categories = build_dim_categories(staged)
    categories = _by_id(dim_categories, "category_id")
    sessions = _by_id(t["sessions"], "session_id")
    session_ids = set(sessions)

    # fct_messages: messages whose session is staged (6.11: others are late).
    messages = sorted(
        (m for m in t["messages"] if m["session_id"] in session_ids),
        key=lambda m: (m["sent_at"], m["message_id"]),
    )
    newest_sent_at = max((m["sent_at"] for m in messages), default=None)  # 6.10
    fct_messages = []
    for m in messages:
        channel = channels.get(m["channel_id"])
        fct_messages.append(
            {
                **{c: m[c] for c in RAW_COLUMNS["messages"]},
                "channel_name": channel["channel_name"] if channel else None,
                "sender_kind": sender_kind(m),
                "sent_date": clock.date(m["sent_at"]),
            }
        )
    messages_by_session = _group(messages, lambda m: m["session_id"])

    bridge = current_tags(staged, session_ids)
    tag_names = {
        sid: join_names(b["tag_name"] for b in rows)
        for (sid,), rows in _group(bridge, lambda b: (b["session_id"],)).items()
    }

    facts: list[SessionFacts] = []
    for s in t["sessions"]:
        f = session_metrics(
            s, messages_by_session.get(s["session_id"], []), newest_sent_at, unanswered_window_hours
        )
        contact = contacts.get(s["contact_id"])
        channel = channels.get(s["channel_id"])
        staff = users.get(s["assigned_user_id"])
        category = categories.get(s["category_id"])
        f.row.update(
            {
                "session_id": s["session_id"],
                "conversation_id": s["conversation_id"],
                "contact_id": s["contact_id"],
                "contact_name": contact["display_name"] if contact else None,
                "session_name": s["session_name"],
                "channel_id": s["channel_id"],
                "channel_name": channel["channel_name"] if channel else None,
                "channel_type": channel["channel_type"] if channel else None,
                "support_type": s["support_type"],
                "assigned_user_id": s["assigned_user_id"],
                "staff_name": staff["full_name"] if staff else None,
                "note": s["note"],
                "category_id": s["category_id"],
                "category": category["category"] if category else None,
                "sub_category": category["sub_category"] if category else None,
                "sub_sub_category": category["sub_sub_category"] if category else None,
                "tag_names": tag_names.get(s["session_id"]),
                "started_at": s["started_at"],
                "done_at": s["done_at"],
                "started_date": clock.date(s["started_at"]),
                "started_hour": clock.hour(s["started_at"]),
                "rating": s["rating"],
            }
        )
        facts.append(f)

    # Section 7: the business clock, replies, conversations, backlog, satisfaction.
    schedules = build_schedules(staged)
    channel_schedules = {r["channel_id"]: r["schedule_id"] for r in t["channel_schedules"]}
    replies: list[dict[str, Any]] = []
    for f in facts:
        schedule = schedule_of_channel(f.row["channel_id"], channel_schedules, schedules)
        own = session_replies(
            f.row, messages_by_session.get(f.row["session_id"], []), schedule, clock
        )
        f.row.update(business_columns(f.row, schedule, own))
        replies.extend(own)
    session_rows = [f.row for f in facts]

    overview = []
    for (day, channel_id, support_type), group in _sorted_groups(
        _group(facts, lambda f: (f.row["started_date"], f.row["channel_id"], f.row["support_type"]))
    ):
        overview.append(
            {
                "started_date": day,
                "channel_id": channel_id,
                "support_type": support_type,
                "sessions": len(group),
                "contacts": len({f.row["contact_id"] for f in group}),
                "assigned_sessions": sum(f.row["is_assigned"] for f in group),
                "unassigned_sessions": sum(not f.row["is_assigned"] for f in group),
                "done_sessions": sum(f.row["is_completed"] for f in group),
                "pending_sessions": sum(not f.row["is_completed"] for f in group),
                **_totals([(f.waiting_micros, f.support_micros) for f in group]),
            }
        )

    hourly = []
    for (day, hour), group in _sorted_groups(
        _group(facts, lambda f: (f.row["started_date"], f.row["started_hour"]))
    ):
        hourly.append(
            {
                "started_date": day,
                "started_hour": hour,
                "sessions": len(group),
                "supported_sessions": sum(f.row["is_supported"] for f in group),
                "supported_within_1m": sum(
                    1
                    for f in group
                    if f.waiting_micros is not None and f.waiting_micros < 60_000_000
                ),
                "done_sessions": sum(f.row["is_completed"] for f in group),
            }
        )

    daily = [
        {"started_date": day, "support_type": st, **_daily(group)}
        for (day, st), group in _sorted_groups(
            _group(facts, lambda f: (f.row["started_date"], f.row["support_type"]))
        )
    ]

    channel_stats = [
        {
            "started_date": day,
            "channel_id": ch,
            "support_type": st,
            **_daily(group),
            **_totals([(f.waiting_micros, f.support_micros) for f in group]),
        }
        for (day, ch, st), group in _sorted_groups(
            _group(
                facts, lambda f: (f.row["started_date"], f.row["channel_id"], f.row["support_type"])
            )
        )
    ]

    working = []
    for (day, user), group in _sorted_groups(
        _group(pauses(t["agent_status_events"]), lambda p: (clock.date(p["start"]), p["user_id"]))
    ):
        closed = [p["micros"] for p in group if p["micros"] is not None]
        working.append(
            {
                "pause_date": day,
                "user_id": user,
                "pause_count": len(group),
                "total_pause_s": seconds(sum(closed)),
                "open_pause_count": len(group) - len(closed),
            }
        )

    tag_rows = []
    counted_events = [
        e for e in t["tag_events"] if e["session_id"] is None or e["session_id"] in session_ids
    ]  # 6.11
    for (day, tag_id, channel_id, user_id), group in _sorted_groups(
        _group(
            counted_events,
            lambda e: (clock.date(e["event_at"]), e["tag_id"], e["channel_id"], e["user_id"]),
        )
    ):
        tag_rows.append(
            {
                "event_date": day,
                "tag_id": tag_id,
                "channel_id": channel_id,
                "tagged_by_user_id": user_id,
                "tags_added": sum(e["action"] == "added" for e in group),
                "tags_removed": sum(e["action"] == "removed" for e in group),
            }
        )

    rows_by_mart: dict[str, list[dict[str, Any]]] = {
        "dim_channels": t["channels"],
        "dim_users": build_dim_users(staged),
        "dim_categories": dim_categories,
        "fct_sessions": [f.row for f in facts],
        "fct_messages": fct_messages,
        "bridge_session_tags": bridge,
        "rpt_overview_daily": overview,
        "rpt_user_stats": build_user_stats(facts, sla_minutes),
        "rpt_hourly_stats": hourly,
        "rpt_daily_stats": daily,
        "rpt_channel_stats": channel_stats,
        "rpt_agent_working_time": working,
        "rpt_tag_stats": tag_rows,
        "fct_replies": replies,
        "rpt_reply_stats": build_reply_stats(replies),
        "fct_conversations": build_fct_conversations(session_rows, replies, clock),
        "rpt_backlog_daily": build_backlog(session_rows, newest_sent_at, clock),
        "rpt_csat_daily": build_csat(session_rows),
    }
    result: dict[str, pd.DataFrame] = {}
    for mart, rows in rows_by_mart.items():
        columns = (
            user_stats_columns(sla_minutes) if mart == "rpt_user_stats" else MART_COLUMNS[mart]
        )
        frame = _frame(rows, columns)
        result[mart] = (
            frame.sort_values(MART_KEYS[mart], key=_null_last_key, ignore_index=True)
            if len(frame)
            else frame
        )
    for table, frame in staged.quarantine.items():
        result[f"quarantine__{table}"] = frame
    result["reconciliation"] = staged.reconciliation
    result["load_log"] = _frame(
        loaded.log, [("file", "str"), ("status", "str"), ("rows", "int"), ("message", "str")]
    )
    return result


def _null_last_key(column: pd.Series) -> pd.Series:
    """Sort key for object columns holding None: nulls last, others by their natural order."""
    if column.dtype != object:
        return column
    return column.map(lambda v: (1, "") if v is None else (0, v))
