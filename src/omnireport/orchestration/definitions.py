"""The Dagster code location: imports the pieces and assembles them, nothing more.

Importing this module is cheap: the definitions are built when Dagster loads them
(``@definitions``), from the settings of that moment. The dbt manifest must exist by
then: ``omnireport`` parses the project when needed, ``dagster dev`` re-parses it on
load, and for anything else run ``omnireport prepare`` first (``make dev`` does).
"""

from __future__ import annotations

import dagster as dg

from omnireport.orchestration.assets.dbt import build_dbt_assets
from omnireport.orchestration.assets.landing import build_landing_assets
from omnireport.orchestration.jobs import build_jobs
from omnireport.orchestration.project import dbt_project, dbt_resource, require_manifest
from omnireport.orchestration.resources import ProgressResource, WarehouseResource
from omnireport.settings import Settings, load_settings


def build_definitions(
    settings: Settings, *, echo_progress: bool = False, include_dbt: bool = True
) -> dg.Definitions:
    """Assets, checks, jobs and resources of omnireport for ``settings``.

    ``include_dbt=False`` leaves the dbt models out (the landing load alone needs no manifest).
    """
    resources: dict[str, object] = {
        "warehouse": WarehouseResource.from_settings(settings),
        "progress": ProgressResource(echo=echo_progress),
    }
    assets: list[dg.AssetsDefinition] = [build_landing_assets()]
    if include_dbt:
        assets.append(build_dbt_assets(dbt_project(settings)))
        resources["dbt"] = dbt_resource(settings)
    return dg.Definitions(
        assets=assets,
        jobs=build_jobs(include_dbt=include_dbt),
        resources=resources,
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """The code location loaded by ``dagster dev`` / ``dagster definitions validate``."""
    settings = load_settings()
    require_manifest(settings)
    return build_definitions(settings)
