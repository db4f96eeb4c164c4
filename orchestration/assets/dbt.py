"""Every dbt model, seed and snapshot as Dagster assets; dbt data tests as asset checks.

One ``dbt build`` per run (unit tests excluded: they run in ``make test``), into the
warehouse's own target path so dbt can parse partially and keep its run results where
the command line reads them. Before dbt starts, the asset reads the last build's state
once and decides whether the build is full (``--full-refresh``) or incremental
(``omnireport.build_state``); the settings go to dbt as vars. A build in which every node
succeeded becomes the new state.

The PII key of the reader layer reaches the dbt process through its environment only, as the
engine reads it (``omnireport.privacy.keys``: PGOPTIONS on PostgreSQL), set just while dbt is
started: never as a var, an argument or metadata.
"""

import json
import os
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dagster import AssetExecutionContext, AssetsDefinition, Config, DagsterEventType
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from pydantic import Field

from omnireport.build_record import (
    current_fingerprint,
    forget_build,
    is_published_build,
    record_build,
)
from omnireport.build_state import BuildSettings, begin_build, finish_build, read_state
from omnireport.contract import RAW_SCHEMA
from orchestration.checks.gx_runtime import import_in_background
from orchestration.resources import (
    ProgressResource,
    WarehouseResource,
    WriterLockResource,
)
from orchestration.translator import OmnireportDbtTranslator

DBT_ASSETS_NAME = "dbt_models"
# Set on a run whose dbt step found nothing to do (read by the command line's summary).
UP_TO_DATE_TAG = "omnireport/up-to-date"
MARTS_SCHEMA = "marts"
# The reader layer is rebuilt with the marts on every build: it must follow the marts and
# the PII key of the moment, never an older key (DuckDB: views, so it costs nothing).
ALWAYS_BUILT_SCHEMAS = (MARTS_SCHEMA, "reader")


class DbtBuildConfig(Config):
    """Run options of the dbt build (dbt vars and full refresh)."""

    report_timezone: str | None = Field(
        default=None,
        description="dbt var report_timezone (IANA name); the project default when unset.",
    )
    sla_minutes: list[int] | None = Field(
        default=None, description="dbt var sla_minutes; the project default when unset."
    )
    reader_text: str | None = Field(
        default=None,
        description="dbt var reader_text: what BI readers get of free text (message content, "
        "notes): omitted (null) or redacted (phones, e-mails and URLs replaced); the project "
        "default (omitted) when unset.",
    )
    full_refresh: bool = Field(default=False, description="Rebuild incremental models.")
    only_touched: bool = Field(
        default=False,
        description="Build only the models (and their tests) downstream of the raw tables that "
        "received rows earlier in this run (source:crm.<table>+); nothing when none did.",
    )
    skip_when_up_to_date: bool = Field(
        default=False,
        description="Do no dbt work (and publish nothing) when nothing was loaded since the "
        "last complete build, that build was published, and the dbt project, the settings and "
        "the PII key are the ones it was made from (omnireport.build_record).",
    )


def build_settings(config: DbtBuildConfig) -> BuildSettings:
    """The settings of this build: the config's, else the dbt project's defaults."""
    return BuildSettings.resolve(config.report_timezone, config.sla_minutes, config.reader_text)


def dbt_vars(config: DbtBuildConfig) -> dict[str, Any]:
    """The dbt vars of this build (every setting, so each run parses with the same vars)."""
    return build_settings(config).dbt_vars()


def untouched_nodes(manifest: Mapping[str, Any], tables: Iterable[str]) -> list[str]:
    """Names of the models, seeds, snapshots and tests to leave out of an incremental build:
    those NOT downstream of ``crm.<table>``, except the marts and the reader layer, which
    are always rebuilt.

    The marts are thin tables on the intermediate ones, and rebuilding them all lets the
    publish step (which depends on every mart, and Dagster skips a step when an input was
    not produced) run after every incremental build. dagster-dbt always selects every model
    of an unsubsetted run (``--select fqn:*``, and dbt unions several ``--select``), so the
    selection is expressed as ``--exclude <everything else>``.
    """
    wanted = set(tables)
    frontier = [
        unique_id
        for unique_id, source in manifest.get("sources", {}).items()
        if source.get("source_name") == "crm" and source.get("name") in wanted
    ]
    touched: set[str] = set()
    child_map = manifest.get("child_map", {})
    nodes = manifest.get("nodes", {})
    marts = [
        unique_id
        for unique_id, node in nodes.items()
        if node.get("resource_type") == "model" and node.get("schema") in ALWAYS_BUILT_SCHEMAS
    ]
    for mart in marts:
        touched.add(mart)
        touched.update(child for child in child_map.get(mart, []) if child.startswith("test."))
    while frontier:
        node = frontier.pop()
        for child in child_map.get(node, []):
            if child not in touched:
                touched.add(child)
                frontier.append(child)
    return sorted(
        node["name"]
        for unique_id, node in nodes.items()
        if node.get("resource_type") in {"model", "seed", "snapshot", "test"}
        and unique_id not in touched
    )


def dbt_build_args(config: DbtBuildConfig, *, full: bool, exclude: Iterable[str] = ()) -> list[str]:
    """Arguments of ``dbt build`` (``exclude``: dbt node names left out)."""
    args = ["build", "--exclude-resource-type", "unit_test"]
    exclude = list(exclude)
    if exclude:
        args += ["--exclude", " ".join(exclude)]
    if full:
        args.append("--full-refresh")
    return [*args, "--vars", json.dumps(dbt_vars(config))]


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


# The dbt processes of this process's runs that may still be running.
_RUNNING_DBT: set[subprocess.Popen] = set()


def stop_dbt_processes() -> None:
    """Stop every dbt this process started that still runs. An interrupted run (Ctrl-C) may
    never finish the dbt step's generator, so its `finally` does not run, and a dbt left
    behind would keep writing the warehouse after the writer lock is released."""
    while _RUNNING_DBT:
        _stop(_RUNNING_DBT.pop())


def _stop(process: subprocess.Popen) -> None:
    """Make sure dbt has exited before the step ends (and the writer lock can be released):
    a failure while streaming its events must not leave it writing the warehouse."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def tables_loaded_in_run(context: AssetExecutionContext) -> list[str]:
    """The raw tables whose landing load added rows earlier in this run (sorted)."""
    records = context.instance.all_logs(
        context.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION
    )
    tables = set()
    for record in records:
        materialization = record.dagster_event.event_specific_data.materialization  # type: ignore[union-attr]
        key = materialization.asset_key
        rows = materialization.metadata.get("rows_loaded_this_run")
        if key.path[0] == RAW_SCHEMA and rows is not None and int(getattr(rows, "value", rows)) > 0:
            tables.add(key.path[-1])
    return sorted(tables)


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
        writer_lock: WriterLockResource,
    ) -> Iterator[Any]:
        from omnireport.privacy.keys import load_pii_key

        settings = warehouse.settings()
        build = build_settings(config)
        pii_key = load_pii_key(settings.state_dir)
        with warehouse.cursor() as cursor:
            start = begin_build(cursor, build, full_refresh=config.full_refresh)
        progress.report(
            f"{'Full' if start.plan.full else 'Incremental'} build: {start.plan.reason}."
        )
        fingerprint = current_fingerprint(settings, build)
        if (
            config.skip_when_up_to_date
            and start.previous is not None
            and not start.loaded_since_previous
            and is_published_build(settings.state_dir, start.previous.built_at, fingerprint)
        ):
            progress.report(
                "Nothing loaded since the last published build, and the dbt project, the "
                "settings and the PII key are the ones it was made from: no dbt work to do."
            )
            context.instance.add_run_tags(context.run_id, {UP_TO_DATE_TAG: "true"})
            return
        forget_build(settings.state_dir)
        exclude: list[str] = []
        if config.only_touched and not start.plan.full:
            touched = tables_loaded_in_run(context)
            if not touched:
                progress.report("No raw table received rows in this run: no dbt model to rebuild.")
                return
            progress.report(f"Rebuilding what the new rows of {', '.join(touched)} touch ...")
            manifest = json.loads(project.manifest_path.read_text(encoding="utf-8"))
            exclude = untouched_nodes(manifest, touched)
        args = dbt_build_args(config, full=start.plan.full, exclude=exclude)
        shown = " ".join(args) if len(" ".join(args)) < 300 else " ".join(args)[:300] + " ..."
        progress.report(
            f"Building dbt models into {settings.warehouse_target().describe()} (dbt {shown}) ..."
        )
        # profiles.yml reads the warehouse path from OMNIREPORT_WAREHOUSE; dbt inherits it.
        started = time.perf_counter()
        with _environment(settings.dbt_env()):
            # The key is in this process's environment only while dbt is being started.
            with _environment(pii_key.engine_env(settings.target)):
                invocation = dbt.cli(args, context=context, target_path=settings.dbt_target_path)
            _RUNNING_DBT.add(invocation.process)
            # The Great Expectations checks run after the build: import GX while dbt works.
            import_in_background()
            try:
                yield from invocation.stream()
            finally:
                _stop(invocation.process)
                _RUNNING_DBT.discard(invocation.process)
        if context.is_subset:
            # A --select build did not process every new row: the next build starts from the
            # last complete one (or in full, when this one began by clearing the state).
            progress.report(f"dbt build finished in {time.perf_counter() - started:.1f} s.")
            return
        with warehouse.cursor() as cursor:
            finish_build(cursor, start, build)
            state = read_state(cursor)
        if state is not None:
            record_build(settings.state_dir, state.built_at, fingerprint)
        progress.report(f"dbt build finished in {time.perf_counter() - started:.1f} s.")

    return dbt_models
