"""Incremental models on PostgreSQL: batch 1 of the sample data built, then batch 2
loaded and built incrementally (the affected dates and sessions deleted, then recomputed), gives
the same marts as the session's full build of both batches (which
test_postgres_cross_engine holds equal to DuckDB's)."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg2
import pytest

from omnireport.warehouse.postgres import load_landing_postgres
from tests.dbt_args import MODELS_ONLY
from tests.integration.test_postgres_cross_engine import same
from tests.pg_server import (
    SAMPLE_LANDING,
    PostgresServer,
    build_dbt,
)
from tests.reference.contract_reference import MART_KEYS

pytestmark = pytest.mark.integration

DATABASE = "incremental"


def marts(server: PostgresServer, dbname: str) -> dict[str, dict[tuple, dict]]:
    """Every mart as {grain key: row}."""
    con = psycopg2.connect(server.conninfo(dbname=dbname))
    try:
        with con.cursor() as cursor:
            result = {}
            for mart, keys in MART_KEYS.items():
                cursor.execute(f"select * from marts.{mart}")
                names = [d[0] for d in cursor.description]
                rows = [dict(zip(names, row, strict=False)) for row in cursor.fetchall()]
                result[mart] = {tuple(row[k] for k in keys): row for row in rows}
            return result
    finally:
        con.close()


def copy_batch(landing: Path, batch: str) -> None:
    for source in sorted(SAMPLE_LANDING.glob(f"*/*_{batch}.csv")):
        target = landing / source.parent.name / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)


def test_incremental_build_equals_the_full_build(
    postgres_server: PostgresServer, postgres_warehouse: Path, tmp_path: Path
) -> None:
    postgres_server.create_database(DATABASE)
    conninfo = postgres_server.conninfo(dbname=DATABASE)
    landing = tmp_path / "landing"
    copy_batch(landing, "batch1")
    assert load_landing_postgres(landing, conninfo).ok
    first = build_dbt(postgres_server, tmp_path, *MODELS_ONLY, dbname=DATABASE)
    assert first.returncode == 0, (first.stdout + first.stderr)[-6000:]
    copy_batch(landing, "batch2")
    loaded = load_landing_postgres(landing, conninfo)
    assert loaded.ok and loaded.rows_loaded_by_table["sessions"] == 169  # seeds/README.md
    second = build_dbt(postgres_server, tmp_path, *MODELS_ONLY, dbname=DATABASE)
    output = second.stdout + second.stderr
    assert second.returncode == 0, output[-6000:]
    assert "incremental model marts.fct_sessions" in output
    full = marts(postgres_server, postgres_server.dbname)
    incremental = marts(postgres_server, DATABASE)
    for mart in MART_KEYS:
        assert incremental[mart].keys() == full[mart].keys(), mart
        problems = [
            f"{key} {column}: full {value!r}, incremental {incremental[mart][key][column]!r}"
            for key, row in full[mart].items()
            for column, value in row.items()
            if not same(column, value, incremental[mart][key][column])
        ]
        assert not problems, f"{mart}:\n" + "\n".join(problems[:30])
