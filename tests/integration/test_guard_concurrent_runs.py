"""One writer at a time, whoever starts it: two `omnireport run` released at the same
moment (one builds, the other stops at once naming it), and a Dagster run that meets a
held lock (stops, or waits with `wait_seconds`)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance

from omnireport.settings import Settings
from orchestration.definitions import build_definitions
from orchestration.jobs import LOAD_JOB

pytestmark = pytest.mark.integration

CHANNELS = "channel_id,channel_name,channel_type\nch1,Shop Page,facebook\n"

# Import everything first, then wait on the barrier file, then run: both processes are
# ready before either starts, so they reach the lock at the same moment.
RACER = """
import os, sys, time
from omnireport.cli import main
barrier = sys.argv[1]
while not os.path.exists(barrier):
    time.sleep(0.001)
started = time.time()
code = main(sys.argv[2:])
print(f"RACER pid={os.getpid()} started={started:.3f} finished={time.time():.3f}", flush=True)
sys.exit(code)
"""

HOLDER = """
import sys, time
from pathlib import Path
from omnireport.guard import warehouse_lock
with warehouse_lock(Path(sys.argv[1]), purpose="omnireport run (test holder)"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}


def _times(stdout: str) -> dict[str, float]:
    line = next(line for line in stdout.splitlines() if line.startswith("RACER "))
    return {k: float(v) for k, v in (part.split("=") for part in line.split()[1:])}


def test_two_runs_started_together_one_builds_the_other_stops(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    (landing / "channels").mkdir(parents=True)
    (landing / "channels" / "channels_1.csv").write_text(CHANNELS, encoding="utf-8")
    barrier = tmp_path / "go"
    args = ["run", "--landing", str(landing), "--warehouse", str(warehouse), "--timezone", "UTC"]
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(barrier), *args],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(8)  # both have imported omnireport and are polling the barrier
    barrier.touch()
    results = [(racer, *racer.communicate(timeout=1200)) for racer in racers]
    codes = sorted(racer.returncode for racer, _, _ in results)
    assert codes == [0, 1], [(r.returncode, out[-2000:], err[-2000:]) for r, out, err in results]
    ((winner, win_out, _),) = [r for r in results if r[0].returncode == 0]
    ((loser, lose_out, lose_err),) = [r for r in results if r[0].returncode == 1]
    assert "OK: omnireport run finished" in win_out
    assert f"warehouse {warehouse} is being written by pid {winner.pid} (omnireport run" in lose_err
    assert "--wait SECONDS" in lose_err
    # the loser gave up at once, long before the winner finished its build
    won, lost = _times(win_out), _times(lose_out)
    assert abs(won["started"] - lost["started"]) < 0.5
    assert lost["finished"] - lost["started"] < 10
    assert lost["finished"] < won["finished"]


def _hold(warehouse: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def _error_text(error) -> str:
    texts = []
    while error is not None:
        texts.append(str(error.message))
        error = error.cause
    return " ".join(texts)


def _load_settings(tmp_path: Path) -> Settings:
    landing = tmp_path / "landing"
    (landing / "channels").mkdir(parents=True)
    (landing / "channels" / "channels_1.csv").write_text(CHANNELS, encoding="utf-8")
    return Settings(landing, tmp_path / "wh.duckdb", tmp_path / "dbt_project")


def test_dagster_run_stops_when_the_command_line_holds_the_lock(tmp_path):
    settings = _load_settings(tmp_path)
    holder = _hold(settings.warehouse, 60)
    try:
        job = build_definitions(settings, include_dbt=False).resolve_job_def(LOAD_JOB)
        with DagsterInstance.ephemeral() as instance:
            result = job.execute_in_process(instance=instance, raise_on_error=False)
        assert not result.success
        messages = [
            _error_text(getattr(event.event_specific_data, "error", None))
            for event in result.all_events
        ]
        assert any(
            f"is being written by pid {holder.pid} (omnireport run (test holder)" in m
            for m in messages
        ), messages[-5:]
        assert not settings.warehouse.exists()  # nothing was written
    finally:
        holder.kill()
        holder.wait()


def test_dagster_run_with_wait_seconds_queues_behind_the_holder(tmp_path):
    settings = _load_settings(tmp_path)
    holder = _hold(settings.warehouse, 2)
    try:
        job = build_definitions(settings, include_dbt=False).resolve_job_def(LOAD_JOB)
        with DagsterInstance.ephemeral() as instance:
            result = job.execute_in_process(
                instance=instance,
                run_config={
                    "resources": {
                        "writer_lock": {
                            "config": {
                                "warehouse": str(settings.warehouse),
                                "wait_seconds": 60,
                            }
                        }
                    }
                },
            )
        assert result.success
        assert holder.poll() is not None  # the holder had finished before the load could write
    finally:
        holder.kill()
        holder.wait()
