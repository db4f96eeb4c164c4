"""A loader killed (SIGKILL) in the middle of a large file leaves none of its rows.

The loader runs in a subprocess on a 2,000,000-row messages CSV; once it reports that
file in progress and the warehouse has grown, the process is killed with SIGKILL. The
warehouse must then hold nothing of that file (the smaller file committed before it
stays), and the next run loads the file whole.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from omnireport.landing.loader import load_landing

pytestmark = pytest.mark.integration

BIG_ROWS = 2_000_000

LOADER_SCRIPT = """
import sys
from pathlib import Path
from omnireport.landing.loader import load_landing
load_landing(Path(sys.argv[1]), Path(sys.argv[2]), progress=lambda line: print(line, flush=True))
print("finished", flush=True)
"""


def write_big_messages_csv(path: Path, rows: int) -> None:
    """A messages export with quoted commas and quotes in `content`; m<i> is row i."""
    with duckdb.connect() as con:
        con.execute(
            f"""
            copy (
                select
                    'm' || i as message_id,
                    'c' || (i // 20) as conversation_id,
                    's' || (i // 10) as session_id,
                    'ch' || (i % 5) as channel_id,
                    case when i % 3 = 0 then 'business' else 'user' end as initiated_by,
                    case when i % 2 = 0 then 'incoming' else 'outgoing' end as direction,
                    'f' || (i % 1000) as from_id,
                    't' || (i % 777) as to_id,
                    case when i % 2 = 1 then 'u' || (i % 40) end as agent_user_id,
                    strftime(timestamp '2026-03-01' + to_seconds(i), '%Y-%m-%dT%H:%M:%SZ') as sent_at,
                    'text' as content_type,
                    'hello, "world" ' || i as content,
                    null as template_id,
                    null as template_name,
                    null as media_url,
                    'sent' as status,
                    strftime(timestamp '2026-03-01' + to_seconds(i + 5), '%Y-%m-%dT%H:%M:%SZ')
                        as status_updated_at
                from range(1, {rows} + 1) as r(i)
            ) to '{path}' (header, delimiter ',')
            """
        )


def warehouse_bytes(warehouse: Path) -> int:
    return sum(p.stat().st_size for p in warehouse.parent.glob(warehouse.name + "*") if p.is_file())


def test_killed_mid_file_leaves_nothing_and_next_run_loads_it_whole(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "channels").mkdir(parents=True)
    (landing / "messages").mkdir()
    (landing / "channels" / "c.csv").write_text(
        "channel_id,channel_name,channel_type\nch1,Page,facebook\nch2,OA,zalo\n", encoding="utf-8"
    )
    write_big_messages_csv(landing / "messages" / "big.csv", BIG_ROWS)
    warehouse = tmp_path / "wh.duckdb"

    loader = subprocess.Popen(
        [sys.executable, "-c", LOADER_SCRIPT, str(landing), str(warehouse)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert loader.stdout is not None
        lines = []
        for line in loader.stdout:  # blocks until the loader reports the big file
            lines.append(line.strip())
            if line.startswith("loading messages/big.csv"):
                break
        assert lines[-1] == "loading messages/big.csv ...", lines
        started_at = warehouse_bytes(warehouse)
        deadline = time.monotonic() + 30
        # wait until the insert has written data, so the kill lands mid-load
        while warehouse_bytes(warehouse) < started_at + 4_000_000:
            assert loader.poll() is None, "the loader finished before it could be killed"
            assert time.monotonic() < deadline, "the loader wrote nothing for 30 s"
            time.sleep(0.05)
        assert loader.poll() is None, "the loader finished before it could be killed"
        os.kill(loader.pid, signal.SIGKILL)
        loader.wait(timeout=10)
    finally:
        if loader.poll() is None:
            os.kill(loader.pid, signal.SIGKILL)
            loader.wait(timeout=10)
    assert loader.returncode == -signal.SIGKILL

    with duckdb.connect(str(warehouse)) as con:
        assert con.execute("select count(*) from raw.messages").fetchone() == (0,)
        assert con.execute("select count(*) from raw.channels").fetchone() == (2,)
        assert con.execute(
            "select file_path, status, rows_loaded from raw._load_log order by load_id"
        ).fetchall() == [("channels/c.csv", "loaded", 2)]

    started = time.perf_counter()
    result = load_landing(landing, warehouse)
    seconds = time.perf_counter() - started
    print(f"\nreloaded {BIG_ROWS:,} rows in {seconds:.1f} s: {BIG_ROWS / seconds:,.0f} rows/s")

    assert [(f.path, f.status, f.rows) for f in result.files] == [
        ("channels/c.csv", "already_loaded", 0),
        ("messages/big.csv", "loaded", BIG_ROWS),
    ]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select count(*), count(distinct message_id), min(_row_number), max(_row_number), "
            "count(distinct _load_id) from raw.messages"
        ).fetchone() == (BIG_ROWS, BIG_ROWS, 1, BIG_ROWS, 1)
        # row i of the file is message m<i>, with its quoted content intact
        assert con.execute(
            "select count(*) from raw.messages "
            "where message_id <> 'm' || _row_number or content <> 'hello, \"world\" ' || _row_number"
        ).fetchone() == (0,)
        assert con.execute(
            "select agent_user_id, template_id, sent_at from raw.messages where _row_number = 1234567"
        ).fetchone() == ("u7", None, "2026-03-15T06:56:07Z")
