"""The command line: help on every command, and usage errors that exit 2 with a clear message."""

import gc

import pytest

from omnireport.cli import console, main, parse_sla_minutes, parse_timezone

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("command", "expected_options"),
    [
        ([], ["run", "load", "build", "status", "report", "--version"]),
        (["run"], ["--landing", "--warehouse", "--timezone", "--sla", "--full-refresh"]),
        (["load"], ["--landing", "--warehouse"]),
        (
            ["build"],
            ["--select", "--exclude", "--warehouse", "--timezone", "--sla", "--full-refresh"],
        ),
    ],
)
def test_help_on_each_command(command, expected_options, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: omnireport")
    for option in expected_options:
        assert option in out


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == "omnireport 0.1.0"


def test_sla_list_is_parsed_in_order():
    assert parse_sla_minutes("1,5,15,30") == [1, 5, 15, 30]
    assert parse_sla_minutes(" 30 , 2 ") == [30, 2]


@pytest.mark.parametrize("value", ["0", "-5", "1.5", "five", "1,,5", "", "+3", "1,5,1"])
def test_bad_sla_exits_2_with_a_clear_message(value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--sla", value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --sla" in err
    assert "1,5,15,30" in err or "appears twice" in err


def test_known_time_zones_pass():
    assert parse_timezone("Asia/Ho_Chi_Minh") == "Asia/Ho_Chi_Minh"
    assert parse_timezone("UTC") == "UTC"


@pytest.mark.parametrize("value", ["Mars/Base", "", "Asia/Hanoi City", "+07:00"])
def test_unknown_time_zone_exits_2_with_a_clear_message(value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--timezone", value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"unknown time zone {value!r}" in err


def test_missing_landing_folder_exits_2(tmp_path, capsys):
    code = main(
        ["load", "--landing", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb")]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "landing folder" in err and "does not exist" in err
    assert not (tmp_path / "w.duckdb").exists()


def test_missing_command_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2


def test_console_exits_with_the_commands_code_and_frozen_objects(tmp_path, monkeypatch, capsys):
    # The `omnireport` script: main() on sys.argv, then exit with its code, with every object
    # moved to the collector's permanent generation first (the last collection at exit then
    # walks nothing).
    monkeypatch.setattr(
        "sys.argv",
        [
            "omnireport",
            "load",
            "--landing",
            str(tmp_path / "nope"),
            "--warehouse",
            str(tmp_path / "w.duckdb"),
        ],
    )
    try:
        with pytest.raises(SystemExit) as exit_info:
            console()
        assert exit_info.value.code == 2
        assert "does not exist" in capsys.readouterr().err
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
