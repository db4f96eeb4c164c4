"""The Spark target's settings (OMNIREPORT_SPARK_*) and the target-neutral relation check,
without Spark: values worked out by hand from the variables given."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from omnireport.warehouse.spark import SparkLoadError, SparkTarget
from omnireport.warehouse.targets import SparkWarehouse, relation_exists, warehouse_for

pytestmark = pytest.mark.unit

URL = "sc://localhost:15002/;token=s3cret"


def test_defaults_without_variables() -> None:
    target = SparkTarget.from_env({})
    assert target.directory.parts[-2:] == ("data", "spark")
    assert (target.cores, target.driver_memory, target.shuffle_partitions) == (2, "2g", 4)
    assert target.remote is None
    assert target.describe() == f"Spark (no server yet) on {target.directory}"


def test_a_remote_server_is_described_without_its_token(tmp_path: Path) -> None:
    target = SparkTarget.from_env(
        {"OMNIREPORT_SPARK_REMOTE": f" {URL} ", "OMNIREPORT_SPARK_DIR": str(tmp_path)}
    )
    assert target.remote == URL
    assert target.describe() == "Spark Connect sc://localhost:15002/"
    env = target.dbt_env()
    assert env["OMNIREPORT_SPARK_REMOTE"] == URL
    assert env["OMNIREPORT_SPARK_DIR"] == str(tmp_path)


def test_a_remote_that_is_no_connect_url_is_refused() -> None:
    with pytest.raises(SparkLoadError, match="is not a Spark Connect URL: give sc://"):
        SparkTarget.from_env({"OMNIREPORT_SPARK_REMOTE": "spark://10.0.0.1:7077"})


def test_cores_must_be_a_positive_number() -> None:
    with pytest.raises(SparkLoadError, match="OMNIREPORT_SPARK_CORES='0' is not a positive"):
        SparkTarget.from_env({"OMNIREPORT_SPARK_CORES": "0"})


def test_the_spark_warehouse_points_dbt_at_the_server(tmp_path: Path) -> None:
    warehouse = warehouse_for("spark", tmp_path / "w.duckdb", env={"OMNIREPORT_SPARK_REMOTE": URL})
    assert isinstance(warehouse, SparkWarehouse)
    assert warehouse.dbt_env()["OMNIREPORT_DBT_TARGET"] == "spark"
    assert warehouse.dbt_env()["OMNIREPORT_SPARK_REMOTE"] == URL


class _Catalog:
    """A connection that answers relation_exists itself, as the Spark one does."""

    def relation_exists(self, schema: str, name: str) -> bool:
        return (schema, name) == ("marts", "fct_sessions")

    def execute(self, *args: object) -> None:
        raise AssertionError("no information_schema query on a connection with a catalog")


def test_relation_exists_asks_the_catalog_or_the_information_schema() -> None:
    assert relation_exists(_Catalog(), "marts", "fct_sessions")
    assert not relation_exists(_Catalog(), "marts", "fct_messages")
    con = duckdb.connect()
    con.execute("create schema marts; create table marts.fct_sessions (session_id varchar)")
    assert relation_exists(con, "marts", "fct_sessions")
    assert not relation_exists(con, "marts", "fct_messages")


class _Session:
    def __init__(self, stopped: bool = False) -> None:
        self.is_stopped = stopped
        self.stops = 0

    def stop(self) -> None:
        self.stops += 1
        self.is_stopped = True


def test_close_spark_sessions_stops_each_open_session_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from omnireport.warehouse import spark

    open_one, open_two, stopped = _Session(), _Session(), _Session(stopped=True)
    monkeypatch.setattr(spark, "_OPEN_SESSIONS", [open_one, stopped, open_two])
    spark.close_spark_sessions()
    spark.close_spark_sessions()
    assert (open_one.stops, open_two.stops, stopped.stops) == (1, 1, 0)
    assert spark._OPEN_SESSIONS == []
