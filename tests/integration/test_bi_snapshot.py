"""docs/bi.md: a BI tool opens the file Superset reads by default, the reader snapshot,
through SQLAlchemy and duckdb-engine, read-only, and queries every mart, also while a build
and publish of the warehouse run (on a copy of the session's sample build)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from bi.superset_setup import bi_snapshot
from omnireport.publish import reader_snapshot_path
from tests import sample
from tests.reference.contract_reference import MART_KEYS

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
OMNIREPORT = Path(sys.executable).parent / "omnireport"


def run(log: Path, *args: str) -> subprocess.Popen:
    """`omnireport <args>` in the background, its output into `log`: a pipe that nobody reads
    while the test queries would fill up and stop the command."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    with log.open("w", encoding="utf-8") as stream:
        return subprocess.Popen(
            [str(OMNIREPORT), *args], env=env, stdout=stream, stderr=subprocess.STDOUT
        )


def finish(process: subprocess.Popen, log: Path) -> None:
    process.wait(timeout=1200)
    assert process.returncode == 0, log.read_text(encoding="utf-8")[-4000:]


def test_sqlalchemy_reads_every_mart_of_the_snapshot_while_a_build_runs(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    warehouse = sample.copy_build(sample_warehouse, tmp_path / "built")
    second_log = tmp_path / "second.log"
    landing = str(REPO / "seeds" / "landing")
    snapshot = bi_snapshot({"OMNIREPORT_WAREHOUSE": str(warehouse)})
    assert snapshot == reader_snapshot_path(warehouse)
    assert snapshot.is_file()

    engine = sa.create_engine(f"duckdb:///{snapshot}", connect_args={"read_only": True})
    with engine.connect() as connection:
        # a second full build and publish runs while the BI connection stays open and reads
        second = run(
            second_log,
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
        finish(second, second_log)
    engine.dispose()

    fresh = sa.create_engine(f"duckdb:///{snapshot}", connect_args={"read_only": True})
    with fresh.connect() as connection:
        assert (
            connection.execute(sa.text("select count(*) from marts.rpt_daily_stats")).scalar_one()
            > 0
        )
    fresh.dispose()
