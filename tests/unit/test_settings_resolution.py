"""Settings come from arguments, then environment variables, then project-relative defaults."""

from pathlib import Path

import pytest

from omnireport import settings as settings_module
from omnireport.settings import load_settings, project_root

pytestmark = pytest.mark.unit

# This file is <repo>/tests/unit/test_settings_resolution.py: the repo is two folders up.
REPO = Path(__file__).resolve().parents[2]


def test_project_root_is_the_folder_with_pyproject():
    assert project_root() == REPO
    assert (REPO / "pyproject.toml").is_file()


def test_project_root_falls_back_to_cwd(tmp_path, monkeypatch):
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    assert project_root(start=nested / "module.py") == nested


def test_defaults_without_environment():
    settings = load_settings(env={})
    assert settings.landing_dir == REPO / "data" / "landing"
    assert settings.warehouse == REPO / "data" / "warehouse.duckdb"
    assert settings.dbt_project_dir == REPO / "dbt_project"


def test_environment_variables_override_defaults(tmp_path):
    env = {
        "OMNIREPORT_LANDING_DIR": str(tmp_path / "in"),
        "OMNIREPORT_WAREHOUSE": str(tmp_path / "out" / "w.duckdb"),
        "OMNIREPORT_DBT_PROJECT_DIR": str(tmp_path / "dbt"),
    }
    settings = load_settings(env=env)
    assert settings.landing_dir == tmp_path / "in"
    assert settings.warehouse == tmp_path / "out" / "w.duckdb"
    assert settings.dbt_project_dir == tmp_path / "dbt"


def test_arguments_override_environment_and_relative_paths_become_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"OMNIREPORT_WAREHOUSE": "/elsewhere/w.duckdb", "OMNIREPORT_LANDING_DIR": "land"}
    settings = load_settings(warehouse="wh/mine.duckdb", env=env)
    assert settings.warehouse == tmp_path / "wh" / "mine.duckdb"
    assert settings.landing_dir == tmp_path / "land"


def test_empty_environment_value_means_default():
    settings = load_settings(env={"OMNIREPORT_WAREHOUSE": "  "})
    assert settings.warehouse == REPO / "data" / "warehouse.duckdb"


def test_environment_is_read_when_called_not_at_import(tmp_path, monkeypatch):
    monkeypatch.setenv("OMNIREPORT_WAREHOUSE", str(tmp_path / "late.duckdb"))
    assert settings_module.load_settings().warehouse == tmp_path / "late.duckdb"


def test_dbt_artifacts_live_beside_the_warehouse(tmp_path):
    settings = load_settings(warehouse=tmp_path / "w.duckdb", env={})
    assert settings.dbt_target_path == tmp_path / ".omnireport" / "w" / "dbt_target"
    assert settings.dbt_env() == {
        "OMNIREPORT_WAREHOUSE": str(tmp_path / "w.duckdb"),
        "OMNIREPORT_DBT_TARGET": "duckdb",
    }


def test_the_loader_opens_duckdb_within_the_configured_limit(tmp_path, monkeypatch):
    # Without a limit DuckDB may take 80% of the machine: a 10M-session load reached 10 GB.
    from omnireport.landing.loader import connect_warehouse

    monkeypatch.setenv("OMNIREPORT_DUCKDB_MEMORY_LIMIT", "900MB")
    con = connect_warehouse(tmp_path / "warehouse.duckdb")
    try:
        # DuckDB reports 900 MB (10^6 bytes) in MiB
        assert con.execute("select current_setting('memory_limit')").fetchone() == ("858.3 MiB",)
    finally:
        con.close()
