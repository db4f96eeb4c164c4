"""Ctrl-C during `omnireport run`, after dbt has started: exit 130 with one line saying what
was committed, no dbt left writing the warehouse, and a rerun equal to a clean run. A stop
signal (SIGTERM) before anything is loaded ends the same way, with nothing loaded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.sample import FILES, LANDING, RAW_ROWS

pytestmark = pytest.mark.integration

OMNIREPORT = Path(sys.executable).parent / "omnireport"
DBT_STARTED = "START sql"


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    env["OMNIREPORT_DUCKDB_MEMORY_LIMIT"] = ""  # set but empty: the default
    return env


def run(warehouse: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(OMNIREPORT), "run", "--landing", str(LANDING), "--warehouse", str(warehouse)],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def interrupt_once_dbt_runs(warehouse: Path, log: Path) -> tuple[int, str, str]:
    """Start a run, send SIGINT once dbt builds its first model, return (code, out, err)."""
    with log.open("w") as out, log.with_suffix(".err").open("w") as err:
        process = subprocess.Popen(
            [str(OMNIREPORT), "run", "--landing", str(LANDING), "--warehouse", str(warehouse)],
            env=clean_env(),
            stdout=out,
            stderr=err,
        )
        try:
            deadline = time.monotonic() + 600
            while DBT_STARTED not in log.read_text() and process.poll() is None:
                assert time.monotonic() < deadline, "dbt did not start"
                time.sleep(0.2)
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=300)
        finally:
            if process.poll() is None:
                process.kill()
    return code, log.read_text(), log.with_suffix(".err").read_text()


def marts(warehouse: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "order by 1"
            ).fetchall()
        ]
        found = {n: con.execute(f"select * from marts.{n} order by all").fetchall() for n in names}
        found["audit.row_reconciliation"] = con.execute(
            "select * from audit.row_reconciliation order by all"
        ).fetchall()
        return found
    finally:
        con.close()


def test_ctrl_c_after_dbt_started_exits_130_and_a_rerun_equals_a_clean_run(
    tmp_path: Path, sample_warehouse: Path
) -> None:
    warehouse = tmp_path / "interrupted" / "wh.duckdb"
    code, out, err = interrupt_once_dbt_runs(warehouse, tmp_path / "interrupted.log")

    assert code == 130, out[-3000:] + err[-3000:]
    assert "Traceback" not in err and "DagsterExecutionInterruptedError" not in out + err
    last = err.strip().splitlines()[-1]
    assert last.startswith(
        f"omnireport run: interrupted: {len(FILES)} landing file(s) were committed whole before "
        f"it ({RAW_ROWS:,} rows: agent_status_events/"
    ), err
    assert last.endswith("nothing new was published. Run the same command again to finish.")
    assert "Not published (interrupted): no snapshot exists yet at " in out
    # the summary counts what was committed (from the load log), not 0
    messages = next(line for line in out.splitlines() if line.startswith("messages "))
    assert messages.split()[1] == messages.split()[2] != "0"
    # dbt was stopped with the run: the warehouse is free at once
    duckdb.connect(str(warehouse)).close()

    rerun = run(warehouse)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert "Loaded in" in rerun.stdout and f"0 rows from 0 new file(s); {len(FILES)} already" in (
        rerun.stdout
    )

    # the clean run: the session's sample build, one uninterrupted run of the same landing
    assert marts(warehouse) == marts(sample_warehouse)


def test_a_stop_signal_while_dbt_parses_exits_130_and_loads_nothing(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"  # new: its dbt project is parsed first
    log = tmp_path / "stopped.log"
    with log.open("w") as out, log.with_suffix(".err").open("w") as err:
        process = subprocess.Popen(
            [str(OMNIREPORT), "run", "--landing", str(LANDING), "--warehouse", str(warehouse)],
            env=clean_env(),
            stdout=out,
            stderr=err,
        )
        try:
            deadline = time.monotonic() + 300
            while "Parsing the dbt project" not in log.read_text() and process.poll() is None:
                assert time.monotonic() < deadline, "the dbt project was not parsed"
                time.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
    err_text = log.with_suffix(".err").read_text()
    assert code == 130, log.read_text()[-3000:] + err_text[-3000:]
    assert err_text.strip().splitlines() == ["omnireport run: interrupted"]
    assert "Loading" not in log.read_text()
    assert not warehouse.exists()
