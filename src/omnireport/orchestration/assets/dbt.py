"""Every dbt model, seed and snapshot as Dagster assets; dbt data tests as asset checks.

One ``dbt build`` per run (unit tests excluded: they run in ``make test``), with the run's
time zone and SLA minutes passed as dbt vars, into the warehouse's own target path so dbt
can parse partially and keep its run results where the command line reads them.
"""


import json
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dagster import AssetExecutionContext, AssetsDefinition, Config
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from pydantic import Field

from omnireport.orchestration.resources import ProgressResource, WarehouseResource
from omnireport.orchestration.translator import OmnireportDbtTranslator

DBT_ASSETS_NAME = "dbt_models"


class DbtBuildConfig(Config):
    """Run options of the dbt build (dbt vars and full refresh)."""

    report_timezone: str | None = Field(
        default=None,
        description="dbt var report_timezone (IANA name); the project default when unset.",
    )
    sla_minutes: list[int] | None = Field(
        default=None, description="dbt var sla_minutes; the project default when unset."
    )
    full_refresh: bool = Field(default=False, description="Rebuild incremental models.")


def dbt_vars(config: DbtBuildConfig) -> dict[str, Any]:
    """The dbt vars this config sets (only those given)."""
    values: dict[str, Any] = {}
    if config.report_timezone:
        values["report_timezone"] = config.report_timezone
    if config.sla_minutes:
        values["sla_minutes"] = list(config.sla_minutes)
    return values


def dbt_build_args(config: DbtBuildConfig) -> list[str]:
    """Arguments of ``dbt build`` for this config."""
    args = ["build", "--exclude-resource-type", "unit_test"]
    if config.full_refresh:
        args.append("--full-refresh")
    values = dbt_vars(config)
    if values:
        args += ["--vars", json.dumps(values)]
    return args


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def build_dbt_assets(project: DbtProject) -> AssetsDefinition:
    """The dbt models of ``project`` (its manifest must exist: see ``ensure_manifest``)."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name=DBT_ASSETS_NAME,
        dagster_dbt_translator=OmnireportDbtTranslator(),
    )
    def dbt_models(
        context: AssetExecutionContext,
        config: DbtBuildConfig,
        dbt: DbtCliResource,
        warehouse: WarehouseResource,
        progress: ProgressResource,
    ) -> Iterator[Any]:
        settings = warehouse.settings()
        args = dbt_build_args(config)
        progress.report(f"Building dbt models into {settings.warehouse} (dbt {' '.join(args)}) ...")
        # profiles.yml reads the warehouse path from OMNIREPORT_WAREHOUSE; dbt inherits it.
        started = time.perf_counter()
        with _environment(settings.dbt_env()):
            invocation = dbt.cli(args, context=context, target_path=settings.dbt_target_path)
            yield from invocation.stream()
        progress.report(f"dbt build finished in {time.perf_counter() - started:.1f} s.")

    return dbt_models
