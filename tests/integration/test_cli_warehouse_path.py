"""A quote or a space in the warehouse's folder works in every step (the loader, dbt, the
checks, the publish, status, report, also into a pipe whose reader has gone); a quote in the
file name itself, which dbt-duckdb writes unquoted into SQL as the catalog name, is refused
before anything is loaded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.integration

OMNIREPORT = Path(sys.executable).parent / "omnireport"
CHANNELS = "channel_id,channel_name,channel_type\nch1,Shop 'Page',facebook\nch2,OA,zalo\n"


def omnireport(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    return subprocess.run(
        [str(OMNIREPORT), *args], env=env, capture_output=True, text=True, timeout=900, check=False
    )


def into_a_closed_pipe(*args: str) -> subprocess.CompletedProcess:
    """`omnireport ... | head -1` once head has gone: the output's reader is closed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [str(OMNIREPORT), *args],
            env=env,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        os.close(write_end)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "land 'ing'"
    (folder / "channels").mkdir(parents=True)
    (folder / "channels" / "it's.csv").write_text(CHANNELS, encoding="utf-8")
    return folder


def test_a_quote_and_spaces_in_the_warehouse_folder_work_in_every_step(
    tmp_path: Path, landing: Path
) -> None:
    warehouse = tmp_path / "w q'x" / "wh-1 v2.duckdb"
    run = omnireport("run", "--landing", str(landing), "--warehouse", str(warehouse))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    snapshot = tmp_path / "w q'x" / "wh-1 v2.published.duckdb"
    assert f"Published for readers: snapshot {snapshot}" in run.stdout
    with duckdb.connect(str(snapshot), read_only=True) as con:
        names = con.execute("select channel_name from marts.dim_channels order by 1").fetchall()
    assert names == [("OA",), ("Shop 'Page'",)]

    status = omnireport("status", "--warehouse", str(warehouse))
    assert status.returncode == 0, status.stderr
    assert "Last publish: " in status.stdout and str(snapshot) in status.stdout
    html = tmp_path / "w q'x" / "it's.html"
    report = omnireport("report", "html", "--warehouse", str(warehouse), "--out", str(html))
    assert report.returncode == 0, report.stderr
    assert report.stdout.startswith(f"wrote {html} from published snapshot {snapshot}")
    assert html.stat().st_size > 0

    for view in (["sessions"], ["messages", "--format", "json"], ["daily", "--format", "csv"]):
        piped = into_a_closed_pipe("report", *view, "--warehouse", str(warehouse))
        assert piped.returncode == 0, piped.stderr
        assert "Traceback" not in piped.stderr and "Error" not in piped.stderr


def test_a_quote_in_the_warehouse_file_name_exits_2_before_loading(
    tmp_path: Path, landing: Path
) -> None:
    warehouse = tmp_path / "w q'x" / "wh'1.duckdb"
    run = omnireport("run", "--landing", str(landing), "--warehouse", str(warehouse))
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        f"omnireport run: error: warehouse {warehouse}: dbt cannot use a warehouse path with ' "
        "in it (? and # anywhere, ' \" ; and \\ in the file name): choose another name, for "
        "example warehouse.duckdb"
    ]
    assert not (tmp_path / "w q'x").exists()
