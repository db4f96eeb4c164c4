"""A throwaway PostgreSQL server for tests: `initdb` in a fresh folder, listen on
127.0.0.1 and a free port, and remove everything again on `stop()`.

    server = start_postgres_server()
    try:
        ... server.conninfo(), server.dbt_env() ...
    finally:
        server.stop()

`initdb` refuses to run as root. Under root the server runs as a system user
(`omnireport_pg`, created with `useradd` when missing) through `runuser -u`; the data
folder and the socket folder belong to it. As any other user it runs as that user.
The superuser `omnireport` has a random password; connections over TCP need it
(scram-sha-256), connections over the Unix socket are trusted (only for the helper).
Durability is switched off (fsync, synchronous_commit): this server holds test data only.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

SERVER_OS_USER = "omnireport_pg"
SUPERUSER = "omnireport"
DBNAME = "omnireport"


class PostgresServerError(RuntimeError):
    """The throwaway server could not be started."""


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise PostgresServerError(
        f"PostgreSQL binary {name!r} not found on PATH nor under /usr/lib/postgresql/*/bin: "
        "install the PostgreSQL server (apt-get install postgresql)"
    )


def postgres_available() -> bool:
    """True when initdb and pg_ctl can be found (tests skip otherwise, with the reason)."""
    try:
        _binary("initdb")
        _binary("pg_ctl")
    except PostgresServerError:
        return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ensure_os_user() -> str | None:
    """The OS user to run the server as (None: the current one, which is not root)."""
    if os.geteuid() != 0:
        return None
    known = subprocess.run(["id", "-u", SERVER_OS_USER], capture_output=True, check=False)
    if known.returncode != 0:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVER_OS_USER,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    return SERVER_OS_USER


@dataclass
class PostgresServer:
    """A running throwaway server; `stop()` ends it and deletes its folder."""

    base_dir: Path
    port: int
    password: str
    os_user: str | None
    host: str = "127.0.0.1"
    user: str = SUPERUSER
    dbname: str = DBNAME
    _stopped: bool = field(default=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir / "socket"

    def conninfo(
        self, *, user: str | None = None, password: str | None = None, dbname: str | None = None
    ) -> str:
        """A libpq connection string over TCP (the superuser unless told otherwise)."""
        return (
            f"host={self.host} port={self.port} dbname={dbname or self.dbname} "
            f"user={user or self.user} password={password if password is not None else self.password}"
        )

    def dbt_env(self, *, dbname: str | None = None) -> dict[str, str]:
        """The OMNIREPORT_PG_* variables that point dbt's `postgres` target here."""
        return {
            "OMNIREPORT_PG_HOST": self.host,
            "OMNIREPORT_PG_PORT": str(self.port),
            "OMNIREPORT_PG_USER": self.user,
            "OMNIREPORT_PG_PASSWORD": self.password,
            "OMNIREPORT_PG_DBNAME": dbname or self.dbname,
        }

    def create_database(self, name: str) -> None:
        """A new empty database owned by the superuser."""
        import psycopg2

        con = psycopg2.connect(self.conninfo(dbname="postgres"))
        try:
            con.autocommit = True
            with con.cursor() as cursor:
                cursor.execute(f'create database "{name}"')
        finally:
            con.close()

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        try:
            _run_as(
                self.os_user,
                [_binary("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
                check=False,
            )
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)


def _run_as(
    os_user: str | None, command: list[str], *, check: bool = True
) -> subprocess.CompletedProcess:
    full = ["runuser", "-u", os_user, "--", *command] if os_user else command
    result = subprocess.run(full, capture_output=True, text=True, check=False, timeout=120)
    if check and result.returncode != 0:
        raise PostgresServerError(
            f"{' '.join(command[:2])} failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def start_postgres_server(*, attempts: int = 3) -> PostgresServer:
    """initdb a new cluster in a fresh folder under the system temp dir and start it."""
    os_user = _ensure_os_user()
    # Under /tmp itself: pytest's tmp_path lives in a root-only (0700) folder the server
    # user could not enter.
    base_dir = Path(tempfile.mkdtemp(prefix="omnireport-pg-"))
    password = secrets.token_hex(16)
    try:
        (base_dir / "socket").mkdir()
        pwfile = base_dir / "pwfile"
        pwfile.write_text(password + "\n")
        if os_user:
            for path in (base_dir, base_dir / "socket", pwfile):
                shutil.chown(path, user=os_user, group=os_user)
        _run_as(
            os_user,
            [
                _binary("initdb"),
                "-D",
                str(base_dir / "data"),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-host=scram-sha-256",
                "--auth-local=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        )
        pwfile.unlink()
        last_error = ""
        for _ in range(attempts):
            port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {port} -k {base_dir / 'socket'} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=40 -c shared_buffers=64MB"
            )
            started = _run_as(
                os_user,
                [
                    _binary("pg_ctl"),
                    "-D",
                    str(base_dir / "data"),
                    "-o",
                    options,
                    "-l",
                    str(base_dir / "server.log"),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
                check=False,
            )
            if started.returncode == 0:
                server = PostgresServer(base_dir, port, password, os_user)
                _wait_until_ready(server)
                server.create_database(DBNAME)
                return server
            last_error = started.stdout + started.stderr + _tail(base_dir / "server.log")
        raise PostgresServerError(
            f"the server did not start after {attempts} attempts:\n{last_error}"
        )
    except BaseException:
        _run_as(
            os_user,
            [_binary("pg_ctl"), "-D", str(base_dir / "data"), "-m", "immediate", "stop"],
            check=False,
        )
        shutil.rmtree(base_dir, ignore_errors=True)
        raise


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait_until_ready(server: PostgresServer, timeout_s: float = 30.0) -> None:
    import psycopg2

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            psycopg2.connect(server.conninfo(dbname="postgres")).close()
            return
        except psycopg2.OperationalError as exc:
            if time.monotonic() > deadline:
                raise PostgresServerError(
                    f"the server on port {server.port} does not accept connections: {exc}"
                ) from exc
            time.sleep(0.2)


# --- the session's server and sample build (fixtures in tests/conftest.py) -----------------
# One server and one build per test session; stop() is idempotent.

REPO = Path(__file__).resolve().parents[1]
# The dbt project the PostgreSQL tests build (another copy only to try a change out).
DBT_PROJECT_DIR = Path(os.environ.get("OMNIREPORT_TEST_PG_DBT_PROJECT", REPO / "dbt_project"))
SAMPLE_LANDING = REPO / "seeds" / "landing"
DBT_THREADS = "4"  # dbt on PostgreSQL waits on the server more than on the CPU

_SESSION: dict[str, object] = {}
# The PII key of the session's PostgreSQL builds: new for every test session, handed to dbt
# as the orchestration does (PGOPTIONS), so tests can check hashes and look for it in logs.
PII_KEY = secrets.token_hex(32)


def pii_key():  # type: ignore[no-untyped-def]
    """The session's key as a PiiKey."""
    from omnireport.privacy.keys import PiiKey

    return PiiKey(PII_KEY, "the test session")


def dbt_env(
    server: PostgresServer, *, dbname: str | None = None, with_pii_key: bool = True
) -> dict[str, str]:
    """The process environment for a dbt run against `server` (no OMNIREPORT_* leaking in)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    base.pop("PGOPTIONS", None)
    return {
        **base,
        **server.dbt_env(dbname=dbname),
        "DBT_ENV_SECRET_PG_PASSWORD": server.password,
        **(pii_key().engine_env("postgres", env={}) if with_pii_key else {}),
        "OMNIREPORT_DBT_TARGET": "postgres",
        "OMNIREPORT_DBT_THREADS": DBT_THREADS,
    }


def run_dbt(
    server: PostgresServer,
    work_dir: Path,
    *args: str,
    dbname: str | None = None,
    with_pii_key: bool = True,
) -> subprocess.CompletedProcess:
    """`dbt <args> --target postgres` from dbt_project/, target and logs under work_dir."""
    import sys

    dbt = Path(sys.executable).parent / "dbt"
    return subprocess.run(
        [
            str(dbt),
            *args,
            "--target",
            "postgres",
            "--profiles-dir",
            ".",
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env=dbt_env(server, dbname=dbname, with_pii_key=with_pii_key),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def build_dbt(
    server: PostgresServer,
    work_dir: Path,
    *command: str,
    dbname: str | None = None,
    full_refresh: bool = False,
) -> subprocess.CompletedProcess:
    """A dbt build as the orchestration runs it on PostgreSQL: decide full or incremental
    from the last build's state, run `dbt <command>` (by default `build`), record the state
    when it passed."""
    import json

    from omnireport.build_state import BuildSettings, begin_build, finish_build
    from omnireport.warehouse.postgres import connect_qmark

    settings = BuildSettings.resolve()
    con = connect_qmark(server.conninfo(dbname=dbname), read_only=False)
    try:
        start = begin_build(con, settings, full_refresh=full_refresh)
        args = [*(command or ("build",)), "--vars", json.dumps(settings.dbt_vars())]
        if start.plan.full:
            args.append("--full-refresh")
        result = run_dbt(server, work_dir, *args, dbname=dbname)
        if result.returncode == 0:
            finish_build(con, start, settings)
        return result
    finally:
        con.close()


def build_output() -> str:
    """The output of the session's first `dbt build` (after postgres_warehouse ran)."""
    return str(_SESSION.get("build_output", ""))


def _start_duckdb_reference(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Start `omnireport run` on seeds/landing into a new DuckDB file, in the background."""
    import sys

    if "duckdb_process" in _SESSION:
        return
    folder = tmp_path_factory.mktemp("duckdb_reference")
    warehouse = folder / "warehouse.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    log = (folder / "omnireport-run.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "omnireport"),
            "run",
            "--landing",
            str(SAMPLE_LANDING),
            "--warehouse",
            str(warehouse),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    _SESSION["duckdb_process"] = (process, warehouse, folder / "omnireport-run.log", log)
