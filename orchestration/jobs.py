"""Jobs as data: the full build, "load what is new and rebuild what it touches", load, dbt.

Every job writes the warehouse, so every job carries the tag ``omnireport/writes-warehouse``:
an instance can cap those runs at one with ``run_coordinator.config.tag_concurrency_limits``
(the writer lock in ``omnireport.guard`` enforces it in any case).

Run configuration (launchpad, schedules, sensors): ``resources.warehouse.config``
(``landing_dir``, ``warehouse``, ``dbt_project_dir``), ``resources.writer_lock.config``
(``warehouse``, ``wait_seconds``: a resource's config is given whole), and
``ops.dbt_models.config`` (``report_timezone``, ``sla_minutes``, ``full_refresh``,
``only_touched``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagster import AssetSelection, define_asset_job

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

from omnireport.contract import RAW_SCHEMA

FULL_BUILD_JOB = "omnireport_full_build"
INCREMENTAL_JOB = "omnireport_incremental"
LOAD_JOB = "omnireport_load"
DBT_BUILD_JOB = "omnireport_dbt_build"

WRITER_TAGS = {"omnireport/writes-warehouse": "true"}


def dbt_run_config(
    *,
    report_timezone: str | None = None,
    sla_minutes: list[int] | None = None,
    only_touched: bool = False,
) -> dict[str, Any]:
    """Run config of the dbt step (only the values given)."""
    from orchestration.assets.dbt import DBT_ASSETS_NAME

    config: dict[str, Any] = {}
    if report_timezone:
        config["report_timezone"] = report_timezone
    if sla_minutes:
        config["sla_minutes"] = list(sla_minutes)
    if only_touched:
        config["only_touched"] = True
    return {"ops": {DBT_ASSETS_NAME: {"config": config}}} if config else {}


def build_jobs(*, include_dbt: bool = True) -> list[UnresolvedAssetJobDefinition]:
    """The jobs: full build, incremental, load alone, models alone.

    Without dbt (``include_dbt=False``) only the load job.
    """
    raw = AssetSelection.groups(RAW_SCHEMA)
    load_job = define_asset_job(
        LOAD_JOB,
        selection=raw,
        description="Load the new landing files into raw.",
        tags=WRITER_TAGS,
    )
    if not include_dbt:
        return [load_job]
    return [
        define_asset_job(
            FULL_BUILD_JOB,
            selection=AssetSelection.all(),
            description="Load the new landing files, build and test every dbt model, publish.",
            tags=WRITER_TAGS,
        ),
        define_asset_job(
            INCREMENTAL_JOB,
            selection=AssetSelection.all(),
            description="Load the new landing files, then build and test only the models "
            "downstream of the raw tables that received rows, then publish.",
            config=dbt_run_config(only_touched=True),
            tags=WRITER_TAGS,
        ),
        load_job,
        define_asset_job(
            DBT_BUILD_JOB,
            selection=AssetSelection.all() - raw,
            description="Build and test every dbt model on what raw holds, then publish.",
            tags=WRITER_TAGS,
        ),
    ]
