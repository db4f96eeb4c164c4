"""Fixtures shared by the whole test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pg_server import (
    _SESSION,
    SAMPLE_LANDING,
    PostgresServer,
    _start_duckdb_reference,
    build_dbt,
    postgres_available,
    start_postgres_server,
)
from tests.sample import SampleBuild


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """One throwaway server for the test session, stopped at its end."""
    if not postgres_available():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    if "server" not in _SESSION:
        _SESSION["server"] = start_postgres_server()
    server = _SESSION["server"]
    assert isinstance(server, PostgresServer)
    yield server
    server.stop()
    entry = _SESSION.get("duckdb_process")
    if entry and entry[0].poll() is None:  # type: ignore[index]
        entry[0].kill()  # type: ignore[index]


@pytest.fixture(scope="session")
def postgres_warehouse(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """seeds/landing loaded with COPY and one `dbt build` on database `omnireport`: every
    model, data test and unit test (dbt runs each unit test once its model's parents
    exist). Returns dbt's work dir (target/ and logs/ of the session's dbt runs)."""
    if "warehouse" not in _SESSION:
        from omnireport.warehouse.postgres import load_landing_postgres

        work_dir = tmp_path_factory.mktemp("pg_dbt")
        _start_duckdb_reference(tmp_path_factory)  # runs beside the PostgreSQL build
        loaded = load_landing_postgres(SAMPLE_LANDING, postgres_server.conninfo())
        assert loaded.ok, [outcome.error for outcome in loaded.failed]
        result = build_dbt(postgres_server, work_dir, "build")
        _SESSION["build_output"] = result.stdout + result.stderr
        assert result.returncode == 0, (result.stdout + result.stderr)[-8000:]
        _SESSION["warehouse"] = work_dir
    work_dir = _SESSION["warehouse"]
    assert isinstance(work_dir, Path)
    return work_dir


@pytest.fixture(scope="session")
def duckdb_reference_warehouse(
    postgres_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """seeds/landing built on DuckDB by `omnireport run` (started beside the PostgreSQL build)."""
    _start_duckdb_reference(tmp_path_factory)
    process, warehouse, log_path, log = _SESSION["duckdb_process"]  # type: ignore[misc]
    try:
        returncode = process.wait(timeout=900)
    finally:
        log.close()
    output = Path(log_path).read_text(errors="replace")
    assert returncode == 0, f"omnireport run on DuckDB failed:\n{output[-6000:]}"
    return Path(warehouse)


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> SampleBuild:
    """seeds/landing built once per test session by `omnireport run` (with its published
    snapshots and its state folder, the PII key made by this first build). Tests read it and
    never write it; a test that writes works on its own copy (`tests.sample.copy_build`)."""
    warehouse = tmp_path_factory.mktemp("sample") / "warehouse.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNIREPORT_", "DAGSTER_"))}
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "omnireport"),
            "run",
            "--landing",
            str(SAMPLE_LANDING),
            "--warehouse",
            str(warehouse),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return SampleBuild(warehouse, result.stdout + result.stderr)


@pytest.fixture(scope="session")
def sample_warehouse(sample_build: SampleBuild) -> Path:
    """The session's sample warehouse (read it, never write it)."""
    return sample_build.warehouse


def _xdist_scope(nodeid: str) -> str:
    """The unit of work of a pytest-xdist worker: a test module, or all the modules that
    need the PostgreSQL server together, so the server and its sample build start once and
    their runs never share the default PostgreSQL state folder at the same time."""
    module = nodeid.split("::", 1)[0]
    return "postgres" if Path(module).name.startswith("test_postgres_") else module


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """`make test` runs `pytest -n 2`: each worker takes a whole scope at a time, so
    module-scoped fixtures are built once (pytest-xdist's documented scheduler hook)."""
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _xdist_scope(nodeid)

    return ModuleScheduling(config, log)
