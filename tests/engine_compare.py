"""Marts built on two engines, compared: the one cross-engine check of the PostgreSQL and
Spark tests (tests/integration/test_postgres_cross_engine.py, test_spark_cluster.py,
test_spark_incremental.py).

DuckDB is the reference. For every mart: same columns in the same order, the matching type
on the other engine (`TYPE_OF_DUCKDB`), the same rows by grain (`ALL_MART_KEYS`), the same
values: floats within 1e-9 relative, percentages (`pct_*`) exactly, never a decimal,
booleans only equal to booleans, timestamps naive (UTC) and equal.

Stricter than `tests/reference/compare.py` (which compares the warehouse with the pandas
reference frames and normalises types): here both sides are warehouses, so types count.
Also the data sets they build: seeds/landing and `generated_landing` (every edge case of
the generator: bad rows, re-exports, late rows, two batches).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from tests.reference.contract_reference import MART_KEYS

REPO = Path(__file__).resolve().parents[1]
SAMPLE_LANDING = REPO / "seeds" / "landing"
RELATIVE_TOLERANCE = 1e-9

# The marts MART_KEYS leaves out (they have no reference frame), with their grains.
EXTRA_MART_KEYS: dict[str, list[str]] = {
    "dim_tags": ["tag_id"],
    "fct_agent_participations": ["session_id", "user_id"],
    "fct_session_measures": ["session_id"],
    "fct_participation_measures": ["session_id", "user_id"],
}
ALL_MART_KEYS: dict[str, list[str]] = {**MART_KEYS, **EXTRA_MART_KEYS}

# DuckDB's type of a mart column -> the other engine's (dbt's contract_data_type: varchar
# is text on PostgreSQL and string on Spark, integer int4 / int, ...).
TYPE_OF_DUCKDB: dict[str, dict[str, str]] = {
    "postgres": {
        "VARCHAR": "text",
        "BIGINT": "int8",
        "INTEGER": "int4",
        "DOUBLE": "float8",
        "BOOLEAN": "bool",
        "DATE": "date",
        "TIMESTAMP": "timestamp",
    },
    "spark": {
        "VARCHAR": "string",
        "BIGINT": "bigint",
        "INTEGER": "int",
        "DOUBLE": "double",
        "BOOLEAN": "boolean",
        "DATE": "date",
        "TIMESTAMP": "timestamp",
    },
}

# `omnireport generate` arguments of the edge-case data set both cross-engine tests build.
GENERATED_ARGS: tuple[str, ...] = (
    "--sessions",
    "300",
    "--seed",
    "3",
    "--bad-rate",
    "0.02",
    "--dup-rate",
    "0.05",
    "--batches",
    "2",
)


@dataclass(frozen=True)
class MartRows:
    """One mart as read from an engine: column names, the engine's type names, the rows."""

    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]


# --- Reading marts ---------------------------------------------------------------------------

RECONCILIATION_SQL = (
    "select table_name, raw_rows, staged_rows, quarantined_rows, superseded_rows "
    "from audit.row_reconciliation order by table_name"
)


def duckdb_rows(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    """The rows of one query on a DuckDB warehouse file (read-only)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def postgres_rows(conninfo: str, sql: str) -> list[tuple[Any, ...]]:
    """The rows of one query on a PostgreSQL database."""
    import psycopg2

    con = psycopg2.connect(conninfo)
    try:
        with con.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        con.close()


def duckdb_marts(warehouse: Path, marts: list[str] | None = None) -> dict[str, MartRows]:
    """Every mart of a DuckDB warehouse file (opened read-only, closed again)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        found: dict[str, MartRows] = {}
        for mart in marts or list(ALL_MART_KEYS):
            cursor = con.execute(f"select * from marts.{mart}")
            found[mart] = MartRows(
                [d[0] for d in cursor.description],
                [str(d[1]) for d in cursor.description],
                cursor.fetchall(),
            )
        return found
    finally:
        con.close()


def postgres_marts(conninfo: str, marts: list[str] | None = None) -> dict[str, MartRows]:
    """Every mart of a PostgreSQL database; types are pg_type names (text, int8, ...)."""
    import psycopg2

    con = psycopg2.connect(conninfo)
    try:
        with con.cursor() as cursor:
            cursor.execute("select oid, typname from pg_type")
            type_names = dict(cursor.fetchall())
            found: dict[str, MartRows] = {}
            for mart in marts or list(ALL_MART_KEYS):
                cursor.execute(f"select * from marts.{mart}")
                found[mart] = MartRows(
                    [d.name for d in cursor.description],
                    [type_names.get(d.type_code, str(d.type_code)) for d in cursor.description],
                    cursor.fetchall(),
                )
        return found
    finally:
        con.close()


# Spark's storage column of a partitioned table (dbt_project/macros/spark/
# incremental_materialization.sql): where a row is stored, not data; always the last column.
SPARK_PARTITION_COLUMN = "_partition"


def spark_marts(
    session: Any, marts: list[str] | None = None, schema: str = "marts"
) -> dict[str, MartRows]:
    """Every mart of a Spark session's catalog (of database `schema`: `reader` for the
    reader layer), without the partition column; types are Spark's simple names. Timestamps
    are read as timestamp_ntz: the UTC wall-clock time as a naive datetime, whatever the
    Python process's time zone."""
    found: dict[str, MartRows] = {}
    for mart in marts or list(ALL_MART_KEYS):
        frame = session.table(f"{schema}.{mart}")
        if frame.columns[-1] == SPARK_PARTITION_COLUMN:
            frame = frame.drop(SPARK_PARTITION_COLUMN)
        types = [kind for _, kind in frame.dtypes]
        frame = frame.selectExpr(
            *[
                f"cast(`{name}` as timestamp_ntz) as `{name}`"
                if kind == "timestamp"
                else f"`{name}`"
                for name, kind in frame.dtypes
            ]
        )
        found[mart] = MartRows(list(frame.columns), types, [tuple(row) for row in frame.collect()])
    return found


# --- Comparing -------------------------------------------------------------------------------


def same(column: str, reference: Any, other: Any) -> bool:
    """One value of `column` on DuckDB (`reference`) and on the other engine: equal by the
    rules of the module doc."""
    if reference is None or other is None:
        return reference is None and other is None
    if isinstance(other, decimal.Decimal) or isinstance(reference, decimal.Decimal):
        return False  # the contract says double or integer, never numeric/decimal
    if isinstance(reference, bool) or isinstance(other, bool):
        return type(reference) is type(other) and reference == other
    if isinstance(reference, float) or isinstance(other, float):
        if not (isinstance(reference, float) and isinstance(other, float)):
            return False
        if column.startswith("pct_"):
            return reference == other
        return math.isclose(reference, other, rel_tol=RELATIVE_TOLERANCE, abs_tol=0.0)
    if isinstance(reference, dt.datetime) or isinstance(other, dt.datetime):
        return (
            isinstance(reference, dt.datetime)
            and isinstance(other, dt.datetime)
            and reference.tzinfo is None
            and other.tzinfo is None
            and reference == other
        )
    return type(reference) is type(other) and reference == other


def mart_differences(mart: str, reference: MartRows, other: MartRows, engine: str) -> list[str]:
    """What differs between DuckDB's `reference` and `engine`'s `other` (empty: equal)."""
    if other.columns != reference.columns:
        return [f"{mart} columns: duckdb {reference.columns}, {engine} {other.columns}"]
    expected_types = [TYPE_OF_DUCKDB[engine].get(kind, f"? {kind}") for kind in reference.types]
    problems = [
        f"{mart}.{column} type: duckdb {duck_type} (so {expected}), {engine} {got}"
        for column, duck_type, expected, got in zip(
            reference.columns, reference.types, expected_types, other.types, strict=True
        )
        if expected != got
    ]
    if not reference.rows:
        problems.append(f"{mart} is empty on DuckDB: the comparison would prove nothing")
    keys = [reference.columns.index(key) for key in ALL_MART_KEYS[mart]]
    duck_by_key = {tuple(row[i] for i in keys): row for row in reference.rows}
    other_by_key = {tuple(row[i] for i in keys): row for row in other.rows}
    if len(duck_by_key) != len(reference.rows) or len(other_by_key) != len(other.rows):
        problems.append(f"{mart}: the grain {ALL_MART_KEYS[mart]} is not unique")
    for key in sorted(duck_by_key.keys() - other_by_key.keys(), key=repr)[:10]:
        problems.append(f"{mart} {key}: only on duckdb")
    for key in sorted(other_by_key.keys() - duck_by_key.keys(), key=repr)[:10]:
        problems.append(f"{mart} {key}: only on {engine}")
    for key in sorted(duck_by_key.keys() & other_by_key.keys(), key=repr):
        for index, column in enumerate(reference.columns):
            left, right = duck_by_key[key][index], other_by_key[key][index]
            if not same(column, left, right):
                problems.append(f"{mart} {key} {column}: duckdb {left!r}, {engine} {right!r}")
    return problems


def assert_mart_equal(mart: str, reference: MartRows, other: MartRows, engine: str) -> None:
    """Fail with the first 30 differences, if any."""
    problems = mart_differences(mart, reference, other, engine)
    assert not problems, f"{len(problems)} differences in {mart}:\n" + "\n".join(problems[:30])


# --- Data sets and the DuckDB reference build -----------------------------------------------


def generated_landing(out: Path) -> Path:
    """`omnireport generate --out OUT` with GENERATED_ARGS (300 sessions, seed 3, 2% bad
    rows, 5% re-exports, 2 batches): every edge case the generator writes."""
    from omnireport.generate import GenerateConfig, generate

    values = dict(zip(GENERATED_ARGS[::2], GENERATED_ARGS[1::2], strict=True))
    generate(
        GenerateConfig(
            out=out,
            sessions=int(values["--sessions"]),
            seed=int(values["--seed"]),
            bad_rate=float(values["--bad-rate"]),
            dup_rate=float(values["--dup-rate"]),
            batches=int(values["--batches"]),
        )
    )
    return out


def omnireport_executable() -> str:
    """The `omnireport` script of this Python's environment."""
    candidate = Path(sys.executable).parent / "omnireport"
    if not candidate.exists():
        raise AssertionError(
            f"no omnireport executable next to {sys.executable}: install the project"
        )
    return str(candidate)


def failure_excerpt(output: str, head: int = 3000, tail: int = 3000) -> str:
    """What a failed run's output says first about the failure, and how it ended: dbt's
    error message comes before the server's stack trace, which a tail alone shows."""
    markers = ("Completed with", "Failure in", "Runtime Error", "FAILED")
    found = [index for index in (output.find(marker) for marker in markers) if index >= 0]
    if not found or len(output) <= head + tail:
        return output[-(head + tail) :]
    start = min(found)
    return f"{output[start : start + head]}\n[...]\n{output[-tail:]}"


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without OMNIREPORT_* settings, plus `extra`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}, **extra}


@dataclass
class DuckdbBuild:
    """`omnireport run` into a new DuckDB file, running in the background."""

    process: subprocess.Popen[bytes]
    warehouse: Path
    log_path: Path

    def wait(self, timeout_s: float = 1800) -> Path:
        """The warehouse, once the run passed (else the test fails with its output)."""
        try:
            returncode = self.process.wait(timeout=timeout_s)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        output = self.log_path.read_text(errors="replace")
        assert returncode == 0, f"omnireport run on DuckDB failed:\n{output[-6000:]}"
        return self.warehouse

    def kill(self) -> None:
        """Stop it if it still runs (fixture clean-up)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def start_duckdb_build(landing: Path, work_dir: Path) -> DuckdbBuild:
    """Start `omnireport run --landing LANDING --warehouse WORK/duckdb/warehouse.duckdb`."""
    folder = work_dir / "duckdb"
    folder.mkdir(parents=True, exist_ok=True)
    warehouse = folder / "warehouse.duckdb"
    log_path = folder / "omnireport-run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                omnireport_executable(),
                "run",
                "--landing",
                str(landing),
                "--warehouse",
                str(warehouse),
            ],
            cwd=REPO,
            env=clean_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return DuckdbBuild(process, warehouse, log_path)
