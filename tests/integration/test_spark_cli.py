"""`omnireport run --target spark` without what Spark needs stops at once, exit code 1, with
a message that says what to install (whether or not the `spark` extra is installed here:
the missing piece is simulated). The build itself is tested in test_spark_incremental.py
and test_spark_cluster.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from omnireport import cli
from omnireport.warehouse import spark_run

pytestmark = pytest.mark.integration

SAMPLE_LANDING = Path(__file__).resolve().parents[2] / "seeds" / "landing"


def _hide_module(monkeypatch: pytest.MonkeyPatch, hidden: str) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        if name == hidden or name.startswith(hidden + "."):
            return None
        return real_find_spec(name, *args)

    monkeypatch.setattr(spark_run.importlib.util, "find_spec", find_spec)


def test_without_pyspark_it_says_to_install_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _hide_module(monkeypatch, "pyspark")
    monkeypatch.setenv("OMNIREPORT_SPARK_DIR", str(tmp_path / "spark"))
    code = cli.main(["run", "--target", "spark", "--landing", str(SAMPLE_LANDING)])
    err = capsys.readouterr().err
    assert code == 1
    assert "omnireport run: FAILED: the Spark target needs pyspark, which is not installed" in err
    assert "uv sync --extra spark" in err and "pip install 'omnireport[spark]'" in err
    assert not (tmp_path / "spark").exists()  # nothing was started or created


def test_without_dbt_spark_it_names_that_package(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _hide_module(monkeypatch, "dbt.adapters.spark")
    if spark_run.missing_spark_dependencies() is None or "pyspark" in (
        spark_run.missing_spark_dependencies() or ""
    ):
        pytest.skip("pyspark is not installed here: the pyspark message comes first")
    code = cli.main(["run", "--target", "spark", "--landing", str(SAMPLE_LANDING)])
    assert code == 1
    assert "the Spark target needs dbt-spark, which is not installed" in capsys.readouterr().err


def test_without_java_it_says_to_install_java(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spark_run.importlib.util, "find_spec", lambda name, *args: object())
    monkeypatch.setattr(spark_run.shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    message = spark_run.missing_spark_dependencies()
    assert message is not None
    assert "needs a Java runtime" in message and "openjdk-17-jre-headless" in message


def test_help_says_where_spark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "{duckdb,postgres,spark}" in text
    assert (
        "the Spark Connect server of OMNIREPORT_SPARK_REMOTE, else a local one started for the run"
        in text
    )


def test_a_remote_that_is_no_spark_connect_url_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(spark_run, "missing_spark_dependencies", lambda: None)
    monkeypatch.setenv("OMNIREPORT_SPARK_REMOTE", "spark://127.0.0.1:7077")
    code = cli.main(
        ["run", "--target", "spark", "--landing", str(SAMPLE_LANDING)]
        + ["--warehouse", str(tmp_path / "warehouse.duckdb")]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "OMNIREPORT_SPARK_REMOTE='spark://127.0.0.1:7077' is not a Spark Connect URL" in err


def test_java_older_than_17_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    java.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n")
    java.chmod(0o755)
    monkeypatch.setattr(spark_run.importlib.util, "find_spec", lambda name, *args: object())
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    message = spark_run.missing_spark_dependencies()
    assert message is not None and f"{java} is Java 11" in message


@pytest.mark.parametrize(
    ("shown", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('java version "1.8.0_392"', 8),
        ("no version here", None),
    ],
)
def test_java_major_version_reads_both_numbering_schemes(
    tmp_path: Path, shown: str, major: int | None
) -> None:
    java = tmp_path / "java"
    java.write_text(f"#!/bin/sh\necho '{shown}' >&2\n")
    java.chmod(0o755)
    assert spark_run.java_major_version(str(java)) == major
