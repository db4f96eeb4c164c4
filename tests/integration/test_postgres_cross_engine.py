"""The same landing files built on DuckDB (`omnireport run`) and on PostgreSQL give the same
marts, by the rules of tests/engine_compare.py (same columns and matching types, same rows
by grain, same values; floats within 1e-9 relative, percentages exactly), on two data sets:

- `sample`: seeds/landing, built by the session's PostgreSQL build (COPY loader + `dbt
  build`, tests/pg_server.py) beside its DuckDB reference;
- `generated`: `omnireport generate` with every edge case (tests/engine_compare.py,
  GENERATED_ARGS), built by `omnireport run --target postgres` into its own database while
  `omnireport run` builds it on DuckDB.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.engine_compare import (
    ALL_MART_KEYS,
    RECONCILIATION_SQL,
    MartRows,
    assert_mart_equal,
    clean_env,
    duckdb_marts,
    duckdb_rows,
    generated_landing,
    omnireport_executable,
    postgres_marts,
    postgres_rows,
    same,
    start_duckdb_build,
)
from tests.pg_server import (
    PostgresServer,
)

pytestmark = pytest.mark.integration

GENERATED_DATABASE = "omnireport_generated"


def test_the_tolerance_rules_themselves() -> None:
    import datetime as dt
    import decimal

    assert same("avg_response_time_s", 340 / 3, 113.33333333333334)
    assert not same("avg_response_time_s", 100.0, 100.00001)
    assert same("pct_complete", 3.13, 3.13)
    assert not same("pct_complete", 3.13, 3.1300000000000003)
    assert not same("is_completed", True, 1)
    assert not same("total_messages", 3, decimal.Decimal(3))
    assert not same("total_messages", 3, 3.0)
    assert not same(
        "started_at", dt.datetime(2026, 3, 9, 1, 5), dt.datetime(2026, 3, 9, 1, 5, tzinfo=dt.UTC)
    )
    assert not same("started_date", dt.datetime(2026, 3, 9), dt.date(2026, 3, 9))
    assert same("note", None, None) and not same("note", "", None)


@pytest.fixture(scope="module")
def generated_pg(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The generated data set on DuckDB and, beside it, on PostgreSQL through the CLI."""
    import subprocess

    work = tmp_path_factory.mktemp("pg_generated")
    landing = generated_landing(work / "landing")
    duck = start_duckdb_build(landing, work)
    try:
        postgres_server.create_database(GENERATED_DATABASE)
        result = subprocess.run(
            [omnireport_executable(), "run", "--target", "postgres", "--landing", str(landing)],
            env=clean_env(**postgres_server.dbt_env(dbname=GENERATED_DATABASE)),
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
        warehouse = duck.wait()
    finally:
        duck.kill()
    return {
        "duckdb": duckdb_marts(warehouse),
        "postgres": postgres_marts(postgres_server.conninfo(dbname=GENERATED_DATABASE)),
        "reconciliation": (
            duckdb_rows(warehouse, RECONCILIATION_SQL),
            postgres_rows(postgres_server.conninfo(dbname=GENERATED_DATABASE), RECONCILIATION_SQL),
        ),
    }


@pytest.fixture(scope="module")
def sample_pg(
    postgres_server: PostgresServer, postgres_warehouse: Path, duckdb_reference_warehouse: Path
) -> dict[str, dict[str, MartRows]]:
    """seeds/landing: every mart of the session's two builds, read once."""
    return {
        "duckdb": duckdb_marts(duckdb_reference_warehouse),
        "postgres": postgres_marts(postgres_server.conninfo()),
    }


@pytest.mark.parametrize("mart", list(ALL_MART_KEYS))
def test_mart_is_equal_on_duckdb_and_postgres_sample(mart: str, sample_pg: dict[str, Any]) -> None:
    assert_mart_equal(mart, sample_pg["duckdb"][mart], sample_pg["postgres"][mart], "postgres")


@pytest.mark.parametrize("mart", list(ALL_MART_KEYS))
def test_mart_is_equal_on_duckdb_and_postgres_generated(
    mart: str, generated_pg: dict[str, Any]
) -> None:
    assert_mart_equal(
        mart, generated_pg["duckdb"][mart], generated_pg["postgres"][mart], "postgres"
    )


def test_generated_data_set_reconciles_the_same_with_its_edge_cases(
    generated_pg: dict[str, Any],
) -> None:
    """Both engines staged, quarantined and superseded the same rows, and the data set
    has bad rows and re-exports in the tables that carry the metrics."""
    on_duckdb, on_postgres = generated_pg["reconciliation"]
    assert on_postgres == on_duckdb
    by_table = {row[0]: row[1:] for row in on_duckdb}
    for table in ("sessions", "messages"):
        raw, staged, quarantined, superseded = by_table[table]
        assert quarantined > 0 and superseded > 0, f"{table}: no bad or re-exported rows"
        assert raw == staged + quarantined + superseded
