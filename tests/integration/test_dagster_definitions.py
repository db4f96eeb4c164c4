"""The Dagster code location: loads on a fresh clone, validates, and wires lineage."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey

from omnireport.settings import load_settings
from orchestration.definitions import build_definitions
from orchestration.translator import LAYERS
from tests import sample

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent


def _env(warehouse: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNIREPORT_", "DAGSTER_"))}
    env["OMNIREPORT_WAREHOUSE"] = str(warehouse)
    return env


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """`dagster definitions validate` from the project folder (the code location named in
    pyproject.toml) on a fresh warehouse path: it parses the dbt project itself."""
    warehouse = tmp_path_factory.mktemp("dagster") / "wh.duckdb"
    completed = subprocess.run(
        [str(BIN / "dagster"), "definitions", "validate"],
        env=_env(warehouse),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Validation successful" in completed.stdout + completed.stderr
    return warehouse


def test_loading_the_code_location_writes_the_manifest_beside_the_warehouse(prepared):
    assert (prepared.parent / ".omnireport" / "wh" / "dbt_target" / "manifest.json").is_file()
    assert not prepared.exists()  # parsing never opens the warehouse


def test_assets_are_grouped_by_layer_and_sources_are_raw(prepared):
    defs = build_definitions(load_settings(warehouse=prepared))
    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    assert {graph.get(key).group_name for key in keys} <= set(LAYERS)
    raw = {key for key in keys if key.path[0] == "raw"}
    assert raw == {AssetKey(["raw", name]) for name in (*sample.TABLES, "load_log", "build_state")}
    # no dangling source keys: every dbt source maps onto a landing output
    assert not [key for key in keys if key.path[0] == "crm"]
    assert AssetKey(["quarantine", "sessions"]) in keys
    staged_sessions = [key for key in keys if key.path == ["staging", "stg_crm__sessions"]]
    assert staged_sessions, "stg_crm__sessions is an asset"
    upstream = graph.get(staged_sessions[0]).parent_keys
    ancestors = set(upstream)
    for key in list(upstream):
        ancestors |= set(graph.get(key).parent_keys)
    assert AssetKey(["raw", "sessions"]) in ancestors
    assert {job.name for job in defs.jobs} == {
        "omnireport_full_build",
        "omnireport_incremental",
        "omnireport_load",
        "omnireport_dbt_build",
    }
