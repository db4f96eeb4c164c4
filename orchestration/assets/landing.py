"""The landing load as one multi-asset: one output per raw table (keys ``raw/<table>``).

The loader copies every row of every new landing file into ``raw.<table>`` as text;
the rows are validated once, in SQL, by the staging models. A file that cannot be read
as a whole, or misses a column of its table, loads nothing and is logged as failed.

A landing file that cannot be loaded does not stop the others: its table's
``landing_files_loaded`` check fails (severity error), so the run reports failure while
dbt still builds on everything that did load.
"""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    multi_asset,
)

from omnireport.contract import RAW_SCHEMA, RAW_TABLES
from orchestration.checks.landing import raw_asset_key
from orchestration.resources import (
    ProgressResource,
    WarehouseResource,
    WriterLockResource,
)

LANDING_CHECK_NAME = "landing_files_loaded"
LANDING_ASSET_NAME = "landing_load"
# The loader's own tables beside the raw ones (dbt source `omnireport`): it creates both.
BOOKKEEPING_TABLES = {
    "load_log": "`raw._load_log`: one row per landing file seen (path, content hash, rows, status, error).",
    "build_state": "`raw._build_state`: the last successful build, read before the next one.",
}
# The landing files' hashes from earlier runs (landing.files.HashCache), in the state folder.


def describe_progress(*args: Any, **kwargs: Any) -> str:
    """One readable line from whatever the loader reports (a message or a file outcome)."""
    if len(args) == 1 and not kwargs and isinstance(args[0], str):
        return args[0]
    parts = [str(arg) for arg in args if not hasattr(arg, "path")]
    for arg in args:
        if hasattr(arg, "path"):
            detail = f"{getattr(arg, 'status', '')} {getattr(arg, 'rows', '') or ''}".strip()
            parts.append(f"{arg.path} {detail}".strip())
    parts.extend(f"{key}={value}" for key, value in kwargs.items())
    return " ".join(parts)


def _failure_line(outcome: Any) -> str:
    from omnireport.landing.files import printable

    error = str(outcome.error or "unreadable file")
    shown = printable(str(outcome.path))
    return error if error.startswith(shown) else f"{shown}: {error}"


def _table_events(result: Any, table: str) -> Iterator[MaterializeResult | AssetCheckResult]:
    outcomes = [outcome for outcome in result.files if outcome.table == table]
    failed = [outcome for outcome in outcomes if outcome.status == "failed"]
    rows = int(result.rows_loaded_by_table.get(table, 0))
    yield MaterializeResult(
        asset_key=raw_asset_key(table),
        metadata={
            "rows_loaded_this_run": rows,
            "files_loaded": sum(1 for outcome in outcomes if outcome.status == "loaded"),
            "files_already_loaded": sum(
                1 for outcome in outcomes if outcome.status == "already_loaded"
            ),
            "files_failed": len(failed),
            "files_skipped": sum(1 for outcome in outcomes if outcome.status == "skipped"),
        },
    )
    yield AssetCheckResult(
        asset_key=raw_asset_key(table),
        check_name=LANDING_CHECK_NAME,
        passed=not failed,
        severity=AssetCheckSeverity.ERROR,
        metadata={"failed_files": "\n".join(_failure_line(outcome) for outcome in failed)},
        description=(
            f"{len(failed)} landing file(s) of {table} could not be loaded"
            if failed
            else f"every landing file of {table} loaded"
        ),
    )


def build_landing_assets() -> AssetsDefinition:
    """The landing load: reads new landing files into ``raw.<table>``."""

    @multi_asset(
        name=LANDING_ASSET_NAME,
        specs=[
            AssetSpec(
                raw_asset_key(table.name),
                group_name=RAW_SCHEMA,
                description=f"Raw `{table.name}` rows as exported, loaded from the landing folder.",
                kinds={"duckdb", "python"},
            )
            for table in RAW_TABLES
        ]
        + [
            AssetSpec(
                raw_asset_key(name),
                group_name=RAW_SCHEMA,
                description=description,
                kinds={"duckdb", "python"},
            )
            for name, description in BOOKKEEPING_TABLES.items()
        ],
        check_specs=[
            AssetCheckSpec(
                LANDING_CHECK_NAME,
                asset=raw_asset_key(table.name),
                description=f"Every landing file of `{table.name}` could be read and loaded.",
            )
            for table in RAW_TABLES
        ],
    )
    def landing_load(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        progress: ProgressResource,
        writer_lock: WriterLockResource,
    ) -> Iterator[MaterializeResult | AssetCheckResult]:
        from omnireport.landing.files import HASHES_FILE, HashCache, discover_landing_files

        settings = warehouse.settings()
        discovery = discover_landing_files(Path(settings.landing_dir))
        for warning in discovery.warnings:
            progress.report(f"  warning: {warning}")
        started = time.perf_counter()
        target = settings.warehouse_target()
        progress.report(
            f"Loading {len(discovery.files)} landing file(s) from {settings.landing_dir} into "
            f"{target.describe()} (files loaded before are skipped) ..."
        )

        def report(*args: Any, **kwargs: Any) -> None:
            progress.report("  " + describe_progress(*args, **kwargs))

        result = target.load(
            discovery.files,
            warnings=discovery.warnings,
            progress=report,
            hashes=HashCache(settings.state_dir / HASHES_FILE),
        )
        # The loader already reported each warning and failure through `report`.
        loaded = sum(result.rows_loaded_by_table.values())
        progress.report(
            f"Loaded in {time.perf_counter() - started:.1f} s: {loaded} rows from "
            f"{sum(1 for outcome in result.files if outcome.status == 'loaded')} new file(s); "
            f"{sum(1 for outcome in result.files if outcome.status == 'already_loaded')} "
            f"already loaded; {len(result.failed)} failed; "
            f"{sum(1 for outcome in result.files if outcome.status == 'skipped')} skipped."
        )
        for table in RAW_TABLES:
            for event in _table_events(result, table.name):
                if _selected(context, event):
                    yield event
        for name in BOOKKEEPING_TABLES:
            yield MaterializeResult(asset_key=raw_asset_key(name))

    return landing_load


def _selected(context: AssetExecutionContext, event: object) -> bool:
    """False for a check result whose check the run did not select."""
    if not isinstance(event, AssetCheckResult):
        return True
    key = AssetCheckKey(event.asset_key, event.check_name)  # type: ignore[arg-type]
    return key in context.selected_asset_check_keys
