"""Run a job of the code location in this process and say plainly what failed.

The command line uses this: the in-process executor (one process, no subprocess per
step), the warehouse's own persistent Dagster instance (``Settings.dagster_home``, so
``omnireport status`` and the Dagster UI see the same runs), Dagster's own
console log silenced (progress comes from the assets), and the outcome condensed into a
``RunOutcome``: rows loaded per raw table, the failed landing files, the failed and
warning checks, the failed dbt nodes, and the step errors.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagster import AssetCheckSeverity, AssetKey, Definitions

from omnireport.contract import RAW_SCHEMA
from omnireport.settings import Settings
from orchestration.assets.dbt import (
    DBT_ASSETS_NAME,
    UP_TO_DATE_TAG,
    DbtBuildConfig,
    stop_dbt_processes,
)
from orchestration.assets.landing import LANDING_CHECK_NAME
from orchestration.assets.publish import CHECKS_FAILED, PUBLISH_ASSET_KEY
from orchestration.checks.gx_runtime import wait_for_background_import
from orchestration.checks.landing import LANDING_VALIDATION_CHECK_NAME
from orchestration.run_history import warehouse_instance

_FAILED_DBT_STATUSES = frozenset({"error", "fail", "runtime error"})
# Tags a run with where it was started from (the command line, a schedule, a sensor, the UI).
SOURCE_TAG = "omnireport/source"
# The command line that started it (`omnireport run`), shown by `omnireport status`.
COMMAND_TAG = "omnireport/command"
# The errors a step fails with when the run is interrupted (Ctrl-C, SIGINT).
_INTERRUPT_ERRORS = frozenset({"DagsterExecutionInterruptedError", "KeyboardInterrupt"})


@dataclass
class RunOutcome:
    """What a run did and what went wrong (empty lists: nothing did)."""

    success: bool
    rows_loaded: dict[str, int] = field(default_factory=dict)
    failed_files: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    warning_checks: list[str] = field(default_factory=list)
    failed_dbt_nodes: list[str] = field(default_factory=list)
    step_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    published: str | None = None
    run_id: str = ""
    up_to_date: bool = False
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        """True only when every step, file and error-severity check succeeded."""
        return (
            self.success
            and not self.failed_files
            and not self.failed_checks
            and not self.failed_dbt_nodes
            and not self.step_errors
        )


def _metadata_value(value: Any) -> Any:
    return getattr(value, "value", value)


def _is_interrupt(error: Any) -> bool:
    """True when a step failed because the run was interrupted."""
    while error is not None:
        if getattr(error, "cls_name", None) in _INTERRUPT_ERRORS:
            return True
        error = getattr(error, "cause", None)
    return False


def _repeats_refused_files(evaluation: Any) -> bool:
    """True for a landing_file_expectations failure due only to refused landing files."""
    metadata = evaluation.metadata
    return (
        evaluation.check_name == LANDING_VALIDATION_CHECK_NAME
        and not _metadata_value(metadata.get("suite_errors", 1))
        and bool(_metadata_value(metadata.get("refused_files")))
    )


def _root_message(error: Any) -> str:
    """The message of the innermost cause of a Dagster error (the user code's own error)."""
    if error is None:
        return "unknown error"
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return str(error.message).strip()


def _failed_dbt_nodes(target_path: Path, since: float) -> list[str]:
    run_results = target_path / "run_results.json"
    if not run_results.is_file() or run_results.stat().st_mtime < since:
        return []
    results = json.loads(run_results.read_text(encoding="utf-8")).get("results", [])
    failed = []
    for result in results:
        if result.get("status") in _FAILED_DBT_STATUSES:
            message = (result.get("message") or "").strip().splitlines()
            failed.append(
                f"{result['unique_id']} ({result['status']}): {message[0] if message else ''}"
            )
    return failed


def execute_job(
    defs: Definitions,
    job_name: str,
    settings: Settings,
    *,
    dbt_config: DbtBuildConfig | None = None,
    asset_selection: Sequence[AssetKey] | None = None,
    command: str = "",
) -> RunOutcome:
    """Execute ``job_name`` in process and condense its result."""
    job = defs.resolve_job_def(job_name)
    run_config: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
    if dbt_config is not None and any(node.name == DBT_ASSETS_NAME for node in job.graph.node_defs):
        run_config["ops"] = {DBT_ASSETS_NAME: {"config": dbt_config.model_dump()}}
    started = time.time()
    with warehouse_instance(settings.dagster_home) as instance:
        try:
            result = job.execute_in_process(
                instance=instance,
                tags={SOURCE_TAG: "cli", COMMAND_TAG: command or job_name},
                run_config=run_config,
                raise_on_error=False,
                asset_selection=list(asset_selection) if asset_selection is not None else None,
            )
        finally:
            stop_dbt_processes()
            wait_for_background_import()
        run = instance.get_run_by_id(result.run_id)
    outcome = RunOutcome(
        success=result.success,
        seconds=time.time() - started,
        run_id=result.run_id,
        up_to_date=run is not None and run.tags.get(UP_TO_DATE_TAG) == "true",
    )
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization  # type: ignore[union-attr]
        key = materialization.asset_key
        if key == PUBLISH_ASSET_KEY:
            metadata = {name: _metadata_value(v) for name, v in materialization.metadata.items()}
            if "snapshot" in metadata:
                outcome.published = (
                    f"snapshot {metadata['snapshot']} (full, owner-only), reader snapshot "
                    f"{metadata.get('reader_snapshot')} (for BI)"
                )
            elif "reader_role" in metadata:
                outcome.published = (
                    f"role {metadata['reader_role']} on schema {metadata.get('schema')}, "
                    f"role {metadata.get('analyst_role')} on schema "
                    f"{metadata.get('analyst_schema')}"
                )
            else:
                outcome.published = (
                    f"schema {metadata.get('schema')} (BI) and schema "
                    f"{metadata.get('analyst_schema')} on {metadata.get('server')}"
                )
        if key.path[0] == RAW_SCHEMA and "rows_loaded_this_run" in materialization.metadata:
            outcome.rows_loaded[key.path[-1]] = int(
                _metadata_value(materialization.metadata["rows_loaded_this_run"])
            )
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            continue
        name = f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}"
        if evaluation.check_name == LANDING_CHECK_NAME:
            failed = _metadata_value(evaluation.metadata.get("failed_files", "")) or ""
            outcome.failed_files.extend(line for line in str(failed).splitlines() if line)
        elif _repeats_refused_files(evaluation):
            continue  # the load's own check lists the refused files, with what to do
        elif evaluation.severity == AssetCheckSeverity.ERROR:
            outcome.failed_checks.append(
                f"{name}: {evaluation.description}" if evaluation.description else name
            )
        else:
            outcome.warning_checks.append(name)
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error  # type: ignore[union-attr]
        if _is_interrupt(error):
            outcome.interrupted = True
        elif CHECKS_FAILED in _root_message(error) and (
            outcome.failed_checks or outcome.failed_files
        ):
            continue  # not published because of the failed checks, which are reported
        else:
            outcome.step_errors.append(f"step {event.step_key}: {_root_message(error)}")
    outcome.failed_dbt_nodes = _failed_dbt_nodes(settings.dbt_target_path, started)
    return outcome
