"""The dbt targets: their connection settings, read from the environment, and the
warehouse of each as the orchestration uses it (load, connect, point dbt at it).

The dbt profile (dbt_project/profiles.yml) reads the same variables with the same
defaults, so the loader and dbt always talk to the same database. A password is never
stored in the repository: set OMNIREPORT_PG_PASSWORD (or use a ~/.pgpass file and leave
it empty). dbt receives it as ``DBT_ENV_SECRET_PG_PASSWORD``: dbt masks the values of its
``DBT_ENV_SECRET_`` variables in its logs and errors, never stores them in its artifacts,
and takes them as text whatever they hold (``12345`` stays a string).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from omnireport.errors import SettingsError

if TYPE_CHECKING:
    from omnireport.landing.files import HashCache, LandingFile
    from omnireport.landing.loader import LoadResult
    from omnireport.warehouse.spark import SparkTarget

TARGETS: tuple[str, ...] = ("duckdb", "postgres", "spark")
DEFAULT_TARGET = "duckdb"
# The output of dbt_project/profiles.yml dbt builds into.
TARGET_ENV = "OMNIREPORT_DBT_TARGET"

PG_HOST_ENV = "OMNIREPORT_PG_HOST"
PG_PORT_ENV = "OMNIREPORT_PG_PORT"
PG_USER_ENV = "OMNIREPORT_PG_USER"
PG_PASSWORD_ENV = "OMNIREPORT_PG_PASSWORD"
PG_DBNAME_ENV = "OMNIREPORT_PG_DBNAME"
# The password as dbt's profile reads it (dbt_project/profiles.yml).
DBT_PG_PASSWORD_ENV = "DBT_ENV_SECRET_PG_PASSWORD"

# Same defaults as the env_var() calls of the `postgres` output in profiles.yml.
PG_DEFAULTS: dict[str, str] = {
    PG_HOST_ENV: "127.0.0.1",
    PG_PORT_ENV: "5432",
    PG_USER_ENV: "omnireport",
    PG_PASSWORD_ENV: "",
    PG_DBNAME_ENV: "omnireport",
}


class TargetSettingsError(SettingsError):
    """A target setting from the environment that cannot work."""


@dataclass(frozen=True)
class PostgresTarget:
    """Where the `postgres` dbt target and the PostgreSQL loader connect."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PostgresTarget:
        """Read OMNIREPORT_PG_HOST/PORT/USER/PASSWORD/DBNAME (defaults as in profiles.yml)."""
        source = os.environ if env is None else env
        values = {name: source.get(name) or default for name, default in PG_DEFAULTS.items()}
        port_text = values[PG_PORT_ENV].strip()
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise TargetSettingsError(
                f"{PG_PORT_ENV}={values[PG_PORT_ENV]!r} is not a TCP port: set it to a number "
                "between 1 and 65535 (the PostgreSQL default is 5432)"
            )
        return cls(
            host=values[PG_HOST_ENV],
            port=int(port_text),
            user=values[PG_USER_ENV],
            password=source.get(PG_PASSWORD_ENV, ""),
            dbname=values[PG_DBNAME_ENV],
        )

    def conninfo(self) -> str:
        """A libpq connection string (psycopg2.connect accepts it)."""
        parts = {
            "host": self.host,
            "port": str(self.port),
            "user": self.user,
            "dbname": self.dbname,
        }
        if self.password:
            parts["password"] = self.password
        return " ".join(f"{key}={_libpq_quote(value)}" for key, value in parts.items())

    def dbt_env(self) -> dict[str, str]:
        """The environment variables that point dbt's `postgres` output at this database."""
        return {
            PG_HOST_ENV: self.host,
            PG_PORT_ENV: str(self.port),
            PG_USER_ENV: self.user,
            DBT_PG_PASSWORD_ENV: self.password,
            PG_DBNAME_ENV: self.dbname,
        }

    def describe(self) -> str:
        """Where it points, for messages (never the password)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"


def _libpq_quote(value: str) -> str:
    """A libpq connection-string value: always quoted, so spaces, tabs, quotes, ``=`` and
    backslashes stay inside it (an unquoted value ends at the first white space)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# --- The warehouse of a target, as the orchestration uses it --------------------------------


class Warehouse(Protocol):
    """What the orchestration needs of a target: load landing files into raw, connect
    (DuckDB-style: ``execute(sql, [params])`` with ``?`` placeholders, then ``fetchone`` /
    ``fetchall``), and the environment that points dbt's profile at it."""

    target: str

    def describe(self) -> str: ...

    def dbt_env(self) -> dict[str, str]: ...

    def load(
        self,
        files: Sequence[LandingFile],
        *,
        warnings: Sequence[str],
        progress: Callable[[str], None],
        hashes: HashCache | None,
    ) -> LoadResult: ...

    def connect(self) -> AbstractContextManager[Any]: ...


@dataclass(frozen=True)
class DuckDBWarehouse:
    """The embedded default: one DuckDB file."""

    path: Path
    target: str = "duckdb"

    def describe(self) -> str:
        return str(self.path)

    def dbt_env(self) -> dict[str, str]:
        return {"OMNIREPORT_WAREHOUSE": str(self.path), TARGET_ENV: self.target}

    def load(self, files, *, warnings, progress, hashes):  # type: ignore[no-untyped-def]
        from omnireport.landing.loader import load_files

        return load_files(files, self.path, warnings=warnings, progress=progress, hashes=hashes)

    @contextmanager
    def connect(self) -> Iterator[Any]:
        import duckdb

        from omnireport.settings import duckdb_config

        con = duckdb.connect(str(self.path), config=duckdb_config())
        try:
            yield con
        finally:
            con.close()


@dataclass(frozen=True)
class PostgresWarehouse:
    """A PostgreSQL database (``OMNIREPORT_PG_*``)."""

    settings: PostgresTarget
    target: str = "postgres"

    def describe(self) -> str:
        return self.settings.describe()

    def dbt_env(self) -> dict[str, str]:
        return {**self.settings.dbt_env(), TARGET_ENV: self.target}

    def load(self, files, *, warnings, progress, hashes):  # type: ignore[no-untyped-def]
        from omnireport.warehouse.postgres import load_files_postgres

        return load_files_postgres(
            files, self.settings.conninfo(), warnings=warnings, progress=progress
        )

    @contextmanager
    def connect(self) -> Iterator[Any]:
        from omnireport.warehouse.postgres import connect_qmark

        con = connect_qmark(self.settings.conninfo(), read_only=False)
        try:
            yield con
        finally:
            con.close()


@dataclass(frozen=True)
class SparkWarehouse:
    """A Spark Connect server (``OMNIREPORT_SPARK_REMOTE``: a cluster's, or the local one
    ``omnireport`` starts for its run) and its folder (``OMNIREPORT_SPARK_DIR``)."""

    settings: SparkTarget
    target: str = "spark"

    def describe(self) -> str:
        return self.settings.describe()

    def dbt_env(self) -> dict[str, str]:
        return {**self.settings.dbt_env(), TARGET_ENV: self.target}

    def load(self, files, *, warnings, progress, hashes):  # type: ignore[no-untyped-def]
        from omnireport.warehouse.spark import load_files_spark

        return load_files_spark(files, self.settings, warnings=warnings, progress=progress)

    @contextmanager
    def connect(self) -> Iterator[Any]:
        from omnireport.warehouse.spark import SparkConnection, spark_session

        yield SparkConnection(spark_session(self.settings))


def relation_exists(con: Any, schema: str, name: str) -> bool:
    """Whether ``schema.name`` exists, through a connection of any target."""
    if hasattr(con, "relation_exists"):
        return bool(con.relation_exists(schema, name))
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(found and found[0])


def warehouse_for(
    target: str, duckdb_path: Path, env: Mapping[str, str] | None = None
) -> Warehouse:
    """The warehouse of ``target``: the DuckDB file, or the database or Spark server the
    environment names."""
    if target == "duckdb":
        return DuckDBWarehouse(duckdb_path)
    if target == "postgres":
        return PostgresWarehouse(PostgresTarget.from_env(env))
    if target == "spark":
        from omnireport.warehouse.spark import SparkTarget

        return SparkWarehouse(SparkTarget.from_env(env))
    raise TargetSettingsError(f"unknown target {target!r}: give one of {', '.join(TARGETS)}")
