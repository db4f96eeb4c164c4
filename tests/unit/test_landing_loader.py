"""The loader across runs: idempotency, re-exports, load order, the load log, warnings."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from omnireport.contract import RAW_TABLES
from omnireport.landing.loader import LoadResult, load_landing

pytestmark = pytest.mark.unit

CHANNELS_V1 = "channel_id,channel_name,channel_type\nch1,Page A,facebook\nch2,OA,zalo\n"
CHANNELS_V2 = "channel_id,channel_name,channel_type\nch1,Page A (renamed),facebook\n"


def write(landing: Path, relative: str, content: str | bytes) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def load(tmp_path: Path, progress: list[str] | None = None) -> LoadResult:
    return load_landing(
        tmp_path / "landing",
        tmp_path / "wh.duckdb",
        progress=None if progress is None else progress.append,
    )


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_lineage_columns_and_rows_by_table(tmp_path: Path) -> None:
    write(tmp_path / "landing", "channels/c.csv", CHANNELS_V1)
    before = datetime.now(UTC).replace(tzinfo=None)
    result = load(tmp_path)
    after = datetime.now(UTC).replace(tzinfo=None)

    assert result.rows_loaded_by_table == {t.name: 0 for t in RAW_TABLES} | {"channels": 2}
    rows = query(
        tmp_path,
        "select channel_id, _source_file, _row_number, _load_id, _loaded_at "
        "from raw.channels order by _row_number",
    )
    assert [r[:4] for r in rows] == [
        ("ch1", "channels/c.csv", 1, 1),
        ("ch2", "channels/c.csv", 2, 1),
    ]
    assert all(before <= r[4] <= after for r in rows)
    [outcome] = result.files
    assert (outcome.table, outcome.path, outcome.status, outcome.rows, outcome.error) == (
        "channels",
        "channels/c.csv",
        "loaded",
        2,
        None,
    )
    assert outcome.content_hash == hashlib.sha256(CHANNELS_V1.encode("utf-8")).hexdigest()
    assert query(tmp_path, "select content_hash, file_size, rows_loaded from raw._load_log") == [
        (outcome.content_hash, len(CHANNELS_V1), 2)
    ]


def test_same_content_twice_adds_nothing(tmp_path: Path) -> None:
    write(tmp_path / "landing", "channels/c.csv", CHANNELS_V1)
    load(tmp_path)
    second = load(tmp_path)

    assert [(f.path, f.status, f.rows) for f in second.files] == [
        ("channels/c.csv", "already_loaded", 0)
    ]
    assert second.ok and sum(second.rows_loaded_by_table.values()) == 0
    assert query(tmp_path, "select count(*) from raw.channels") == [(2,)]
    assert query(tmp_path, "select file_path, status from raw._load_log") == [
        ("channels/c.csv", "loaded")
    ]


def test_same_content_under_another_name_adds_nothing_and_is_logged_once(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "channels/a.csv", CHANNELS_V1)
    write(landing, "channels/b.csv", CHANNELS_V1)  # same bytes, same run
    progress: list[list[str]] = [[], [], []]
    first = load(tmp_path, progress[0])
    write(landing, "channels/c.csv", CHANNELS_V1)  # same bytes, later run
    second = load(tmp_path, progress[1])
    load(tmp_path, progress[2])

    # A skipped file is reported in the run that first sees it, not in every later run.
    skipped = [[line for line in lines if line.startswith("skipped")] for lines in progress]
    assert skipped == [
        ["skipped channels/b.csv: already loaded (same content as channels/a.csv)"],
        ["skipped channels/c.csv: already loaded (same content as channels/a.csv)"],
        [],
    ]

    assert [(f.path, f.status, f.rows) for f in first.files] == [
        ("channels/a.csv", "loaded", 2),
        ("channels/b.csv", "already_loaded", 0),
    ]
    assert [(f.path, f.status) for f in second.files] == [
        ("channels/a.csv", "already_loaded"),
        ("channels/b.csv", "already_loaded"),
        ("channels/c.csv", "already_loaded"),
    ]
    assert query(
        tmp_path, "select distinct _source_file, count(*) from raw.channels group by 1"
    ) == [("channels/a.csv", 2)]
    assert query(
        tmp_path, "select file_path, status, rows_loaded from raw._load_log order by load_id"
    ) == [
        ("channels/a.csv", "loaded", 2),
        ("channels/b.csv", "already_loaded", 0),
        ("channels/c.csv", "already_loaded", 0),
    ]


def test_same_bytes_in_two_table_folders_are_two_exports(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "groups/today.jsonl", '{"group_id": "g1"}\n{"tag_id": "t1"}\n')
    write(landing, "tags/today.jsonl", '{"group_id": "g1"}\n{"tag_id": "t1"}\n')
    result = load(tmp_path)
    assert [(f.path, f.status, f.rows) for f in result.files] == [
        ("groups/today.jsonl", "loaded", 2),
        ("tags/today.jsonl", "loaded", 2),
    ]
    assert query(tmp_path, "select tag_id from raw.tags order by _row_number") == [(None,), ("t1",)]


def test_changed_file_under_a_loaded_name_appends_after_everything_before(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "channels/c.csv", CHANNELS_V1)
    write(landing, "tags/t.csv", "tag_id,tag_name\nt1,VIP\n")
    load(tmp_path)
    write(landing, "channels/c.csv", CHANNELS_V2)
    result = load(tmp_path)

    assert [(f.path, f.status, f.rows) for f in result.files] == [
        ("channels/c.csv", "loaded", 1),
        ("tags/t.csv", "already_loaded", 0),
    ]
    # first run: channels/c.csv (1), tags/t.csv (2); the re-export comes after both
    assert query(
        tmp_path,
        "select channel_id, channel_name, _load_id, _row_number from raw.channels "
        "order by _load_id, _row_number",
    ) == [
        ("ch1", "Page A", 1, 1),
        ("ch2", "OA", 1, 2),
        ("ch1", "Page A (renamed)", 3, 1),
    ]


def test_files_load_in_table_then_file_name_order(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "tags/b.csv", "tag_id,tag_name\nt2,B\n")
    write(landing, "tags/a.jsonl", '{"tag_id": "t1", "tag_name": "A"}\n')
    write(landing, "tags/C.csv", "tag_id,tag_name\nt3,C\n")
    write(landing, "channels/z.csv", CHANNELS_V1)
    result = load(tmp_path)

    expected = [("channels/z.csv", 1), ("tags/C.csv", 2), ("tags/a.jsonl", 3), ("tags/b.csv", 4)]
    assert [f.path for f in result.files] == [path for path, _ in expected]
    assert (
        query(tmp_path, "select file_path, load_id from raw._load_log order by load_id") == expected
    )


def test_failed_file_is_retried_and_stays_failed_with_one_log_row(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "tags/bad.csv", "tag_id,tag_name\nt1\n")
    first = load(tmp_path)
    second = load(tmp_path)

    expected_error = "tags/bad.csv: line 2: expected 2 fields (as in the header), found 1"
    assert [(f.status, f.error) for f in first.files] == [("failed", expected_error)]
    assert [(f.status, f.error) for f in second.files] == [("failed", expected_error)]
    assert not second.ok
    assert query(tmp_path, "select file_path, status, rows_loaded, error from raw._load_log") == [
        ("tags/bad.csv", "failed", 0, expected_error)
    ]

    # a corrected export under the same name loads; the failure stays in the log, withdrawn
    # (the bytes that failed are gone), so the landing check no longer fails on it
    write(landing, "tags/bad.csv", "tag_id,tag_name\nt1,ok\n")
    third = load(tmp_path)
    assert [(f.status, f.rows) for f in third.files] == [("loaded", 1)]
    assert query(tmp_path, "select status, error from raw._load_log order by load_id") == [
        ("withdrawn", expected_error),
        ("loaded", None),
    ]


def test_ignored_files_are_warned_and_not_loaded(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "README.md", "exports land here")
    write(landing, "channels/.DS_Store", b"\x00\x01")
    write(landing, "channels/c.csv", CHANNELS_V1)
    write(landing, "channels/notes.json", "{}")
    write(landing, "channels/old/c.csv", CHANNELS_V2)
    write(landing, "Messages/m.csv", "message_id\nm1\n")

    progress: list[str] = []
    result = load(tmp_path, progress)

    assert [f.path for f in result.files] == ["channels/c.csv"]
    assert result.warnings == [
        "ignored folder Messages/: not a raw table (expected one of: agent_status_events, "
        "business_hours, categories, channel_schedules, channels, contacts, groups, holidays, "
        "messages, sessions, tag_events, tags, user_groups, users)",
        "ignored README.md: files at the top of the landing folder are not loaded "
        "(put exports in <table>/ sub-folders)",
        "ignored channels/.DS_Store: not a .csv, .jsonl or .parquet file",
        "ignored channels/notes.json: not a .csv, .jsonl or .parquet file",
        "ignored folder channels/old/: nested folders are not loaded",
    ]
    assert result.ok
    assert progress == [f"warning: {w}" for w in result.warnings] + [
        "loading channels/c.csv ...",
        "loading channels/c.csv ... 2 rows",
    ]


def test_empty_landing_folder_creates_the_raw_schema(tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    result = load(tmp_path)
    assert result.files == [] and result.ok
    rows = query(
        tmp_path, "select table_name from information_schema.tables where table_schema = 'raw'"
    )
    tables = {row[0] for row in rows}
    assert tables == {t.name for t in RAW_TABLES} | {"_load_log", "_build_state"}


def test_missing_landing_folder_is_an_error_that_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="landing folder .*nowhere does not exist"):
        load_landing(tmp_path / "nowhere", tmp_path / "wh.duckdb")


# --- Remembered hashes (landing.files.HashCache) -----------------------------------------


def load_with_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[LoadResult, list[str]]:
    """One load through load_files with the hash cache the Dagster landing step uses; the
    files whose bytes were read to hash them."""
    from omnireport.landing import files as files_module
    from omnireport.landing.files import HashCache, discover_landing_files
    from omnireport.landing.loader import load_files

    hashed: list[str] = []
    real = files_module.content_hash

    def counting(path: Path) -> str:
        hashed.append(path.name)
        return real(path)

    monkeypatch.setattr(files_module, "content_hash", counting)
    discovery = discover_landing_files(tmp_path / "landing")
    result = load_files(
        discovery.files,
        tmp_path / "wh.duckdb",
        hashes=HashCache(tmp_path / "state" / "landing_hashes.json"),
    )
    return result, hashed


def test_unchanged_files_are_not_read_again_to_hash_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    write(landing, "channels/c.csv", CHANNELS_V1)
    write(landing, "tags/t.csv", "tag_id,tag_name\nt1,VIP\n")
    first, hashed_first = load_with_hashes(tmp_path, monkeypatch)
    second, hashed_second = load_with_hashes(tmp_path, monkeypatch)

    assert [f.status for f in first.files] == ["loaded", "loaded"]
    assert hashed_first == ["c.csv", "t.csv"]
    assert [f.status for f in second.files] == ["already_loaded", "already_loaded"]
    assert hashed_second == []
    # the remembered hash is the file's sha256, as the load log records it
    assert [f.content_hash for f in second.files] == [
        hashlib.sha256(CHANNELS_V1.encode()).hexdigest(),
        hashlib.sha256(b"tag_id,tag_name\nt1,VIP\n").hexdigest(),
    ]


def test_a_file_rewritten_with_the_same_size_and_mtime_is_hashed_and_loaded_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import time

    landing = tmp_path / "landing"
    path = write(landing, "channels/c.csv", CHANNELS_V1)
    load_with_hashes(tmp_path, monkeypatch)
    before = path.stat()
    time.sleep(0.01)  # a later ctime, even on coarse file system clocks
    same_size = CHANNELS_V1.replace("Page A", "Page B")
    assert len(same_size) == len(CHANNELS_V1)
    path.write_text(same_size, encoding="utf-8")  # in place: same inode
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` or tar would
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)

    result, hashed = load_with_hashes(tmp_path, monkeypatch)
    assert hashed == ["c.csv"]
    assert [(f.status, f.rows) for f in result.files] == [("loaded", 2)]
    assert query(
        tmp_path, "select channel_name from raw.channels where _load_id = 2 order by _row_number"
    ) == [("Page B",), ("OA",)]


def test_a_damaged_hash_file_means_hashing_everything_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "landing", "channels/c.csv", CHANNELS_V1)
    load_with_hashes(tmp_path, monkeypatch)
    (tmp_path / "state" / "landing_hashes.json").write_text("{not json", encoding="utf-8")
    result, hashed = load_with_hashes(tmp_path, monkeypatch)
    assert hashed == ["c.csv"]
    assert [f.status for f in result.files] == ["already_loaded"]


# --- Nothing to load (landing.load_log.nothing_to_load) -----------------------------------


def nothing_to_load_now(tmp_path: Path) -> bool:
    from omnireport.landing.files import HashCache, discover_landing_files
    from omnireport.landing.load_log import nothing_to_load

    files = discover_landing_files(tmp_path / "landing").files
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    try:
        return nothing_to_load(con, files, HashCache(tmp_path / "state" / "landing_hashes.json"))
    finally:
        con.close()


def test_nothing_to_load_once_every_file_is_loaded_and_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    write(landing, "channels/c.csv", CHANNELS_V1)
    write(landing, "tags/t.csv", "tag_id,tag_name\nt1,VIP\n")
    load_with_hashes(tmp_path, monkeypatch)
    assert nothing_to_load_now(tmp_path)

    # the same bytes under a second name: the loader would log it (already_loaded) once
    write(landing, "tags/t_again.csv", "tag_id,tag_name\nt1,VIP\n")
    assert not nothing_to_load_now(tmp_path)
    result, _ = load_with_hashes(tmp_path, monkeypatch)
    assert [f.status for f in result.files] == ["already_loaded"] * 3
    assert query(
        tmp_path, "select status from raw._load_log where file_path = 'tags/t_again.csv'"
    ) == [("already_loaded",)]
    assert nothing_to_load_now(tmp_path)


def test_a_touched_new_or_failed_file_means_something_to_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    landing = tmp_path / "landing"
    path = write(landing, "channels/c.csv", CHANNELS_V1)
    load_with_hashes(tmp_path, monkeypatch)
    assert nothing_to_load_now(tmp_path)

    os.utime(path)  # same bytes, a new stamp: only reading them would tell
    assert not nothing_to_load_now(tmp_path)
    load_with_hashes(tmp_path, monkeypatch)
    assert nothing_to_load_now(tmp_path)

    write(landing, "tags/t.csv", "tag_id,tag_name\nt1,VIP\n")  # a new file
    assert not nothing_to_load_now(tmp_path)
    load_with_hashes(tmp_path, monkeypatch)
    assert nothing_to_load_now(tmp_path)

    write(landing, "tags/bad.csv", "tag_id\nt2\n")  # misses a column: fails on every run
    load_with_hashes(tmp_path, monkeypatch)
    assert not nothing_to_load_now(tmp_path)
