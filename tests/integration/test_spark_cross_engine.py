"""`omnireport run --target spark` builds the same marts as `omnireport run` on DuckDB, by
the rules of tests/engine_compare.py (same columns and matching types, same rows by grain,
same values; floats within 1e-9 relative, percentages exactly), on two data sets:

- `sample`: seeds/landing, where the command's output and a few counts are also checked
  against the hand-counted ones of seeds/README.md, and loading again adds nothing;
- `generated`: `omnireport generate` with every edge case (tests/engine_compare.py,
  GENERATED_ARGS).

Each Spark build runs in a child process (one JVM: the command's load and dbt build, then
the mart dump, through `omnireport.cli.main` in that process), while DuckDB builds both
data sets in the background. Needs the optional `spark` extra and Java (skipped with the
reason otherwise):

    .venv/bin/pytest -m spark tests/integration/test_spark_cross_engine.py

About 8-10 minutes per data set on a busy 2-core machine (the child prints its time).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from omnireport.warehouse.spark_run import missing_spark_dependencies
from tests import sample
from tests.engine_compare import (
    ALL_MART_KEYS,
    RECONCILIATION_SQL,
    REPO,
    SAMPLE_LANDING,
    DuckdbBuild,
    assert_mart_equal,
    duckdb_marts,
    duckdb_rows,
    generated_landing,
    start_duckdb_build,
)

_SKIP_REASON = missing_spark_dependencies()
pytestmark = [
    pytest.mark.spark,
    pytest.mark.integration,
    pytest.mark.skipif(_SKIP_REASON is not None, reason=_SKIP_REASON or ""),
]

SPARK_BUILD_TIMEOUT_S = 2400
DATASETS = ("sample", "generated")
LOAD_LOG_SQL = (
    "select load_id, table_name, file_path, status, rows_loaded from raw._load_log order by load_id"
)


# --- The Spark child process -----------------------------------------------------------------


def run_spark_child(landing: str, spark_dir: str, result_file: str) -> None:
    """Child process: `omnireport run --target spark` (in this process), then load the same
    folder again and dump every mart, the raw counts, the load log and the reconciliation
    from the same Spark session into `result_file` (pickle)."""
    os.environ["OMNIREPORT_SPARK_DIR"] = spark_dir
    from omnireport.cli import main
    from omnireport.warehouse.spark import SparkTarget, load_landing_spark, spark_session
    from tests.engine_compare import spark_marts

    started = time.monotonic()
    exit_code = main(["run", "--target", "spark", "--landing", landing])
    run_seconds = time.monotonic() - started
    target = SparkTarget.from_env()
    session = spark_session(target)
    second_load = load_landing_spark(Path(landing), target, spark=session)

    def rows(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in session.sql(sql).collect()]

    result = {
        "exit_code": exit_code,
        "run_seconds": run_seconds,
        "second_load": [(f.table, f.path, f.status, f.rows) for f in second_load.files],
        "raw_counts": {
            table: rows(f"select count(*) from raw.`{table}`")[0][0]
            for table in second_load.rows_loaded_by_table
        },
        "load_log": rows(LOAD_LOG_SQL),
    }
    if exit_code == 0:
        result["marts"] = spark_marts(session)
        result["reconciliation"] = rows(RECONCILIATION_SQL)
    with open(result_file, "wb") as stream:
        pickle.dump(result, stream)
    print(f"omnireport run --target spark: {run_seconds:.0f} s", flush=True)
    session.stop()


# --- Fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spark_cross_engine")


@pytest.fixture(scope="module")
def landings(work: Path) -> dict[str, Path]:
    return {
        "sample": SAMPLE_LANDING,
        "generated": generated_landing(work / "generated" / "landing"),
    }


@pytest.fixture(scope="module")
def duckdb_builds(work: Path, landings: dict[str, Path]) -> dict[str, DuckdbBuild]:
    """Both DuckDB builds, started at once: they run while Spark builds."""
    builds = {name: start_duckdb_build(landings[name], work / name) for name in DATASETS}
    yield builds
    for build in builds.values():
        build.kill()


_BUILDS: dict[str, dict[str, Any]] = {}


@pytest.fixture(scope="module")
def built(work: Path, landings: dict[str, Path], duckdb_builds: dict[str, DuckdbBuild]) -> Any:
    """`built(dataset)`: that data set on Spark (child process) and on DuckDB, once."""

    def build(dataset: str) -> dict[str, Any]:
        if dataset not in _BUILDS:
            try:
                _BUILDS[dataset] = build_once(dataset)
            except BaseException as exc:  # fail every test of the data set, build once
                _BUILDS[dataset] = {"failure": f"{type(exc).__name__}: {exc}"}
                raise
        if "failure" in _BUILDS[dataset]:
            pytest.fail(
                f"the {dataset} builds failed (see the first test): {_BUILDS[dataset]['failure'][:3000]}"
            )
        return _BUILDS[dataset]

    def build_once(dataset: str) -> dict[str, Any]:
        folder = work / dataset
        result_file = folder / "spark_result.pickle"
        started = time.monotonic()
        child = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from tests.integration.test_spark_cross_engine import run_spark_child; "
                "run_spark_child(*sys.argv[1:])",
                str(landings[dataset]),
                str(folder / "spark"),
                str(result_file),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=SPARK_BUILD_TIMEOUT_S,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")},
                "TZ": "UTC",
                "PYTHONPATH": str(REPO),
            },
        )
        (folder / "spark-child.log").write_text(child.stdout + "\n--- stderr ---\n" + child.stderr)
        assert result_file.exists(), (
            f"the Spark child failed (exit {child.returncode}):\n{child.stdout[-4000:]}\n{child.stderr[-6000:]}"
        )
        with result_file.open("rb") as stream:
            spark = pickle.load(stream)
        assert spark["exit_code"] == 0, (
            f"omnireport run --target spark exited {spark['exit_code']}:\n{child.stdout[-8000:]}"
        )
        warehouse = duckdb_builds[dataset].wait()
        print(
            f"\n{dataset}: omnireport run --target spark {spark['run_seconds']:.0f} s, child process "
            f"{time.monotonic() - started:.0f} s (JVM start, second load and mart dump included)"
        )
        return {
            "spark": spark,
            "stdout": child.stdout,
            "duckdb": warehouse,
            "duckdb_marts": duckdb_marts(warehouse),
        }

    return build


# --- Tests -----------------------------------------------------------------------------------


def test_run_target_spark_on_the_sample_data(built: Any) -> None:
    """The command's output, and counts hand-checked in seeds/README.md."""
    sample = built("sample")
    spark, stdout = sample["spark"], sample["stdout"]
    assert "OK: omnireport run --target spark" in stdout
    assert "rebuilds the incremental models in full" in stdout
    assert (
        "Spark tables: databases raw, staging, quarantine, intermediate, marts, audit in " in stdout
    )
    # seeds/landing: every file loaded once; raw sessions 345 = 330 staged + 12 bad + 3
    # superseded; messages 3625 = 3612 + 9 + 4; every staged session reaches fct_sessions.
    assert [status for _, _, _, status, _ in spark["load_log"]] == ["loaded"] * len(sample.FILES)
    assert spark["raw_counts"]["sessions"] == 345 and spark["raw_counts"]["messages"] == 3625
    reconciliation = {row[0]: row[1:] for row in spark["reconciliation"]}
    assert reconciliation["sessions"] == (345, 330, 12, 3)
    assert reconciliation["messages"] == (3625, 3612, 9, 4)
    assert len(spark["marts"]["fct_sessions"].rows) == 330


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("mart", list(ALL_MART_KEYS))
def test_mart_is_equal_on_duckdb_and_spark(dataset: str, mart: str, built: Any) -> None:
    build = built(dataset)
    assert_mart_equal(mart, build["duckdb_marts"][mart], build["spark"]["marts"][mart], "spark")


@pytest.mark.parametrize("dataset", DATASETS)
def test_raw_load_log_and_reconciliation_are_the_same_as_on_duckdb(
    dataset: str, built: Any
) -> None:
    build = built(dataset)
    spark = build["spark"]
    for table, count in spark["raw_counts"].items():
        duck = duckdb_rows(build["duckdb"], f'select count(*) from raw."{table}"')[0][0]
        assert count == duck, f"raw.{table}: spark {count} rows, duckdb {duck}"
    assert spark["load_log"] == duckdb_rows(build["duckdb"], LOAD_LOG_SQL)
    assert spark["reconciliation"] == duckdb_rows(build["duckdb"], RECONCILIATION_SQL)


def test_generated_data_set_has_bad_and_re_exported_rows(built: Any) -> None:
    reconciliation = {row[0]: row[1:] for row in built("generated")["spark"]["reconciliation"]}
    for table in ("sessions", "messages"):
        raw, staged, quarantined, superseded = reconciliation[table]
        assert quarantined > 0 and superseded > 0, f"{table}: no bad or re-exported rows"
        assert raw == staged + quarantined + superseded


def test_loading_the_same_folder_again_adds_nothing(built: Any) -> None:
    spark = built("sample")["spark"]
    assert {status for _, _, status, _ in spark["second_load"]} == {"already_loaded"}
    assert sum(rows for *_, rows in spark["second_load"]) == 0
    assert len(spark["load_log"]) == len(
        sample.FILES
    )  # same contents under the same names: no new log rows
