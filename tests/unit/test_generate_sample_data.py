"""The sample landing data (seeds/) against its generator and the independent reference.

`seeds/make_sample_data.py` writes the files and, from its own bookkeeping, the expected
counts and quarantine; here the reference implementation of the contract (tests/reference/)
reads the committed files on its own and must find the same bad rows with the same
reasons, the same counts, and the business times worked out by hand in seeds/README.md.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from tests.reference.contract_reference import compute_marts, to_records

pytestmark = pytest.mark.unit

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SCHEDULE_TABLES = ("business_hours", "holidays", "channel_schedules")


@pytest.fixture(scope="module")
def marts() -> dict[str, pd.DataFrame]:
    return compute_marts(SEEDS / "landing")


def _quarantine(marts: dict[str, pd.DataFrame]) -> set[tuple[str, str, int, str]]:
    return {
        (
            key.removeprefix("quarantine__"),
            row["_source_file"],
            int(row["_row_number"]),
            row["reason"],
        )
        for key, frame in marts.items()
        if key.startswith("quarantine__")
        for row in to_records(frame)
    }


def _expected_quarantine() -> set[tuple[str, str, int, str]]:
    with (SEEDS / "expected_quarantine.csv").open(encoding="utf-8", newline="") as handle:
        return {
            (row["table"], row["source_file"], int(row["row_number"]), row["reason"])
            for row in csv.DictReader(handle)
        }


def test_the_reference_quarantines_exactly_the_expected_rows(marts) -> None:
    expected = _expected_quarantine()
    assert _quarantine(marts) == expected
    for table in SCHEDULE_TABLES:  # the new tables have bad rows in both batches
        files = {source for name, source, _, _ in expected if name == table}
        assert len(files) == 2, table


def test_the_reference_counts_match_expected_counts(marts) -> None:
    expected = json.loads((SEEDS / "expected_counts.json").read_text(encoding="utf-8"))
    found = {
        row["table_name"]: {
            "raw": row["raw_rows"],
            "bad": row["quarantined_rows"],
            "superseded": row["superseded_rows"],
            "staged": row["staged_rows"],
        }
        for row in to_records(marts["reconciliation"])
    }
    assert found == expected["tables"]
    assert found["sessions"] == {"raw": 345, "bad": 12, "superseded": 3, "staged": 330}


def test_the_generator_writes_the_committed_files(tmp_path: Path) -> None:
    for attempt in ("first", "second"):  # twice: byte-identical every time
        out = tmp_path / attempt
        command = [sys.executable, str(SEEDS / "make_sample_data.py"), "--out-dir", str(out)]
        subprocess.run(command, check=True, capture_output=True, timeout=120)
        written = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
        assert written, attempt
        for relative in written:
            assert (out / relative).read_bytes() == (SEEDS / relative).read_bytes(), relative
    committed = sorted(p.relative_to(SEEDS) for p in (SEEDS / "landing").rglob("*.csv"))
    assert committed == [p for p in written if p.parts[0] == "landing"]


def _sessions(marts: dict[str, pd.DataFrame]) -> dict[str, dict]:
    return {row["session_id"]: row for row in to_records(marts["fct_sessions"])}


BUSINESS = (
    "schedule_id",
    "started_in_business_hours",
    "waiting_time_business_s",
    "support_time_business_s",
    "session_duration_business_s",
)


def _business(row: dict) -> tuple:
    return tuple(row[column] for column in BUSINESS)


def test_business_times_worked_out_by_hand(marts) -> None:
    """seeds/README.md, "Business hours": the values of its second table."""
    s = _sessions(marts)
    assert _business(s["sx01"]) == ("default", True, 190.0, 380.0, 1200.0)
    assert s["sx01"]["avg_response_time_business_s"] == pytest.approx(340 / 3, rel=1e-12)
    # Thu 16:00-17:30 + Fri 08:00-12:00 + 13:00-17:00 (answered), + 20 min to done
    assert _business(s["sx15"]) == ("default", True, 34200.0, 0.0, 35400.0)
    # Monday 03-09, the second version opens at 07:00 (a version change at midnight)
    assert _business(s["sx19"]) == ("default", False, 0.0, 300.0, 1200.0)
    # 03-10 is a holiday: only 03-11 07:00-09:00 counts
    assert _business(s["sx14"]) == ("default", False, None, None, 7200.0)
    for session_id in ("sx23", "sx24", "sx25", "sx05", "sx07"):  # holidays 03-10 and 03-04
        row = s[session_id]
        assert row["schedule_id"] == "default", session_id
        assert (row["waiting_time_business_s"], row["session_duration_business_s"]) == (0.0, 0.0)
    # New York: Saturday 20:00-24:00; Sunday 03-08 00:00 EST - 04:00 EDT (05:00Z-08:00Z)
    assert _business(s["sx20"]) == ("ny_team", True, 60.0, 0.0, 600.0)
    assert s["s0091"]["started_at"] == datetime(2026, 3, 8, 7, 29, 48)
    assert (s["s0091"]["waiting_time_business_s"], s["s0091"]["session_duration_business_s"]) == (
        299.0,
        1812.0,
    )
    assert _business(s["sx18"]) == ("ny_team", True, 180.0, 180.0, 1800.0)
    assert _business(s["sx08"]) == ("ny_team", False, 0.0, 0.0, 0.0)
    assert _business(s["sx16"]) == (None, None, None, None, None)
    assert s["sx16"]["avg_response_time_business_s"] is None


def test_the_second_batch_changes_business_times(marts, tmp_path: Path) -> None:
    """After batch 1 alone: no holiday on 03-04 yet, and ch06 is still on `default`."""
    for folder in (SEEDS / "landing").iterdir():
        (tmp_path / folder.name).mkdir()
        for path in folder.glob("*_batch1.csv"):
            shutil.copy(path, tmp_path / folder.name / path.name)
    first = _sessions(compute_marts(tmp_path))
    assert _business(first["sx05"]) == ("default", True, 40.0, 0.0, 300.0)
    assert _business(first["sx07"]) == ("default", True, 120.0, 180.0, 600.0)
    assert _business(first["sx18"]) == ("default", False, 0.0, 0.0, 0.0)
    both = _sessions(marts)
    assert _business(both["sx05"]) == ("default", False, 0.0, 0.0, 0.0)
    assert both["sx18"]["schedule_id"] == "ny_team"
