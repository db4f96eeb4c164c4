"""Readers never blocked: `omnireport run` publishes a snapshot; an open reader keeps
reading during a full build + publish; a failed build leaves the old snapshot in place.

One real build makes the starting point; each test copies it (warehouse, snapshot, dbt
state) into its own folder, so the tests do not depend on each other.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
CHANNELS = "channel_id,channel_name,channel_type\nch1,Shop Page,facebook\n"
SESSIONS = (
    "session_id,conversation_id,channel_id,contact_id,session_name,support_type,"
    "assigned_user_id,category_id,note,status,started_at,done_at,rating,updated_at\n"
    "s1,c1,ch1,ct1,Hello,message,u1,,,done,2026-03-01T08:00:00Z,2026-03-01T08:30:00Z,5,"
    "2026-03-01T08:30:00Z\n"
)
MESSAGES_HEADER = (
    "message_id,conversation_id,session_id,channel_id,initiated_by,direction,from_id,to_id,"
    "agent_user_id,sent_at,content_type,content,template_id,template_name,media_url,status,"
    "status_updated_at\n"
)
MESSAGES = MESSAGES_HEADER + (
    "m1,c1,s1,ch1,user,incoming,ct1,ch1,,2026-03-01T08:00:00Z,text,hi,,,,read,2026-03-01T08:00:00Z\n"
    "m2,c1,s1,ch1,user,outgoing,ch1,ct1,u1,2026-03-01T08:02:00Z,text,hello,,,,read,2026-03-01T08:02:00Z\n"
    "m3,c1,s1,ch1,user,outgoing,ch1,ct1,u1,2026-03-01T08:20:00Z,text,bye,,,,read,2026-03-01T08:20:00Z\n"
)
MORE_MESSAGES = MESSAGES_HEADER + (
    "m4,c1,s1,ch1,user,incoming,ct1,ch1,,2026-03-01T08:25:00Z,text,thanks,,,,read,2026-03-01T08:25:00Z\n"
)
# a sessions export without its updated_at column: the file cannot be loaded (error check)
BAD_SESSIONS = SESSIONS.replace(",updated_at", "").replace(",5,2026-03-01T08:30:00Z", ",5")


DBT_PROJECT: dict[str, str] = {}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    env.update(DBT_PROJECT)
    return env


def _private_dbt_project(root: Path) -> Path:
    """A copy of the dbt project for this module: others may edit the original meanwhile."""
    project = root / "dbt_project"
    shutil.copytree(
        Path(__file__).resolve().parents[2] / "dbt_project",
        project,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml"),
    )
    return project


def _run_args(root: Path) -> list[str]:
    return [
        str(BIN / "omnireport"),
        "run",
        "--landing",
        str(root / "landing"),
        "--warehouse",
        str(root / "wh.duckdb"),
        "--timezone",
        "UTC",
    ]


def _count_elsewhere(path: Path, relation: str) -> int:
    """Count in a new process (a new reader), never this process's cached instance."""
    code = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
        f"print(c.execute('select count(*) from {relation}').fetchone()[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return int(out.stdout)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("published")
    DBT_PROJECT["OMNIREPORT_DBT_PROJECT_DIR"] = str(
        _private_dbt_project(tmp_path_factory.mktemp("dbt"))
    )
    for table, text in (("channels", CHANNELS), ("sessions", SESSIONS), ("messages", MESSAGES)):
        (root / "landing" / table).mkdir(parents=True)
        (root / "landing" / table / f"{table}_1.csv").write_text(text, encoding="utf-8")
    completed = subprocess.run(
        _run_args(root), env=_env(), capture_output=True, text=True, timeout=1200, check=False
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert f"Published for readers: snapshot {root / 'wh.published.duckdb'}" in completed.stdout
    assert f"reader snapshot {root / 'wh.reader.duckdb'}" in completed.stdout
    return root


@pytest.fixture
def copy_of(built, tmp_path) -> Path:
    root = tmp_path / "copy"
    shutil.copytree(built, root)
    return root


def test_run_publishes_every_mart_and_nothing_else(built):
    snapshot = built / "wh.published.duckdb"
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        schemas = {
            row[0]
            for row in con.execute(
                "select distinct table_schema from information_schema.tables"
            ).fetchall()
        }
        names = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        assert con.execute("select count(*) from marts.fct_messages").fetchone()[0] == 3
        assert con.execute("select count(*) from marts.fct_sessions").fetchone()[0] == 1
    finally:
        con.close()
    assert schemas == {"main", "marts"}
    assert {"dim_channels", "dim_users", "fct_sessions", "fct_messages", "rpt_daily_stats"} <= names


def test_snapshot_opens_in_duckdb_1_1(built, tmp_path):
    uv = shutil.which("uv") or str(Path(sys.executable).parents[2] / ".tools" / "bin" / "uv")
    target = tmp_path / "duckdb11"
    installed = (
        subprocess.run(
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "duckdb==1.1.3",
                "--target",
                str(target),
                "--python",
                sys.executable,
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if Path(uv).exists()
        else None
    )
    if installed is None or installed.returncode != 0:
        pytest.skip("could not install the duckdb 1.1.3 wheel (needs uv and the package index)")
    code = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
        "print(duckdb.__version__, c.execute('select count(*) from marts.fct_messages').fetchone()[0])"
    )
    # the full snapshot and the reader one (what BI drivers open)
    for name in ("wh.published.duckdb", "wh.reader.duckdb"):
        out = subprocess.run(
            [sys.executable, "-c", code, str(built / name)],
            env={**_env(), "PYTHONPATH": str(target)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        assert out.stdout.split() == ["1.1.3", "3"], name


def test_open_reader_keeps_reading_during_a_full_build_and_publish(copy_of):
    root = copy_of
    snapshot = root / "wh.published.duckdb"
    (root / "landing" / "messages" / "messages_2.csv").write_text(MORE_MESSAGES, encoding="utf-8")
    reader = duckdb.connect(str(snapshot), read_only=True)
    try:
        # the output goes to a file: a pipe nobody reads while the loop queries would fill up
        # and stop the build
        log = root / "build.log"
        with log.open("w", encoding="utf-8") as stream:
            build = subprocess.Popen(
                _run_args(root), env=_env(), stdout=stream, stderr=subprocess.STDOUT
            )
        reads = 0
        while build.poll() is None:
            assert reader.execute("select count(*) from marts.fct_messages").fetchone()[0] == 3
            reads += 1
            time.sleep(0.2)
        assert build.returncode == 0, log.read_text(encoding="utf-8")[-6000:]
        assert reads > 10  # the reader was really reading while the build ran
        # the open connection still sees the snapshot it opened; new readers the new one
        assert reader.execute("select count(*) from marts.fct_messages").fetchone()[0] == 3
    finally:
        reader.close()
    assert _count_elsewhere(snapshot, "marts.fct_messages") == 4


def test_failed_build_leaves_the_old_snapshot(copy_of):
    root = copy_of
    snapshot = root / "wh.published.duckdb"
    before = os.stat(snapshot)
    (root / "landing" / "sessions" / "sessions_2.csv").write_text(BAD_SESSIONS, encoding="utf-8")
    (root / "landing" / "messages" / "messages_2.csv").write_text(MORE_MESSAGES, encoding="utf-8")
    completed = subprocess.run(
        _run_args(root), env=_env(), capture_output=True, text=True, timeout=1200, check=False
    )
    assert completed.returncode == 1, completed.stdout[-3000:]
    assert "sessions/sessions_2.csv" in completed.stderr
    assert (
        f"Not published (a landing file was refused): readers keep the previous snapshot {snapshot}"
        in completed.stdout
    )
    after = os.stat(snapshot)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    # the warehouse has loaded the new message, the snapshot does not show it
    assert _count_elsewhere(root / "wh.duckdb", "raw.messages") == 4
    assert _count_elsewhere(snapshot, "marts.fct_messages") == 3


def test_status_after_the_run_shows_publish_freshness_and_quarantine(built):
    env = _env()
    completed = subprocess.run(
        [str(BIN / "omnireport"), "status", "--warehouse", str(built / "wh.duckdb")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert "Last run: OK omnireport run (cli)" in out
    assert f"-> {built / 'wh.published.duckdb'}" in out
    # the newest message of the data is m3, sent 2026-03-01 08:20 UTC
    assert "Freshness: newest message in the data 2026-03-01T08:20:00 UTC" in out
    rows = {
        line.split()[0]: line.split()[1:]
        for line in out.splitlines()
        if line.split() and line.split()[0] in {"channels", "sessions", "messages"}
    }
    assert rows == {"channels": ["0", "-"], "sessions": ["0", "-"], "messages": ["0", "-"]}
