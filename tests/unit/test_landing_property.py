"""The loader over generated landing folders that mix valid exports with hostile entries
(tests/hostile_landing.py): whatever the mix, the load finishes, every valid file's rows
are in raw exactly once and as exported, and every other entry is refused with its reason
logged or skipped with a warning naming it; a second load adds only the file that changed
while the first one read it."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings

from omnireport.landing.loader import LoadResult, load_landing
from tests.hostile_landing import (
    CHANGING,
    Entry,
    Row,
    expected_outcomes,
    landing_folders,
    loaded_rows,
    raw_by_file,
    raw_rows,
    warning_prefix,
    write_landing,
)

pytestmark = pytest.mark.unit

GROWN_ROW = {"tags": ("t1", "grown"), "channels": ("c1", "grown", "zalo")}


class GrowWhileRead:
    """The loader's progress: appends a row to each CHANGING file once its reading starts."""

    def __init__(self, landing: Path, folder: Sequence[Entry]) -> None:
        self.landing = landing
        self.waiting = {f"loading {e.shown} ...": e for e in folder if e.kind == CHANGING}

    def __call__(self, line: str) -> None:
        entry = self.waiting.pop(line, None)
        if entry is None:
            return
        row = GROWN_ROW[entry.table]
        path = self.landing / entry.table / entry.name
        with path.open("a", encoding="utf-8") as stream:
            stream.write(",".join(row) + "\n")
        # From now on it is a stable valid CSV that the next load reads whole.
        entry.kind, entry.rows, entry.content = "csv", [*entry.rows, row], path.read_bytes()


def check_load(
    result: LoadResult, warehouse: Path, folder: Sequence[Entry], expected: dict[int, str]
) -> None:
    """Every entry ended as ``expected`` says, with its reason where it has one."""
    outcomes = {outcome.path: outcome for outcome in result.files}
    loadable = {e.relative_path for e in folder if e.is_loadable}
    assert set(outcomes) == loadable
    for index, entry in enumerate(folder):
        want = expected[index]
        if not entry.is_loadable:
            prefix = warning_prefix(entry)
            assert any(w.startswith(prefix) for w in result.warnings), (prefix, result.warnings)
            continue
        outcome = outcomes[entry.relative_path]
        assert outcome.status == want, (entry.kind, entry.name, outcome)
        assert outcome.rows == (len(raw_rows(entry, folder)) if want == "loaded" else 0)
        if want == "failed":
            assert outcome.error and outcome.error.startswith(f"{entry.shown}: "), outcome.error
        if want == "skipped":
            assert outcome.error in result.warnings
            assert outcome.error.startswith(f"skipped {entry.shown}: it changed while it was")
    assert result.ok == ("failed" not in expected.values())
    with duckdb.connect(str(warehouse), read_only=True) as con:
        failed = con.execute(
            "select table_name || '/' || file_path, error from raw._load_log where status = "
            "'failed'"
        ).fetchall()
    refused = {e.relative_path for i, e in enumerate(folder) if expected[i] == "failed"}
    assert {path.split("/", 1)[1] for path, _ in failed} == refused
    assert all(error for _, error in failed)


def check_raw(warehouse: Path, loaded: dict[str, list[Row]]) -> None:
    """raw holds exactly the rows of the files loaded, each once, in file order."""
    assert raw_by_file(warehouse) == {path: rows for path, rows in loaded.items() if rows}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        twice = con.execute(
            "select table_name, content_hash from raw._load_log where status = 'loaded' "
            "group by all having count(*) > 1"
        ).fetchall()
    assert twice == []


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(folder=landing_folders())
def test_any_landing_folder_loads_each_valid_file_once_and_accounts_for_every_entry(
    folder: list[Entry],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        landing, warehouse = Path(tmp) / "landing", Path(tmp) / "wh.duckdb"
        write_landing(landing, folder)
        expected = expected_outcomes(folder)
        loaded_now = loaded_rows(folder, expected)
        loaded_bytes = {
            (e.table, e.content) for i, e in enumerate(folder) if expected[i] == "loaded"
        }

        first = load_landing(landing, warehouse, progress=GrowWhileRead(landing, folder))
        check_load(first, warehouse, folder, expected)
        check_raw(warehouse, loaded_now)

        # The next load adds only what changed while the first read it; the rest is settled.
        again = expected_outcomes(folder, loaded_before=loaded_bytes)
        second = load_landing(landing, warehouse)
        check_load(second, warehouse, folder, again)
        loaded_now |= loaded_rows(folder, again)
        assert {o.path for o in second.files if o.status == "loaded"} <= {
            e.relative_path for i, e in enumerate(folder) if expected[i] == "skipped"
        }
        check_raw(warehouse, loaded_now)
        digest = {
            e.relative_path: hashlib.sha256(e.content).hexdigest()
            for e in folder
            if e.content is not None and e.is_loadable
        }
        assert all(o.content_hash == digest[o.path] for o in second.files if o.content_hash)
