"""The landing gate: which files the landing suite refuses before the load, and why."""

from pathlib import Path

import dagster as dg
import pytest

from omnireport.landing.files import discover_landing_files
from omnireport.orchestration.checks.landing import validate_landing_files

pytestmark = pytest.mark.unit

GOOD = "user_id,full_name,email,is_active\nu1,An,an@example.com,true\nu2,Binh,,false\n"
NO_EMAIL = "user_id,full_name,is_active\nu3,Chi,true\n"
BAD_VALUES = "user_id,full_name,email,is_active\n,Dung,,maybe\nu1,An,an@example.com,true\n"


def landing(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "landing"
    for relative, text in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text, encoding="utf-8")
    return folder


def validate(folder: Path, state: Path):
    return validate_landing_files(discover_landing_files(folder).files, folder, state)


def test_missing_columns_and_unreadable_files_are_refused_bad_values_are_not(tmp_path):
    folder = landing(tmp_path, {
        "users/a_good.csv": GOOD,
        "users/b_no_email.csv": NO_EMAIL,
        "users/c_bad_values.csv": BAD_VALUES,
        "channels/broken.jsonl": '{"channel_id": "ch1"\n',
    })
    verdicts = validate(folder, tmp_path / "state")
    assert sorted(verdicts) == sorted([
        "channels", "users", "groups", "user_groups", "contacts", "categories", "tags",
        "sessions", "messages", "tag_events", "agent_status_events",
    ])
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
