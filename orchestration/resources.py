"""Resources of the code location: where the data lives, and where progress goes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster import ConfigurableResource, InitResourceContext, get_dagster_logger

if TYPE_CHECKING:
    pass

from omnireport.settings import Settings


class WarehouseResource(ConfigurableResource):
    """The landing folder read by the load, the warehouse every step writes (its target:
    duckdb, the file ``warehouse``; postgres; spark) and the dbt project."""

    landing_dir: str
    warehouse: str
    dbt_project_dir: str
    target: str = "duckdb"

    def settings(self) -> Settings:
        """These paths as ``Settings`` (absolute)."""
        return Settings(
            landing_dir=Path(self.landing_dir).resolve(),
            warehouse=Path(self.warehouse).resolve(),
            dbt_project_dir=Path(self.dbt_project_dir).resolve(),
            target=self.target,
        )

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """A connection to the warehouse (DuckDB-style ``execute(sql, [params])``), closed
        on leaving: DuckDB has one writer, and dbt must find the file free."""
        with self.settings().warehouse_target().connect() as con:
            yield con

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseResource:
        return cls(
            landing_dir=str(settings.landing_dir),
            warehouse=str(settings.warehouse),
            dbt_project_dir=str(settings.dbt_project_dir),
            target=settings.target,
        )


class WriterLockResource(ConfigurableResource):
    """Holds the warehouse's one-writer lock (``omnireport.guard``) for the whole run.

    Every asset that writes the warehouse requires it; with the in-process executor it is
    set up once per run, so a Dagster run and an ``omnireport run`` never overlap. The
    command line takes the same lock first and the run re-enters it.
    """

    warehouse: str
    wait_seconds: float = 0.0

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[WriterLockResource]:
        from omnireport.guard import warehouse_lock

        run = context.run
        job = run.job_name if run else "?"
        with warehouse_lock(
            Path(self.warehouse),
            wait_seconds=self.wait_seconds,
            purpose=f"dagster run {run.run_id if run else '?'} of {job}",
        ):
            yield self

    @classmethod
    def from_settings(cls, settings: Settings, wait_seconds: float = 0.0) -> WriterLockResource:
        return cls(warehouse=str(settings.lock_key), wait_seconds=wait_seconds)


class ProgressResource(ConfigurableResource):
    """Progress lines of a run: to the Dagster log, and to stdout when ``echo`` (the CLI)."""

    echo: bool = False

    def report(self, message: str) -> None:
        """Report one progress line."""
        if self.echo:
            print(message, flush=True)
        else:
            get_dagster_logger().info(message)
