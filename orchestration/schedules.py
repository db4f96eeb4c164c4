"""Schedules as data: the daily full build and the frequent incremental run.

Configured by environment variables of the code location, read when it loads:

- ``OMNIREPORT_DAILY_BUILD_TIME`` (``HH:MM``, default ``06:00``): when the daily full build
  starts, in the report time zone;
- ``OMNIREPORT_REPORT_TIMEZONE`` (IANA name, default ``Asia/Ho_Chi_Minh``, the dbt project's
  default): the schedule's ``execution_timezone`` and the dbt var ``report_timezone``;
- ``OMNIREPORT_INCREMENTAL_CRON`` (default ``*/15 * * * *``): the incremental run;
- ``OMNIREPORT_AUTOMATION`` (``stopped`` by default, or ``running``): whether the schedules
  and the landing sensor start running when the code location first loads (either way
  they can be switched on and off in the UI).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from dagster import DefaultScheduleStatus, ScheduleDefinition

from omnireport.errors import SettingsError
from omnireport.timezones import check_time_zone
from orchestration.jobs import FULL_BUILD_JOB, INCREMENTAL_JOB, dbt_run_config

DAILY_TIME_ENV = "OMNIREPORT_DAILY_BUILD_TIME"
TIMEZONE_ENV = "OMNIREPORT_REPORT_TIMEZONE"
INCREMENTAL_CRON_ENV = "OMNIREPORT_INCREMENTAL_CRON"
AUTOMATION_ENV = "OMNIREPORT_AUTOMATION"

DEFAULT_DAILY_TIME = "06:00"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_INCREMENTAL_CRON = "*/15 * * * *"

DAILY_SCHEDULE = "omnireport_daily_full_build"
INCREMENTAL_SCHEDULE = "omnireport_incremental"


def daily_cron(hh_mm: str) -> str:
    """``HH:MM`` as a daily cron expression (``06:30`` -> ``30 6 * * *``)."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", hh_mm)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise SettingsError(
            f"{DAILY_TIME_ENV}={hh_mm!r} is not a time of day: give HH:MM, e.g. 06:00"
        )
    return f"{int(match.group(2))} {int(match.group(1))} * * *"


def automation_status(env: Mapping[str, str]) -> bool:
    """True when ``OMNIREPORT_AUTOMATION=running``; ``stopped`` (default) is False."""
    value = env.get(AUTOMATION_ENV, "stopped").strip().lower() or "stopped"
    if value not in {"running", "stopped"}:
        raise SettingsError(f"{AUTOMATION_ENV}={value!r}: give running or stopped")
    return value == "running"


def report_timezone(env: Mapping[str, str]) -> str:
    """The report time zone from the environment, one the warehouse accepts."""
    name = env.get(TIMEZONE_ENV, "").strip() or DEFAULT_TIMEZONE
    return check_time_zone(name, setting=TIMEZONE_ENV)


def incremental_cron(env: Mapping[str, str]) -> str:
    """``OMNIREPORT_INCREMENTAL_CRON`` when it is a cron expression Dagster reads."""
    from dagster._utils.schedules import is_valid_cron_string

    cron = env.get(INCREMENTAL_CRON_ENV, "").strip() or DEFAULT_INCREMENTAL_CRON
    if not is_valid_cron_string(cron):
        raise SettingsError(
            f"{INCREMENTAL_CRON_ENV}={cron!r} is not a cron expression: give five fields, "
            f"for example {DEFAULT_INCREMENTAL_CRON!r}"
        )
    return cron


def build_schedules(env: Mapping[str, str] | None = None) -> list[ScheduleDefinition]:
    """The daily full build and the incremental run, from ``env`` (default: os.environ)."""
    env = os.environ if env is None else env
    timezone = report_timezone(env)
    status = (
        DefaultScheduleStatus.RUNNING if automation_status(env) else DefaultScheduleStatus.STOPPED
    )
    return [
        ScheduleDefinition(
            name=DAILY_SCHEDULE,
            job_name=FULL_BUILD_JOB,
            cron_schedule=daily_cron(env.get(DAILY_TIME_ENV, "") or DEFAULT_DAILY_TIME),
            execution_timezone=timezone,
            run_config=dbt_run_config(report_timezone=timezone),
            default_status=status,
            description=f"Full load, build, test and publish every day ({timezone}).",
        ),
        ScheduleDefinition(
            name=INCREMENTAL_SCHEDULE,
            job_name=INCREMENTAL_JOB,
            cron_schedule=incremental_cron(env),
            execution_timezone=timezone,
            run_config=dbt_run_config(report_timezone=timezone, only_touched=True),
            default_status=status,
            description="Load what is new and rebuild what it touches, then publish.",
        ),
    ]
