"""The PostgreSQL password never shows, whatever characters it holds: not on the terminal,
not in a log, not in a Dagster event, not in dbt's artifacts (a real server, generated
passwords: see tests/unit/test_redact_secrets.py for the pure parts)."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from omnireport.cli import main
from omnireport.warehouse.postgres import connect_qmark
from omnireport.warehouse.targets import PostgresTarget
from tests.pg_server import PostgresServer

pytestmark = pytest.mark.integration

ROLE = "omnireport_secret_probe"
DBNAME = "omnireport_secrets"
PASSWORD_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
PASSWORDS = st.text(
    st.one_of(st.sampled_from(" \t'\"=\\$@:/"), PASSWORD_CHARS), min_size=10, max_size=30
)


@pytest.fixture(scope="module")
def probe_database(postgres_server: PostgresServer) -> PostgresServer:
    """A login role owning its own database (the role's password changes per example)."""
    con = psycopg2.connect(postgres_server.conninfo(dbname="postgres"))
    con.autocommit = True
    with con.cursor() as cursor:
        cursor.execute(f"drop database if exists {DBNAME}")
        cursor.execute(f"drop role if exists {ROLE}")
        cursor.execute(f"create role {ROLE} login")
        cursor.execute(f"create database {DBNAME} owner {ROLE}")
    con.close()
    return postgres_server


def set_password(server: PostgresServer, password: str) -> None:
    con = psycopg2.connect(server.conninfo(dbname="postgres"))
    con.autocommit = True
    with con.cursor() as cursor:
        cursor.execute(f"alter role {ROLE} password %s", [password])
    con.close()


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith(("OMNIREPORT_", "DBT_ENV"))}
    for name in saved:
        del os.environ[name]
    os.environ.update(values)
    try:
        yield
    finally:
        for name in values:
            os.environ.pop(name, None)
        os.environ.update(saved)


def pg_env(server: PostgresServer, password: str, *, port: int | None = None) -> dict[str, str]:
    return {
        "OMNIREPORT_PG_HOST": server.host,
        "OMNIREPORT_PG_PORT": str(port or server.port),
        "OMNIREPORT_PG_USER": ROLE,
        "OMNIREPORT_PG_PASSWORD": password,
        "OMNIREPORT_PG_DBNAME": DBNAME,
    }


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_landing(root: Path) -> Path:
    (root / "landing" / "tags").mkdir(parents=True, exist_ok=True)
    (root / "landing" / "tags" / "t.csv").write_text("tag_id,tag_name\nt1,A\n", encoding="utf-8")
    return root / "landing"


def leaks(password: str, text: str) -> list[str]:
    """The password, or a part of it a message could quote alone (a word of it), in text."""
    words = [w for w in password.replace("'", " ").replace('"', " ").split() if len(w) >= 6]
    forms = {password, json.dumps(password)[1:-1], repr(password)[1:-1], *words}
    return sorted(form for form in forms if form in text)


def files_holding(password: str, folder: Path) -> list[str]:
    """Files under folder whose bytes hold the password (as UTF-8 or JSON-escaped)."""
    needles = {password.encode(), json.dumps(password)[1:-1].encode()}
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                found.append(str(path.relative_to(folder)))
    return found


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(password=PASSWORDS)
@example(password="hunter2 SECRETTAIL")
@example(password="hunter2\tSECRETTAIL")
@example(password="1234567890")
def test_any_password_connects_and_never_shows_on_a_failed_connection(
    probe_database: PostgresServer,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    password: str,
) -> None:
    server = probe_database
    set_password(server, password)
    # The connection string carries any password whole to the server (SCRAM checks it).
    target = PostgresTarget(server.host, server.port, ROLE, password, DBNAME)
    con = connect_qmark(target.conninfo())
    assert con.execute("select current_user").fetchone() == (ROLE,)
    con.close()

    root = tmp_path_factory.mktemp("secret")
    landing = write_landing(root)
    capsys.readouterr()
    for env in (
        pg_env(server, password, port=closed_port()),  # nothing listens there
        {**pg_env(server, password), "OMNIREPORT_PG_USER": "nobody_here"},  # refused login
    ):
        with environment(env):
            code = main(
                [
                    "load",
                    "--target",
                    "postgres",
                    "--landing",
                    str(landing),
                    "--warehouse",
                    str(root / "wh.duckdb"),
                ]  # fmt: skip
            )
        out = capsys.readouterr()
        assert code == 1, out
        assert "cannot connect to PostgreSQL" in out.out + out.err
        assert "Traceback" not in out.err
        assert leaks(password, out.out + out.err) == []
    assert files_holding(password, root) == []  # the Dagster run history included


def test_a_password_dbt_would_read_as_a_number_or_as_jinja_builds_and_never_shows(
    probe_database: PostgresServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # dbt renders profile values natively (12345 would become an int) and stores the env
    # vars it read for partial parsing: the password reaches it as DBT_ENV_SECRET_*.
    for password in ("1234567890", "{{ 'x' }} it's\t\\ \"SECRETTAIL\""):
        set_password(probe_database, password)
        landing = write_landing(tmp_path)
        with environment(pg_env(probe_database, password)):
            loaded = main(["load", "--target", "postgres", "--landing", str(landing), "--warehouse", str(tmp_path / "wh.duckdb")])  # fmt: skip
            built = main(["build", "--target", "postgres", "--select", "iana_time_zones", "--warehouse", str(tmp_path / "wh.duckdb")])  # fmt: skip
        out = capsys.readouterr()
        assert (loaded, built) == (0, 0), out.out[-3000:] + out.err[-3000:]
        assert "OK loaded seed file staging.iana_time_zones" in out.out
        assert leaks(password, out.out + out.err) == []
        assert files_holding(password, tmp_path) == []  # dbt's target/ and logs too
