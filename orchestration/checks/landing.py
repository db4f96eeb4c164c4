"""The landing checks: Great Expectations on what each landing file became, per raw table.

The rows themselves are validated once, in SQL, by the staging models; the loader alone
refuses a file it cannot read or that misses a column. After the build, one
``landing_file_expectations`` check per ``raw/<table>`` validates a small frame with one
row per landing file of that table (the load log, ``audit.row_reconciliation_by_load``
and ``audit.quarantine_by_rule``):

- ``file refused`` (ERROR): the file is logged as failed: nothing of it loaded, and every
  run retries it until it is fixed or removed (then its row is ``withdrawn``);
- ``rows quarantined`` (WARN): the file loaded, and some of its rows broke a rule; the
  check's metadata counts them per file and rule.

The results are kept as JSON beside the warehouse, like every suite's.
"""

from collections.abc import Iterator, Sequence
from typing import Any

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

from omnireport.contract import LOAD_LOG_TABLE, RAW_SCHEMA, RAW_TABLES
from orchestration.resources import WarehouseResource

LANDING_VALIDATION_CHECK_NAME = "landing_file_expectations"
SUITE_NAME = "landing_files"
# The relations the check reads (built by dbt before it runs).
AUDIT_DEPS = (
    AssetKey(["audit", "row_reconciliation_by_load"]),
    AssetKey(["audit", "quarantine_by_rule"]),
)

FILES_SQL = f"""
select
    log.table_name,
    log.file_path,
    log.load_id,
    log.status,
    coalesce(log.rows_loaded, 0) as rows_loaded,
    coalesce(counts.quarantined_rows, 0) as quarantined_rows,
    log.error
from {RAW_SCHEMA}.{LOAD_LOG_TABLE} as log
left join audit.row_reconciliation_by_load as counts
    on log.load_id = counts._load_id
order by log.load_id
"""
RULES_SQL = """
select table_name, _source_file as file_path, rule, quarantined_rows
from audit.quarantine_by_rule
order by _load_id, rule
"""


def landing_rules() -> list[Any]:
    """The suite: every file loaded, and no row of it quarantined."""
    from orchestration.checks.gx_runtime import Rule

    return [
        Rule(
            "file refused",
            "ExpectColumnValuesToBeInSet",
            {"column": "status", "value_set": ["loaded", "already_loaded", "withdrawn"]},
            example_columns=("file_path", "error"),
        ),
        Rule(
            "rows quarantined",
            "ExpectColumnValuesToBeBetween",
            {"column": "quarantined_rows", "max_value": 0},
            example_columns=("file_path",),
        ),
    ]


def raw_asset_key(table: str) -> AssetKey:
    """Asset key of a raw table (the dbt source ``crm.<table>`` maps to the same key)."""
    return AssetKey([RAW_SCHEMA, table])


def landing_check_result(
    table: str, files: Any, rules: Any, outcomes: Sequence[Any], results_file: str
) -> AssetCheckResult:
    """The check result of one raw table: the suite's outcomes (one per rule) decide it;
    the files and their per-rule counts say where to look."""
    found = {outcome.label: outcome for outcome in outcomes}
    refused, quarantined = found["file refused"], found["rows quarantined"]
    errors = [outcome.error for outcome in outcomes if outcome.error]
    by_rule = {
        f"{row.file_path}: {row.rule}": int(row.quarantined_rows)
        for row in rules.itertuples(index=False)
    }
    refused_files = {
        row.file_path: row.error for row in files.itertuples(index=False) if row.status == "failed"
    }
    metadata: dict[str, Any] = {
        "files": len(files),
        "rows_loaded": int(files["rows_loaded"].sum()),
        "rows_quarantined": int(files["quarantined_rows"].sum()),
        "refused_files": MetadataValue.json(refused_files),
        "suite_errors": len(errors),
        "quarantined_rows_by_file_and_rule": MetadataValue.json(by_rule),
        "validation_results": MetadataValue.path(results_file),
    }
    if errors:
        description = f"the landing suite of {table} could not run: {'; '.join(errors)}"
    elif refused.failing:
        description = (
            f"{refused.failing} landing file(s) of {table} refused (nothing of them loaded): "
            + "; ".join(
                error if str(error).startswith(f"{path}: ") else f"{path}: {error}"
                for path, error in refused_files.items()
            )
        )
    elif quarantined.failing:
        description = (
            f"{metadata['rows_quarantined']} row(s) of {quarantined.failing} landing file(s) of "
            f"{table} quarantined: "
            + "; ".join(f"{name} ({count})" for name, count in list(by_rule.items())[:10])
        )
    else:
        description = f"every landing file of {table} loaded with no row quarantined"
    return AssetCheckResult(
        asset_key=raw_asset_key(table),
        check_name=LANDING_VALIDATION_CHECK_NAME,
        passed=not errors and refused.passed and quarantined.passed,
        severity=AssetCheckSeverity.ERROR
        if errors or not refused.passed
        else AssetCheckSeverity.WARN,
        metadata=metadata,
        description=description,
    )


def build_landing_checks() -> AssetChecksDefinition:
    """One ``landing_file_expectations`` check per raw table, run after the build."""

    @multi_asset_check(
        name="landing_files_expectations",
        specs=[
            AssetCheckSpec(
                LANDING_VALIDATION_CHECK_NAME,
                asset=raw_asset_key(table.name),
                additional_deps=AUDIT_DEPS,
                description=(
                    f"Great Expectations on the landing files of `{table.name}`: every file "
                    "loaded, and how many rows of each were quarantined, per rule."
                ),
            )
            for table in RAW_TABLES
        ],
        can_subset=True,
    )
    def landing_files_expectations(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[AssetCheckResult]:
        from orchestration.checks.gx_runtime import SuiteRunner
        from orchestration.checks.results_store import write_validation_result
        from orchestration.checks.warehouse_reader import read_frames

        settings = warehouse.settings()
        frames = read_frames(warehouse, {"files": FILES_SQL, "rules": RULES_SQL})
        runner = SuiteRunner(SUITE_NAME, landing_rules())
        stored: dict[str, Any] = {}
        results: list[tuple[str, Any, Any, list[Any]]] = []
        for table in RAW_TABLES:
            key = AssetCheckKey(raw_asset_key(table.name), LANDING_VALIDATION_CHECK_NAME)
            if key not in context.selected_asset_check_keys:
                continue
            files = frames["files"][frames["files"]["table_name"] == table.name]
            rules = frames["rules"][frames["rules"]["table_name"] == table.name]
            outcomes, gx_result = runner.run(files.reset_index(drop=True))
            stored[table.name] = {
                "outcomes": [outcome.as_dict() for outcome in outcomes],
                "gx_result": gx_result,
            }
            results.append((table.name, files, rules, outcomes))
        results_file = write_validation_result(settings.state_dir, SUITE_NAME, stored)
        for table, files, rules, outcomes in results:
            yield landing_check_result(table, files, rules, outcomes, str(results_file))

    return landing_files_expectations
