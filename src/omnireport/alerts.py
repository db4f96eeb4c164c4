"""Raise an alert for operators: a configurable command, else a line in a log file.

``OMNIREPORT_ALERT_COMMAND`` is a shell command (run with ``/bin/sh -c``) that receives
the alert message on stdin and in the environment variable ``OMNIREPORT_ALERT_MESSAGE``,
for example ``mail -s 'omnireport failed' ops@example.com`` or
``curl -s -d @- https://hooks.example.com/omnireport``. Unset, every alert appends one
line ``<UTC time>\\t<message>`` to ``<warehouse folder>/alerts.log``. A command that fails
(non-zero exit, or no answer within 60 s) is itself logged in that file, so no alert is lost.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ALERT_COMMAND_ENV = "OMNIREPORT_ALERT_COMMAND"
ALERT_MESSAGE_ENV = "OMNIREPORT_ALERT_MESSAGE"
ALERT_LOG_NAME = "alerts.log"
COMMAND_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class AlertOutcome:
    """How the alert went out: ``command`` or ``log``, and where / what went wrong."""

    channel: str
    detail: str
    ok: bool = True


def alert_log_path(warehouse: Path) -> Path:
    """The default alert log: ``alerts.log`` in the warehouse's folder."""
    return Path(warehouse).resolve().parent / ALERT_LOG_NAME


def _append(log: Path, message: str) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    one_line = " | ".join(part.strip() for part in message.splitlines() if part.strip())
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    with log.open("a", encoding="utf-8") as stream:
        stream.write(f"{stamp}\t{one_line}\n")


def raise_alert(
    message: str, *, warehouse: Path, env: Mapping[str, str] | None = None
) -> AlertOutcome:
    """Send ``message`` through ``$OMNIREPORT_ALERT_COMMAND``, else append it to the alert log."""
    env = dict(os.environ if env is None else env)
    command = env.get(ALERT_COMMAND_ENV, "").strip()
    log = alert_log_path(warehouse)
    if not command:
        _append(log, message)
        return AlertOutcome("log", str(log))
    try:
        completed = subprocess.run(
            ["/bin/sh", "-c", command],
            input=message,
            env={**env, ALERT_MESSAGE_ENV: message},
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
        problem = (
            None
            if completed.returncode == 0
            else f"exit {completed.returncode}: {(completed.stderr or completed.stdout).strip()[:500]}"
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        problem = str(error)
    if problem is None:
        return AlertOutcome("command", command)
    _append(log, f"{message} [alert command {command!r} failed: {problem}]")
    return AlertOutcome("log", f"{log} (alert command failed: {problem})", ok=False)
