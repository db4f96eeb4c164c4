"""Publish the report marts to a separate DuckDB file that readers open instead of the warehouse.

Readers (analysts, BI tools, ``omnireport report``) must never wait for a build nor see a
half-built one. After a successful, validated build, ``publish`` copies every relation of
schema ``marts`` (the ``rpt_`` reports, the ``dim_`` dimensions, the ``fct_`` facts and
the bridge) into a NEW file written in DuckDB storage version v1.0.0, checkpoints and
closes it, then swaps it in
with ``os.replace``. Connections open on the old snapshot keep reading the old file; new
connections see the new one. The snapshot is ``<warehouse folder>/<warehouse stem>.published.duckdb``
unless ``OMNIREPORT_SNAPSHOT`` names another file.

After an incremental build the copy is incremental too, so a run costs what its batch
costs, not what the warehouse holds: when the current snapshot was published from exactly
the build this run continued (``previous_built_at`` of ``raw._build_state``), the new file
starts as a byte copy of the old one, and each mart the build replaced in part
(``audit.replaced_scopes``, written by dbt at the end of the build: the mart, its scope
column and the scope relation) replaces the same rows. Everything else, and every
relation whose columns changed, is copied in full, as is the whole snapshot after a full
build.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from omnireport.settings import duckdb_config

BUILD_STATE_RELATION = "raw._build_state"
REPLACED_SCOPES_RELATION = "audit.replaced_scopes"

SNAPSHOT_ENV = "OMNIREPORT_SNAPSHOT"
PUBLISHED_SCHEMAS: tuple[str, ...] = ("marts",)
# The oldest storage format DuckDB 2.x still writes: readable by every DuckDB from 1.0 on,
# the 1.x releases many BI drivers bundle. ('v1.4.0' is NOT readable by DuckDB 1.1.3:
# checked with the 1.1.3 wheel, which refuses the file.)
STORAGE_VERSION = "v1.0.0"
# One row describing the publish, in the snapshot itself (schema main).
PUBLISH_INFO_TABLE = "omnireport_publish"


@dataclass(frozen=True)
class PublishResult:
    """What was published: where, when, and the rows of each relation (``marts.<name>``)."""

    snapshot: Path
    published_at: str
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # "full" (every relation copied) or "incremental" (only this run's scope replaced),
    # and why.
    mode: str = "full"
    reason: str = ""


# A mart the build replaced in part: its scope column and the relation listing the scope.
ScopeCondition = tuple[str, str]


def replaced_scopes(con: duckdb.DuckDBPyConnection) -> dict[str, ScopeCondition]:
    """The marts the last dbt invocation replaced in part (``audit.replaced_scopes`` of the
    attached warehouse ``src``): relation name -> (scope column, scope relation)."""
    try:
        rows = con.execute(
            f"select relation_name, scope_column, scope_relation from src.{REPLACED_SCOPES_RELATION}"
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    return {name: (column, scope) for name, column, scope in rows}


def snapshot_path(warehouse: Path, env: Mapping[str, str] | None = None) -> Path:
    """The published snapshot of ``warehouse`` (``$OMNIREPORT_SNAPSHOT`` when set)."""
    env = os.environ if env is None else env
    override = env.get(SNAPSHOT_ENV, "").strip()
    if override:
        return Path(override).expanduser().resolve()
    warehouse = Path(warehouse).expanduser().resolve()
    return warehouse.with_name(f"{warehouse.stem}.published.duckdb")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _relations(con: duckdb.DuckDBPyConnection, schema: str, catalog: str = "src") -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = ? and table_schema = ? order by table_name",
        [catalog, schema],
    ).fetchall()
    return [str(name) for (name,) in rows]


def _remove(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


def _build_state(con: duckdb.DuckDBPyConnection) -> tuple[str | None, str | None]:
    """(built_at, previous_built_at) of the warehouse's last build, as text; (None, None)
    when the warehouse has no build state (a project without incremental models)."""
    try:
        row = con.execute(
            "select cast(built_at as varchar), cast(previous_built_at as varchar) "
            f"from src.{BUILD_STATE_RELATION}"
        ).fetchone()
    except duckdb.Error:
        return None, None
    return (row[0], row[1]) if row else (None, None)


def _published_build(target: Path) -> str | None:
    """The warehouse build the snapshot at ``target`` was published from, if it says."""
    if not target.is_file():
        return None
    try:
        con = duckdb.connect(str(target), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute(f"select state_built_at from main.{PUBLISH_INFO_TABLE}").fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return str(row[0]) if row and row[0] is not None else None


def _columns(
    con: duckdb.DuckDBPyConnection, catalog: str, schema: str, name: str
) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [catalog, schema, name],
    ).fetchall()


def _scope_predicate(column: str, scope: str) -> str:
    return f"{_quote(column)} in (select {_quote(column)} from src.{scope})"


def _copy_schema(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    names: Sequence[str],
    scopes: Mapping[str, ScopeCondition],
    incremental: bool,
) -> dict[str, int]:
    """Copy (or, incrementally, update) every relation of ``schema`` into ``snap``."""
    tables: dict[str, int] = {}
    con.execute(f"create schema if not exists snap.{_quote(schema)}")
    existing = set(_relations(con, schema, catalog="snap")) if incremental else set()
    for stale in sorted(existing - set(names)):
        con.execute(f"drop table snap.{_quote(schema)}.{_quote(stale)}")
    for name in names:
        relation = f"{_quote(schema)}.{_quote(name)}"
        same_columns = name in existing and _columns(con, "src", schema, name) == _columns(
            con, "snap", schema, name
        )
        if incremental and name in scopes and same_columns:
            predicate = _scope_predicate(*scopes[name])
            con.execute(f"delete from snap.{relation} where {predicate}")
            con.execute(
                f"insert into snap.{relation} select * from src.{relation} where {predicate}"
            )
        else:
            con.execute(f"drop table if exists snap.{relation}")
            con.execute(f"create table snap.{relation} as select * from src.{relation}")
        count = con.execute(f"select count(*) from snap.{relation}").fetchone()
        tables[f"{schema}.{name}"] = int(count[0]) if count else 0
    return tables


def publish(
    warehouse: Path,
    snapshot: Path | None = None,
    *,
    run_id: str | None = None,
    incremental: bool = True,
) -> PublishResult:
    """Copy the published schemas of ``warehouse`` into a new snapshot and swap it in atomically.

    The copy is incremental when the current snapshot was published from the build this one
    continued (see the module docstring); ``incremental=False`` copies every relation. The caller holds the warehouse's writer lock (nothing
    else writes it meanwhile). Raises ``FileNotFoundError`` when the warehouse is missing
    and ``RuntimeError`` when it has no ``marts`` relation to publish; the old snapshot is
    then left untouched.
    """
    started = time.perf_counter()
    warehouse = Path(warehouse).resolve()
    target = Path(snapshot).resolve() if snapshot is not None else snapshot_path(warehouse)
    if not warehouse.is_file():
        raise FileNotFoundError(f"warehouse {warehouse} does not exist: build it before publishing")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.new")
    _remove(staging)
    published_at = datetime.now(UTC).isoformat(timespec="seconds")
    tables: dict[str, int] = {}
    published_build = _published_build(target)
    con = duckdb.connect(":memory:", config=duckdb_config())
    try:
        con.execute("set enable_progress_bar = false")
        # a missing relation is an error, never a Python variable of the same name
        con.execute("set python_enable_replacements = false")
        con.execute(f"attach {_literal(warehouse)} as src (read_only)")
        built_at, previous_built_at = _build_state(con)
        scopes = replaced_scopes(con)
        if not incremental:
            mode, reason = "full", "a full copy was asked for"
        elif previous_built_at is None:
            mode, reason = "full", "the last build was a full build"
        elif published_build != previous_built_at:
            mode, reason = (
                "full",
                "the snapshot was not published from the build this one continued",
            )
        else:
            mode, reason = (
                "incremental",
                f"only the rows of this build's scope (it continued the build of {previous_built_at})",
            )
        if mode == "incremental":
            shutil.copyfile(target, staging)
            con.execute(f"attach {_literal(staging)} as snap")
        else:
            con.execute(f"attach {_literal(staging)} as snap (storage_version '{STORAGE_VERSION}')")
        for schema in PUBLISHED_SCHEMAS:
            relations = _relations(con, schema)
            if not relations:
                raise RuntimeError(
                    f"warehouse {warehouse} has no relation in schema {schema}: build the "
                    "marts (omnireport run) before publishing; the old snapshot is kept"
                )
            tables.update(_copy_schema(con, schema, relations, scopes, mode == "incremental"))
        con.execute(f"drop table if exists snap.main.{PUBLISH_INFO_TABLE}")
        con.execute(
            f"create table snap.main.{PUBLISH_INFO_TABLE} as select "
            "cast(? as timestamptz) as published_at, ? as warehouse, ? as run_id, ? as tables_json, "
            "cast(? as varchar) as state_built_at, ? as publish_mode",
            [
                published_at,
                str(warehouse),
                run_id,
                json.dumps(tables, sort_keys=True),
                built_at,
                mode,
            ],
        )
        con.execute("checkpoint snap")
        con.execute("detach snap")
        con.execute("detach src")
    except BaseException:
        con.close()
        _remove(staging)
        raise
    con.close()
    if staging.with_name(staging.name + ".wal").exists():
        _remove(staging)
        raise RuntimeError(
            f"snapshot {staging} kept a write-ahead log after CHECKPOINT; not published"
        )
    with staging.open("rb") as stream:
        os.fsync(stream.fileno())
    os.replace(staging, target)
    return PublishResult(
        snapshot=target,
        published_at=published_at,
        tables=tables,
        seconds=time.perf_counter() - started,
        mode=mode,
        reason=reason,
    )


def read_publish_info(snapshot: Path) -> dict[str, object] | None:
    """The publish row of ``snapshot`` (time, warehouse, run id, tables), None when absent."""
    if not Path(snapshot).is_file():
        return None
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        row = con.execute(
            f"select cast(published_at as varchar), warehouse, run_id, tables_json "
            f"from main.{PUBLISH_INFO_TABLE}"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    finally:
        con.close()
    if row is None:
        return None
    return {
        "published_at": row[0],
        "warehouse": row[1],
        "run_id": row[2],
        "tables": json.loads(row[3]),
    }
