"""Sensors: new landing files start the incremental job; finished runs are recorded and
failed ones raise an alert.

The landing sensor's cursor maps each landing file (``<table>/<name>``) to its stamp
(``landing.files.file_stamp``) and sha256: a file is new when its (name, content) pair was not seen,
so a re-export under a new name, or new bytes under an old name, both start a run, and
an unchanged file never does. Files modified in the last ``settle_seconds`` are left for
the next tick (still being written). The run key is the hash of the new (name, content)
pairs, so the same files never start two runs, and the loader itself skips content it
loaded before, so nothing is loaded twice. A failed load is retried by the next run
(the incremental schedule, or the next new file).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping
from typing import Any

from dagster import (
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from omnireport.settings import Settings
from orchestration.jobs import INCREMENTAL_JOB, dbt_run_config

LANDING_SENSOR = "omnireport_landing_files"
FAILURE_SENSOR = "omnireport_run_failure_alert"
SETTLE_SECONDS = 10.0


def _read_cursor(cursor: str | None) -> dict[str, list[Any]]:
    if not cursor:
        return {}
    try:
        return dict(json.loads(cursor).get("files", {}))
    except (ValueError, AttributeError):
        return {}


def scan_landing(
    settings: Settings,
    cursor: str | None,
    *,
    settle_seconds: float = SETTLE_SECONDS,
    now: float | None = None,
) -> tuple[list[tuple[str, str]], str]:
    """The new (file, sha256) pairs under the landing folder, and the cursor to store."""
    from omnireport.landing.files import content_hash, discover_landing_files, file_stamp

    seen = _read_cursor(cursor)
    now = time.time() if now is None else now
    if not settings.landing_dir.is_dir():
        return [], json.dumps({"files": seen}, sort_keys=True)
    files: dict[str, list[Any]] = {}
    new: list[tuple[str, str]] = []
    for landing_file in discover_landing_files(settings.landing_dir).files:
        name = landing_file.relative_path
        try:
            stamp = file_stamp(landing_file.path)
        except OSError:
            continue
        previous = seen.get(name)
        if previous and previous[:-1] == stamp:
            files[name] = previous
            continue
        if now - stamp[2] / 1e9 < settle_seconds:
            if previous:
                files[name] = previous  # still being written: decide next tick
            continue
        digest = content_hash(landing_file.path)
        files[name] = [*stamp, digest]
        if not previous or previous[-1] != digest:
            new.append((name, digest))
    return new, json.dumps({"files": files}, sort_keys=True)


def build_landing_sensor(
    settings: Settings, *, running: bool = False, env: Mapping[str, str] | None = None
) -> SensorDefinition:
    """Requests the incremental job when new landing files arrive under ``settings.landing_dir``.

    Its runs build in the report time zone of the schedules (``OMNIREPORT_REPORT_TIMEZONE``
    in ``env``, default os.environ), so sensor and scheduled runs never mix two settings.
    """
    from orchestration.schedules import report_timezone

    timezone = report_timezone(os.environ if env is None else env)

    @sensor(
        name=LANDING_SENSOR,
        job_name=INCREMENTAL_JOB,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING if running else DefaultSensorStatus.STOPPED,
        description=f"New or changed files under {settings.landing_dir} start the incremental job.",
    )
    def landing_files(context: SensorEvaluationContext) -> SensorResult | SkipReason:
        new, cursor = scan_landing(settings, context.cursor)
        if not new:
            context.update_cursor(cursor)
            return SkipReason(f"no new landing file under {settings.landing_dir}")
        pairs = "\n".join(f"{name}:{digest}" for name, digest in sorted(new))
        run_key = hashlib.sha256(pairs.encode()).hexdigest()[:32]
        return SensorResult(
            run_requests=[
                RunRequest(
                    run_key=run_key,
                    run_config=dbt_run_config(report_timezone=timezone, only_touched=True),
                    tags={"omnireport/new-files": str(len(new))},
                )
            ],
            cursor=cursor,
        )

    return landing_files


def _root_cause(error: Any) -> str:
    """The first line of the innermost cause of a Dagster error (the user code's own error)."""
    if error is None:
        return "unknown error"
    while getattr(error, "cause", None) is not None:
        error = error.cause
    lines = str(error.message).strip().splitlines()
    return lines[0] if lines else "unknown error"


def build_run_sensors(settings: Settings) -> list[SensorDefinition]:
    """The run-failure alert sensor (running by default). Dagster's instance records every
    run itself; ``omnireport status`` reads it."""
    from omnireport.alerts import raise_alert

    @run_failure_sensor(name=FAILURE_SENSOR, default_status=DefaultSensorStatus.RUNNING)
    def run_failure_alert(context: RunFailureSensorContext) -> None:
        run = context.dagster_run
        reason = context.failure_event.message or "no message"
        step_errors = [
            f"step {event.step_key}: {_root_cause(getattr(event.event_specific_data, 'error', None))}"
            for event in context.get_step_failure_events()
        ]
        message = (
            f"omnireport run {run.run_id} of job {run.job_name} FAILED on warehouse "
            f"{settings.warehouse}: {reason}" + ("".join(f"\n{line}" for line in step_errors))
        )
        outcome = raise_alert(message, warehouse=settings.warehouse)
        context.log.info(f"alert sent via {outcome.channel}: {outcome.detail}")

    return [run_failure_alert]


def landing_sensor_running(env: dict[str, str] | None = None) -> bool:
    """Whether the landing sensor starts running (``OMNIREPORT_AUTOMATION=running``)."""
    from orchestration.schedules import automation_status

    return automation_status(os.environ if env is None else env)
