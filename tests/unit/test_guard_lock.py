"""The one-writer guard: a real flock held by another process, waiting, re-entry."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from omnireport.guard import WarehouseBusyError, is_held_here, lock_path, warehouse_lock

pytestmark = pytest.mark.unit

HOLDER = """
import sys, time
from pathlib import Path
from omnireport.guard import warehouse_lock
with warehouse_lock(Path(sys.argv[1]), purpose="test holder"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


# Takes the lock like warehouse_lock, but records itself only 0.3 s later.
RACE_HOLDER = """
import json, os, sys, time
from pathlib import Path
from filelock import FileLock
from omnireport.guard import holder_path, lock_path
warehouse = Path(sys.argv[1])
lock = FileLock(lock_path(warehouse))
lock.acquire()
print("locked", flush=True)
time.sleep(0.3)
holder_path(warehouse).write_text(json.dumps({"pid": os.getpid(), "command": "race winner", "started_at": "now"}))
time.sleep(30)
"""


def _hold(warehouse: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_lock_file_sits_beside_the_warehouse(tmp_path):
    assert lock_path(tmp_path / "wh.duckdb") == tmp_path / "wh.duckdb.lock"


def test_second_writer_stops_at_once_naming_the_holder(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    holder = _hold(warehouse, 30)
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseBusyError) as caught:
            with warehouse_lock(warehouse):
                pass
        assert time.monotonic() - started < 1.0
        message = str(caught.value)
        assert f"pid {holder.pid} (test holder" in message
        assert "--wait SECONDS" in message
    finally:
        holder.kill()
        holder.wait()


def test_a_writer_that_lost_a_close_race_names_the_holder(tmp_path):
    """The winner takes the flock, then writes who it is: a writer that fails in between
    finds the file empty and waits a moment for the name instead of saying 'unknown'."""
    warehouse = tmp_path / "wh.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", RACE_HOLDER, str(warehouse)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"  # flock taken, nothing written yet
        with pytest.raises(WarehouseBusyError) as caught:
            with warehouse_lock(warehouse):
                pass
        assert f"pid {holder.pid} (race winner" in str(caught.value)
    finally:
        holder.kill()
        holder.wait()


def test_second_writer_waits_for_the_holder_to_finish(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    holder = _hold(warehouse, 1.0)
    try:
        started = time.monotonic()
        with warehouse_lock(warehouse, wait_seconds=20):
            waited = time.monotonic() - started
            assert is_held_here(warehouse)
        assert 0.3 < waited < 10
    finally:
        holder.kill()
        holder.wait()


def test_waiting_too_short_gives_up_with_the_time_waited(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    holder = _hold(warehouse, 30)
    try:
        with pytest.raises(WarehouseBusyError, match="after waiting 0.5 s"):
            with warehouse_lock(warehouse, wait_seconds=0.5):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_lock_is_reentrant_in_one_process_and_released_after(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    with warehouse_lock(warehouse, purpose="outer"):
        with warehouse_lock(warehouse, purpose="inner"):
            assert is_held_here(warehouse)
        assert is_held_here(warehouse)
    assert not is_held_here(warehouse)
    # another process can take it now
    holder = _hold(warehouse, 0)
    holder.wait()
    assert holder.returncode == 0


def test_killed_holder_releases_the_lock(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    holder = _hold(warehouse, 30)
    holder.kill()
    holder.wait()
    with warehouse_lock(warehouse):
        assert is_held_here(warehouse)


def test_wait_option_accepts_seconds_and_rejects_the_rest():
    import argparse

    from omnireport.cli import build_parser, parse_wait_seconds

    assert parse_wait_seconds("0") == 0.0 and parse_wait_seconds("90.5") == 90.5
    for bad in ("-1", "soon", "inf", "nan"):
        with pytest.raises(argparse.ArgumentTypeError, match="--wait"):
            parse_wait_seconds(bad)
    args = build_parser().parse_args(["run", "--wait", "600"])
    assert args.wait == 600.0
    assert build_parser().parse_args(["load"]).wait == 0.0
