"""The prototype Spark standalone cluster (omnireport.warehouse.spark_cluster): a master, a
worker and a Spark Connect server started from the pyspark wheel on 127.0.0.1, and dbt-spark
running a tiny project through it (`method: session` with `spark.remote`; see
docs/spark-cluster-findings.md for why this method and not `thrift`).

Checks: SQL runs on the standalone master (not a local Spark), the Connect server refuses a
client without the token, a dbt build passes, an `insert_overwrite` incremental run on a
Parquet table partitioned by `d` rewrites only the partitions it touches, and stopping the
cluster leaves no process behind.

Every Spark client runs in a child process: a Spark Connect client in the pytest process
would set SPARK_CONNECT_MODE_ENABLED there and turn the other tests' local sessions into
Connect sessions. About 1.5-2 minutes on a busy 2-core machine:

    .venv/bin/pytest -m spark tests/integration/test_spark_cluster.py
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from omnireport.warehouse.spark_run import missing_spark_dependencies


def _skip_reason() -> str | None:
    missing = missing_spark_dependencies()
    if missing:
        return missing
    for module in ("grpc_status", "google.rpc", "zstandard"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            return (
                f"Spark Connect's client needs {module} (pyspark[connect]): install the `spark` "
                "extra again (`make setup EXTRAS=spark`)"
            )
    return None


_SKIP_REASON = _skip_reason()
pytestmark = [
    pytest.mark.spark,
    pytest.mark.integration,
    pytest.mark.skipif(_SKIP_REASON is not None, reason=_SKIP_REASON or ""),
]

DBT = str(Path(sys.executable).parent / "dbt")
CHILD_TIMEOUT_S = 600

# A client in a child process: run each statement, print every result's rows as JSON.
_SQL_CLIENT = textwrap.dedent(
    """
    import json, sys, warnings
    warnings.simplefilter("ignore")
    from pyspark.sql import SparkSession
    session = SparkSession.builder.remote(sys.argv[1]).getOrCreate()
    results = [[list(row) for row in session.sql(sql).collect()] for sql in sys.argv[2:]]
    print(json.dumps(results, default=str))
    """
)


def _sql(url: str, *statements: str) -> list[list[list[Any]]]:
    """The rows of each statement, run through the Connect server at `url`."""
    done = subprocess.run(
        [sys.executable, "-c", _SQL_CLIENT, url, *statements],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        env=_client_env(),
    )
    assert done.returncode == 0, f"the Spark client failed:\n{done.stderr[-4000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def _client_env() -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SPARK_", "OMNIREPORT_"))},
        "TZ": "UTC",
    }


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from omnireport.warehouse.spark_cluster import ClusterConfig, local_spark_cluster

    directory = tmp_path_factory.mktemp("spark_cluster")
    with local_spark_cluster(ClusterConfig(directory / "cluster", server="connect")) as running:
        yield running


# --- The tiny dbt project ---------------------------------------------------------------------

_MODELS = {
    "numbers.sql": "{{ config(materialized='table') }}\n"
    "select id, cast(id % 3 as int) as bucket from range(10)\n",
    "bucket_counts.sql": "{{ config(materialized='view') }}\n"
    "select bucket, count(*) as n from {{ ref('numbers') }} group by bucket\n",
    # Days var('days') tagged var('tag'): a first build writes days 1-3; an incremental run
    # with other days must replace only those days' partitions (dynamic partition overwrite).
    "daily.sql": textwrap.dedent(
        """\
        {{ config(
            materialized='incremental',
            incremental_strategy='insert_overwrite',
            partition_by=['d'],
            file_format='parquet',
        ) }}
        {% for day in var('days', [1, 2, 3]) %}
        select '{{ var('tag', 'first') }}' as tag, cast({{ day }} as int) as d
        {% if not loop.last %}union all{% endif %}
        {% endfor %}
        """
    ),
    "schema.yml": yaml.safe_dump(
        {
            "version": 2,
            "models": [
                {"name": "numbers", "columns": [{"name": "id", "data_tests": ["unique"]}]},
            ],
        }
    ),
}


def _write_project(folder: Path, cluster: Any) -> Path:
    (folder / "models").mkdir(parents=True)
    (folder / "dbt_project.yml").write_text(
        yaml.safe_dump({"name": "tiny", "version": "1.0", "profile": "tiny"})
    )
    for name, text in _MODELS.items():
        (folder / "models" / name).write_text(text)
    profile = {"tiny": {"target": "cluster", "outputs": {"cluster": cluster.dbt_output("tiny")}}}
    (folder / "profiles.yml").write_text(yaml.safe_dump(profile))
    return folder


def _dbt(project: Path, *args: str) -> str:
    done = subprocess.run(
        [DBT, *args, "--profiles-dir", str(project), "--project-dir", str(project)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        env=_client_env(),
    )
    assert done.returncode == 0, f"dbt {' '.join(args)} failed:\n{done.stdout[-6000:]}"
    return done.stdout


def _partition_files(table_dir: Path) -> dict[str, list[str]]:
    return {
        part.name: sorted(f.name for f in part.glob("*.parquet"))
        for part in sorted(table_dir.glob("d=*"))
    }


# --- Tests -------------------------------------------------------------------------------------


def test_sql_runs_on_the_standalone_master(cluster: Any) -> None:
    (master,), (count,) = _sql(
        cluster.connect_url, "set spark.master", "select count(*) from range(100000)"
    )
    assert master == ["spark.master", cluster.master_url]
    assert count == [100000]


def test_a_client_without_the_token_is_refused(cluster: Any) -> None:
    without_token = cluster.connect_url.split("/;", 1)[0]
    done = subprocess.run(
        [sys.executable, "-c", _SQL_CLIENT, without_token, "select 1"],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        env=_client_env(),
    )
    assert done.returncode != 0
    assert "No authentication token provided" in done.stderr


def test_dbt_build_and_insert_overwrite_through_spark_connect(cluster: Any, tmp_path: Path) -> None:
    project = _write_project(tmp_path / "tiny", cluster)
    output = _dbt(project, "build")
    assert "PASS=4 WARN=0 ERROR=0" in output  # 3 models and the unique test

    (counts,) = _sql(cluster.connect_url, "select bucket, n from tiny.bucket_counts order by 1")
    assert counts == [[0, 4], [1, 3], [2, 3]]
    table_dir = cluster.warehouse_dir / "tiny.db" / "daily"
    before = _partition_files(table_dir)
    assert list(before) == ["d=1", "d=2", "d=3"]

    _dbt(project, "run", "--select", "daily", "--vars", "{days: [2, 4], tag: second}")

    after = _partition_files(table_dir)
    assert list(after) == ["d=1", "d=2", "d=3", "d=4"]
    assert after["d=1"] == before["d=1"] and after["d=3"] == before["d=3"]  # untouched
    assert after["d=2"] != before["d=2"]  # rewritten
    (rows,) = _sql(cluster.connect_url, "select d, tag from tiny.daily order by d")
    assert rows == [[1, "first"], [2, "second"], [3, "first"], [4, "second"]]


def test_stop_leaves_no_process(cluster: Any) -> None:
    """Runs last (file order): stops the module's cluster and looks for what is left."""
    groups = [daemon.process.pid for daemon in cluster.daemons]
    assert len(groups) == 3  # master, worker, server
    cluster.stop()
    for group in groups:
        with pytest.raises(ProcessLookupError):
            os.killpg(group, 0)
    marker = str(cluster.config.directory.resolve())
    leftovers = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "java" in text and marker in text:
            leftovers.append(text[:200])
    assert leftovers == []
