"""`omnireport run` on generated landing folders full of hostile entries
(tests/hostile_landing.py), through the real loader, dbt and Dagster: the run finishes with
the documented exit code (1 when a file was refused, else 0) and no traceback, names every
refused and skipped entry, loads each valid file's rows exactly once, and staging accounts
for every raw row (raw = staged + quarantined + superseded, with the counts the contract
gives for the rows loaded)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings

from tests.hostile_landing import (
    COLUMNS,
    COPY,
    HUGE_FIELD_BYTES,
    REFUSED_KINDS,
    SKIPPED_KINDS,
    VALID_KINDS,
    Entry,
    expected_outcomes,
    landing_folders,
    loaded_rows,
    name_entries,
    raw_by_file,
    staging_counts,
    warning_prefix,
    write_landing,
)

pytestmark = pytest.mark.integration

OMNIREPORT = Path(sys.executable).parent / "omnireport"
ROWS = {
    "tags": [("t1", 'Billing, "VIP"\nsecond line'), ("t2", None), (None, "no id")],
    "channels": [("c1", "Page 'A'", "facebook"), ("c2", "OA", "Zalo"), ("c1", "again", "zalo")],
}


def every_kind() -> list[Entry]:
    """A folder with every kind of entry in both tables (a copy repeats the first file)."""
    drawn = []
    for table in COLUMNS:
        for kind in (*VALID_KINDS, *REFUSED_KINDS, *SKIPPED_KINDS, COPY):
            rows = [] if kind in ("csv_empty", "jsonl_empty", "csv_header_only") else ROWS[table]
            if kind == "csv_huge_field":
                rows = [("t3", "h" * HUGE_FIELD_BYTES, "livechat")[: len(COLUMNS[table])]]
            drawn.append(Entry(table, kind, "", rows, 0 if kind == COPY else None))
    return name_entries(drawn, [" q'x"] * len(drawn))


def omnireport_run(landing: Path, warehouse: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    return subprocess.run(
        [str(OMNIREPORT), "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def reconciliation(warehouse: Path) -> dict[str, tuple[int, int, int, int]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_name, raw_rows, staged_rows, quarantined_rows, superseded_rows "
            "from audit.row_reconciliation"
        ).fetchall()
    return {name: tuple(counts) for name, *counts in rows}


@settings(
    max_examples=1,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example is a whole run
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@example(folder=every_kind())
@given(folder=landing_folders(changing=False, max_valid=4))
def test_a_run_on_a_hostile_landing_folder_finishes_and_accounts_for_every_row(
    folder: list[Entry],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        landing, warehouse = Path(tmp) / "landing", Path(tmp) / "wh.duckdb"
        write_landing(landing, folder)
        expected = expected_outcomes(folder)
        refused = [e for i, e in enumerate(folder) if expected[i] == "failed"]

        done = omnireport_run(landing, warehouse)

        output = done.stdout + done.stderr
        assert done.returncode == (1 if refused else 0), output[-5000:]
        assert "Traceback" not in output
        last = done.stdout.strip().splitlines()[-1]
        assert last.startswith("FAILED: omnireport run did not complete" if refused else "OK:")
        for entry in folder:
            if not entry.is_loadable:
                assert f"warning: {warning_prefix(entry)}" in done.stdout, entry.shown
        for entry in refused:
            assert done.stderr.count(f"\n  - {entry.shown}: ") == 1, entry.shown
        assert "FAILED dbt models / tests" not in done.stderr and "FAILED steps" not in done.stderr
        if refused:
            assert "\nNot published (a landing file was refused): " in done.stdout
        else:
            assert (
                f"\nPublished for readers: snapshot {Path(tmp)}/wh.published.duckdb" in done.stdout
            )

        loaded = loaded_rows(folder, expected)
        assert raw_by_file(warehouse) == {path: rows for path, rows in loaded.items() if rows}
        found = reconciliation(warehouse)
        for table in COLUMNS:
            rows = [
                row for path, rows in loaded.items() if path.startswith(f"{table}/") for row in rows
            ]
            counts = staging_counts(table, rows)
            assert found[table] == (
                counts.raw,
                counts.staged,
                counts.quarantined,
                counts.superseded,
            ), table
        assert all(sum(counts[1:]) == counts[0] for counts in found.values())
