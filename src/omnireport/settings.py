"""Runtime settings of omnireport, from one place.

Every setting is an environment variable with a default, resolved when a function is
called (never at import), so a test or a scheduler can change it per process:

- ``OMNIREPORT_LANDING_DIR``: the landing folder (default ``<project root>/data/landing``).
- ``OMNIREPORT_WAREHOUSE``: the DuckDB warehouse file (default ``<project root>/data/warehouse.duckdb``).
- ``OMNIREPORT_DBT_PROJECT_DIR``: the dbt project (default ``<project root>/dbt_project``).

The project root is the folder holding ``pyproject.toml`` above this package (a source
checkout), else the current working directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from omnireport.errors import SettingsError

LANDING_DIR_ENV = "OMNIREPORT_LANDING_DIR"
WAREHOUSE_ENV = "OMNIREPORT_WAREHOUSE"
DBT_PROJECT_DIR_ENV = "OMNIREPORT_DBT_PROJECT_DIR"
# The warehouse engine of sensor, schedule and UI runs (the command line has --target).
TARGET_ENV = "OMNIREPORT_TARGET"

# Per-warehouse working folder for dbt artifacts (manifest, run results, logs): it sits
# beside the warehouse file, so two checkouts or two warehouses never share a target path.
STATE_DIR_NAME = ".omnireport"


def warehouse_state_dir(warehouse: Path, target: str = "duckdb") -> Path:
    """The working folder of the warehouse (``Settings.state_dir``)."""
    name = warehouse.stem if target == "duckdb" else target
    return warehouse.parent / STATE_DIR_NAME / name


def project_root(start: Path | None = None) -> Path:
    """The folder holding ``pyproject.toml`` above ``start`` (this package), else the cwd."""
    here = (start or Path(__file__)).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return Path.cwd().resolve()


@dataclass(frozen=True)
class Settings:
    """Where omnireport reads landing files, writes the warehouse, and finds dbt.

    ``target`` is the warehouse engine (``duckdb``, the default: the file ``warehouse``;
    ``postgres``: the database of the ``OMNIREPORT_PG_*`` variables; ``spark``). The
    working folders of another target sit beside the DuckDB file's, named after it.
    """

    landing_dir: Path
    warehouse: Path
    dbt_project_dir: Path
    target: str = "duckdb"

    @property
    def state_dir(self) -> Path:
        """Working folder of this warehouse: ``<warehouse folder>/.omnireport/<warehouse name>``
        (``.../<target>`` for a target other than DuckDB)."""
        return warehouse_state_dir(self.warehouse, self.target)

    @property
    def lock_key(self) -> Path:
        """The path whose ``.lock`` file is the writer lock (``omnireport.guard``)."""
        return self.warehouse if self.target == "duckdb" else self.state_dir

    def warehouse_target(self):  # type: ignore[no-untyped-def]
        """The warehouse of the target (``omnireport.warehouse.targets.Warehouse``)."""
        from omnireport.warehouse.targets import warehouse_for

        return warehouse_for(self.target, self.warehouse)

    @property
    def dagster_home(self) -> Path:
        """The Dagster instance of this warehouse: its runs, events and asset history, shared
        by ``omnireport`` and ``dagster dev`` (``make dev`` points DAGSTER_HOME here)."""
        return self.state_dir / "dagster"

    @property
    def dbt_target_path(self) -> Path:
        """dbt's target path (manifest, partial parse, run results) for this warehouse."""
        return self.state_dir / "dbt_target"

    def dbt_env(self) -> dict[str, str]:
        """Environment variables dbt needs: the target and where it is (read by profiles.yml)."""
        return self.warehouse_target().dbt_env()


def _path_from_env(env: Mapping[str, str], name: str, default: Path) -> Path:
    value = env.get(name, "").strip()
    path = Path(value).expanduser() if value else default
    return path.resolve()


def load_settings(
    *,
    landing_dir: Path | str | None = None,
    warehouse: Path | str | None = None,
    dbt_project_dir: Path | str | None = None,
    target: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve the settings: explicit arguments first, then environment variables, then defaults.

    Every path comes back absolute (relative ones are taken from the current directory).
    """
    env = os.environ if env is None else env
    root = project_root()
    return Settings(
        landing_dir=(
            Path(landing_dir).expanduser().resolve()
            if landing_dir is not None
            else _path_from_env(env, LANDING_DIR_ENV, root / "data" / "landing")
        ),
        warehouse=(
            Path(warehouse).expanduser().resolve()
            if warehouse is not None
            else _path_from_env(env, WAREHOUSE_ENV, root / "data" / "warehouse.duckdb")
        ),
        dbt_project_dir=(
            Path(dbt_project_dir).expanduser().resolve()
            if dbt_project_dir is not None
            else _path_from_env(env, DBT_PROJECT_DIR_ENV, root / "dbt_project")
        ),
        target=target or env.get(TARGET_ENV, "").strip() or "duckdb",
    )


MEMORY_LIMIT_ENV = "OMNIREPORT_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "3GB"


def memory_limit(env: Mapping[str, str] | None = None) -> str:
    """``OMNIREPORT_DUCKDB_MEMORY_LIMIT``, or the default when it is unset or empty."""
    env = os.environ if env is None else env
    return env.get(MEMORY_LIMIT_ENV, "").strip() or DEFAULT_MEMORY_LIMIT


def duckdb_config(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Settings of every DuckDB connection that writes: the memory limit beyond which DuckDB
    spills to disk (``OMNIREPORT_DUCKDB_MEMORY_LIMIT``, default 3GB; dbt reads the same
    variable in profiles.yml), so a large build stays within a known amount of memory.
    Without it DuckDB may use 80% of the machine's memory, its cache of written blocks too."""
    return {"memory_limit": memory_limit(env)}


# dbt-duckdb names the warehouse's catalog after its file name (up to the first dot) and
# writes that name into SQL unquoted, and reads the path as a URL: these characters break
# it (a parser error or another catalog, after the files are loaded). DuckDB renames a
# catalog with a reserved name, which dbt-duckdb does not follow.
_UNSAFE_IN_PATH = "?#"
_UNSAFE_IN_NAME = "'\";\\"
_RESERVED_CATALOGS = frozenset({"main", "system", "temp"})


def check_warehouse_path(path: Path) -> None:
    """Refuse a DuckDB warehouse path dbt cannot work with (SettingsError, exit 2)."""
    text, name = str(path), path.name
    catalog = name.lstrip(".").split(".")[0]
    bad = sorted(
        {ch for ch in text if ch in _UNSAFE_IN_PATH} | {ch for ch in name if ch in _UNSAFE_IN_NAME}
    )
    if bad:
        raise SettingsError(
            f"warehouse {text}: dbt cannot use a warehouse path with {' '.join(bad)} in it "
            f"(? and # anywhere, ' \" ; and \\ in the file name): choose another name, "
            "for example warehouse.duckdb"
        )
    if catalog.lower() in _RESERVED_CATALOGS:
        raise SettingsError(
            f"warehouse {text}: DuckDB reserves the name {catalog!r} (it names the "
            "warehouse's catalog after its file): choose another name, for example "
            "warehouse.duckdb"
        )


def check_memory_limit(env: Mapping[str, str] | None = None) -> None:
    """Refuse an ``OMNIREPORT_DUCKDB_MEMORY_LIMIT`` DuckDB cannot read (SettingsError)."""
    import duckdb

    value = memory_limit(env)
    try:
        duckdb.connect(config={"memory_limit": value}).close()
    except duckdb.Error:
        raise SettingsError(
            f"{MEMORY_LIMIT_ENV}={value!r} is not an amount of memory: give one such as 3GB or "
            f"500MB, or leave it empty for the default {DEFAULT_MEMORY_LIMIT}"
        ) from None


def check_settings(settings: Settings) -> None:
    """Refuse, before anything is loaded, the settings that would fail a run halfway: a
    warehouse path dbt cannot use, a memory limit DuckDB cannot read, the target's own
    settings (a PostgreSQL port that is not a number). Raises SettingsError (exit 2)."""
    if settings.target == "duckdb":
        check_warehouse_path(settings.warehouse)
    check_memory_limit()
    settings.warehouse_target()
