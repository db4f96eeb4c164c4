"""The report-marts suite as blocking asset checks, one per ``marts/rpt_*`` table.

One step validates every selected report table (the suite is
``orchestration.checks.marts_suite``) on DataFrames read from the warehouse (read-only,
closed before validating), stores GX's results as a JSON file and reports, per table,
the failing rows per rule and a few failing rows. Severity ERROR and blocking: a report
that fails must not be published.

"Today" is the date in the report time zone the last build recorded (``raw._build_state``),
else the dbt project's default.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from orchestration.resources import WarehouseResource

MARTS_SCHEMA = "marts"
REPORT_CHECK_NAME = "report_expectations"
DEFAULT_REPORT_TIMEZONE = "Asia/Ho_Chi_Minh"
# The report tables of CONTRACT.md section 5 (the suite knows their columns).
REPORT_TABLE_NAMES: tuple[str, ...] = (
    "rpt_overview_daily",
    "rpt_user_stats",
    "rpt_hourly_stats",
    "rpt_daily_stats",
    "rpt_channel_stats",
    "rpt_agent_working_time",
    "rpt_tag_stats",
)


def report_asset_key(table: str) -> AssetKey:
    """Asset key of a report table (the dbt translator's ``[schema, relation]``)."""
    return AssetKey([MARTS_SCHEMA, table])


def report_timezone(warehouse: WarehouseResource) -> str:
    """The report time zone of the last build (see the module docstring)."""
    from omnireport.build_state import BuildSettings, read_state

    with warehouse.cursor() as con:
        state = read_state(con)
    return state.settings_text[0] if state else BuildSettings.resolve().report_timezone


def today_in(timezone: str, now: datetime | None = None) -> date:
    """Today's date in ``timezone`` (an IANA name)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"report time zone {timezone!r} is not an IANA time zone name (for example "
            "Asia/Ho_Chi_Minh): fix the dbt var report_timezone."
        ) from None
    return (now or datetime.now(UTC)).astimezone(zone).date()


def _table_result(table: str, found: Any, results_file: Path) -> AssetCheckResult:
    failing = found.failing
    metadata: dict[str, Any] = {
        "rows": found.rows,
        "failing_rows": MetadataValue.json(failing),
        "failing_examples": MetadataValue.json(
            {o.label: o.examples for o in found.outcomes if o.failing}
        ),
        "rules_checked": len(found.outcomes),
        "validation_results": MetadataValue.path(str(results_file)),
    }
    if found.errors:
        metadata["rule_errors"] = MetadataValue.json(found.errors)
    if found.passed:
        description = f"{len(found.outcomes)} rules passed on {found.rows} rows"
    else:
        problems = [f"{label}: {count} row(s)" for label, count in failing.items()]
        problems += [f"{label}: {error}" for label, error in found.errors.items()]
        description = f"{table} fails: " + "; ".join(problems)
    return AssetCheckResult(
        asset_key=report_asset_key(table),
        check_name=REPORT_CHECK_NAME,
        passed=found.passed,
        severity=AssetCheckSeverity.ERROR,
        metadata=metadata,
        description=description,
    )


def build_report_checks() -> AssetChecksDefinition:
    """The blocking report-marts checks (one spec per ``rpt_*`` table, one step)."""

    @multi_asset_check(
        name="report_marts_expectations",
        specs=[
            AssetCheckSpec(
                REPORT_CHECK_NAME,
                asset=report_asset_key(table),
                blocking=True,
                description=(
                    f"Great Expectations on `{table}`: counts non-negative, percentages "
                    "0-100, durations non-negative, averages consistent with totals, no "
                    "future dates."
                ),
            )
            for table in REPORT_TABLE_NAMES
        ],
        can_subset=True,
    )
    def report_marts_expectations(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[AssetCheckResult]:
        from orchestration.checks.marts_suite import validate_report_tables
        from orchestration.checks.results_store import write_validation_result
        from orchestration.checks.warehouse_reader import read_frames

        settings = warehouse.settings()
        selected = [
            table
            for table in REPORT_TABLE_NAMES
            if AssetCheckKey(report_asset_key(table), REPORT_CHECK_NAME)
            in context.selected_asset_check_keys
        ]
        frames = read_frames(
            warehouse,
            {table: f"select * from {MARTS_SCHEMA}.{table}" for table in selected},
        )
        timezone = report_timezone(warehouse)
        found = validate_report_tables(frames, today=today_in(timezone))
        results_file = write_validation_result(
            settings.state_dir,
            "report_marts",
            {"report_timezone": timezone, "warehouse": str(settings.warehouse), **found.as_dict()},
        )
        context.log.info(f"Report marts validation results: {results_file}")
        for table in selected:
            yield _table_result(table, found.tables[table], results_file)

    return report_marts_expectations
