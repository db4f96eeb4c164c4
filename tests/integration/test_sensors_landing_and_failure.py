"""Sensors: the landing-folder sensor's cursor, and the run-failure alert on a real failed run."""

import json
import os
import time

import pytest
from dagster import (
    DagsterInstance,
    build_run_status_sensor_context,
    build_sensor_context,
)

from omnireport.settings import Settings
from orchestration.definitions import build_definitions
from orchestration.jobs import LOAD_JOB
from orchestration.sensors import build_landing_sensor, build_run_sensors

pytestmark = pytest.mark.integration

OLD = time.time() - 3600  # files "written" an hour ago are settled


def _settings(tmp_path):
    return Settings(tmp_path / "landing", tmp_path / "wh.duckdb", tmp_path / "dbt_project")


def _write(settings, relative, text, mtime=OLD):
    path = settings.landing_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


def _tick(sensor, instance, cursor):
    context = build_sensor_context(instance=instance, cursor=cursor)
    result = sensor.evaluate_tick(context)
    return result.run_requests, result.cursor, result.skip_message


def test_landing_sensor_requests_once_per_new_name_and_content(tmp_path):
    settings = _settings(tmp_path)
    _write(settings, "channels/a.csv", "channel_id\nch1\n")
    _write(settings, "tags/a.csv", "tag_id\nt1\n")
    _write(settings, "README.txt", "not a landing file")
    sensor = build_landing_sensor(settings, env={"OMNIREPORT_REPORT_TIMEZONE": "Europe/Berlin"})
    with DagsterInstance.ephemeral() as instance:
        requests, cursor, _ = _tick(sensor, instance, None)
        assert len(requests) == 1
        assert requests[0].job_name in (None, "omnireport_incremental")
        assert requests[0].tags["omnireport/new-files"] == "2"
        # the schedules' report time zone, so sensor and scheduled runs build alike
        assert requests[0].run_config == {
            "ops": {
                "dbt_models": {"config": {"report_timezone": "Europe/Berlin", "only_touched": True}}
            }
        }
        first_key = requests[0].run_key
        assert sorted(json.loads(cursor)["files"]) == ["channels/a.csv", "tags/a.csv"]

        # nothing new: no request, cursor kept
        requests, cursor2, skip = _tick(sensor, instance, cursor)
        assert requests == [] and "no new landing file" in skip
        assert json.loads(cursor2) == json.loads(cursor)

        # touched but same bytes: still nothing
        os.utime(settings.landing_dir / "channels/a.csv", (OLD + 5, OLD + 5))
        requests, cursor, _ = _tick(sensor, instance, cursor2)
        assert requests == []

        # new bytes under an old name, and a new file: one request naming two new files
        _write(settings, "channels/a.csv", "channel_id\nch1\nch2\n", mtime=OLD + 10)
        _write(settings, "channels/b.csv", "channel_id\nch3\n")
        requests, cursor, _ = _tick(sensor, instance, cursor)
        assert len(requests) == 1 and requests[0].tags["omnireport/new-files"] == "2"
        assert requests[0].run_key != first_key


def test_a_file_still_being_written_waits_for_the_next_tick(tmp_path):
    settings = _settings(tmp_path)
    _write(settings, "channels/a.csv", "channel_id\nch1\n", mtime=time.time())
    sensor = build_landing_sensor(settings)
    with DagsterInstance.ephemeral() as instance:
        requests, cursor, _ = _tick(sensor, instance, None)
        assert requests == [] and json.loads(cursor)["files"] == {}
        os.utime(settings.landing_dir / "channels/a.csv", (OLD, OLD))  # now settled
        requests, cursor, _ = _tick(sensor, instance, cursor)
        assert len(requests) == 1


def test_failed_run_raises_an_alert(tmp_path, monkeypatch):
    monkeypatch.delenv("OMNIREPORT_ALERT_COMMAND", raising=False)
    settings = _settings(tmp_path)  # the landing folder does not exist: the load fails
    defs = build_definitions(settings, include_dbt=False)
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def(LOAD_JOB).execute_in_process(
            instance=instance, raise_on_error=False
        )
        assert not result.success
        failure_sensor = build_run_sensors(settings)[0]
        context = build_run_status_sensor_context(
            sensor_name=failure_sensor.name,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_failure_event(),
        ).for_run_failure()
        failure_sensor(context)
    lines = (tmp_path / "alerts.log").read_text().splitlines()
    assert len(lines) == 1
    assert f"omnireport run {result.run_id} of job omnireport_load FAILED" in lines[0]
    assert f"landing folder {settings.landing_dir} does not exist" in lines[0]
