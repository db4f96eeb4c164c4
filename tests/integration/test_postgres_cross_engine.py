"""The same landing files built on DuckDB (`omnireport run`) and on PostgreSQL (COPY
loader + `dbt build --target postgres`) give the same marts: same columns in the same
order, same rows by grain (tests.reference.contract_reference.MART_KEYS), same values;
floats within 1e-9 relative, percentages exactly."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import pytest

from tests.pg_server import (  # noqa: F401  (fixtures)
    PostgresServer,
    duckdb_reference_warehouse,
    postgres_server,
    postgres_warehouse,
)
from tests.reference.contract_reference import MART_KEYS

pytestmark = pytest.mark.integration

RELATIVE_TOLERANCE = 1e-9


def duckdb_mart(warehouse: Path, mart: str) -> tuple[list[str], list[dict[str, Any]]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(f"select * from marts.{mart}")
        names = [d[0] for d in cursor.description]
        return names, [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


def postgres_mart(server: PostgresServer, mart: str) -> tuple[list[str], list[dict[str, Any]]]:
    con = psycopg2.connect(server.conninfo())
    try:
        with con.cursor() as cursor:
            cursor.execute(f"select * from marts.{mart}")
            names = [d[0] for d in cursor.description]
            return names, [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


def same(column: str, duck: Any, pg: Any) -> bool:
    if duck is None or pg is None:
        return duck is None and pg is None
    if isinstance(pg, decimal.Decimal) or isinstance(duck, decimal.Decimal):
        return False  # a numeric column: the contract says double or integer, never numeric
    if isinstance(duck, bool) or isinstance(pg, bool):
        return type(duck) is type(pg) and duck == pg
    if isinstance(duck, float) or isinstance(pg, float):
        if not (isinstance(duck, float) and isinstance(pg, float)):
            return False
        if column.startswith("pct_"):
            return duck == pg
        return math.isclose(duck, pg, rel_tol=RELATIVE_TOLERANCE, abs_tol=0.0)
    if isinstance(duck, dt.datetime) and isinstance(pg, dt.datetime):
        return duck.tzinfo is None and pg.tzinfo is None and duck == pg
    return type(duck) is type(pg) and duck == pg


def test_the_tolerance_rules_themselves() -> None:
    assert same("avg_response_time_s", 340 / 3, 113.33333333333334)
    assert not same("avg_response_time_s", 100.0, 100.00001)
    assert same("pct_complete", 3.13, 3.13)
    assert not same("pct_complete", 3.13, 3.1300000000000003)
    assert not same("is_completed", True, 1)
    assert not same("total_messages", 3, decimal.Decimal(3))
    assert same("note", None, None) and not same("note", "", None)


@pytest.mark.parametrize("mart", list(MART_KEYS))
def test_mart_is_equal_on_duckdb_and_postgres(
    mart: str, postgres_server: PostgresServer, postgres_warehouse: Path, duckdb_reference_warehouse: Path
) -> None:
    duck_columns, duck_rows = duckdb_mart(duckdb_reference_warehouse, mart)
    pg_columns, pg_rows = postgres_mart(postgres_server, mart)
    assert pg_columns == duck_columns
    keys = MART_KEYS[mart]
    duck_by_key = {tuple(row[k] for k in keys): row for row in duck_rows}
    pg_by_key = {tuple(row[k] for k in keys): row for row in pg_rows}
    assert len(duck_by_key) == len(duck_rows) and len(pg_by_key) == len(pg_rows), "grain not unique"
    assert duck_rows, f"{mart} is empty on DuckDB: the comparison would prove nothing"
    assert sorted(duck_by_key, key=repr) == sorted(pg_by_key, key=repr)
    problems = [
        f"{key} {column}: duckdb {row[column]!r}, postgres {pg_by_key[key][column]!r}"
        for key, row in duck_by_key.items()
        for column in duck_columns
        if not same(column, row[column], pg_by_key[key][column])
    ]
    assert not problems, f"{len(problems)} differences in {mart}:\n" + "\n".join(problems[:30])
