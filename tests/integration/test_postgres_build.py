"""`dbt build --target postgres` on the sample data loaded with COPY: every model, every
data test and every unit test pass; the schemas, contracts and generated SLA columns are
the same as on DuckDB. Expected values are those of seeds/README.md and CONTRACT.md."""

from __future__ import annotations

from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest

from tests import sample
from tests.pg_server import (
    PostgresServer,
    build_output,
)

pytestmark = pytest.mark.integration

# table: (raw rows, staged, quarantined, superseded), seeds/README.md "Expected counts".
# seeds/README.md's table: raw, staged, quarantined and superseded rows per raw table
EXPECTED_COUNTS = {
    table: (counts["raw"], counts["staged"], counts["bad"], counts["superseded"])
    for table, counts in sample.COUNTS["tables"].items()
}


def query(server: PostgresServer, sql: str, *params) -> list[tuple]:
    con = psycopg2.connect(server.conninfo())
    try:
        with con.cursor() as cursor:
            cursor.execute(sql, params or None)
            return cursor.fetchall()
    finally:
        con.close()


def test_build_passes_every_model_and_data_test(
    postgres_server: PostgresServer, postgres_warehouse: Path
) -> None:
    summary = [line for line in build_output().splitlines() if "Done. PASS=" in line]
    assert summary and "ERROR=0" in summary[-1] and "SKIP=0" in summary[-1], summary


def test_schemas_are_exactly_the_project_schemas(
    postgres_server: PostgresServer, postgres_warehouse: Path
) -> None:
    schemas = {
        row[0]
        for row in query(
            postgres_server,
            "select nspname from pg_namespace where nspname not like 'pg_%' and nspname <> 'information_schema'",
        )
    }
    assert schemas - {"public"} == {
        "raw",
        "staging",
        "quarantine",
        "intermediate",
        "marts",
        "audit",
        "reader",
    }
    assert query(postgres_server, "select count(*) from pg_tables where schemaname = 'public'") == [
        (0,)
    ]


def test_counts_reconcile_per_raw_table(
    postgres_server: PostgresServer, postgres_warehouse: Path
) -> None:
    rows = query(
        postgres_server,
        "select table_name, raw_rows, staged_rows, quarantined_rows, superseded_rows from audit.row_reconciliation",
    )
    assert {row[0]: tuple(row[1:]) for row in rows} == EXPECTED_COUNTS


def test_quarantine_reasons_and_timestamp_parsing(
    postgres_server: PostgresServer, postgres_warehouse: Path
) -> None:
    reasons = dict(
        query(
            postgres_server,
            "select session_id, reason from quarantine.sessions where session_id is not null",
        )
    )
    assert reasons["sb04"] == "unparseable started_at '31/03/2026 10:00'"
    assert reasons["sb07"] == "unparseable started_at '2026-03-01T10:00+0700'"
    assert reasons["sb06"] == "unparseable done_at '2026-02-30 10:00'"
    assert reasons["sb08"] == "invalid rating '6'"
    assert reasons["sx31"] == "done_at before started_at"
    # sx10 carries offsets and fractions: 90.25 s of waiting (seeds/README.md).
    assert query(
        postgres_server, "select waiting_time_s from marts.fct_sessions where session_id = 'sx10'"
    ) == [(90.25,)]
    # sx01's replies are 190, 60 and 90 seconds.
    (average,) = query(
        postgres_server,
        "select avg_response_time_s from marts.fct_sessions where session_id = 'sx01'",
    )[0]
    assert average == pytest.approx(340 / 3, rel=1e-12)
    # sx17's tag keeps its Vietnamese name through COPY.
    assert query(
        postgres_server, "select tag_names from marts.fct_sessions where session_id = 'sx17'"
    ) == [("Cần gọi lại",)]


def test_contract_types_are_translated_and_sla_columns_generated(
    postgres_server: PostgresServer, postgres_warehouse: Path
) -> None:
    types = dict(
        query(
            postgres_server,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'fct_sessions'",
        )
    )
    assert types["waiting_time_s"] == "double precision"  # `double` in the YAML
    assert types["started_at"] == "timestamp without time zone"
    assert types["started_date"] == "date"
    assert types["is_completed"] == "boolean"
    assert types["total_messages"] == "bigint"
    assert types["session_id"] == "text"  # `varchar` in the YAML: PostgreSQL strings are text
    sla = query(
        postgres_server,
        "select column_name from information_schema.columns where table_schema = 'marts' "
        "and table_name = 'rpt_user_stats' and column_name like 'sla%' order by ordinal_position",
    )
    assert [row[0] for row in sla] == ["sla_1m", "sla_5m", "sla_15m", "sla_30m"]


def test_dbt_unit_tests_pass_on_postgres(
    postgres_server: PostgresServer, postgres_warehouse: Path
) -> None:
    # Run inside the session's `dbt build` (a separate `dbt test --select test_type:unit`
    # costs another minute of dbt start-up). Every one of the 62 must pass.
    lines = build_output().splitlines()
    unit_passes = [line for line in lines if " PASS " in line and "::" in line]
    unit_failures = [
        line for line in lines if (" FAIL " in line or " ERROR " in line) and "::" in line
    ]
    assert not unit_failures, unit_failures
    assert len(unit_passes) >= 60, [line for line in lines if "Done. PASS=" in line]


def test_duckdb_style_queries_run_through_connect_qmark(
    postgres_server: PostgresServer, postgres_warehouse: Path
) -> None:
    from omnireport.warehouse.postgres import connect_qmark

    con = connect_qmark(postgres_server.conninfo())
    try:
        row = con.execute(
            "select staged_rows, quarantined_rows, superseded_rows from audit.row_reconciliation where table_name = ?",
            ["sessions"],
        ).fetchone()
        assert row == (330, 12, 3)
        with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):
            con.execute("create table marts.x (y int)")
    finally:
        con.close()
