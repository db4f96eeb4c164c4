"""`omnireport status` after real command-line runs (the load alone: no dbt needed)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent


def _omnireport(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    return subprocess.run(
        [str(BIN / "omnireport"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_status_reports_the_last_load_and_no_publish_yet(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    (landing / "channels").mkdir(parents=True)
    (landing / "channels" / "c.csv").write_text(
        "channel_id,channel_name,channel_type\nch1,A,facebook\n"
    )
    before = _omnireport("status", "--warehouse", str(warehouse))
    assert before.returncode == 0
    assert "Last run: none recorded" in before.stdout
    loaded = _omnireport("load", "--landing", str(landing), "--warehouse", str(warehouse))
    assert loaded.returncode == 0, loaded.stderr
    after = _omnireport("status", "--warehouse", str(warehouse))
    assert after.returncode == 0, after.stderr
    assert f"Warehouse: {warehouse}" in after.stdout
    assert "Last run: OK omnireport load (cli) finished" in after.stdout
    assert (
        f"Last publish: never (snapshot would be {tmp_path / 'wh.published.duckdb'})"
        in after.stdout
    )
