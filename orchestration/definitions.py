"""The Dagster code location: imports the pieces and assembles them, nothing more.

Importing this module is cheap: the definitions are built when Dagster loads them
(``@definitions``), from the settings of that moment. Loading them parses the dbt
project first when its manifest is missing or older than a file of the project (as
dagster-dbt's ``prepare_if_dev`` does), so ``dagster dev`` and ``dagster definitions
validate`` work on a fresh clone with nothing run before.
"""

from __future__ import annotations

import dagster as dg

from omnireport.build_state import BuildSettings
from omnireport.dbt_command import ensure_manifest
from omnireport.settings import Settings, load_settings
from orchestration.assets.dbt import build_dbt_assets
from orchestration.assets.landing import build_landing_assets
from orchestration.assets.publish import build_publish_asset
from orchestration.checks import build_asset_checks
from orchestration.jobs import build_jobs
from orchestration.project import dbt_project, dbt_resource
from orchestration.resources import (
    ProgressResource,
    WarehouseResource,
    WriterLockResource,
)
from orchestration.schedules import build_schedules
from orchestration.sensors import (
    build_landing_sensor,
    build_run_sensors,
    landing_sensor_running,
)


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
        served = sorted(key for key in dbt_assets.keys if key.path[0] in ("marts", "reader"))
        assets += [dbt_assets, build_publish_asset(served)]
        resources["dbt"] = dbt_resource(settings)
        schedules = build_schedules()
        sensors.append(build_landing_sensor(settings, running=landing_sensor_running()))
    # Great Expectations, freshness and reconciliation checks.
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
    ensure_manifest(settings, dbt_vars=BuildSettings.resolve().dbt_vars())
    return build_definitions(settings)
