"""`omnireport run --target postgres` on the sample data: the same Dagster steps as on
DuckDB (load with COPY, every model and check, publish = the serving roles granted: the
reader role on the masked schema reader, the analyst role on marts); the counts are the
hand-checked ones of seeds/README.md."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from tests import sample
from tests.pg_server import PostgresServer

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def test_run_target_postgres_builds_the_sample_data(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    postgres_server.create_database("omnireport_cli")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    env.update(postgres_server.dbt_env(dbname="omnireport_cli"))
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "omnireport"),
            "run",
            "--target",
            "postgres",
            "--landing",
            str(REPO / "seeds" / "landing"),
            "--warehouse",
            str(tmp_path / "wh.duckdb"),  # where its working folders go
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    out = result.stdout
    assert f"Loading {len(sample.FILES)} landing file(s)" in out and "into postgresql://" in out
    assert "Full build: there is no previous build." in out
    assert (
        "Published for readers: role omnireport_reader on schema reader, "
        "role omnireport_analyst on schema marts"
    ) in out
    assert "Rows per raw table" in out  # the summary, read from PostgreSQL
    assert not (tmp_path / "wh.duckdb").exists()
    con = psycopg2.connect(postgres_server.conninfo(dbname="omnireport_cli"))
    try:
        with con.cursor() as cursor:
            cursor.execute("select count(*) from marts.fct_sessions")
            assert cursor.fetchone()[0] == 330
            cursor.execute(
                "select staged_rows, quarantined_rows, superseded_rows from audit.row_reconciliation where table_name = 'messages'"
            )
            assert cursor.fetchone() == (3612, 9, 4)
            cursor.execute("select count(*) from reader.fct_sessions")
            assert cursor.fetchone()[0] == 330
            cursor.execute(
                "select has_table_privilege(role, relation, 'select') from (values "
                "('omnireport_reader', 'reader.fct_sessions'), "
                "('omnireport_reader', 'marts.fct_sessions'), "
                "('omnireport_analyst', 'marts.fct_sessions')) as grants (role, relation)"
            )
            assert [row[0] for row in cursor.fetchall()] == [True, False, True]
    finally:
        con.close()
