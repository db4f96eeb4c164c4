"""The same landing files built on DuckDB (`omnireport run`) and on Spark (the Spark loader +
`dbt build --target spark --full-refresh` through dbt-spark's `session` method) give the
same marts: same columns in the same order and with the same types, same rows by grain
(tests.reference.contract_reference.MART_KEYS), same values; floats within 1e-9 relative,
percentages exactly. The Spark raw tables hold the same rows as DuckDB's, and loading the
same folder again adds nothing.

Needs the optional Spark dependencies (dbt-spark[session], pyspark) and Java; skipped
with the reason otherwise. Spark runs in a child process (one JVM for load and build,
omnireport.warehouse.spark.build_spark) while DuckDB builds beside it. Run it with:

    /tmp/spark/venv/bin/pytest -m spark tests/integration/test_spark_cross_engine.py

It takes several minutes (the child prints its time; see the module's timing test).
"""

from __future__ import annotations

import datetime as dt
import decimal
import importlib.util
import math
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.reference.contract_reference import MART_KEYS

pytestmark = [pytest.mark.spark, pytest.mark.integration]

REPO = Path(__file__).resolve().parents[2]
LANDING = REPO / "seeds" / "landing"
RELATIVE_TOLERANCE = 1e-9
SPARK_BUILD_TIMEOUT_S = 2400

# The marts MART_KEYS leaves out (they have no reference frame), with their grains.
EXTRA_MART_KEYS: dict[str, list[str]] = {
    "dim_tags": ["tag_id"],
    "fct_agent_participations": ["session_id", "user_id"],
}
ALL_MART_KEYS = {**MART_KEYS, **EXTRA_MART_KEYS}

# DuckDB's type of a mart column -> Spark's (contract_data_type: varchar is string, integer int).
SPARK_TYPE_OF_DUCKDB = {
    "VARCHAR": "string",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "DOUBLE": "double",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
}


def _spark_missing_reason() -> str | None:
    for module in ("pyspark", "dbt.adapters.spark"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            return (
                f"{module} is not importable: install the optional `spark` dependencies "
                "(dbt-spark[session], pyspark) to run the Spark tests"
            )
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime (java on PATH or JAVA_HOME): PySpark needs Java 17"
    return None


_SKIP_REASON = _spark_missing_reason()
needs_spark = pytest.mark.skipif(_SKIP_REASON is not None, reason=_SKIP_REASON or "")


# --- The Spark child process -----------------------------------------------------------------


def run_spark_build_child(landing: str, spark_dir: str, work_dir: str, result_file: str) -> None:
    """Child process: load + dbt build on Spark in one JVM, load again, and dump every mart,
    the raw row counts and the load log into `result_file` (pickle)."""
    from omnireport.landing.loader import LoadResult
    from omnireport.warehouse.spark import SparkTarget, build_spark, load_landing_spark, spark_session

    started = time.monotonic()
    target = SparkTarget.from_env({"OMNIREPORT_SPARK_DIR": spark_dir})
    work = Path(work_dir)
    dbt_args = [
        "build", "--target", "spark", "--full-refresh", "--profiles-dir", ".",
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        "--exclude-resource-type", "unit_test",
    ]
    first_load, dbt_ok = build_spark(
        Path(landing), target, project_dir=REPO / "dbt_project", dbt_args=dbt_args, progress=print
    )
    build_seconds = time.monotonic() - started
    session = spark_session(target)
    second_load: LoadResult = load_landing_spark(Path(landing), target, spark=session)

    marts: dict[str, Any] = {}
    if dbt_ok:
        for mart in ALL_MART_KEYS:
            frame = session.table(f"marts.{mart}")
            types = dict(frame.dtypes)
            # timestamp_ntz: the UTC wall-clock time as a naive datetime, whatever the
            # Python process's time zone.
            frame = frame.selectExpr(*[
                f"cast(`{name}` as timestamp_ntz) as `{name}`" if kind == "timestamp" else f"`{name}`"
                for name, kind in frame.dtypes
            ])
            marts[mart] = (frame.columns, types, [tuple(row) for row in frame.collect()])
    raw_counts = {
        row["t"]: row["n"]
        for table in first_load.rows_loaded_by_table
        for row in session.sql(f"select '{table}' as t, count(*) as n from raw.`{table}`").collect()
    }
    log = [
        tuple(row) for row in session.sql(
            "select load_id, table_name, file_path, status, rows_loaded from raw._load_log order by load_id"
        ).collect()
    ]
    with open(result_file, "wb") as stream:
        pickle.dump(
            {
                "dbt_ok": dbt_ok,
                "build_seconds": build_seconds,
                "first_load": [(f.table, f.path, f.status, f.rows) for f in first_load.files],
                "second_load": [(f.table, f.path, f.status, f.rows) for f in second_load.files],
                "raw_counts": raw_counts,
                "load_log": log,
                "marts": marts,
                "total_seconds": time.monotonic() - started,
            },
            stream,
        )
    session.stop()


# --- Fixtures --------------------------------------------------------------------------------


def _omnireport_executable() -> str:
    for candidate in (REPO / ".venv" / "bin" / "omnireport", Path(sys.executable).parent / "omnireport"):
        if candidate.exists():
            return str(candidate)
    raise AssertionError("no omnireport executable next to this Python nor in /work/main/.venv")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Start the DuckDB build, run the Spark child beside it, wait for both."""
    work = tmp_path_factory.mktemp("spark_cross_engine")
    duck_warehouse = work / "duckdb" / "wh.duckdb"
    duck_warehouse.parent.mkdir()
    duck_log = (work / "duckdb.log").open("w")
    duck = subprocess.Popen(
        [_omnireport_executable(), "run", "--landing", str(LANDING), "--warehouse", str(duck_warehouse)],
        cwd=REPO, stdout=duck_log, stderr=subprocess.STDOUT,
    )
    result_file = work / "spark_result.pickle"
    started = time.monotonic()
    try:
        child = subprocess.run(
            [
                sys.executable, "-c",
                "import sys; from tests.integration.test_spark_cross_engine import run_spark_build_child; "
                "run_spark_build_child(*sys.argv[1:])",
                str(LANDING), str(work / "spark"), str(work), str(result_file),
            ],
            cwd=REPO, capture_output=True, text=True, timeout=SPARK_BUILD_TIMEOUT_S,
            env={**os.environ, "TZ": "UTC", "PYTHONPATH": str(REPO)},
        )
        spark_seconds = time.monotonic() - started
        assert child.returncode == 0 and result_file.exists(), (
            f"the Spark child failed (exit {child.returncode}):\n{child.stdout[-4000:]}\n{child.stderr[-6000:]}"
        )
        duck_returncode = duck.wait(timeout=SPARK_BUILD_TIMEOUT_S)
    finally:
        if duck.poll() is None:
            duck.kill()
        duck_log.close()
    assert duck_returncode == 0, "omnireport run on DuckDB failed:\n" + (work / "duckdb.log").read_text()[-6000:]
    with result_file.open("rb") as stream:
        spark = pickle.load(stream)
    assert spark["dbt_ok"], (
        "dbt build --target spark failed: see " + str(work / "logs" / "dbt.log") + "\n" + child.stdout[-6000:]
    )
    spark["wall_seconds"] = spark_seconds
    print(
        f"\nSpark: load + dbt build {spark['build_seconds']:.0f} s, child process total "
        f"{spark_seconds:.0f} s (JVM start, second load and mart dump included)"
    )
    return {"spark": spark, "duckdb": duck_warehouse}


def duckdb_rows(warehouse: Path, sql: str) -> tuple[list[str], list[str], list[tuple[Any, ...]]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        types = [str(d[1]) for d in cursor.description]
        return names, types, cursor.fetchall()
    finally:
        con.close()


# --- Comparison rules ------------------------------------------------------------------------


def same(column: str, duck: Any, spark: Any) -> bool:
    if duck is None or spark is None:
        return duck is None and spark is None
    if isinstance(spark, decimal.Decimal) or isinstance(duck, decimal.Decimal):
        return False  # the contract says double or integer, never decimal
    if isinstance(duck, bool) or isinstance(spark, bool):
        return type(duck) is type(spark) and duck == spark
    if isinstance(duck, float) or isinstance(spark, float):
        if not (isinstance(duck, float) and isinstance(spark, float)):
            return False
        if column.startswith("pct_"):
            return duck == spark
        return math.isclose(duck, spark, rel_tol=RELATIVE_TOLERANCE, abs_tol=0.0)
    if isinstance(duck, dt.datetime) and isinstance(spark, dt.datetime):
        return duck.tzinfo is None and spark.tzinfo is None and duck == spark
    return type(duck) is type(spark) and duck == spark


def test_the_tolerance_rules_themselves() -> None:
    assert same("avg_response_time_s", 340 / 3, 113.33333333333334)
    assert not same("avg_response_time_s", 100.0, 100.00001)
    assert same("pct_complete", 3.13, 3.13)
    assert not same("pct_complete", 3.13, 3.1300000000000003)
    assert not same("is_completed", True, 1)
    assert not same("total_messages", 3, decimal.Decimal(3))
    assert same("started_at", dt.datetime(2026, 3, 9, 1, 5), dt.datetime(2026, 3, 9, 1, 5))
    assert not same("started_at", dt.datetime(2026, 3, 9, 1, 5), dt.datetime(2026, 3, 9, 8, 5))
    assert same("note", None, None) and not same("note", "", None)


# --- Tests -----------------------------------------------------------------------------------


@needs_spark
@pytest.mark.parametrize("mart", list(ALL_MART_KEYS))
def test_mart_is_equal_on_duckdb_and_spark(mart: str, builds: dict[str, Any]) -> None:
    duck_columns, duck_types, duck_tuples = duckdb_rows(builds["duckdb"], f"select * from marts.{mart}")
    spark_columns, spark_types, spark_tuples = builds["spark"]["marts"][mart]
    assert spark_columns == duck_columns
    assert [spark_types[c] for c in duck_columns] == [SPARK_TYPE_OF_DUCKDB[t] for t in duck_types]
    duck_rows = [dict(zip(duck_columns, row)) for row in duck_tuples]
    spark_rows = [dict(zip(spark_columns, row)) for row in spark_tuples]
    keys = ALL_MART_KEYS[mart]
    duck_by_key = {tuple(row[k] for k in keys): row for row in duck_rows}
    spark_by_key = {tuple(row[k] for k in keys): row for row in spark_rows}
    assert len(duck_by_key) == len(duck_rows) and len(spark_by_key) == len(spark_rows), "grain not unique"
    assert duck_rows, f"{mart} is empty on DuckDB: the comparison would prove nothing"
    assert sorted(duck_by_key, key=repr) == sorted(spark_by_key, key=repr)
    problems = [
        f"{key} {column}: duckdb {row[column]!r}, spark {spark_by_key[key][column]!r}"
        for key, row in duck_by_key.items()
        for column in duck_columns
        if not same(column, row[column], spark_by_key[key][column])
    ]
    assert not problems, f"{len(problems)} differences in {mart}:\n" + "\n".join(problems[:30])


@needs_spark
def test_raw_tables_hold_the_same_rows_as_on_duckdb(builds: dict[str, Any]) -> None:
    spark = builds["spark"]
    for table, count in spark["raw_counts"].items():
        _, _, rows = duckdb_rows(builds["duckdb"], f'select count(*) from raw."{table}"')
        assert count == rows[0][0], f"raw.{table}: spark {count} rows, duckdb {rows[0][0]}"
    # seeds/landing: 21 files, every one loaded once, in (table, file name) order.
    assert [status for _, _, status, _ in spark["first_load"]] == ["loaded"] * 21
    assert spark["raw_counts"]["messages"] == 3625 and spark["raw_counts"]["sessions"] == 345
    _, _, duck_log = duckdb_rows(
        builds["duckdb"],
        "select load_id, table_name, file_path, status, rows_loaded from raw._load_log order by load_id",
    )
    assert spark["load_log"] == [tuple(row) for row in duck_log]


@needs_spark
def test_loading_the_same_folder_again_adds_nothing(builds: dict[str, Any]) -> None:
    spark = builds["spark"]
    assert {status for _, _, status, _ in spark["second_load"]} == {"already_loaded"}
    assert sum(rows for *_, rows in spark["second_load"]) == 0
    assert len(spark["load_log"]) == 21  # same contents under the same names: no new log rows
