"""The reconciliation check: raw = staged + quarantined + superseded, numbers in metadata."""

import pytest
from dagster import AssetCheckSeverity, AssetKey

from omnireport.contract import RAW_TABLES
from orchestration.checks.reconciliation import evaluate_reconciliation

pytestmark = pytest.mark.unit


def rows(**overrides):
    result = []
    for table in RAW_TABLES:
        row = {
            "table_name": table.name,
            "raw_rows": 10,
            "staged_rows": 7,
            "quarantined_rows": 2,
            "superseded_rows": 1,
        }
        row.update(overrides.get(table.name, {}))
        result.append(row)
    return result


def meta(result, name):
    value = result.metadata[name]
    return getattr(value, "value", value)


def test_every_table_reconciles():
    result = evaluate_reconciliation(rows())
    assert result.passed
    assert result.asset_key == AssetKey(["audit", "row_reconciliation"])
    assert result.severity == AssetCheckSeverity.ERROR
    assert meta(result, "total_raw_rows") == 10 * len(RAW_TABLES)
    assert meta(result, "total_quarantined_rows") == 2 * len(RAW_TABLES)
    assert meta(result, "mismatched_tables") == 0
    assert meta(result, "counts_by_table")["messages"] == {
        "raw_rows": 10,
        "staged_rows": 7,
        "quarantined_rows": 2,
        "superseded_rows": 1,
    }


def test_a_lost_row_fails_with_the_numbers():
    result = evaluate_reconciliation(rows(messages={"staged_rows": 6}))
    assert not result.passed
    assert meta(result, "mismatched_tables") == 1
    assert "messages: raw 10 != staged 6 + quarantined 2 + superseded 1 (+1)" in result.description
    table = meta(result, "tables")
    messages = next(r for r in table.records if r.data["table_name"] == "messages")
    assert messages.data["difference"] == 1


def test_a_missing_table_fails():
    result = evaluate_reconciliation([r for r in rows() if r["table_name"] != "tags"])
    assert not result.passed
    assert meta(result, "missing_tables") == "tags"


def test_a_table_that_does_not_add_up_names_its_files():
    files = [
        {"table_name": "messages", "file_path": f"messages/batch_{n:04d}.csv", "difference": 1}
        for n in range(1, 8)
    ]
    result = evaluate_reconciliation(rows(messages={"staged_rows": 0}), files)
    assert not result.passed
    assert (
        "messages: raw 10 != staged 0 + quarantined 2 + superseded 1 (+7), in "
        "messages/batch_0001.csv (+1), messages/batch_0002.csv (+1), messages/batch_0003.csv (+1), "
        "messages/batch_0004.csv (+1), messages/batch_0005.csv (+1) and 2 more"
    ) in result.description
