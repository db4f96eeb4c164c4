"""docs/bi.md: a BI tool opens the file Superset reads by default, the reader snapshot,
through SQLAlchemy and duckdb-engine, read-only, and queries every mart, also while a build
and publish of the warehouse run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from bi.superset_setup import bi_snapshot
from omnireport.publish import reader_snapshot_path
from tests.reference.contract_reference import MART_KEYS

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
OMNIREPORT = Path(sys.executable).parent / "omnireport"


def run(*args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    return subprocess.Popen(
        [str(OMNIREPORT), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_sqlalchemy_reads_every_mart_of_the_snapshot_while_a_build_runs(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    first = run("run", "--landing", str(REPO / "seeds" / "landing"), "--warehouse", str(warehouse))
    output, _ = first.communicate(timeout=1200)
    assert first.returncode == 0, output[-4000:]
    snapshot = bi_snapshot({"OMNIREPORT_WAREHOUSE": str(warehouse)})
    assert snapshot == reader_snapshot_path(warehouse)
    assert snapshot.is_file()

    engine = sa.create_engine(f"duckdb:///{snapshot}", connect_args={"read_only": True})
    with engine.connect() as connection:
        # a second full build and publish runs while the BI connection stays open and reads
        second = run(
            "run",
            "--landing",
            str(REPO / "seeds" / "landing"),
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
            assert sessions == 330
            reads += 1
        output, _ = second.communicate(timeout=1200)
        assert second.returncode == 0, output[-4000:]
    engine.dispose()

    fresh = sa.create_engine(f"duckdb:///{snapshot}", connect_args={"read_only": True})
    with fresh.connect() as connection:
        assert (
            connection.execute(sa.text("select count(*) from marts.rpt_daily_stats")).scalar_one()
            > 0
        )
    fresh.dispose()
