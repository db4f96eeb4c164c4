"""Publish the report marts to a separate DuckDB file that readers open instead of the warehouse.

Readers (analysts, BI tools, ``omnireport report``) must never wait for a build nor see a
half-built one. After a successful, validated build, ``publish`` copies every relation of
schema ``marts`` (the ``rpt_`` reports, the ``dim_`` dimensions, the ``fct_`` facts and
the bridge) into a NEW file written in DuckDB storage version v1.0.0, checkpoints and
closes it, then swaps it in
with ``os.replace``. Connections open on the old snapshot keep reading the old file; new
connections see the new one. The snapshot is ``<warehouse folder>/<warehouse stem>.published.duckdb``
unless ``OMNIREPORT_SNAPSHOT`` names another file.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

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


def _relations(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = 'src' and table_schema = ? order by table_name",
        [schema],
    ).fetchall()
    return [str(name) for (name,) in rows]


def _remove(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


def publish(
    warehouse: Path, snapshot: Path | None = None, *, run_id: str | None = None
) -> PublishResult:
    """Copy the published schemas of ``warehouse`` into a new snapshot and swap it in atomically.

    The caller holds the warehouse's writer lock (nothing else writes it meanwhile).
    Raises ``FileNotFoundError`` when the warehouse is missing and ``RuntimeError`` when it
    has no ``marts`` relation to publish; the old snapshot is then left untouched.
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
    con = duckdb.connect(":memory:")
    try:
        con.execute("set enable_progress_bar = false")
        con.execute(f"attach {_literal(warehouse)} as src (read_only)")
        con.execute(f"attach {_literal(staging)} as snap (storage_version '{STORAGE_VERSION}')")
        for schema in PUBLISHED_SCHEMAS:
            names = _relations(con, schema)
            if not names:
                raise RuntimeError(
                    f"warehouse {warehouse} has no relation in schema {schema}: build the "
                    "marts (omnireport run) before publishing; the old snapshot is kept"
                )
            con.execute(f"create schema snap.{_quote(schema)}")
            for name in names:
                relation = f"{_quote(schema)}.{_quote(name)}"
                con.execute(f"create table snap.{relation} as select * from src.{relation}")
                count = con.execute(f"select count(*) from snap.{relation}").fetchone()
                tables[f"{schema}.{name}"] = int(count[0]) if count else 0
        con.execute(
            f"create table snap.main.{PUBLISH_INFO_TABLE} as select "
            "cast(? as timestamptz) as published_at, ? as warehouse, ? as run_id, ? as tables_json",
            [published_at, str(warehouse), run_id, json.dumps(tables, sort_keys=True)],
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
        raise RuntimeError(f"snapshot {staging} kept a write-ahead log after CHECKPOINT; not published")
    with staging.open("rb") as stream:
        os.fsync(stream.fileno())
    os.replace(staging, target)
    return PublishResult(
        snapshot=target,
        published_at=published_at,
        tables=tables,
        seconds=time.perf_counter() - started,
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
