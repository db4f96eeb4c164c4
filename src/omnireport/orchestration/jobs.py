"""Jobs as data: the full build, the landing load alone, and dbt alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagster import AssetSelection, define_asset_job

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

from omnireport.contract import RAW_SCHEMA

FULL_BUILD_JOB = "omnireport_full_build"
LOAD_JOB = "omnireport_load"
DBT_BUILD_JOB = "omnireport_dbt_build"


def build_jobs(*, include_dbt: bool = True) -> list[UnresolvedAssetJobDefinition]:
    """The three jobs: load + every model, the load alone, every model alone.

    Without dbt (``include_dbt=False``) only the load job.
    """
    raw = AssetSelection.groups(RAW_SCHEMA)
    load_job = define_asset_job(
        LOAD_JOB, selection=raw, description="Load the new landing files into raw."
    )
    if not include_dbt:
        return [load_job]
    return [
        define_asset_job(
            FULL_BUILD_JOB,
            selection=AssetSelection.all(),
            description="Load the new landing files, then build and test every dbt model.",
        ),
        load_job,
        define_asset_job(
            DBT_BUILD_JOB,
            selection=AssetSelection.all() - raw,
            description="Build and test every dbt model on what raw holds.",
        ),
    ]
