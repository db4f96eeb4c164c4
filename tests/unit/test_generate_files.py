"""The generator's files: exact headers, batch names in order, same seed same bytes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from omnireport.contract import RAW_TABLES
from omnireport.generate import GenerateConfig, generate
from omnireport.generate.cli import main

pytestmark = pytest.mark.unit


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_every_table_has_one_csv_per_batch_with_the_contract_header(tmp_path: Path) -> None:
    generate(GenerateConfig(out=tmp_path, sessions=40, batches=4, days=5))
    for table in RAW_TABLES:
        names = sorted(p.name for p in (tmp_path / table.name).iterdir())
        assert names == ["batch_0001.csv", "batch_0002.csv", "batch_0003.csv", "batch_0004.csv"]
        for name in names:
            with (tmp_path / table.name / name).open(encoding="utf-8", newline="") as handle:
                assert next(csv.reader(handle)) == list(table.columns)


def test_same_seed_gives_the_same_bytes_and_another_seed_other_bytes(tmp_path: Path) -> None:
    first, again, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(GenerateConfig(out=first, sessions=60, seed=7, format="mixed"))
    generate(GenerateConfig(out=again, sessions=60, seed=7, format="mixed"))
    generate(GenerateConfig(out=other, sessions=60, seed=8, format="mixed"))
    assert _tree(first) == _tree(again)
    assert _tree(first)["sessions/batch_0001.csv"] != _tree(other)["sessions/batch_0001.csv"]
    assert _tree(first)["messages/batch_0002.jsonl"] != _tree(other)["messages/batch_0002.jsonl"]


def test_mixed_format_rotates_csv_jsonl_parquet_with_the_contract_columns(tmp_path: Path) -> None:
    generate(GenerateConfig(out=tmp_path, sessions=30, batches=4, format="mixed"))
    messages = tmp_path / "messages"
    assert sorted(p.name for p in messages.iterdir()) == [
        "batch_0001.csv",
        "batch_0002.jsonl",
        "batch_0003.parquet",
        "batch_0004.csv",
    ]
    columns = list(RAW_TABLES[8].columns)
    assert RAW_TABLES[8].name == "messages"
    assert pq.read_schema(messages / "batch_0003.parquet").names == columns
    for line in (messages / "batch_0002.jsonl").read_text(encoding="utf-8").splitlines():
        assert set(json.loads(line)) <= set(columns)


def test_rows_land_in_the_batch_of_their_time_window(tmp_path: Path) -> None:
    # 2 days from local midnight 2026-03-02 (= 2026-03-01T17:00Z) in 2 batches: the cut is
    # at 2026-03-02T17:00Z; presence events are never re-exported when dup_rate is 0.
    generate(GenerateConfig(out=tmp_path, sessions=20, days=2, batches=2, bad_rate=0, dup_rate=0))
    for batch, inside in (
        ("batch_0001.csv", lambda t: t < "2026-03-02T17:00"),
        ("batch_0002.csv", lambda t: t >= "2026-03-02T17:00"),
    ):
        with (tmp_path / "agent_status_events" / batch).open(
            encoding="utf-8", newline=""
        ) as handle:
            rows = list(csv.DictReader(handle))
        plain = [
            r["event_at"] for r in rows if r["event_at"].endswith("Z") and "T" in r["event_at"]
        ]
        assert plain, batch
        assert all(inside(t.strip()) for t in plain), batch


def test_command_line_writes_files_and_rejects_a_bad_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["--out", str(tmp_path / "out"), "--sessions", "5", "--days", "2", "--batches", "2"])
        == 0
    )
    assert (tmp_path / "out" / "sessions" / "batch_0002.csv").is_file()
    assert "rows/s" in capsys.readouterr().out
    assert main(["--out", str(tmp_path / "x"), "--sessions", "5", "--bad-rate", "1.5"]) == 2
    assert "--bad-rate must be a fraction between 0 and 1, got 1.5" in capsys.readouterr().err


def test_refuses_an_out_folder_with_foreign_files(tmp_path: Path) -> None:
    (tmp_path / "sessions").mkdir()
    (tmp_path / "sessions" / "export.csv").write_text("x\n")
    with pytest.raises(FileExistsError, match="pass an empty or new --out folder"):
        generate(GenerateConfig(out=tmp_path, sessions=1))


def test_jsonl_writes_typed_ratings_and_booleans_and_leaves_some_nulls_out(tmp_path: Path) -> None:
    generate(GenerateConfig(out=tmp_path, sessions=80, format="jsonl", bad_rate=0.0))
    sessions = [
        json.loads(line)
        for path in sorted((tmp_path / "sessions").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    assert any(isinstance(s.get("rating"), int) for s in sessions)
    assert any("done_at" not in s for s in sessions) and any(
        s.get("done_at", 1) is None for s in sessions
    )
    users = [
        json.loads(line)
        for line in (tmp_path / "users" / "batch_0001.jsonl").read_text("utf-8").splitlines()
    ]
    assert {True, False} <= {u.get("is_active") for u in users}
