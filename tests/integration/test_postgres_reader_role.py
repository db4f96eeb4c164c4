"""The serving roles on PostgreSQL. `omnireport_reader` (BI) reads schema reader only: the
masked marts, which show none of the personal data of the landing files (the sample's, and a
generated set's built by `omnireport run --target postgres`) and whose metrics equal the
marts'; it reads nothing in marts, staging, raw, quarantine, intermediate or audit, and writes
nowhere. `omnireport_analyst` reads marts (and what the reader reads). Both keep their grants
across a full and an incremental rebuild, which create every reader table anew. The PII key
never reaches dbt's files."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest

from omnireport.privacy.classes import column_class, mart_classes
from omnireport.privacy.keys import load_pii_key
from omnireport.settings import warehouse_state_dir
from omnireport.warehouse.postgres import grant_serving_roles
from tests.dbt_args import MODELS_ONLY
from tests.engine_compare import clean_env
from tests.integration.test_reader_layer import generated_landing, seed_note
from tests.integration.test_reader_redaction import redaction_expression
from tests.pg_server import PII_KEY, PostgresServer, build_dbt, pii_key, run_dbt
from tests.privacy_scan import expected_reader_rows, leaks, sensitive_strings
from tests.redaction_samples import SAMPLES
from tests.reference.contract_reference import MART_KEYS

pytestmark = pytest.mark.integration

READER_PASSWORD = "reader-test-password"
ANALYST_PASSWORD = "analyst-test-password"
SAMPLE_LANDING = Path(__file__).resolve().parents[2] / "seeds" / "landing"
GENERATED_DATABASE = "omnireport_privacy"


def oids(server: PostgresServer, schema: str) -> dict[str, int]:
    con = psycopg2.connect(server.conninfo())
    try:
        with con.cursor() as cursor:
            cursor.execute(
                "select c.relname, c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname = %s and c.relkind in ('r', 'v', 'p')",
                [schema],
            )
            return {name: int(oid) for name, oid in cursor.fetchall()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def rebuilt(postgres_server: PostgresServer, postgres_warehouse: Path) -> dict[str, dict]:
    """Grant once after the first build, then rebuild every model in full, then again
    incrementally, granting nothing more; the relation OIDs at each step."""
    conninfo = postgres_server.conninfo()
    grant_serving_roles(
        conninfo, reader_password=READER_PASSWORD, analyst_password=ANALYST_PASSWORD
    )
    grant_serving_roles(conninfo)  # idempotent, and keeps the passwords
    steps = {"first": {s: oids(postgres_server, s) for s in ("marts", "reader")}}
    for step, full in (("full", True), ("incremental", False)):
        result = build_dbt(postgres_server, postgres_warehouse, *MODELS_ONLY, full_refresh=full)
        assert result.returncode == 0, (result.stdout + result.stderr)[-8000:]
        steps[step] = {s: oids(postgres_server, s) for s in ("marts", "reader")}
    return steps


def connect_as(server: PostgresServer, role: str, password: str):  # type: ignore[no-untyped-def]
    con = psycopg2.connect(server.conninfo(user=role, password=password))
    con.autocommit = True
    return con


def reader(server: PostgresServer):  # type: ignore[no-untyped-def]
    return connect_as(server, "omnireport_reader", READER_PASSWORD)


def test_rebuilds_created_the_tables_anew(rebuilt: dict[str, dict]) -> None:
    first, full, incremental = rebuilt["first"], rebuilt["full"], rebuilt["incremental"]
    assert set(MART_KEYS) <= set(full["marts"]) and set(MART_KEYS) <= set(full["reader"])
    # every mart has its reader table; the semantic layer's time spine (a calendar, in schema
    # marts too) has none
    assert set(full["reader"]) == set(mart_classes())
    assert set(full["marts"]) - set(full["reader"]) == {"metricflow_time_spine"}
    assert all(full["marts"][name] != first["marts"][name] for name in MART_KEYS)
    # the reader layer is rebuilt by every build, incremental ones too
    for before, after in ((first, full), (full, incremental)):
        assert all(after["reader"][name] != before["reader"][name] for name in after["reader"])


def test_reader_reads_every_reader_table(
    postgres_server: PostgresServer, rebuilt: dict[str, dict]
) -> None:
    con = reader(postgres_server)
    try:
        with con.cursor() as cursor:
            for name in rebuilt["incremental"]["reader"]:
                cursor.execute(f"select count(*) from reader.{name}")
                assert cursor.fetchone()[0] >= 0
            cursor.execute("select count(*) from reader.fct_sessions")
            assert cursor.fetchone()[0] > 300  # 330 staged sessions, a few held out
            # what the role can see of the catalog is schema reader alone
            cursor.execute(
                "select distinct table_schema from information_schema.tables "
                "where table_schema not in ('pg_catalog', 'information_schema')"
            )
            assert [row[0] for row in cursor.fetchall()] == ["reader"]
    finally:
        con.close()


@pytest.mark.parametrize(
    "relation",
    [
        "marts.fct_sessions",
        "marts.fct_messages",
        "marts.dim_users",
        "staging.stg_crm__sessions",
        "staging.stg_crm__contacts",
        "raw.sessions",
        "raw.contacts",
        "raw._load_log",
        "quarantine.sessions",
        "quarantine.messages",
        "intermediate.int_session_metrics",
        "audit.row_reconciliation",
    ],
)
def test_reader_reads_nothing_outside_reader(
    postgres_server: PostgresServer, rebuilt: dict[str, dict], relation: str
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
        "insert into reader.dim_channels (channel_id) values ('x')",
        "update reader.fct_sessions set note = 'x'",
        "delete from reader.fct_messages",
        "truncate reader.rpt_daily_stats",
        "drop table reader.dim_users",
        "alter table reader.dim_users add column x int",
        "create table reader.reader_table (x int)",
        "create table marts.reader_table (x int)",
        "create table public.reader_table (x int)",
        "create table raw.reader_table (x int)",
        "create schema reader_schema",
        "insert into raw.sessions (session_id) values ('x')",
    ],
)
def test_reader_writes_nothing(
    postgres_server: PostgresServer, rebuilt: dict[str, dict], statement: str
) -> None:
    con = reader(postgres_server)
    try:
        with con.cursor() as cursor, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cursor.execute(statement)
    finally:
        con.close()


def test_analyst_reads_marts_and_reader_and_nothing_below(
    postgres_server: PostgresServer, rebuilt: dict[str, dict]
) -> None:
    con = connect_as(postgres_server, "omnireport_analyst", ANALYST_PASSWORD)
    try:
        with con.cursor() as cursor:
            for name in rebuilt["incremental"]["marts"]:
                cursor.execute(f"select count(*) from marts.{name}")
            cursor.execute("select count(*) from reader.fct_sessions")
            assert cursor.fetchone()[0] > 300
            for relation in ("raw.contacts", "staging.stg_crm__contacts", "quarantine.sessions"):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cursor.execute(f"select count(*) from {relation}")
    finally:
        con.close()


def reader_leaks(server: PostgresServer, landing: Path, dbname: str | None = None) -> None:
    """As omnireport_reader: every text column of every relation it can read holds nothing of
    the landing files' personal data."""
    needles = sensitive_strings(landing)
    con = psycopg2.connect(
        server.conninfo(user="omnireport_reader", password=READER_PASSWORD, dbname=dbname)
    )
    con.autocommit = True
    try:
        with con.cursor() as cursor:
            cursor.execute(
                "select table_schema || '.' || table_name, column_name from information_schema.columns "
                "where data_type in ('text', 'character varying') "
                "and table_schema not in ('pg_catalog', 'information_schema') order by 1, 2"
            )
            columns = cursor.fetchall()

            def values(relation: str, column: str) -> list[str]:
                cursor.execute(f'select distinct "{column}" from {relation}')
                return [row[0] for row in cursor.fetchall()]

            found = leaks(columns, values, needles)
    finally:
        con.close()
    assert len(columns) > 60
    assert found == [], "\n".join([seed_note(landing), *map(str, found[:30])])


def test_no_personal_data_in_the_reader_schema(
    postgres_server: PostgresServer, rebuilt: dict[str, dict]
) -> None:
    reader_leaks(postgres_server, SAMPLE_LANDING)


@pytest.fixture(scope="module")
def generated_run(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, str]:
    """A generated set with personal data in its free text, as the operator builds it:
    `omnireport run --target postgres` into a database of its own (load, build with the key of
    the warehouse's key file, grants); then the roles get passwords to log in with.
    (landing folder, warehouse path, output)."""
    root = tmp_path_factory.mktemp("pg_privacy")
    landing = generated_landing(root / "landing")
    warehouse = root / "wh.duckdb"  # where the working folders (and the key file) go
    postgres_server.create_database(GENERATED_DATABASE)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "omnireport"), "run", "--target", "postgres",
         "--landing", str(landing), "--warehouse", str(warehouse)],
        env=clean_env(**postgres_server.dbt_env(dbname=GENERATED_DATABASE)),
        capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{seed_note(landing)}\n{output[-6000:]}"
    grant_serving_roles(
        postgres_server.conninfo(dbname=GENERATED_DATABASE),
        reader_password=READER_PASSWORD,
        analyst_password=ANALYST_PASSWORD,
    )
    return landing, warehouse, output


def test_no_personal_data_of_a_generated_set_in_the_reader_schema(
    postgres_server: PostgresServer, generated_run: tuple[Path, Path, str]
) -> None:
    landing, _, output = generated_run
    assert (
        "Published for readers: role omnireport_reader on schema reader, "
        "role omnireport_analyst on schema marts"
    ) in output
    reader_leaks(postgres_server, landing, GENERATED_DATABASE)


def test_the_cli_build_hashes_with_the_warehouse_key(
    postgres_server: PostgresServer, generated_run: tuple[Path, Path, str]
) -> None:
    """The key reached PostgreSQL from the warehouse's key file (PGOPTIONS of the dbt
    process), and no file under the warehouse's folder but the key file holds it."""
    landing, warehouse, output = generated_run
    state = warehouse_state_dir(warehouse, "postgres")
    key = load_pii_key(state, env={})
    assert key.source == str(state / "pii.key")
    con = psycopg2.connect(postgres_server.conninfo(dbname=GENERATED_DATABASE))
    try:
        with con.cursor() as cursor:
            cursor.execute(
                "select r.contact_id, m.contact_id from reader.fct_sessions r "
                "join marts.fct_sessions m using (session_id) where session_id like 'spx%'"
            )
            pairs = cursor.fetchall()
    finally:
        con.close()
    assert len(pairs) > 10, seed_note(landing)
    assert all(hashed == key.hash(contact) for hashed, contact in pairs)
    assert key.value not in output
    files = [p for p in warehouse.parent.rglob("*") if p.is_file() and p.name != "pii.key"]
    assert any(p.name == "dbt.log" for p in files)
    assert [p for p in files if key.value.encode() in p.read_bytes()] == []


def test_reader_tables_are_the_marts_with_each_class_applied(
    postgres_server: PostgresServer, rebuilt: dict[str, dict]
) -> None:
    """Row for row (as multisets), with the key of the session's builds and Python's hashlib:
    PostgreSQL's keyed hash is DuckDB's, and every metric equals the marts'."""
    classes, key = mart_classes(), pii_key()
    con = psycopg2.connect(postgres_server.conninfo())
    try:
        with con.cursor() as cursor:
            for name in sorted(classes):
                columns_sql = (
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = %s and table_name = %s order by ordinal_position"
                )
                cursor.execute(columns_sql, ["marts", name])
                marts_columns = cursor.fetchall()
                cursor.execute(columns_sql, ["reader", name])
                assert cursor.fetchall() == marts_columns, name
                rules = [column_class(classes, name, column) for column, _ in marts_columns]
                cursor.execute(f"select * from marts.{name}")
                expected = expected_reader_rows(cursor.fetchall(), rules, key)
                cursor.execute(f"select * from reader.{name}")
                assert Counter(cursor.fetchall()) == expected, name
    finally:
        con.close()


def test_the_key_is_not_in_dbt_files(postgres_warehouse: Path, rebuilt: dict[str, dict]) -> None:
    files = [path for path in postgres_warehouse.rglob("*") if path.is_file()]
    assert any(path.name == "dbt.log" for path in files)
    assert any("compiled" in path.parts for path in files)
    assert [path for path in files if PII_KEY.encode() in path.read_bytes()] == []


def test_a_build_without_the_key_stops_before_the_reader_layer(
    postgres_server: PostgresServer, rebuilt: dict[str, dict], tmp_path: Path
) -> None:
    done = run_dbt(
        postgres_server, tmp_path, "run", "--select", "reader_dim_users", with_pii_key=False
    )
    assert done.returncode != 0
    assert "The reader layer needs the PII key" in done.stdout + done.stderr


def test_redaction_samples_on_postgres(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    expression = redaction_expression(tmp_path_factory.mktemp("pg_redaction"))
    con = psycopg2.connect(postgres_server.conninfo())
    try:
        with con.cursor() as cursor:
            cursor.execute("create temporary table samples (i integer, sample_text text)")
            cursor.executemany(
                "insert into samples values (%s, %s)", list(enumerate(t for t, _ in SAMPLES))
            )
            cursor.execute(f"select {expression} from samples order by i")
            got = [row[0] for row in cursor.fetchall()]
    finally:
        con.close()
    assert got == [expected for _, expected in SAMPLES]
