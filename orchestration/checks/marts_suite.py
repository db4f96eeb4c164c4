"""The report-marts suite: the ``rpt_*`` tables after the build, read into DataFrames.

The large facts are left to dbt tests; the report tables are small, and what a reader
of a report would notice first is checked here (CONTRACT.md sections 3 and 5, fine
points 20-21), by column naming convention so new columns (``sla_<X>m``) are covered:

- required columns present (the contract's list for the table);
- counts (every other numeric column) never null and non-negative;
- percentages (``pct_*``) between 0 and 100; durations (``*_s``) non-negative;
  hours (``*_hour``) between 0 and 23;
- averages consistent with totals: ``avg_<x>_s * sessions_with_<x> == total_<x>_s``
  within 1e-6 relative, and with no session to average (``sessions_with_<x> = 0``) the
  average null and the total 0.0;
- no future dates: every ``*_date`` at most today in the report time zone plus one day.

Every rule is an ERROR: a report that fails one must not be published.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from orchestration.checks.gx_runtime import Rule, RuleOutcome, SuiteRunner, new_context

SUITE_NAME = "report_marts"
RELATIVE_TOLERANCE = 1e-6
FUTURE_DATE_SLACK = dt.timedelta(days=1)

# The report tables of CONTRACT.md section 5: grain columns, then the required measures
# (rpt_user_stats also has one sla_<X>m per configured X, found by name).
REPORT_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "rpt_overview_daily": (
        ("started_date", "channel_id", "support_type"),
        (
            "sessions",
            "contacts",
            "assigned_sessions",
            "unassigned_sessions",
            "done_sessions",
            "pending_sessions",
            "total_waiting_time_s",
            "sessions_with_waiting_time",
            "total_support_time_s",
            "sessions_with_support_time",
            "avg_waiting_time_s",
            "avg_support_time_s",
        ),
    ),
    "rpt_user_stats": (
        ("started_date", "user_id"),
        (
            "assigned_completed_supported",
            "assigned_completed_not_supported",
            "assigned_not_completed_supported",
            "assigned_not_completed_not_supported",
            "not_assigned_completed_supported",
            "not_assigned_not_completed_supported",
            "total_waiting_time_s",
            "sessions_with_waiting_time",
            "total_support_time_s",
            "sessions_with_support_time",
            "avg_waiting_time_s",
            "avg_support_time_s",
        ),
    ),
    "rpt_hourly_stats": (
        ("started_date", "started_hour"),
        ("sessions", "supported_sessions", "supported_within_1m", "done_sessions"),
    ),
    "rpt_daily_stats": (
        ("started_date", "support_type"),
        (
            "done_supported",
            "done_not_supported",
            "not_done_supported",
            "not_done_not_supported",
            "sessions",
            "pct_complete",
            "pct_support",
        ),
    ),
    "rpt_channel_stats": (
        ("started_date", "channel_id", "support_type"),
        (
            "done_supported",
            "done_not_supported",
            "not_done_supported",
            "not_done_not_supported",
            "sessions",
            "pct_complete",
            "pct_support",
            "total_waiting_time_s",
            "sessions_with_waiting_time",
            "total_support_time_s",
            "sessions_with_support_time",
            "avg_waiting_time_s",
            "avg_support_time_s",
        ),
    ),
    "rpt_agent_working_time": (
        ("pause_date", "user_id"),
        ("pause_count", "total_pause_s", "open_pause_count"),
    ),
    "rpt_tag_stats": (
        ("event_date", "tag_id", "channel_id", "tagged_by_user_id"),
        ("tags_added", "tags_removed"),
    ),
}

CONSISTENT_SUFFIX = "__matches_total"


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def average_columns(columns: list[str]) -> list[tuple[str, str, str]]:
    """``(avg_<x>_s, total_<x>_s, sessions_with_<x>)`` for every average with both partners."""
    triples = []
    for column in columns:
        if column.startswith("avg_") and column.endswith("_s"):
            measure = column[len("avg_") : -len("_s")]
            total, count = f"total_{measure}_s", f"sessions_with_{measure}"
            if total in columns and count in columns:
                triples.append((column, total, count))
    return triples


def average_matches_total(
    average: pd.Series, total: pd.Series, count: pd.Series, tolerance: float = RELATIVE_TOLERANCE
) -> pd.Series:
    """Row by row: is ``average * count`` equal to ``total`` (within ``tolerance`` relative)?

    With ``count == 0`` the average must be null and the total 0.0; with ``count > 0``
    the average must be set. A null count or total is inconsistent.
    """
    average = pd.to_numeric(average, errors="coerce").astype("float64")
    total = pd.to_numeric(total, errors="coerce").astype("float64")
    count = pd.to_numeric(count, errors="coerce").astype("float64")
    product = average * count
    scale = pd.concat([total.abs(), product.abs()], axis=1).max(axis=1)
    close = (product - total).abs() <= tolerance * scale
    empty = count.eq(0) & average.isna() & total.eq(0)
    matches = (count.gt(0) & average.notna() & total.notna() & close) | empty
    return matches.fillna(False).astype(bool)


def prepare_report_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with dates as timestamps and one ``<avg>__matches_total`` column per average."""
    prepared = frame.copy()
    for column in prepared.columns:
        if column.endswith("_date"):
            prepared[column] = pd.to_datetime(prepared[column], errors="coerce")
    for average, total, count in average_columns(list(prepared.columns)):
        prepared[average + CONSISTENT_SUFFIX] = average_matches_total(
            prepared[average], prepared[total], prepared[count]
        )
    return prepared


def report_rules(table: str, frame: pd.DataFrame, *, latest_date: dt.date) -> list[Rule]:
    """The rules for one report table, from its columns (``frame`` as read, prepared or not)."""
    grain, measures = REPORT_TABLES.get(table, ((), ()))
    columns = [c for c in frame.columns if not c.endswith(CONSISTENT_SUFFIX)]
    where = tuple(c for c in grain if c in columns)
    rules = [
        Rule(
            "missing columns",
            "ExpectTableColumnsToMatchSet",
            {"column_set": [*grain, *measures], "exact_match": False},
        )
    ]
    for column in columns:
        series = frame[column]
        if column.endswith("_date"):
            rules.append(
                Rule(
                    f"future {column}",
                    "ExpectColumnValuesToBeBetween",
                    {"column": column, "max_value": pd.Timestamp(latest_date)},
                    where,
                )
            )
        elif column.endswith("_hour"):
            rules.append(
                Rule(
                    f"{column} outside 0-23",
                    "ExpectColumnValuesToBeBetween",
                    {"column": column, "min_value": 0, "max_value": 23},
                    where,
                )
            )
        elif column.startswith("pct_"):
            rules.append(
                Rule(
                    f"{column} outside 0-100",
                    "ExpectColumnValuesToBeBetween",
                    {"column": column, "min_value": 0, "max_value": 100},
                    where,
                )
            )
        elif column.endswith("_s"):
            rules.append(
                Rule(
                    f"negative {column}",
                    "ExpectColumnValuesToBeBetween",
                    {"column": column, "min_value": 0},
                    where,
                )
            )
        elif _is_number(series):  # a count
            rules.append(
                Rule(f"null {column}", "ExpectColumnValuesToNotBeNull", {"column": column}, where)
            )
            rules.append(
                Rule(
                    f"negative {column}",
                    "ExpectColumnValuesToBeBetween",
                    {"column": column, "min_value": 0},
                    where,
                )
            )
    for average, total, count in average_columns(columns):
        rules.append(
            Rule(
                f"{average} inconsistent with {total} / {count}",
                "ExpectColumnValuesToBeInSet",
                {"column": average + CONSISTENT_SUFFIX, "value_set": [True]},
                (*where, average, total, count),
            )
        )
    return rules


@dataclass
class ReportTableValidation:
    """The suite's findings on one report table."""

    table: str
    rows: int
    outcomes: list[RuleOutcome] = field(default_factory=list)
    gx_result: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when every rule passed."""
        return all(outcome.passed for outcome in self.outcomes)

    @property
    def failing(self) -> dict[str, int]:
        """Rows failing each rule (passing rules left out)."""
        return {o.label: o.failing for o in self.outcomes if o.failing}

    @property
    def errors(self) -> dict[str, str]:
        """Rules GX could not evaluate, with its message."""
        return {o.label: o.error for o in self.outcomes if o.error}

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, GX's own result included."""
        return {
            "table": self.table,
            "rows": self.rows,
            "passed": self.passed,
            "failing": self.failing,
            "rules": [outcome.as_dict() for outcome in self.outcomes],
            "gx_result": self.gx_result,
        }


@dataclass
class MartsValidation:
    """The suite's findings on every report table it was given."""

    latest_allowed_date: dt.date
    tables: dict[str, ReportTableValidation] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """True when every table passed."""
        return all(table.passed for table in self.tables.values())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "latest_allowed_date": self.latest_allowed_date.isoformat(),
            "passed": self.passed,
            "seconds": round(self.seconds, 3),
            "tables": {name: table.as_dict() for name, table in self.tables.items()},
        }


def validate_report_tables(
    frames: Mapping[str, pd.DataFrame], *, today: dt.date
) -> MartsValidation:
    """Run the suite on each report table in ``frames`` (name -> its rows).

    ``today`` is the date in the report time zone; dates up to one day later pass.
    """
    started = time.perf_counter()
    latest = today + FUTURE_DATE_SLACK
    validation = MartsValidation(latest_allowed_date=latest)
    context = new_context()
    for table, frame in frames.items():
        prepared = prepare_report_frame(frame)
        runner = SuiteRunner(
            f"{SUITE_NAME}_{table}", report_rules(table, frame, latest_date=latest), context=context
        )
        outcomes, gx_result = runner.run(prepared)
        validation.tables[table] = ReportTableValidation(table, len(frame), outcomes, gx_result)
    validation.seconds = time.perf_counter() - started
    return validation
