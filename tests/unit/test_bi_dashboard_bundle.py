"""bi/dashboard/ (Superset's import YAML) holds together, and its ZIP points at the snapshot.

Superset is not needed: these read the YAML files that `make bi` zips and imports. A chart
that names a metric or column its dataset lacks, a dashboard that places a chart that is not
in the bundle, or a native filter scoped to a chart whose dataset has no such column would
only show up as a broken chart in the browser.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import yaml

from bi.superset_setup import (
    BI_SNAPSHOT_ENV,
    BUNDLE_ROOT,
    DASHBOARD_DIR,
    bi_snapshot,
    bundle,
    database_uri,
)

pytestmark = pytest.mark.unit


def _load(folder: str) -> dict[str, dict]:
    return {
        path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((DASHBOARD_DIR / folder).rglob("*.yaml"))
    }


DATASETS = {config["uuid"]: config for config in _load("datasets").values()}
CHARTS = _load("charts")
(DASHBOARD,) = _load("dashboards").values()
(DATABASE,) = _load("databases").values()


def _names(metric) -> set[str]:
    """The saved metric a chart names (a string); ad-hoc SQL metrics name none."""
    return {metric} if isinstance(metric, str) else set()


def test_the_bundle_points_every_database_at_the_snapshot_read_only(tmp_path: Path) -> None:
    snapshot = tmp_path / "wh.published.duckdb"
    with zipfile.ZipFile(io.BytesIO(bundle(snapshot))) as archive:
        names = archive.namelist()
        database = yaml.safe_load(archive.read(f"{BUNDLE_ROOT}/databases/omnireport.yaml"))
        metadata = yaml.safe_load(archive.read(f"{BUNDLE_ROOT}/metadata.yaml"))
    assert database["sqlalchemy_uri"] == f"duckdb:///{snapshot}?access_mode=read_only"
    assert database_uri(snapshot).startswith("duckdb:////")  # four slashes: an absolute path
    assert metadata["type"] == "assets"  # imported with overwrite, every asset
    assert len(names) == 1 + 1 + len(DATASETS) + len(CHARTS) + 1
    assert all(name.startswith(f"{BUNDLE_ROOT}/") for name in names)


def test_every_chart_names_metrics_and_columns_of_its_dataset() -> None:
    for key, chart in CHARTS.items():
        dataset = DATASETS[chart["dataset_uuid"]]
        assert dataset["database_uuid"] == DATABASE["uuid"], key
        metrics = {metric["metric_name"] for metric in dataset["metrics"]}
        columns = {column["column_name"] for column in dataset["columns"]}
        params = chart["params"]
        named = _names(params.get("metric")) | _names(params.get("timeseries_limit_metric"))
        for metric in params.get("metrics", []):
            named |= _names(metric)
        assert named <= metrics, (key, named - metrics)
        used = set(params.get("groupby", [])) | set(params.get("all_columns", []))
        used |= {params["x_axis"]} if "x_axis" in params else set()
        used |= {f["subject"] for f in params.get("adhoc_filters", [])}
        assert used <= columns, (key, used - columns)
        # the date-range filter reaches every chart through its dataset's date column
        assert {f["subject"] for f in params["adhoc_filters"]} == {dataset["main_dttm_col"]}


def test_averages_are_totals_over_totals() -> None:
    for dataset in DATASETS.values():
        for metric in dataset["metrics"]:
            if metric["metric_name"].startswith("avg_"):
                assert metric["expression"].startswith("sum(total_"), metric
                assert "/ nullif(sum(sessions_with_" in metric["expression"], metric


def test_the_dashboard_places_every_chart_and_scopes_filters_by_column() -> None:
    placed = {
        item["meta"]["uuid"]: item["meta"]["chartId"]
        for item in DASHBOARD["position"].values()
        if isinstance(item, dict) and item.get("type") == "CHART"
    }
    assert set(placed) == {chart["uuid"] for chart in CHARTS.values()}
    assert len(set(placed.values())) == len(placed)
    dataset_of = {placed[c["uuid"]]: DATASETS[c["dataset_uuid"]] for c in CHARTS.values()}
    filters = DASHBOARD["metadata"]["native_filter_configuration"]
    assert {f["name"] for f in filters} == {"Date range", "Page", "Support type", "Agent", "Tag"}
    for native_filter in filters:
        if native_filter["filterType"] != "filter_select":
            assert native_filter["scope"]["excluded"] == []
            continue
        (target,) = native_filter["targets"]
        column = target["column"]["name"]
        assert column in {c["column_name"] for c in DATASETS[target["datasetUuid"]]["columns"]}
        without = {
            chart_id
            for chart_id, dataset in dataset_of.items()
            if column not in {c["column_name"] for c in dataset["columns"]}
        }
        assert set(native_filter["scope"]["excluded"]) == without, native_filter["name"]


def test_superset_reads_the_reader_snapshot_unless_told_otherwise(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    env = {"OMNIREPORT_WAREHOUSE": str(warehouse), "OMNIREPORT_SNAPSHOT": str(tmp_path / "x")}
    assert bi_snapshot(env) == tmp_path / "wh.reader.duckdb"
    full = tmp_path / "wh.published.duckdb"
    assert bi_snapshot({**env, BI_SNAPSHOT_ENV: str(full)}) == full
