"""The serving role: after a second full rebuild (every mart table dropped and created
anew) it still reads every mart, and it reads nothing else and writes nowhere."""

from __future__ import annotations

from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest

from omnireport.warehouse.postgres import grant_reader_role
from tests.dbt_args import MODELS_ONLY
from tests.pg_server import PostgresServer, build_dbt
from tests.reference.contract_reference import MART_KEYS

pytestmark = pytest.mark.integration

READER_PASSWORD = "reader-test-password"


def mart_oids(server: PostgresServer) -> dict[str, int]:
    con = psycopg2.connect(server.conninfo())
    try:
        with con.cursor() as cursor:
            cursor.execute(
                "select c.relname, c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname = 'marts' and c.relkind in ('r', 'v', 'p')"
            )
            return {name: int(oid) for name, oid in cursor.fetchall()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def rebuilt_twice(postgres_server: PostgresServer, postgres_warehouse: Path) -> dict[str, int]:
    """Grant after the first build, then rebuild every model in full; the OIDs before."""
    grant_reader_role(postgres_server.conninfo(), password=READER_PASSWORD)
    grant_reader_role(postgres_server.conninfo(), password=READER_PASSWORD)  # idempotent
    before = mart_oids(postgres_server)
    result = build_dbt(postgres_server, postgres_warehouse, *MODELS_ONLY, full_refresh=True)
    assert result.returncode == 0, (result.stdout + result.stderr)[-8000:]
    return before


def reader(server: PostgresServer):
    con = psycopg2.connect(server.conninfo(user="omnireport_reader", password=READER_PASSWORD))
    con.autocommit = True
    return con


def test_rebuild_created_every_mart_anew(
    postgres_server: PostgresServer, rebuilt_twice: dict[str, int]
) -> None:
    after = mart_oids(postgres_server)
    assert set(MART_KEYS) <= set(after)
    assert all(after[name] != rebuilt_twice[name] for name in MART_KEYS)


def test_reader_reads_every_mart(
    postgres_server: PostgresServer, rebuilt_twice: dict[str, int]
) -> None:
    con = reader(postgres_server)
    try:
        with con.cursor() as cursor:
            for mart in mart_oids(postgres_server):
                cursor.execute(f"select count(*) from marts.{mart}")
                assert cursor.fetchone()[0] >= 0
            cursor.execute("select count(*) from marts.fct_sessions")
            assert cursor.fetchone()[0] > 300  # 330 staged sessions, a few held out
    finally:
        con.close()


@pytest.mark.parametrize(
    "relation",
    [
        "raw.sessions",
        "raw._load_log",
        "quarantine.sessions",
        "staging.stg_crm__sessions",
        "intermediate.int_session_metrics",
        "audit.row_reconciliation",
    ],
)
def test_reader_reads_nothing_outside_marts(
    postgres_server: PostgresServer, rebuilt_twice: dict[str, int], relation: str
) -> None:
    con = reader(postgres_server)
    try:
        with con.cursor() as cursor, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cursor.execute(f"select count(*) from {relation}")
    finally:
        con.close()


@pytest.mark.parametrize(
    "statement",
    [
        "insert into marts.dim_channels (channel_id) values ('x')",
        "update marts.fct_sessions set note = 'x'",
        "delete from marts.fct_messages",
        "truncate marts.rpt_daily_stats",
        "drop table marts.dim_users",
        "alter table marts.dim_users add column x int",
        "create table marts.reader_table (x int)",
        "create table public.reader_table (x int)",
        "create table raw.reader_table (x int)",
        "create schema reader_schema",
        "insert into raw.sessions (session_id) values ('x')",
    ],
)
def test_reader_writes_nothing(
    postgres_server: PostgresServer, rebuilt_twice: dict[str, int], statement: str
) -> None:
    con = reader(postgres_server)
    try:
        with con.cursor() as cursor, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cursor.execute(statement)
    finally:
        con.close()
