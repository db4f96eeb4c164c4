"""docs/bi.md: a BI tool opens the published snapshot through SQLAlchemy and duckdb-engine,
read-only, and queries every mart, also while a build and publish of the warehouse run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from omnireport.publish import snapshot_path
from tests import sample
from tests.reference.contract_reference import MART_KEYS

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
OMNIREPORT = Path(sys.executable).parent / "omnireport"


def run(log: Path, *args: str) -> subprocess.Popen:
    """`omnireport <args>` in the background, its output into `log`: a pipe nobody reads
    while the test polls would fill up and stop the run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    with log.open("w") as stream:
        return subprocess.Popen(
            [str(OMNIREPORT), *args], env=env, stdout=stream, stderr=subprocess.STDOUT, text=True
        )


def finished(process: subprocess.Popen, log: Path) -> None:
    process.wait(timeout=1200)
    assert process.returncode == 0, log.read_text()[-4000:]


def test_sqlalchemy_reads_every_mart_of_the_snapshot_while_a_build_runs(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    landing = str(REPO / "seeds" / "landing")
    finished(
        run(tmp_path / "first.log", "run", "--landing", landing, "--warehouse", str(warehouse)),
        tmp_path / "first.log",
    )
    snapshot = snapshot_path(warehouse)
    assert snapshot.is_file()

    engine = sa.create_engine(f"duckdb:///{snapshot}", connect_args={"read_only": True})
    with engine.connect() as connection:
        # a second full build and publish runs while the BI connection stays open and reads
        second = run(
            tmp_path / "second.log",
            "run",
            "--landing",
            landing,
            "--warehouse",
            str(warehouse),
            "--full-refresh",
        )
        reads = 0
        while second.poll() is None or reads == 0:
            for mart in MART_KEYS:
                connection.execute(sa.text(f"select count(*) from marts.{mart}")).scalar_one()
            sessions = connection.execute(
                sa.text("select count(*) from marts.fct_sessions")
            ).scalar_one()
            assert sessions == sample.STAGED_SESSIONS
            reads += 1
            time.sleep(0.2)  # leave the build its CPU
        finished(second, tmp_path / "second.log")
    engine.dispose()

    fresh = sa.create_engine(f"duckdb:///{snapshot}", connect_args={"read_only": True})
    with fresh.connect() as connection:
        assert (
            connection.execute(sa.text("select count(*) from marts.rpt_daily_stats")).scalar_one()
            > 0
        )
    fresh.dispose()
