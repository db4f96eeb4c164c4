"""Schedules as data: daily time in the report time zone, incremental cron, default status."""

import pytest
from dagster import DefaultScheduleStatus, build_schedule_context

from orchestration.schedules import (
    DAILY_SCHEDULE,
    INCREMENTAL_SCHEDULE,
    build_schedules,
    daily_cron,
)

pytestmark = pytest.mark.unit


def _by_name(env):
    return {schedule.name: schedule for schedule in build_schedules(env)}


def test_daily_cron_from_time_of_day():
    assert daily_cron("06:00") == "0 6 * * *"
    assert daily_cron("23:45") == "45 23 * * *"
    with pytest.raises(ValueError, match="HH:MM"):
        daily_cron("24:00")
    with pytest.raises(ValueError, match="HH:MM"):
        daily_cron("6am")


def test_defaults_daily_six_in_report_zone_and_every_quarter_hour_stopped():
    schedules = _by_name({})
    daily, incremental = schedules[DAILY_SCHEDULE], schedules[INCREMENTAL_SCHEDULE]
    assert (daily.cron_schedule, daily.execution_timezone) == ("0 6 * * *", "Asia/Ho_Chi_Minh")
    assert daily.job_name == "omnireport_full_build"
    assert (incremental.cron_schedule, incremental.job_name) == (
        "*/15 * * * *",
        "omnireport_incremental",
    )
    assert {s.default_status for s in schedules.values()} == {DefaultScheduleStatus.STOPPED}


def test_environment_configures_time_zone_time_cron_and_status():
    schedules = _by_name(
        {
            "OMNIREPORT_DAILY_BUILD_TIME": "02:30",
            "OMNIREPORT_REPORT_TIMEZONE": "Europe/Berlin",
            "OMNIREPORT_INCREMENTAL_CRON": "*/5 * * * *",
            "OMNIREPORT_AUTOMATION": "running",
        }
    )
    daily, incremental = schedules[DAILY_SCHEDULE], schedules[INCREMENTAL_SCHEDULE]
    assert (daily.cron_schedule, daily.execution_timezone) == ("30 2 * * *", "Europe/Berlin")
    assert incremental.cron_schedule == "*/5 * * * *"
    assert {s.default_status for s in schedules.values()} == {DefaultScheduleStatus.RUNNING}


def test_bad_settings_say_which_variable():
    with pytest.raises(ValueError, match="OMNIREPORT_REPORT_TIMEZONE='Mars/Base'"):
        build_schedules({"OMNIREPORT_REPORT_TIMEZONE": "Mars/Base"})
    with pytest.raises(ValueError, match="OMNIREPORT_AUTOMATION='maybe'"):
        build_schedules({"OMNIREPORT_AUTOMATION": "maybe"})


def test_schedule_evaluation_requests_the_run_with_the_report_time_zone():
    schedules = _by_name({"OMNIREPORT_REPORT_TIMEZONE": "UTC"})
    context = build_schedule_context()
    daily = schedules[DAILY_SCHEDULE].evaluate_tick(context).run_requests
    assert [r.run_config for r in daily] == [
        {"ops": {"dbt_models": {"config": {"report_timezone": "UTC"}}}}
    ]
    incremental = schedules[INCREMENTAL_SCHEDULE].evaluate_tick(context).run_requests
    assert [r.run_config for r in incremental] == [
        {"ops": {"dbt_models": {"config": {"report_timezone": "UTC", "only_touched": True}}}}
    ]
