"""`omnireport run --target spark` builds the same marts as `omnireport run` on DuckDB, by
the rules of tests/engine_compare.py (same columns and matching types, same rows by grain,
same values; floats within 1e-9 relative, percentages exactly), on two data sets:

- `sample`: seeds/landing, where the command's output and a few counts are also checked
  against the hand-counted ones of seeds/README.md, and loading again adds nothing;
- `generated`: `omnireport generate` with every edge case (tests/engine_compare.py,
  GENERATED_ARGS).

The reader layer on Spark (database `reader`) is the marts with each privacy class applied,
with the keyed hash of Python's hashlib under the key the test hands over as
OMNIREPORT_PII_KEY, and shows none of the landing files' personal data; the redaction
patterns, compiled for Spark, turn tests/redaction_samples.py into their hand-written
redactions.

Each Spark build runs in a child process (one JVM: the command's load and dbt build, then
the dump of marts and reader tables, through `omnireport.cli.main` in that process), while
DuckDB builds both data sets in the background. Needs the optional `spark` extra and Java (skipped with the
reason otherwise):

    .venv/bin/pytest -m spark tests/integration/test_spark_cross_engine.py

About 8-10 minutes per data set on a busy 2-core machine (the child prints its time).
"""

from __future__ import annotations

import os
import pickle
import secrets
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from omnireport.privacy.classes import column_class, mart_classes
from omnireport.privacy.keys import PII_KEY_ENV, PiiKey
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
from tests.privacy_scan import leaks, sensitive_strings
from tests.redaction_samples import SAMPLES

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
# The PII key of the Spark builds (the child reads it as OMNIREPORT_PII_KEY).
SPARK_PII_KEY = secrets.token_hex(32)
REDACT_SQL = "select {{ omnireport.redact_text('sample_text') }} as redacted"


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
        result["readers"] = spark_marts(session, sorted(mart_classes()), schema="reader")
        result["reconciliation"] = rows(RECONCILIATION_SQL)
        result["redactions"] = spark_redactions(session, target)
    with open(result_file, "wb") as stream:
        pickle.dump(result, stream)
    print(f"omnireport run --target spark: {run_seconds:.0f} s", flush=True)
    session.stop()


def spark_redactions(session: Any, target: Any) -> list[str | None]:
    """tests/redaction_samples.py (and a null) through redact_text as dbt compiles it for
    Spark (its own string literals), run by the child's Spark session."""
    from dbt.cli.main import dbtRunner

    previous = Path.cwd()
    os.environ.update(target.dbt_env())
    os.chdir(REPO / "dbt_project")
    try:
        outcome = dbtRunner().invoke(
            ["--quiet", "compile", "--inline", REDACT_SQL, "--target", "spark",
             "--profiles-dir", ".", "--target-path", str(target.directory / "dbt_compile"),
             "--log-path", str(target.directory / "dbt_logs")]
        )  # fmt: skip
    finally:
        os.chdir(previous)
    assert outcome.success, outcome.exception
    compiled = outcome.result.results[0].node.compiled_code.strip()
    prefix, suffix = "select ", " as redacted"
    assert compiled.startswith(prefix) and compiled.endswith(suffix), compiled
    expression = compiled[len(prefix) : -len(suffix)]
    texts = [text for text, _ in SAMPLES] + [None]
    session.createDataFrame(
        list(enumerate(texts)), "i int, sample_text string"
    ).createOrReplaceTempView("samples")
    query = f"select {expression} from samples order by i"
    return [row[0] for row in session.sql(query).collect()]


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
                PII_KEY_ENV: SPARK_PII_KEY,
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
    build = built("sample")  # not named sample: that is the module of the sample's files
    spark, stdout = build["spark"], build["stdout"]
    assert "OK: omnireport run --target spark" in stdout
    assert "rebuilds the incremental models in full" in stdout
    assert (
        "Spark tables: databases raw, staging, quarantine, intermediate, marts, reader, audit in "
        in stdout
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


@pytest.mark.parametrize("dataset", DATASETS)
def test_reader_tables_are_the_marts_with_each_class_applied(dataset: str, built: Any) -> None:
    """Row for row (as multisets): identifiers hashed as Python's hashlib does under the
    builds' key, free text null, everything else (every metric) unchanged."""
    spark = built(dataset)["spark"]
    classes, key = mart_classes(), PiiKey(SPARK_PII_KEY, "the test")
    assert sorted(spark["readers"]) == sorted(classes)
    for name, reader in spark["readers"].items():
        mart = spark["marts"][name]
        assert (reader.columns, reader.types) == (mart.columns, mart.types), name
        rules = [column_class(classes, name, column) for column in mart.columns]
        expected = Counter(
            tuple(
                key.hash(v) if rule == "identifier" and v is not None
                else None if rule == "free_text" else v
                for v, rule in zip(row, rules, strict=True)
            )
            for row in mart.rows
        )  # fmt: skip
        assert Counter(reader.rows) == expected, name


@pytest.mark.parametrize("dataset", DATASETS)
def test_no_personal_data_in_the_reader_tables(
    dataset: str, built: Any, landings: dict[str, Path]
) -> None:
    readers = built(dataset)["spark"]["readers"]
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

    found = leaks(columns, values, sensitive_strings(landings[dataset]))
    assert len(columns) > 60
    assert found == [], "\n".join(map(str, found[:30]))


def test_redaction_samples_on_spark(built: Any) -> None:
    assert built("sample")["spark"]["redactions"] == [expected for _, expected in SAMPLES] + [None]
