"""Alerts: the default log line, a configured command (stdin and env), a failing command."""

import pytest

from omnireport.alerts import ALERT_COMMAND_ENV, raise_alert

pytestmark = pytest.mark.unit


def test_default_appends_one_line_to_alerts_log(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    outcome = raise_alert("run 1 failed\nstep x: boom", warehouse=warehouse, env={})
    outcome = raise_alert("run 2 failed", warehouse=warehouse, env={})
    assert outcome.channel == "log"
    lines = (tmp_path / "alerts.log").read_text().splitlines()
    assert [line.split("\t", 1)[1] for line in lines] == [
        "run 1 failed | step x: boom",
        "run 2 failed",
    ]


def test_command_gets_the_message_on_stdin_and_in_the_environment(tmp_path):
    out = tmp_path / "got.txt"
    command = f'cat > {out}; printf "%s" "$OMNIREPORT_ALERT_MESSAGE" > {out}.env'
    outcome = raise_alert(
        "run 3 failed", warehouse=tmp_path / "wh.duckdb", env={ALERT_COMMAND_ENV: command}
    )
    assert outcome.channel == "command" and outcome.ok
    assert out.read_text() == "run 3 failed"
    assert (tmp_path / "got.txt.env").read_text() == "run 3 failed"
    assert not (tmp_path / "alerts.log").exists()


def test_failing_command_falls_back_to_the_log(tmp_path):
    outcome = raise_alert(
        "run 4 failed",
        warehouse=tmp_path / "wh.duckdb",
        env={ALERT_COMMAND_ENV: "echo nope >&2; exit 3"},
    )
    assert not outcome.ok and outcome.channel == "log"
    line = (tmp_path / "alerts.log").read_text()
    assert "run 4 failed" in line and "exit 3: nope" in line
