"""Compare the marts of a built DuckDB warehouse with the reference frames, grain by grain."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from tests.reference.contract_reference import MART_KEYS, to_records

FLOAT_RELATIVE_TOLERANCE = 1e-9


def read_mart(warehouse: Path, mart: str, columns: list[str]) -> list[dict[str, Any]]:
    """Rows of marts.<mart>, only the given columns, as plain Python values."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        select_list = ", ".join(f'"{column}"' for column in columns)
        cursor = con.execute(f"select {select_list} from marts.{mart}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def _is_percentage(column: str) -> bool:
    """Percentages are rounded to 2 decimals on both sides, so they compare exactly:
    ``pct_complete``, ``pct_support`` (section 5) and ``csat_pct`` (section 7.7)."""
    return column.startswith("pct_") or column.endswith("_pct")


def _same(expected: Any, actual: Any, column: str) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, float) or isinstance(actual, float):
        if _is_percentage(column):
            return float(expected) == float(actual)
        return math.isclose(
            float(expected), float(actual), rel_tol=FLOAT_RELATIVE_TOLERANCE, abs_tol=1e-9
        )
    if isinstance(expected, dt.datetime) and isinstance(actual, dt.datetime):
        return expected.replace(tzinfo=None) == actual.replace(tzinfo=None)
    if isinstance(expected, pd.Timestamp):
        expected = expected.to_pydatetime()
    return expected == actual


def _key(row: dict[str, Any], keys: list[str]) -> tuple:
    """The grain of a row; a null grain column (rpt_csat_daily.assigned_user_id for
    unassigned sessions, rpt_tag_stats.tagged_by_user_id) is None on both sides and
    matches like any value: rows are matched in Python, not with a SQL join."""
    return tuple(row[k] for k in keys)


def compare_mart(
    mart: str, expected_frame: pd.DataFrame, actual_rows: list[dict[str, Any]]
) -> list[str]:
    """Every difference between the reference rows and the warehouse rows of one mart."""
    keys = MART_KEYS[mart]
    expected = {_key(row, keys): row for row in to_records(expected_frame)}
    actual = {_key(row, keys): row for row in actual_rows}
    problems: list[str] = []
    for key in sorted(set(expected) - set(actual), key=str):
        problems.append(f"{mart}: row {key} missing from the warehouse")
    for key in sorted(set(actual) - set(expected), key=str):
        problems.append(f"{mart}: row {key} not in the reference")
    for key in sorted(set(expected) & set(actual), key=str):
        for column, value in expected[key].items():
            if not _same(value, actual[key].get(column), column):
                problems.append(
                    f"{mart}: row {key} column {column}: reference {value!r}, warehouse {actual[key].get(column)!r}"
                )
    return problems


def compare_warehouse(warehouse: Path, reference: dict[str, pd.DataFrame]) -> list[str]:
    """Differences over every mart of MART_KEYS."""
    problems: list[str] = []
    for mart in MART_KEYS:
        frame = reference[mart]
        problems.extend(compare_mart(mart, frame, read_mart(warehouse, mart, list(frame.columns))))
    return problems
