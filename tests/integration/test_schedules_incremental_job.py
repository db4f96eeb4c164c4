"""The incremental job, executed for real: load what is new, rebuild only what it touches,
publish; with nothing new, no dbt model is rebuilt."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import DagsterInstance

from omnireport.dbt_command import ensure_manifest
from omnireport.settings import load_settings
from orchestration.assets.publish import PUBLISH_ASSET_KEY
from orchestration.definitions import build_definitions
from orchestration.jobs import INCREMENTAL_JOB

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
CHANNELS = "channel_id,channel_name,channel_type\nch1,Shop Page,facebook\n"
MORE_CHANNELS = "channel_id,channel_name,channel_type\nch2,Zalo OA,zalo\n"


def _private_dbt_project(root: Path) -> Path:
    """A copy of the dbt project for this module: others may edit the original meanwhile."""
    project = root / "dbt_project"
    shutil.copytree(
        Path(__file__).resolve().parents[2] / "dbt_project",
        project,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml"),
    )
    return project


def _count(path: Path, relation: str) -> int:
    code = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
        f"print(c.execute('select count(*) from {relation}').fetchone()[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    return int(out.stdout)


def _materialized(result) -> set[str]:
    return {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("incremental")
    (root / "landing" / "channels").mkdir(parents=True)
    (root / "landing" / "channels" / "channels_1.csv").write_text(CHANNELS, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    env["OMNIREPORT_DBT_PROJECT_DIR"] = str(_private_dbt_project(root))
    completed = subprocess.run(
        [
            str(BIN / "omnireport"),
            "run",
            "--landing",
            str(root / "landing"),
            "--warehouse",
            str(root / "wh.duckdb"),
            "--timezone",
            "UTC",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return root / "wh.duckdb"


def test_incremental_job_rebuilds_what_new_channels_touch_then_nothing(warehouse, monkeypatch):
    monkeypatch.delenv("OMNIREPORT_SNAPSHOT", raising=False)
    root = warehouse.parent
    (root / "landing" / "channels" / "channels_2.csv").write_text(MORE_CHANNELS, encoding="utf-8")
    settings = load_settings(
        landing_dir=root / "landing", warehouse=warehouse, dbt_project_dir=root / "dbt_project"
    )
    ensure_manifest(settings, dbt_vars={"report_timezone": "UTC"})
    job = build_definitions(settings).resolve_job_def(INCREMENTAL_JOB)
    run_config = {
        "ops": {"dbt_models": {"config": {"only_touched": True, "report_timezone": "UTC"}}}
    }
    with DagsterInstance.ephemeral() as instance:
        first = job.execute_in_process(
            instance=instance, run_config=run_config, raise_on_error=False
        )
        assert first.success
        built = _materialized(first)
        # downstream of crm.channels: rebuilt; not downstream: left alone; marts: all rebuilt
        assert {"staging/stg_crm__channels", "marts/dim_channels", "marts/fct_sessions"} <= built
        assert "staging/stg_crm__users" not in built
        assert "staging/stg_crm__messages" not in built
        assert "marts/dim_users" in built
        assert "published/marts_snapshot" in built
        assert _count(warehouse, "marts.dim_channels") == 2
        assert _count(root / "wh.published.duckdb", "marts.dim_channels") == 2

        second = job.execute_in_process(
            instance=instance, run_config=run_config, raise_on_error=False
        )
        assert second.success
        assert not [
            key
            for key in _materialized(second)
            if not key.startswith("raw/") and key != "published/marts_snapshot"
        ]
        published = instance.get_latest_materialization_event(PUBLISH_ASSET_KEY)
        rows = published.asset_materialization.metadata["rows"].value
        assert rows["marts.dim_channels"] == 2
