"""Reconciliation: every raw row is staged, quarantined or superseded (CONTRACT.md 4).

Reads ``audit.row_reconciliation`` (one row per raw table) and fails, with severity
ERROR and blocking what follows, when ``raw_rows != staged_rows + quarantined_rows +
superseded_rows`` for any table, or when a raw table has no row there. The numbers of
every table are in the metadata, so the check doubles as the run's row accounting. A table
that does not add up is reported with the landing files whose own counts do not add up
(``audit.row_reconciliation_by_load`` with ``raw._load_log``'s paths), so the error says
where to look.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    TableColumn,
    TableRecord,
    TableSchema,
    asset_check,
)

from omnireport.contract import RAW_TABLES
from orchestration.resources import WarehouseResource

RECONCILIATION_ASSET = AssetKey(["audit", "row_reconciliation"])
RECONCILIATION_CHECK_NAME = "raw_rows_reconciled"
COUNT_COLUMNS = ("raw_rows", "staged_rows", "quarantined_rows", "superseded_rows")
# Files named per table that does not add up.
FILES_NAMED = 5
# The landing files whose counts do not add up: table, path, difference.
UNRECONCILED_FILES_SQL = (
    "select counts.table_name, coalesce(log.file_path, concat('load ', counts._load_id)) as file_path, "
    "counts.raw_rows - (counts.staged_rows + counts.quarantined_rows + counts.superseded_rows) as difference "
    "from audit.row_reconciliation_by_load as counts "
    "left join (select load_id, min(file_path) as file_path from raw._load_log group by load_id) as log "
    "on log.load_id = counts._load_id "
    "where counts.raw_rows <> counts.staged_rows + counts.quarantined_rows + counts.superseded_rows "
    "order by counts.table_name, file_path"
)

_SCHEMA = TableSchema(
    columns=[
        TableColumn("table_name", "string"),
        *(TableColumn(name, "int") for name in COUNT_COLUMNS),
        TableColumn("difference", "int", description="raw - (staged + quarantined + superseded)"),
    ]
)


def evaluate_reconciliation(
    rows: Sequence[Mapping[str, Any]], files: Sequence[Mapping[str, Any]] = ()
) -> AssetCheckResult:
    """The check's result for the rows of ``audit.row_reconciliation``; ``files`` are the
    rows of ``UNRECONCILED_FILES_SQL`` (table_name, file_path, difference)."""
    files_by_table: dict[str, list[str]] = {}
    for found in files:
        files_by_table.setdefault(str(found["table_name"]), []).append(
            f"{found['file_path']} ({int(found['difference']):+d})"
        )
    by_table = {str(row["table_name"]): row for row in rows}
    missing = [table.name for table in RAW_TABLES if table.name not in by_table]
    records, mismatched, totals = [], [], dict.fromkeys(COUNT_COLUMNS, 0)
    for name, row in by_table.items():
        counts = {column: int(row[column] or 0) for column in COUNT_COLUMNS}
        difference = counts["raw_rows"] - (
            counts["staged_rows"] + counts["quarantined_rows"] + counts["superseded_rows"]
        )
        if difference:
            named = files_by_table.get(name, [])
            where = ""
            if named:
                more = f" and {len(named) - FILES_NAMED} more" if len(named) > FILES_NAMED else ""
                where = f", in {', '.join(named[:FILES_NAMED])}{more}"
            mismatched.append(
                f"{name}: raw {counts['raw_rows']} != staged "
                f"{counts['staged_rows']} + quarantined {counts['quarantined_rows']}"
                f" + superseded {counts['superseded_rows']} ({difference:+d}){where}"
            )
        for column in COUNT_COLUMNS:
            totals[column] += counts[column]
        records.append(TableRecord({"table_name": name, **counts, "difference": difference}))
    problems = mismatched + [f"{name}: no row in audit.row_reconciliation" for name in missing]
    metadata: dict[str, Any] = {
        "tables": MetadataValue.table(records=records, schema=_SCHEMA),
        "counts_by_table": MetadataValue.json(
            {
                str(record.data["table_name"]): {c: record.data[c] for c in COUNT_COLUMNS}
                for record in records
            }
        ),
        **{f"total_{column}": totals[column] for column in COUNT_COLUMNS},
        "mismatched_tables": len(mismatched),
        "missing_tables": ", ".join(missing),
    }
    if problems:
        metadata["problems"] = MetadataValue.md("\n".join(f"- {line}" for line in problems))
    description = (
        "raw = staged + quarantined + superseded for every raw table "
        f"({totals['raw_rows']} raw rows)"
        if not problems
        else f"{len(problems)} raw table(s) do not reconcile: " + "; ".join(problems)
    )
    return AssetCheckResult(
        asset_key=RECONCILIATION_ASSET,
        check_name=RECONCILIATION_CHECK_NAME,
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        metadata=metadata,
        description=description,
    )


def build_reconciliation_check() -> AssetChecksDefinition:
    """The blocking reconciliation check on ``audit/row_reconciliation``."""

    @asset_check(
        asset=RECONCILIATION_ASSET,
        name=RECONCILIATION_CHECK_NAME,
        blocking=True,
        description=(
            "Every raw row is accounted for: raw = staged + quarantined + superseded, per "
            "raw table (the numbers are in the metadata)."
        ),
    )
    def raw_rows_reconciled(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> AssetCheckResult:
        from orchestration.checks.warehouse_reader import read_rows

        rows = read_rows(
            warehouse,
            "audit.row_reconciliation",
            f"select table_name, {', '.join(COUNT_COLUMNS)} from audit.row_reconciliation",
        )
        try:
            files = read_rows(warehouse, "audit.row_reconciliation_by_load", UNRECONCILED_FILES_SQL)
        except RuntimeError:  # a warehouse built before the per-file counts existed
            files = []
        return evaluate_reconciliation(rows, files)

    return raw_rows_reconciled
