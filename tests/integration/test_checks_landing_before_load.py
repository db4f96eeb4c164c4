"""Landing files are validated by Great Expectations before the load writes them.

Real in-process runs of the load job (the landing asset validates every file, then loads
only what the suite accepted) on a landing folder made from seeds/landing. Expected
numbers are counted from the seed files with Python's csv module or written by hand.
"""

import csv
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from omnireport.settings import Settings
from orchestration.checks.landing import LANDING_VALIDATION_CHECK_NAME
from orchestration.definitions import build_definitions
from orchestration.jobs import LOAD_JOB

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds" / "landing"
USERS_1 = "users/2026-03-09_batch1.csv"
USERS_2 = "users/2026-03-16_batch2.csv"
REEXPORT = "sessions/2026-03-17_reexport.csv"


def records(path):
    with Path(path).open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def write_csv(path, fieldnames, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=fieldnames, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def run_load(landing, warehouse):
    """The load job in process: (result, landing checks by table, events in order)."""
    defs = build_definitions(Settings(landing, warehouse, ROOT / "dbt_project"), include_dbt=False)
    result = defs.resolve_job_def(LOAD_JOB).execute_in_process(raise_on_error=False)
    assert result.success  # a refused file fails a check, never the run's step
    checks = {
        e.asset_key.path[-1]: e
        for e in result.get_asset_check_evaluations()
        if e.check_name == LANDING_VALIDATION_CHECK_NAME
    }
    return result, checks


def meta(evaluation, name):
    value = evaluation.metadata[name]
    return getattr(value, "value", value)


def query(warehouse, sql):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def landing(tmp_path):
    """users (batch 2 without its email column), sessions (with a re-export file) and one
    wholly good groups file."""
    folder = tmp_path / "landing"
    write_csv(
        folder / "groups" / "g.csv",
        ["group_id", "group_name"],
        [{"group_id": "g9", "group_name": "Kho"}, {"group_id": "g10", "group_name": "CSKH"}],
    )
    shutil.copytree(SEEDS / "users", folder / "users")
    shutil.copytree(SEEDS / "sessions", folder / "sessions")
    users_2 = records(SEEDS / USERS_2)
    write_csv(folder / USERS_2, ["user_id", "full_name", "is_active"], users_2)
    # a re-export within one file (the same row twice: allowed) and a row with an unknown
    # status (quarantined by dbt, loaded all the same)
    good = records(SEEDS / "sessions" / "2026-03-09_batch1.csv")[0]
    write_csv(
        folder / REEXPORT,
        list(good),
        [good, good, {**good, "session_id": "sx_new", "status": "Closed"}],
    )
    return folder


def test_validation_runs_before_the_load_writes(landing, tmp_path):
    result, checks = run_load(landing, tmp_path / "wh.duckdb")
    kinds = [
        event.event_type_value
        for event in result.all_events
        if event.event_type_value in ("ASSET_CHECK_EVALUATION", "ASSET_MATERIALIZATION")
    ]
    first_write = kinds.index("ASSET_MATERIALIZATION")
    # the 11 landing checks are decided before any raw table is written
    assert kinds[:first_write] == ["ASSET_CHECK_EVALUATION"] * 11
    assert len(checks) == 11


def test_a_file_missing_a_column_is_refused_and_the_rest_loads(landing, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    _, checks = run_load(landing, warehouse)

    # a good file passes, then loads
    assert checks["groups"].passed, checks["groups"].description
    assert meta(checks["groups"], "rows") == 2
    assert query(warehouse, "select group_id from raw.groups order by _row_number") == [
        ("g9",),
        ("g10",),
    ]

    users = checks["users"]
    assert not users.passed and users.severity == dg.AssetCheckSeverity.ERROR
    assert f"{USERS_2}: missing column(s) email" in users.description
    assert "not loaded" in users.description and "Re-export it" in users.description
    assert meta(users, "files_refused") == 1
    # batch 1 has 21 records (22 lines with the header), every one loaded
    assert query(warehouse, "select count(*), count(distinct _source_file) from raw.users") == [
        (21, 1)
    ]
    (log,) = query(
        warehouse,
        f"select status, error from raw._load_log where file_path = '{USERS_2}'",
    )
    assert log[0] == "failed" and log[1].startswith(f"{USERS_2}: missing column(s) email")

    # row-level problems are reported with counts, and those rows load all the same
    sessions = checks["sessions"]
    assert sessions.severity == dg.AssetCheckSeverity.WARN
    assert meta(sessions, "files_refused") == 0
    # the sample's 'Done' and 'Closed' (batch 1 and 2), and 'Closed' in the re-export file
    assert meta(sessions, "failing_rows")["unknown status"] == 3
    assert meta(sessions, "repeated_ids") == 1  # allowed: reported, not a failure
    assert "1 repeated id(s) (allowed: re-exports)" in sessions.description
    seed_sessions = sum(len(records(p)) for p in (SEEDS / "sessions").glob("*.csv"))
    assert query(warehouse, "select count(*) from raw.sessions") == [(seed_sessions + 3,)]

    # GX's results for the refused file are a JSON file a user can open
    (stored,) = meta(users, "validation_results")
    files = {f["relative_path"]: f for f in json.loads(Path(stored).read_text())["files"]}
    assert files[USERS_2]["missing_columns"] == ["email"]
    assert files[USERS_2]["gx_results"][0]["result"]["success"] is False


def test_a_fixed_file_loads_on_the_next_run_and_others_are_not_read_again(landing, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    run_load(landing, warehouse)
    shutil.copyfile(SEEDS / USERS_2, landing / USERS_2)  # re-exported with every column
    _, checks = run_load(landing, warehouse)
    users = checks["users"]
    assert meta(users, "files_refused") == 0
    assert meta(users, "files_validated_this_run") == 1  # batch 1's findings were kept
    assert meta(checks["sessions"], "files_validated_this_run") == 0
    log = query(
        warehouse,
        f"select status, rows_loaded from raw._load_log where file_path = '{USERS_2}' "
        "order by load_id",
    )
    assert log[-1] == ("loaded", 3)  # batch 2 has 3 records; the refused content stays failed
    assert query(warehouse, "select count(*) from raw.users") == [(24,)]


def test_an_unreadable_file_is_refused(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(SEEDS / "channels", landing / "channels")
    broken = landing / "channels" / "2026-03-20_broken.jsonl"
    broken.write_text('{"channel_id": "ch9", "channel_type": "zalo"\n', encoding="utf-8")
    warehouse = tmp_path / "wh.duckdb"
    _, checks = run_load(landing, warehouse)
    channels = checks["channels"]
    assert channels.severity == dg.AssetCheckSeverity.ERROR
    assert "channels/2026-03-20_broken.jsonl" in channels.description
    assert "Fix or re-export the file" in channels.description
    seed_channels = sum(len(records(p)) for p in (SEEDS / "channels").glob("*.csv"))
    assert query(warehouse, "select count(*) from raw.channels") == [(seed_channels,)]
