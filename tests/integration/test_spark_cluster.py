"""`omnireport run --target spark` against a Spark standalone cluster: a master, a worker
and a Spark Connect server started from the pyspark wheel on 127.0.0.1
(omnireport.warehouse.spark_cluster), the cluster's folder standing for its shared
storage (OMNIREPORT_SPARK_DIR: the tables, and the loader's staged files).

Checks: SQL runs on the standalone master (not a local Spark), the Connect server refuses a
client without the token, the whole run on the sample data (load, dbt build with its data
tests, checks, publish; the same Dagster job as DuckDB's) passes with the hand-counted
figures of seeds/README.md and every mart equals DuckDB's build of the same files
(tests/engine_compare.py), loading the same folder again adds nothing, and stopping the
cluster leaves no process behind. The reader layer on Spark (database `reader`) is the marts
with each privacy class applied, with the keyed hash of Python's hashlib under the key the
run was given as OMNIREPORT_PII_KEY, and shows none of the landing files' personal data; the
redaction patterns, compiled for Spark, turn tests/redaction_samples.py into their
hand-written redactions. The run is a child process; the test's own queries go
through Connect clients in child processes too.

    .venv/bin/pytest -m spark tests/integration/test_spark_cluster.py
"""

from __future__ import annotations

import json
import os
import pickle
import secrets
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from omnireport.privacy.classes import column_class, mart_classes
from omnireport.privacy.keys import PII_KEY_ENV, PiiKey
from omnireport.warehouse.spark_run import missing_spark_dependencies
from tests.engine_compare import (
    ALL_MART_KEYS,
    RECONCILIATION_SQL,
    REPO,
    assert_mart_equal,
    duckdb_marts,
    duckdb_rows,
    failure_excerpt,
)
from tests.privacy_scan import expected_reader_rows, leaks, sensitive_strings
from tests.redaction_samples import SAMPLES

_SKIP_REASON = missing_spark_dependencies()
pytestmark = [
    pytest.mark.spark,
    pytest.mark.integration,
    pytest.mark.skipif(_SKIP_REASON is not None, reason=_SKIP_REASON or ""),
]

CHILD_TIMEOUT_S = 600
RUN_TIMEOUT_S = 2400
# The PII key of the run on the cluster (OMNIREPORT_PII_KEY).
SPARK_PII_KEY = secrets.token_hex(32)

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


# --- The run on the cluster -----------------------------------------------------------------

LOAD_AND_DUMP = textwrap.dedent(
    """
    import os, pickle, sys, warnings
    warnings.simplefilter("ignore")
    from pathlib import Path
    from dbt.cli.main import dbtRunner
    from omnireport.privacy.classes import mart_classes
    from omnireport.warehouse.spark import SparkTarget, load_landing_spark, spark_session
    from tests.engine_compare import RECONCILIATION_SQL, spark_marts
    from tests.redaction_samples import SAMPLES
    target = SparkTarget.from_env()
    session = spark_session(target)
    again = load_landing_spark(Path(sys.argv[1]), target, spark=session)

    # redact_text as dbt compiles it for Spark, run on the samples (and a null)
    os.environ.update(target.dbt_env())
    os.chdir(Path(sys.argv[3]) / "dbt_project")
    outcome = dbtRunner().invoke(
        ["--quiet", "compile", "--inline",
         "select {{ omnireport.redact_text('sample_text') }} as redacted",
         "--target", "spark", "--profiles-dir", ".",
         "--target-path", str(Path(sys.argv[2]).parent / "dbt_compile"),
         "--log-path", str(Path(sys.argv[2]).parent / "dbt_logs")]
    )
    assert outcome.success, outcome.exception
    compiled = outcome.result.results[0].node.compiled_code.strip()
    expression = compiled[len("select "):-len(" as redacted")]
    texts = [text for text, _ in SAMPLES] + [None]
    session.createDataFrame(
        list(enumerate(texts)), "i int, sample_text string"
    ).createOrReplaceTempView("samples")
    redactions = session.sql(f"select {expression} from samples order by i").collect()

    result = {
        "again": [(f.path, f.status, f.rows) for f in again.files],
        "marts": spark_marts(session),
        "readers": spark_marts(session, sorted(mart_classes()), schema="reader"),
        "reconciliation": [tuple(r) for r in session.sql(RECONCILIATION_SQL).collect()],
        "redactions": [row[0] for row in redactions],
    }
    Path(sys.argv[2]).write_bytes(pickle.dumps(result))
    """
)


@pytest.fixture(scope="module")
def sample_run(cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`omnireport run --target spark` of seeds/landing on the cluster, then (a second
    client) the same folder loaded again and every mart read; DuckDB builds the same files
    meanwhile."""
    from tests.engine_compare import SAMPLE_LANDING, omnireport_executable, start_duckdb_build

    work = tmp_path_factory.mktemp("spark_cluster_run")
    duckdb_build = start_duckdb_build(SAMPLE_LANDING, work)
    env = {
        **_client_env(),
        "OMNIREPORT_SPARK_REMOTE": cluster.connect_url,
        "OMNIREPORT_SPARK_DIR": str(cluster.config.directory),
        "PYTHONPATH": str(REPO),
        PII_KEY_ENV: SPARK_PII_KEY,
    }
    try:
        run = subprocess.run(
            [omnireport_executable(), "run", "--target", "spark", "--landing", str(SAMPLE_LANDING)]
            + ["--warehouse", str(work / "state" / "warehouse.duckdb")],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            env=env,
        )
        output = run.stdout + "\n--- stderr ---\n" + run.stderr
        (work / "omnireport-run.log").write_text(output)
        assert run.returncode == 0, (
            f"omnireport run --target spark failed:\n{failure_excerpt(output)}"
        )
        dump = work / "dump.pickle"
        done = subprocess.run(
            [sys.executable, "-c", LOAD_AND_DUMP, str(SAMPLE_LANDING), str(dump), str(REPO)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_S,
            env=env,
        )
        assert done.returncode == 0, f"the Spark client failed:\n{done.stderr[-4000:]}"
        warehouse = duckdb_build.wait()
    finally:
        duckdb_build.kill()
    return {"output": output, "duckdb": warehouse, **pickle.loads(dump.read_bytes())}


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


def test_omnireport_run_on_the_cluster(sample_run: dict[str, Any]) -> None:
    output = sample_run["output"]
    assert "Using the Spark Connect sc://localhost:" in output
    assert "Full build: there is no previous build." in output
    assert "OK: omnireport run finished" in output
    assert "token=" not in output  # the URL is shown without its token
    # seeds/README.md: raw sessions 345 = 330 staged + 12 bad + 3 superseded; messages
    # 3625 = 3612 + 9 + 4; every staged session reaches fct_sessions.
    reconciliation = {row[0]: row[1:] for row in sample_run["reconciliation"]}
    assert reconciliation["sessions"] == (345, 330, 12, 3)
    assert reconciliation["messages"] == (3625, 3612, 9, 4)
    assert len(sample_run["marts"]["fct_sessions"].rows) == 330


@pytest.mark.parametrize("mart", list(ALL_MART_KEYS))
def test_mart_is_equal_on_duckdb_and_the_cluster(sample_run: dict[str, Any], mart: str) -> None:
    reference = duckdb_marts(sample_run["duckdb"], [mart])[mart]
    assert_mart_equal(mart, reference, sample_run["marts"][mart], "spark")


def test_the_reconciliation_is_the_same_as_on_duckdb(sample_run: dict[str, Any]) -> None:
    assert sample_run["reconciliation"] == duckdb_rows(sample_run["duckdb"], RECONCILIATION_SQL)


def test_loading_the_same_folder_again_adds_nothing(sample_run: dict[str, Any]) -> None:
    assert {status for _, status, _ in sample_run["again"]} == {"already_loaded"}
    assert sum(rows for *_, rows in sample_run["again"]) == 0


def test_reader_tables_are_the_marts_with_each_class_applied(sample_run: dict[str, Any]) -> None:
    """Row for row (as multisets): identifiers hashed as Python's hashlib does under the
    run's key, free text null, everything else (every metric) unchanged."""
    classes, key = mart_classes(), PiiKey(SPARK_PII_KEY, "the test")
    assert sorted(sample_run["readers"]) == sorted(classes)
    for name, reader in sample_run["readers"].items():
        mart = sample_run["marts"][name]
        assert (reader.columns, reader.types) == (mart.columns, mart.types), name
        rules = [column_class(classes, name, column) for column in mart.columns]
        expected = expected_reader_rows(mart.rows, rules, key)
        assert Counter(reader.rows) == expected, name


def test_no_personal_data_in_the_reader_tables(sample_run: dict[str, Any]) -> None:
    from tests.engine_compare import SAMPLE_LANDING

    readers = sample_run["readers"]
    columns = [
        (name, column)
        for name, table in readers.items()
        for column, kind in zip(table.columns, table.types, strict=True)
        if kind == "string"
    ]

    def values(relation: str, column: str) -> list[str]:
        table = readers[relation]
        index = table.columns.index(column)
        return sorted({row[index] for row in table.rows if row[index] is not None})

    found = leaks(columns, values, sensitive_strings(SAMPLE_LANDING))
    assert len(columns) > 60
    assert found == [], "\n".join(map(str, found[:30]))


def test_redaction_samples_on_spark(sample_run: dict[str, Any]) -> None:
    assert sample_run["redactions"] == [expected for _, expected in SAMPLES] + [None]


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
