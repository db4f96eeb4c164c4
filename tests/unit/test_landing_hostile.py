"""Entries of a landing folder that are not readable regular files, and files that change
while they are read: each is skipped with a warning naming it, and the other files load."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from omnireport.landing.files import discover_landing_files
from omnireport.landing.loader import LoadResult, load_files, load_landing

pytestmark = pytest.mark.unit

TAGS_HEADER = "tag_id,tag_name\n"


def write(landing: Path, relative: str, content: str) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def load(tmp_path: Path, **kwargs) -> LoadResult:
    return load_landing(tmp_path / "landing", tmp_path / "wh.duckdb", **kwargs)


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_broken_and_looping_links_are_skipped_and_every_other_file_loads(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "tags/a.csv", TAGS_HEADER + "t1,A\n")
    (landing / "tags" / "m.csv").symlink_to(tmp_path / "nowhere.csv")  # dangling
    (landing / "tags" / "zz.csv").symlink_to("zz.csv")  # a link to itself
    write(landing, "tags/zzz.csv", TAGS_HEADER + "t2,B\n")  # after both links
    write(tmp_path / "elsewhere", "t.csv", TAGS_HEADER + "t3,C\n")
    (landing / "tags" / "link.csv").symlink_to(tmp_path / "elsewhere" / "t.csv")

    for run in (1, 2):  # every run says the same and loads nothing twice
        result = load(tmp_path)
        assert result.ok
        assert [w for w in result.warnings if w.startswith("skipped")] == [
            f"skipped tags/m.csv: a broken symbolic link (its target {tmp_path}/nowhere.csv "
            "does not exist)",
            "skipped tags/zz.csv: a symbolic link that loops (it points back to itself)",
        ]
        loaded = "loaded" if run == 1 else "already_loaded"
        assert [(f.path, f.status) for f in result.files] == [
            ("tags/a.csv", loaded),
            ("tags/link.csv", loaded),
            ("tags/zzz.csv", loaded),
        ]
    assert query(tmp_path, "select tag_id from raw.tags order by 1") == [("t1",), ("t2",), ("t3",)]
    assert query(tmp_path, "select file_path from raw._load_log order by 1") == [
        ("tags/a.csv",),
        ("tags/link.csv",),
        ("tags/zzz.csv",),
    ]


def test_a_failure_logged_for_an_entry_that_is_now_skipped_is_withdrawn(tmp_path: Path) -> None:
    # Earlier versions logged a dangling link as a failed file, which failed every later run.
    landing = tmp_path / "landing"
    write(landing, "tags/a.csv", TAGS_HEADER + "t1,A\n")
    (landing / "tags" / "zz.csv").symlink_to("zz.csv")
    load(tmp_path)
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as con:
        con.execute(
            "insert into raw._load_log values (99, 'tags', 'tags/zz.csv', '', 0, 0, 'failed', "
            "'tags/zz.csv: cannot read the file (Too many levels of symbolic links)', now())"
        )
    assert load(tmp_path).ok
    assert query(tmp_path, "select file_path, status from raw._load_log order by 1") == [
        ("tags/a.csv", "loaded"),
        ("tags/zz.csv", "withdrawn"),
    ]


def test_pipes_devices_and_folders_named_like_exports_are_not_read(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "tags/a.csv", TAGS_HEADER + "t1,A\n")
    os.mkfifo(landing / "tags" / "pipe.csv")  # reading it would wait forever
    (landing / "tags" / "null.jsonl").symlink_to(os.devnull)
    (landing / "tags" / "dir.parquet").mkdir()
    result = load(tmp_path)
    assert result.ok and [f.path for f in result.files] == ["tags/a.csv"]
    assert result.warnings == [
        "ignored folder tags/dir.parquet/: nested folders are not loaded",
        "skipped tags/null.jsonl: not a regular file (a character device)",
        "skipped tags/pipe.csv: not a regular file (a named pipe)",
    ]


def test_names_are_printed_escaped_and_names_that_are_not_utf8_are_skipped(
    tmp_path: Path,
) -> None:
    landing = tmp_path / "landing"
    write(landing, "tags/red\x1b[31m\nx.csv", TAGS_HEADER + "t1,A\n")
    write(landing, os.fsdecode(b"tags/caf\xe9.csv"), TAGS_HEADER + "t2,B\n")
    lines: list[str] = []
    result = load(tmp_path, progress=lines.append)
    assert result.warnings == ["skipped tags/caf\\xe9.csv: its name is not valid UTF-8: rename it"]
    assert [f.path for f in result.files] == ["tags/red\x1b[31m\nx.csv"]  # stored as named
    assert "loading tags/red\\x1b[31m\\nx.csv ... 1 rows" in lines  # printed on one line
    from omnireport.landing.files import printable

    assert printable("a\tb\u200bc") == "a\\tb\\u200bc"


def test_a_file_that_changes_while_it_is_read_loads_on_the_next_run(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    export = write(landing, "tags/a.csv", TAGS_HEADER + "t1,A\n")
    write(landing, "tags/b.csv", TAGS_HEADER + "t2,B\n")

    def append_while_read(line: str) -> None:
        if line == "loading tags/a.csv ...":  # after it was hashed, before it is read
            with export.open("a", encoding="utf-8") as stream:
                stream.write("t3,C\n")

    first = load(tmp_path, progress=append_while_read)
    assert first.ok
    assert [(f.path, f.status) for f in first.files] == [
        ("tags/a.csv", "skipped"),
        ("tags/b.csv", "loaded"),
    ]
    assert first.warnings == [
        "skipped tags/a.csv: it changed while it was being read; the next run tries it again"
    ]
    assert query(tmp_path, "select count(*) from raw._load_log") == [(1,)]

    second = load(tmp_path)
    assert [(f.path, f.status, f.rows) for f in second.files] == [
        ("tags/a.csv", "loaded", 2),
        ("tags/b.csv", "already_loaded", 0),
    ]
    assert query(tmp_path, "select tag_id from raw.tags order by 1") == [("t1",), ("t2",), ("t3",)]


def test_a_file_removed_after_it_was_found_is_skipped(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    gone = write(landing, "tags/a.csv", TAGS_HEADER + "t1,A\n")
    write(landing, "tags/b.csv", TAGS_HEADER + "t2,B\n")
    discovery = discover_landing_files(landing)
    gone.unlink()
    result = load_files(discovery.files, tmp_path / "wh.duckdb")
    assert result.ok
    assert [(f.path, f.status) for f in result.files] == [
        ("tags/a.csv", "skipped"),
        ("tags/b.csv", "loaded"),
    ]
    assert result.warnings == [
        "skipped tags/a.csv: it could no longer be read (No such file or directory); the next "
        "run tries it again"
    ]


def test_a_refused_file_whose_bytes_load_later_under_another_name_is_no_longer_refused(
    tmp_path: Path,
) -> None:
    # The same bytes: JSON lines, refused as a CSV, loaded as JSONL.
    landing = tmp_path / "landing"
    lines = '{"tag_id": "t1", "tag_name": "A"}\n'
    write(landing, "tags/a.csv", lines)
    write(landing, "tags/b.jsonl", lines)
    first = load(tmp_path)
    assert [(f.path, f.status) for f in first.files] == [
        ("tags/a.csv", "failed"),
        ("tags/b.jsonl", "loaded"),
    ]
    second = load(tmp_path)
    assert second.ok
    assert [(f.path, f.status) for f in second.files] == [
        ("tags/a.csv", "already_loaded"),
        ("tags/b.jsonl", "already_loaded"),
    ]
    assert query(tmp_path, "select file_path, status, error from raw._load_log order by 1") == [
        ("tags/a.csv", "already_loaded", None),
        ("tags/b.jsonl", "loaded", None),
    ]
    assert query(tmp_path, "select tag_id from raw.tags") == [("t1",)]
