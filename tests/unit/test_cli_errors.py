"""Errors a user can cause end in one line with the documented exit code (2 usage, 1
failure, 130 interrupt), never a traceback, and before anything is loaded when they can."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from omnireport.cli import main
from omnireport.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, describe_error
from omnireport.settings import check_warehouse_path, duckdb_config

pytestmark = pytest.mark.unit

OMNIREPORT = Path(sys.executable).parent / "omnireport"
TAGS = "tag_id,tag_name\nt1,A\n"


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    (folder / "tags").mkdir(parents=True)
    (folder / "tags" / "t.csv").write_text(TAGS, encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def _no_omnireport_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("OMNIREPORT_"):
            monkeypatch.delenv(name)


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this user cannot create files in (root ignores permissions: use sysfs)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / "probe").touch()
    except PermissionError:
        return folder
    folder.chmod(0o755)
    try:
        (Path("/sys/kernel") / "omnireport-probe").touch()
    except PermissionError:
        return Path("/sys/kernel")
    pytest.skip("no folder here refuses this user's writes")


def test_a_warehouse_in_a_folder_that_cannot_be_written_fails_in_one_line(
    tmp_path: Path, landing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = unwritable_folder(tmp_path)
    code = main(["load", "--landing", str(landing), "--warehouse", str(folder / "wh.duckdb")])
    assert code == 1
    line = one_line_error(capsys)
    assert line.startswith(f"omnireport load: FAILED: cannot write or read {folder}/wh.duckdb")
    assert "Permission denied" in line and "use a folder this user can write" in line


@pytest.mark.parametrize("kind", ["folder", "under a file"])
def test_report_html_out_that_cannot_be_a_file_is_a_usage_error(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    out = tmp_path / "reports" if kind == "folder" else tmp_path / "notes.txt" / "r.html"
    code = main(["report", "html", "--out", str(out), "--warehouse", str(tmp_path / "w.duckdb")])
    assert code == 2
    line = one_line_error(capsys)
    expected = "is a folder: give a file name" if kind == "folder" else "is a file, not a folder"
    assert line.startswith(f"omnireport report html: error: --out {out}") and expected in line
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["notes.txt", "reports"]


def test_a_postgres_port_that_is_not_a_number_exits_2_before_loading(
    tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("OMNIREPORT_PG_PORT", "abc")
    code = main(["load", "--target", "postgres", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb")])  # fmt: skip
    assert code == 2
    assert one_line_error(capsys) == (
        "omnireport load: error: OMNIREPORT_PG_PORT='abc' is not a TCP port: set it to a "
        "number between 1 and 65535 (the PostgreSQL default is 5432)"
    )
    assert list(tmp_path.iterdir()) == [landing]


def test_an_empty_memory_limit_means_the_default_and_a_wrong_one_exits_2(
    tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    assert duckdb_config({"OMNIREPORT_DUCKDB_MEMORY_LIMIT": ""}) == {"memory_limit": "3GB"}
    profiles = (Path(__file__).parents[2] / "dbt_project" / "profiles.yml").read_text()
    assert "env_var('OMNIREPORT_DUCKDB_MEMORY_LIMIT', '') | trim or '3GB'" in profiles
    monkeypatch.setenv("OMNIREPORT_DUCKDB_MEMORY_LIMIT", "lots")
    code = main(["load", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb")])
    assert code == 2
    assert "OMNIREPORT_DUCKDB_MEMORY_LIMIT='lots' is not an amount of memory" in one_line_error(
        capsys
    )
    assert not (tmp_path / "w.duckdb").exists()


def test_a_quote_in_the_warehouse_file_name_is_refused_before_loading(
    tmp_path: Path, landing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # dbt-duckdb names the catalog after the file and writes it into SQL unquoted.
    warehouse = tmp_path / "w q'x" / "wh'1.duckdb"
    code = main(["load", "--landing", str(landing), "--warehouse", str(warehouse)])
    assert code == 2
    line = one_line_error(capsys)
    assert line.startswith(f"omnireport load: error: warehouse {warehouse}: dbt cannot use")
    assert "choose another name" in line
    assert not (tmp_path / "w q'x").exists()


@pytest.mark.parametrize(
    "name", ['q"x.duckdb', "a;b.duckdb", "a\\b.duckdb", "a#b.duckdb", "system.duckdb", "Temp.db"]
)
def test_other_warehouse_names_dbt_cannot_use_are_refused(tmp_path: Path, name: str) -> None:
    from omnireport.errors import SettingsError

    with pytest.raises(SettingsError, match="choose another name"):
        check_warehouse_path(tmp_path / name)


def test_quotes_and_spaces_in_the_warehouse_folder_are_fine(tmp_path: Path) -> None:
    check_warehouse_path(tmp_path / "w q'x" / "wh-1 v2.duckdb")  # a run quotes them (e2e)


@pytest.mark.parametrize(
    ("zone", "suggestion"),
    [
        ("posix/Asia/Ho_Chi_Minh", "did you mean Asia/Ho_Chi_Minh?"),
        ("right/UTC", "did you mean UTC?"),
        ("asia/ho_chi_minh", "did you mean Asia/Ho_Chi_Minh?"),
        ("localtime", "give an IANA name such as Asia/Ho_Chi_Minh or UTC"),
        ("posixrules", "give an IANA name such as Asia/Ho_Chi_Minh or UTC"),
    ],
)
def test_a_time_zone_the_warehouse_rejects_exits_2_before_loading(
    tmp_path: Path, landing: Path, zone: str, suggestion: str, capsys
) -> None:
    warehouse = tmp_path / "w.duckdb"
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--timezone", zone, "--landing", str(landing), "--warehouse", str(warehouse)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --timezone: unknown time zone {zone!r}: {suggestion}" in err
    assert not warehouse.exists()


def test_the_schedules_and_every_build_check_the_time_zone_the_same_way() -> None:
    from omnireport.build_state import BuildSettings
    from orchestration.schedules import report_timezone

    with pytest.raises(ValueError, match=r"OMNIREPORT_REPORT_TIMEZONE='right/UTC'.*mean UTC\?"):
        report_timezone({"OMNIREPORT_REPORT_TIMEZONE": "right/UTC"})
    with pytest.raises(ValueError, match="report_timezone='posixrules': unknown time zone"):
        BuildSettings.resolve("posixrules")
    assert BuildSettings.resolve("Europe/Berlin").report_timezone == "Europe/Berlin"


def test_a_closed_output_pipe_ends_quietly(tmp_path: Path) -> None:
    # `omnireport status | head -1`: the reader is gone before the output is written.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [str(OMNIREPORT), "status", "--warehouse", str(tmp_path / "w.duckdb")],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 0
    assert done.stderr == ""


def test_debug_shows_the_traceback(tmp_path: Path, landing: Path, capsys) -> None:
    warehouse = tmp_path / "wh'1.duckdb"
    with pytest.raises(ValueError, match="dbt cannot use"):
        main(["load", "--debug", "--landing", str(landing), "--warehouse", str(warehouse)])


@pytest.mark.parametrize(
    ("error", "message", "code"),
    [
        (KeyboardInterrupt(), "interrupted", 130),
        (
            OSError(errno.ENOSPC, "No space left on device", "/data/wh.duckdb"),
            "no space left while writing /data/wh.duckdb (No space left on device): free some "
            "space, then run again",
            1,
        ),
        (
            IsADirectoryError(errno.EISDIR, "Is a directory", "/tmp/out"),
            "/tmp/out is a folder: give the path of a file",
            2,
        ),
        (
            OSError(errno.EROFS, "Read-only file system", "/mnt/ro/wh.duckdb.lock"),
            "cannot write or read /mnt/ro/wh.duckdb.lock (Read-only file system): use a folder "
            "this user can write (for example --warehouse or --out elsewhere), or change its "
            "permissions",
            1,
        ),
        (
            KeyError("x"),
            "unexpected error (KeyError: 'x'); run the command again with --debug to see where "
            "it happened",
            1,
        ),
    ],
)
def test_describe_error(error: BaseException, message: str, code: int) -> None:
    assert describe_error(error) == (message, code)


def test_the_readme_says_what_happens_to_bad_input_with_the_exit_codes() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 200
    section = readme.split("### What happens to bad input\n", 1)[1].split("\n## ", 1)[0]
    for outcome in ("**refused**", "**skipped**", "**quarantined**", "**late**"):
        assert outcome in section
    assert "the run exits 1" in section and "exits 2 before anything is loaded" in section
    assert "Ctrl-C or SIGTERM exits 130" in section
    assert (EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED) == (1, 2, 130)
