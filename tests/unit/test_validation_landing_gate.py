"""The landing gate: which files the landing suite refuses before the load, and why; and the
suite beside the load, each file waiting for its own verdict, in load order."""

import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from omnireport.landing.files import discover_landing_files
from omnireport.landing.loader import load_files
from orchestration.checks.landing import validate_landing_files
from orchestration.checks.landing_gate import (
    BackgroundValidation,
    LandingValidationError,
    VerdictGate,
)

pytestmark = pytest.mark.unit

GOOD = "user_id,full_name,email,is_active\nu1,An,an@example.com,true\nu2,Binh,,false\n"
NO_EMAIL = "user_id,full_name,is_active\nu3,Chi,true\n"
BAD_VALUES = "user_id,full_name,email,is_active\n,Dung,,maybe\nu1,An,an@example.com,true\n"
CHANNELS = "channel_id,channel_name,channel_type\nch1,Page,facebook\n"
GROUPS = "group_id,group_name\ng1,Sales\n"


def landing(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "landing"
    for relative, text in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text, encoding="utf-8")
    return folder


def validate(folder: Path, state: Path):
    return validate_landing_files(discover_landing_files(folder).files, folder, state)


def test_missing_columns_and_unreadable_files_are_refused_bad_values_are_not(tmp_path):
    folder = landing(
        tmp_path,
        {
            "users/a_good.csv": GOOD,
            "users/b_no_email.csv": NO_EMAIL,
            "users/c_bad_values.csv": BAD_VALUES,
            "channels/broken.jsonl": '{"channel_id": "ch1"\n',
        },
    )
    verdicts = validate(folder, tmp_path / "state")
    assert sorted(verdicts) == sorted(
        [
            "channels",
            "users",
            "groups",
            "user_groups",
            "contacts",
            "categories",
            "tags",
            "sessions",
            "messages",
            "tag_events",
            "agent_status_events",
        ]
    )
    refused = verdicts["users"].refused
    assert list(refused) == ["users/b_no_email.csv"]
    assert refused["users/b_no_email.csv"].startswith(
        "users/b_no_email.csv: missing column(s) email; refused by the landing checks, "
        "not loaded. Re-export it with every column of its table"
    )
    assert list(verdicts["channels"].refused) == ["channels/broken.jsonl"]
    assert "Fix or re-export the file" in verdicts["channels"].refused["channels/broken.jsonl"]

    users = verdicts["users"].check_result()
    assert not users.passed and users.severity == dg.AssetCheckSeverity.ERROR
    failing = users.metadata["failing_rows"].value
    # c_bad_values.csv: a blank user_id and 'maybe' for is_active
    assert failing == {"missing user_id": 1, "invalid is_active": 1}
    assert users.metadata["repeated_ids"].value == 0  # u1 twice, but in two files
    assert users.metadata["files_refused"].value == 1
    assert verdicts["groups"].check_result().passed  # no files, nothing wrong
    assert verdicts["groups"].refused == {}


def test_findings_are_kept_except_for_unreadable_files(tmp_path):
    folder = landing(tmp_path, {"users/a.csv": NO_EMAIL, "channels/broken.jsonl": "{\n"})
    validate(folder, tmp_path / "state")
    again = validate(folder, tmp_path / "state")
    users = again["users"].check_result()
    assert users.metadata["files_validated_this_run"].value == 0
    assert list(again["users"].refused) == ["users/a.csv"]  # the verdict is kept too
    channels = again["channels"].check_result()
    assert channels.metadata["files_validated_this_run"].value == 1  # read again


def answer_later(
    gate: VerdictGate, seconds: float, *decisions: tuple[str, str | None]
) -> threading.Thread:
    def decide() -> None:
        time.sleep(seconds)
        for relative_path, refusal in decisions:
            gate.decide(relative_path, refusal)

    thread = threading.Thread(target=decide)
    thread.start()
    return thread


def test_get_waits_for_that_files_verdict_only():
    gate = VerdictGate()
    gate.decide("users/a.csv", None)
    assert gate.get("users/a.csv") is None  # known: no wait
    thread = answer_later(gate, 0.2, ("users/b.csv", "users/b.csv: missing column(s) email"))
    started = time.perf_counter()
    assert gate.get("users/b.csv") == "users/b.csv: missing column(s) email"
    assert time.perf_counter() - started >= 0.15  # it waited for the verdict
    thread.join()


def test_a_failed_validation_stops_the_files_without_a_verdict():
    gate = VerdictGate()
    gate.decide("users/a.csv", None)
    gate.finish(ValueError("GX broke"))
    assert gate.get("users/a.csv") is None  # decided before the failure: still answered
    with pytest.raises(LandingValidationError, match=r"before checking users/b\.csv .*GX broke"):
        gate.get("users/b.csv")


def test_a_file_the_validation_was_not_given_is_not_refused():
    gate = VerdictGate()
    gate.finish()
    assert gate.get("users/unknown.csv") is None


def test_verdicts_come_in_load_order_not_table_order(tmp_path):
    # The loader goes by table folder name (channels, groups, users); the contract lists
    # users before groups. Verdicts must follow the load, or the first file waits for all.
    folder = landing(
        tmp_path,
        {
            "users/a.csv": GOOD,
            "channels/a.csv": CHANNELS,
            "groups/a.csv": GROUPS,
            "users/b.csv": NO_EMAIL,
        },
    )
    files = discover_landing_files(folder).files
    order: list[tuple[str, str | None]] = []
    validate_landing_files(
        files,
        folder,
        tmp_path / "state",
        on_verdict=lambda path, refusal: order.append((path, refusal)),
    )
    assert (
        [path for path, _ in order]
        == [f.relative_path for f in files]
        == [
            "channels/a.csv",
            "groups/a.csv",
            "users/a.csv",
            "users/b.csv",
        ]
    )
    assert [refusal is None for _, refusal in order] == [True, True, True, False]
    assert order[-1][1].startswith(
        "users/b.csv: missing column(s) email; refused by the landing checks"
    )


def test_the_load_beside_the_validation_refuses_what_it_refuses_and_loads_the_rest(tmp_path):
    folder = landing(
        tmp_path,
        {
            "users/a.csv": GOOD,
            "channels/a.csv": CHANNELS,
            "users/b.csv": NO_EMAIL,
        },
    )
    files = discover_landing_files(folder).files
    validation = BackgroundValidation(files, folder, tmp_path / "state").start()
    result = load_files(files, tmp_path / "warehouse.duckdb", refused=validation.gate)
    verdicts = validation.result()
    assert {outcome.path: (outcome.status, outcome.rows) for outcome in result.files} == {
        "channels/a.csv": ("loaded", 1),
        "users/a.csv": ("loaded", 2),
        "users/b.csv": ("failed", 0),
    }
    failed = next(outcome for outcome in result.files if outcome.status == "failed")
    assert "refused by the landing checks" in str(failed.error)
    assert list(verdicts["users"].refused) == ["users/b.csv"]
    assert verdicts["channels"].check_result().passed


def test_a_validation_error_stops_the_load_and_is_raised(tmp_path, monkeypatch):
    folder = landing(tmp_path, {"channels/a.csv": CHANNELS, "users/a.csv": GOOD})
    files = discover_landing_files(folder).files

    def broken(*args, **kwargs):
        raise OSError("state folder not writable")

    monkeypatch.setattr("orchestration.checks.landing_gate.validate_landing_files", broken)
    validation = BackgroundValidation(files, folder, tmp_path / "state").start()
    with pytest.raises(LandingValidationError, match="state folder not writable"):
        load_files(files, tmp_path / "warehouse.duckdb", refused=validation.gate)
    with pytest.raises(LandingValidationError, match="the landing validation failed: OSError"):
        validation.result()


def test_a_failed_load_stops_the_validation_at_its_next_verdict(tmp_path, monkeypatch):
    first_decided, stopped, decided = threading.Event(), threading.Event(), []

    def slow_validation(files, landing_dir, state_dir, *, on_verdict):
        for landing_file in files:
            on_verdict(landing_file.relative_path, None)
            decided.append(landing_file.relative_path)
            first_decided.set()
            stopped.wait(5)  # the load fails while this file is being checked
        return {}

    monkeypatch.setattr("orchestration.checks.landing_gate.validate_landing_files", slow_validation)
    folder = landing(
        tmp_path, {"channels/a.csv": CHANNELS, "groups/a.csv": GROUPS, "users/a.csv": GOOD}
    )
    validation = BackgroundValidation(
        discover_landing_files(folder).files, folder, tmp_path / "state"
    ).start()
    assert first_decided.wait(5)
    validation.gate.cancel()
    stopped.set()
    validation.stop()  # returns: the validation ended at the next verdict
    assert decided == ["channels/a.csv"]
    assert validation.gate.get("channels/a.csv") is None
    with pytest.raises(LandingValidationError, match="before checking groups/a.csv"):
        validation.gate.get("groups/a.csv")


def test_the_validation_closes_its_duckdb_when_done(tmp_path):
    # Its cache of landing-file blocks must not stay in memory through the dbt build.
    from omnireport.validation import landing_suite

    folder = landing(tmp_path, {"users/a.csv": GOOD})
    validate(folder, tmp_path / "state")
    assert landing_suite._DATABASE is None
