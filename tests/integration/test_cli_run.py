"""`omnireport run` end to end in a subprocess: tiny landing folder, real DuckDB, dbt, Dagster."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.integration

OMNIREPORT = Path(sys.executable).parent / "omnireport"

CHANNELS = "channel_id,channel_name,channel_type\nch1,Shop Page,facebook\n"
SESSIONS = (
    "session_id,conversation_id,channel_id,contact_id,session_name,support_type,"
    "assigned_user_id,category_id,note,status,started_at,done_at,rating,updated_at\n"
    "s1,c1,ch1,ct1,Hello,message,u1,,,done,2026-03-01T08:00:00Z,2026-03-01T08:30:00Z,5,"
    "2026-03-01T08:30:00Z\n"
)
# a sessions export without its updated_at column: unreadable as a whole (CONTRACT 6.7)
SESSIONS_MISSING_COLUMN = (
    "session_id,conversation_id,channel_id,contact_id,session_name,support_type,"
    "assigned_user_id,category_id,note,status,started_at,done_at,rating\n"
    "s1,c1,ch1,ct1,Hello,message,u1,,,done,2026-03-01T08:00:00Z,2026-03-01T08:30:00Z,5\n"
)
MESSAGES = (
    "message_id,conversation_id,session_id,channel_id,initiated_by,direction,from_id,to_id,"
    "agent_user_id,sent_at,content_type,content,template_id,template_name,media_url,status,"
    "status_updated_at\n"
    "m1,c1,s1,ch1,user,incoming,ct1,ch1,,2026-03-01T08:00:00Z,text,hi,,,,read,2026-03-01T08:00:00Z\n"
    "m2,c1,s1,ch1,user,outgoing,ch1,ct1,u1,2026-03-01T08:02:00Z,text,hello,,,,read,2026-03-01T08:02:00Z\n"
    "m3,c1,s1,ch1,user,outgoing,ch1,ct1,u1,2026-03-01T08:20:00Z,text,bye,,,,read,2026-03-01T08:20:00Z\n"
)


def _landing(root: Path, sessions: str) -> Path:
    landing = root / "landing"
    for table, text in (("channels", CHANNELS), ("sessions", sessions), ("messages", MESSAGES)):
        (landing / table).mkdir(parents=True)
        (landing / table / f"{table}_2026-03-01.csv").write_text(text, encoding="utf-8")
    return landing


def _omnireport(*args: str, **settings: str) -> subprocess.CompletedProcess:
    """The command line with no OMNIREPORT_* setting but ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")} | settings
    return subprocess.run(
        [str(OMNIREPORT), *args], env=env, capture_output=True, text=True, timeout=900, check=False
    )


def _count(warehouse: Path, relation: str) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(f"select count(*) from {relation}").fetchone()[0]
    finally:
        con.close()


def _exists(warehouse: Path, schema: str, name: str) -> bool:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return bool(
            con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = ? and table_name = ?",
                [schema, name],
            ).fetchone()[0]
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("good")
    landing, warehouse = _landing(root, SESSIONS), root / "wh.duckdb"
    completed = _omnireport(
        "run",
        "--landing",
        str(landing),
        "--warehouse",
        str(warehouse),
        "--timezone",
        "UTC",
        "--sla",
        "1,5",
    )
    return landing, warehouse, completed


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    landing, warehouse = _landing(root, SESSIONS_MISSING_COLUMN), root / "wh.duckdb"
    completed = _omnireport("run", "--landing", str(landing), "--warehouse", str(warehouse))
    return landing, warehouse, completed


def test_run_succeeds_and_builds_raw_and_staging(good_run):
    _, warehouse, completed = good_run
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "OK: omnireport run finished" in completed.stdout
    assert (_count(warehouse, "raw.channels"), _count(warehouse, "raw.sessions")) == (1, 1)
    assert _count(warehouse, "raw.messages") == 3
    assert _count(warehouse, "staging.stg_crm__sessions") == 1
    assert _count(warehouse, "staging.stg_crm__messages") == 3


def test_run_prints_progress_and_summary(good_run):
    _, _, completed = good_run
    out = completed.stdout
    assert "loading messages/messages_2026-03-01.csv" in out
    assert "START sql incremental model staging.stg_crm__sessions" in out
    assert "Rows per raw table" in out
    messages_line = next(line for line in out.splitlines() if line.startswith("messages "))
    assert messages_line.split()[:3] == ["messages", "3", "3"]  # loaded now, loaded in total


def test_run_passes_timezone_and_sla_to_dbt(good_run):
    _, warehouse, completed = good_run
    assert '"report_timezone": "UTC"' in completed.stdout
    if not _exists(warehouse, "marts", "fct_sessions"):
        pytest.skip("marts.fct_sessions not built yet")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(
            "select channel_type, is_completed, started_hour, waiting_time_s, support_time_s "
            "from marts.fct_sessions where session_id = 's1'"
        ).fetchone()
    finally:
        con.close()
    # started 08:00 UTC; first agent reply 08:02 (120 s); last agent message 08:20 (1080 s after)
    assert row == ("facebook", True, 8, 120.0, 1080.0)


def test_second_load_adds_nothing(good_run):
    landing, warehouse, _ = good_run
    completed = _omnireport("load", "--landing", str(landing), "--warehouse", str(warehouse))
    assert completed.returncode == 0, completed.stderr
    assert "already loaded" in completed.stdout
    assert _count(warehouse, "raw.messages") == 3


def test_unreadable_file_fails_the_run_but_the_others_load(bad_run):
    _, warehouse, completed = bad_run
    assert completed.returncode == 1, completed.stdout[-3000:]
    assert "FAILED landing files" in completed.stderr
    assert "sessions/sessions_2026-03-01.csv" in completed.stderr
    assert "What to do" in completed.stderr
    # listed once, with what to do, not again as a failed check with dbt's advice
    assert "FAILED dbt models / tests" not in completed.stderr
    assert "FAILED: omnireport run did not complete" in completed.stdout
    assert _count(warehouse, "raw.sessions") == 0
    assert (_count(warehouse, "raw.channels"), _count(warehouse, "raw.messages")) == (1, 3)
    # dbt still built on what loaded
    assert _count(warehouse, "staging.stg_crm__messages") == 3


def test_a_run_with_nothing_new_does_no_dbt_work(good_run):
    landing, warehouse, first = good_run
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    settings = ("--warehouse", str(warehouse), "--timezone", "UTC", "--sla", "1,5")

    def run(*more: str, **env: str) -> str:
        done = _omnireport("run", "--landing", str(landing), *settings, *more, **env)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "OK: omnireport run finished" in done.stdout
        return done.stdout

    skipped = run()
    assert "no dbt work to do" in skipped
    assert "no run started" in skipped  # decided before Dagster starts
    assert "START sql" not in skipped  # dbt did not run a single model
    assert "Nothing new to publish: readers keep the current marts." in skipped
    assert _count(warehouse, "marts.fct_sessions") == 1

    # Another PII key, then another free-text mode: the reader layer must follow each
    # although no data changed, so dbt builds and the publish writes.
    key = "k" * 40
    for more, env in (((), {"OMNIREPORT_PII_KEY": key}), (("--reader-text", "redacted"), {})):
        rebuilt = run(*more, **env)
        assert "START sql" in rebuilt and "Published for readers" in rebuilt, more or env
    assert "no dbt work to do" not in rebuilt
    assert "no dbt work to do" in run("--reader-text", "redacted")

    # `build` always builds
    build = _omnireport("build", *settings)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "START sql" in build.stdout
