"""Publish the report marts to separate DuckDB files that readers open instead of the warehouse.

Readers (analysts, BI tools, ``omnireport report``) must never wait for a build nor see a
half-built one. After a successful, validated build, ``publish`` writes two files:

- the **full snapshot** ``<warehouse stem>.published.duckdb`` (``OMNIREPORT_SNAPSHOT``): every
  relation of schema ``marts`` (the ``rpt_`` reports, the ``dim_`` dimensions, the ``fct_``
  facts and the bridge), customers' names, ids and messages included: for the operator and
  trusted analysts, owner-only (mode 0600);
- the **reader snapshot** ``<warehouse stem>.reader.duckdb`` (``OMNIREPORT_READER_SNAPSHOT``):
  the reader layer (the warehouse's schema ``reader``, dbt_project/models/reader/) under the
  same schema and table names, ``marts.<mart>``: identifiers replaced by a keyed hash, free
  text left out or redacted, every metric unchanged: for BI tools and everyone else (0644).

Each is written into a NEW file (DuckDB storage version v1.0.0) in a private folder beside
it, checkpointed and closed; only when both are complete are they swapped in with
``os.replace``, one right after the other, so a failed build or publish leaves both old
files in place. Connections open on an old file keep reading it; new connections see the
new one. Both record the same build and publish time (``main.omnireport_publish``).

The reader views compute the keyed hash with the PII key (``omnireport.privacy.keys``), which
the publish connection holds as the DuckDB variable ``omnireport_pii_key``: it never reaches
a file, a log or dbt.

After an incremental build the copy is incremental too, so a run costs what its batch
costs, not what the warehouse holds: when a file was published from exactly the build
this run continued (``previous_built_at`` of ``raw._build_state``), the new file starts as a
byte copy of the old one, and each mart the build replaced in part (``audit.replaced_scopes``,
written by dbt at the end of the build: the mart, its scope column and the scope relation)
replaces the same rows. Everything else, and every relation whose columns changed, is copied
in full, as is the whole file after a full build. The reader file is also copied in full
when the reader layer changed (another key, free-text mode or pattern: its signature), and a
mart whose scope column is hashed there (``fct_conversations``) is always copied in full.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from omnireport.settings import duckdb_config, warehouse_state_dir

if TYPE_CHECKING:
    from omnireport.privacy.keys import PiiKey

BUILD_STATE_RELATION = "raw._build_state"
REPLACED_SCOPES_RELATION = "audit.replaced_scopes"

SNAPSHOT_ENV = "OMNIREPORT_SNAPSHOT"
READER_SNAPSHOT_ENV = "OMNIREPORT_READER_SNAPSHOT"
PUBLISHED_SCHEMAS: tuple[str, ...] = ("marts",)
# The warehouse schema the reader snapshot is copied from, into schema marts.
READER_SCHEMA = "reader"
# Who may open each file: the full one only its owner (it holds the customers' personal
# data); the reader one everyone who can reach the folder (docs/bi.md).
FULL_FILE_MODE = 0o600
READER_FILE_MODE = 0o644
# The oldest storage format DuckDB 2.x still writes: readable by every DuckDB from 1.0 on,
# the 1.x releases many BI drivers bundle. ('v1.4.0' is NOT readable by DuckDB 1.1.3:
# checked with the 1.1.3 wheel, which refuses the file.)
STORAGE_VERSION = "v1.0.0"
# One row describing the publish, in the snapshot itself (schema main).
PUBLISH_INFO_TABLE = "omnireport_publish"


@dataclass(frozen=True)
class PublishResult:
    """What was published: where, when, and the rows of each relation (``marts.<name>``),
    for the full snapshot and the reader snapshot."""

    snapshot: Path
    published_at: str
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # "full" (every relation copied) or "incremental" (only this run's scope replaced),
    # and why.
    mode: str = "full"
    reason: str = ""
    reader_snapshot: Path | None = None
    reader_tables: dict[str, int] = field(default_factory=dict)
    reader_mode: str = "full"
    reader_reason: str = ""


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


def _path_from(env: Mapping[str, str] | None, name: str) -> Path | None:
    env = os.environ if env is None else env
    override = env.get(name, "").strip()
    return Path(override).expanduser().resolve() if override else None


def snapshot_path(warehouse: Path, env: Mapping[str, str] | None = None) -> Path:
    """The full snapshot of ``warehouse`` (``$OMNIREPORT_SNAPSHOT`` when set)."""
    warehouse = Path(warehouse).expanduser().resolve()
    return _path_from(env, SNAPSHOT_ENV) or warehouse.with_name(
        f"{warehouse.stem}.published.duckdb"
    )


def reader_snapshot_path(warehouse: Path, env: Mapping[str, str] | None = None) -> Path:
    """The reader snapshot of ``warehouse`` (``$OMNIREPORT_READER_SNAPSHOT`` when set)."""
    warehouse = Path(warehouse).expanduser().resolve()
    return _path_from(env, READER_SNAPSHOT_ENV) or warehouse.with_name(
        f"{warehouse.stem}.reader.duckdb"
    )


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


def _published_from(target: Path) -> tuple[str | None, str | None]:
    """(the warehouse build, the reader layer's signature) the file at ``target`` was
    published from, where it says."""
    if not target.is_file():
        return None, None
    try:
        con = duckdb.connect(str(target), read_only=True)
    except duckdb.Error:
        return None, None
    try:
        (built,) = con.execute(f"select state_built_at from main.{PUBLISH_INFO_TABLE}").fetchone()
        try:
            (signature,) = con.execute(
                f"select reader_signature from main.{PUBLISH_INFO_TABLE}"
            ).fetchone()
        except duckdb.Error:
            signature = None
    except (duckdb.Error, TypeError):
        return None, None
    finally:
        con.close()
    return (
        str(built) if built is not None else None,
        str(signature) if signature is not None else None,
    )


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
    source_schema: str,
    names: Sequence[str],
    scopes: Mapping[str, ScopeCondition],
    incremental: bool,
    schema: str = "marts",
) -> dict[str, int]:
    """Copy (or, incrementally, update) every relation of ``src.<source_schema>`` into
    ``snap.<schema>`` under the same names."""
    tables: dict[str, int] = {}
    con.execute(f"create schema if not exists snap.{_quote(schema)}")
    existing = set(_relations(con, schema, catalog="snap")) if incremental else set()
    for stale in sorted(existing - set(names)):
        con.execute(f"drop table snap.{_quote(schema)}.{_quote(stale)}")
    for name in names:
        source = f"src.{_quote(source_schema)}.{_quote(name)}"
        relation = f"snap.{_quote(schema)}.{_quote(name)}"
        same_columns = name in existing and _columns(con, "src", source_schema, name) == _columns(
            con, "snap", schema, name
        )
        if incremental and name in scopes and same_columns:
            predicate = _scope_predicate(*scopes[name])
            con.execute(f"delete from {relation} where {predicate}")
            con.execute(f"insert into {relation} select * from {source} where {predicate}")
        else:
            con.execute(f"drop table if exists {relation}")
            con.execute(f"create table {relation} as select * from {source}")
        count = con.execute(f"select count(*) from {relation}").fetchone()
        tables[f"{schema}.{name}"] = int(count[0]) if count else 0
    return tables


@dataclass
class _File:
    """One published file while it is written."""

    target: Path
    source_schema: str
    file_mode: int
    # The reader layer's signature (None for the full snapshot): what must be equal for
    # an incremental copy besides the build.
    signature: str | None = None
    staging: Path = field(init=False)
    tables: dict[str, int] = field(default_factory=dict)
    mode: str = "full"
    reason: str = ""

    def __post_init__(self) -> None:
        # A private folder (0700) beside the target: nobody else can open the file or its
        # write-ahead log while it is written, and os.replace stays on one filesystem.
        folder = self.target.with_name(f".{self.target.name}.{os.getpid()}.publish")
        shutil.rmtree(folder, ignore_errors=True)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700)
        self.staging = folder / self.target.name

    def discard(self) -> None:
        shutil.rmtree(self.staging.parent, ignore_errors=True)


@dataclass(frozen=True)
class _Info:
    """What both files record of this publish (``main.omnireport_publish``)."""

    published_at: str
    run_id: str | None
    built_at: str | None
    key_fingerprint: str


def _decide(
    file: _File, built_at: str | None, previous_built_at: str | None, incremental: bool
) -> None:
    published_build, published_signature = _published_from(file.target)
    if not incremental:
        file.mode, file.reason = "full", "a full copy was asked for"
    elif previous_built_at is None:
        file.mode, file.reason = "full", "the last build was a full build"
    elif published_build != previous_built_at:
        file.mode, file.reason = (
            "full",
            "the snapshot was not published from the build this one continued",
        )
    elif file.signature != published_signature:
        file.mode, file.reason = (
            "full",
            "the reader layer changed (another PII key, free-text mode or redaction pattern)",
        )
    else:
        file.mode, file.reason = (
            "incremental",
            f"only the rows of this build's scope (it continued the build of {previous_built_at})",
        )


def _write(
    con: duckdb.DuckDBPyConnection,
    file: _File,
    scopes: Mapping[str, ScopeCondition],
    info: _Info,
    warehouse: Path,
) -> None:
    """Write ``file.staging``: a copy of the old file updated, or a new file."""
    if file.mode == "incremental":
        shutil.copyfile(file.target, file.staging)
        con.execute(f"attach {_literal(file.staging)} as snap")
    else:
        con.execute(
            f"attach {_literal(file.staging)} as snap (storage_version '{STORAGE_VERSION}')"
        )
    relations = _relations(con, file.source_schema)
    if not relations:
        raise RuntimeError(
            f"warehouse {warehouse} has no relation in schema {file.source_schema}: build the "
            "dbt project (omnireport run) before publishing; the old snapshots are kept"
        )
    file.tables = _copy_schema(
        con, file.source_schema, relations, scopes, file.mode == "incremental"
    )
    con.execute(f"drop table if exists snap.main.{PUBLISH_INFO_TABLE}")
    con.execute(
        f"create table snap.main.{PUBLISH_INFO_TABLE} as select "
        "cast(? as timestamptz) as published_at, ? as warehouse, ? as run_id, ? as tables_json, "
        "cast(? as varchar) as state_built_at, ? as publish_mode, "
        "cast(? as varchar) as reader_signature, cast(? as varchar) as pii_key_fingerprint",
        [
            info.published_at,
            str(warehouse),
            info.run_id,
            json.dumps(file.tables, sort_keys=True),
            info.built_at,
            file.mode,
            file.signature,
            info.key_fingerprint if file.signature else None,
        ],
    )
    con.execute("checkpoint snap")
    con.execute("detach snap")
    if file.staging.with_name(file.staging.name + ".wal").exists():
        raise RuntimeError(
            f"snapshot {file.staging} kept a write-ahead log after CHECKPOINT; not published"
        )
    with file.staging.open("rb") as stream:
        os.fsync(stream.fileno())
    os.chmod(file.staging, file.file_mode)


def _reader_signature(con: duckdb.DuckDBPyConnection, key: PiiKey) -> str:
    """What the reader file's content depends on besides the data: the key and the SQL of
    every reader view (its free-text mode and patterns are in there)."""
    rows = con.execute(
        "select view_name, sql from duckdb_views() "
        "where database_name = 'src' and schema_name = ? order by view_name",
        [READER_SCHEMA],
    ).fetchall()
    text = "\n".join([key.fingerprint, *(f"{name}\t{sql}" for name, sql in rows)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _reader_scopes(
    scopes: Mapping[str, ScopeCondition], classes: Mapping[str, Mapping[str, str | None]]
) -> dict[str, ScopeCondition]:
    """The scopes whose column the reader layer passes unchanged (none, staff): a hashed
    scope column does not match the raw ids of the scope relation."""
    from omnireport.privacy.classes import column_class

    kept = {}
    for name, (column, relation) in scopes.items():
        try:
            if column_class(classes, name, column) in ("none", "staff"):
                kept[name] = (column, relation)
        except KeyError:
            continue
    return kept


def publish(
    warehouse: Path,
    snapshot: Path | None = None,
    *,
    run_id: str | None = None,
    incremental: bool = True,
    reader_snapshot: Path | None = None,
    pii_key: PiiKey | None = None,
    column_classes: Mapping[str, Mapping[str, str | None]] | None = None,
) -> PublishResult:
    """Write the full and the reader snapshot of ``warehouse`` and swap both in (see the
    module docstring).

    The copy is incremental when a file was published from the build this one continued;
    ``incremental=False`` copies every relation. ``pii_key`` defaults to the warehouse's
    (``omnireport.privacy.keys.load_pii_key``), ``column_classes`` to the dbt project's. The
    caller holds the warehouse's writer lock (nothing else writes it meanwhile). Raises
    ``FileNotFoundError`` when the warehouse is missing and ``RuntimeError`` when it has no
    ``marts`` or ``reader`` relation to publish; the old snapshots are then left untouched.
    """
    from omnireport.privacy.classes import mart_classes
    from omnireport.privacy.keys import DUCKDB_VARIABLE, load_pii_key

    started = time.perf_counter()
    warehouse = Path(warehouse).resolve()
    if not warehouse.is_file():
        raise FileNotFoundError(f"warehouse {warehouse} does not exist: build it before publishing")
    key = pii_key or load_pii_key(warehouse_state_dir(warehouse))
    classes = mart_classes() if column_classes is None else column_classes
    published_at = datetime.now(UTC).isoformat(timespec="seconds")
    files: list[_File] = []
    con = duckdb.connect(":memory:", config=duckdb_config())
    try:
        full = _File(
            Path(snapshot).resolve() if snapshot is not None else snapshot_path(warehouse),
            PUBLISHED_SCHEMAS[0],
            FULL_FILE_MODE,
        )
        files.append(full)
        reader = _File(
            Path(reader_snapshot).resolve()
            if reader_snapshot is not None
            else reader_snapshot_path(warehouse),
            READER_SCHEMA,
            READER_FILE_MODE,
        )
        files.append(reader)
        if len({warehouse, full.target, reader.target}) < 3:
            raise ValueError(
                f"the full snapshot ({full.target}), the reader snapshot ({reader.target}) and "
                f"the warehouse ({warehouse}) must be three files: set {SNAPSHOT_ENV} and "
                f"{READER_SNAPSHOT_ENV} to different paths"
            )
        con.execute("set enable_progress_bar = false")
        # a missing relation is an error, never a Python variable of the same name
        con.execute("set python_enable_replacements = false")
        con.execute(f"attach {_literal(warehouse)} as src (read_only)")
        con.execute(f"set variable {DUCKDB_VARIABLE} = ?", [key.value])
        built_at, previous_built_at = _build_state(con)
        scopes = replaced_scopes(con)
        reader.signature = _reader_signature(con, key)
        info = _Info(published_at, run_id, built_at, key.fingerprint)
        _decide(full, built_at, previous_built_at, incremental)
        _write(con, full, scopes, info, warehouse)
        _decide(reader, built_at, previous_built_at, incremental)
        _write(con, reader, _reader_scopes(scopes, classes), info, warehouse)
        con.execute("detach src")
    except BaseException:
        con.close()
        for file in files:
            file.discard()
        raise
    con.close()
    # Both files are complete: swap them in back to back.
    for file in (reader, full):
        os.replace(file.staging, file.target)
        file.discard()
    return PublishResult(
        snapshot=full.target,
        published_at=published_at,
        tables=full.tables,
        seconds=time.perf_counter() - started,
        mode=full.mode,
        reason=full.reason,
        reader_snapshot=reader.target,
        reader_tables=reader.tables,
        reader_mode=reader.mode,
        reader_reason=reader.reason,
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
