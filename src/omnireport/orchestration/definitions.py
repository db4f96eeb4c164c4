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
from omnireport.orchestration.assets.publish import build_publish_asset
from omnireport.orchestration.checks import build_asset_checks
from omnireport.orchestration.jobs import build_jobs
from omnireport.orchestration.project import dbt_project, dbt_resource, require_manifest
from omnireport.orchestration.resources import (
    ProgressResource,
    WarehouseResource,
    WriterLockResource,
)
from omnireport.orchestration.schedules import build_schedules
from omnireport.orchestration.sensors import (
    build_landing_sensor,
    build_run_sensors,
    landing_sensor_running,
)
from omnireport.settings import Settings, load_settings


def build_definitions(
    settings: Settings,
    *,
    echo_progress: bool = False,
    include_dbt: bool = True,
    lock_wait_seconds: float = 0.0,
) -> dg.Definitions:
    """Assets, checks, jobs, schedules, sensors and resources of omnireport for ``settings``.

    ``include_dbt=False`` leaves the dbt models (and the publish step) out: the landing
    load alone needs no manifest.
    """
    resources: dict[str, object] = {
        "warehouse": WarehouseResource.from_settings(settings),
        "progress": ProgressResource(echo=echo_progress),
        "writer_lock": WriterLockResource.from_settings(settings, lock_wait_seconds),
    }
    assets: list[dg.AssetsDefinition] = [build_landing_assets()]
    asset_checks: list[dg.AssetChecksDefinition] = []
    schedules: list[dg.ScheduleDefinition] = []
    sensors: list[dg.SensorDefinition] = build_run_sensors(settings)
    if include_dbt:
        dbt_assets = build_dbt_assets(dbt_project(settings))
        marts = sorted(key for key in dbt_assets.keys if key.path[0] == "marts")
        assets += [dbt_assets, build_publish_asset(marts)]
        resources["dbt"] = dbt_resource(settings)
        schedules = build_schedules()
        sensors.append(build_landing_sensor(settings, running=landing_sensor_running()))
    # --- Great Expectations, freshness and reconciliation checks (issue 4, part B) ---
    # Blocking ERROR checks on the marts gate the publish asset (it is downstream of them),
    # and the publish asset also refuses when any ERROR check of the run failed.
    asset_checks += build_asset_checks(include_dbt=include_dbt)
    return dg.Definitions(
        assets=assets,
        asset_checks=asset_checks,
        jobs=build_jobs(include_dbt=include_dbt),
        schedules=schedules,
        sensors=sensors,
        resources=resources,
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """The code location loaded by ``dagster dev`` / ``dagster definitions validate``."""
    settings = load_settings()
    require_manifest(settings)
    return build_definitions(settings)
