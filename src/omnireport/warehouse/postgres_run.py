"""`omnireport run --target postgres`: load the landing files with COPY, build every dbt
model on PostgreSQL, grant the reader role. Settings come from the OMNIREPORT_PG_*
environment variables (omnireport.warehouse.targets)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from omnireport.build_state import BuildSettings, begin_build, finish_build
from omnireport.warehouse.postgres import _connect, grant_reader_role, load_landing_postgres
from omnireport.warehouse.targets import PostgresTarget


def run_on_postgres(
    landing_dir: Path,
    dbt_project_dir: Path,
    *,
    dbt_vars: dict,
    full_refresh: bool,
    say: Callable[[str], None] = print,
) -> bool:
    """Load, build and grant; True when every file loaded and the dbt build passed."""
    target = PostgresTarget.from_env()
    say(f"Loading {landing_dir} into PostgreSQL ({target.describe()})")
    result = load_landing_postgres(landing_dir, target.conninfo(), progress=say)
    for outcome in result.failed:
        say(f"FAILED to load {outcome.path}: {outcome.error}")
    settings = BuildSettings.resolve(dbt_vars.get("report_timezone"), dbt_vars.get("sla_minutes"))
    con = _connect(target.conninfo())
    con.autocommit = True
    with con.cursor() as cursor:
        start = begin_build(cursor, settings, full_refresh=full_refresh)
    say(f"{'Full' if start.plan.full else 'Incremental'} build: {start.plan.reason}.")
    dbt = Path(sys.executable).parent / "dbt"
    command = [
        str(dbt),
        "build",
        "--profiles-dir",
        ".",
        "--target",
        "postgres",
        "--target-path",
        "target/postgres",
        "--exclude-resource-type",
        "unit_test",
    ]
    command += ["--vars", json.dumps(settings.dbt_vars())]
    if start.plan.full:
        command.append("--full-refresh")
    say("Building every dbt model on PostgreSQL: " + " ".join(command[1:]))
    env = {**os.environ, "OMNIREPORT_DBT_TARGET": "postgres"}
    build = subprocess.run(command, cwd=dbt_project_dir, env=env, check=False)
    if build.returncode == 0:
        with con.cursor() as cursor:
            finish_build(cursor, start, settings)
        grant_reader_role(target.conninfo())
        say("Granted the reader role omnireport_reader on schema marts.")
    con.close()
    return result.ok and build.returncode == 0
