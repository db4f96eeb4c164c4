"""Read from the warehouse the way every check must: open read-only, read, close.

DuckDB has one writer and even a read-only reader blocks it, so a check never keeps a
connection: it opens the file, runs its queries and closes it before returning.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    import pandas as pd


def _connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    if not warehouse.is_file():
        raise FileNotFoundError(
            f"No warehouse at {warehouse}: build it first (`omnireport run`, or materialize "
            "the assets this check is on)."
        )
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        raise RuntimeError(
            f"Cannot open {warehouse} read-only: {str(exc).splitlines()[0]}. Another process "
            "is writing it; run the check again when that run has finished."
        ) from exc


def _run(con: duckdb.DuckDBPyConnection, warehouse: Path, name: str, sql: str) -> Any:
    try:
        return con.execute(sql)
    except duckdb.CatalogException as exc:
        raise RuntimeError(
            f"{name}: {str(exc).splitlines()[0]} in {warehouse}; build the dbt models "
            "before running this check."
        ) from exc


def read_frames(warehouse: Path, queries: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    """Run each query (name -> SQL) on ``warehouse`` and return its rows as DataFrames."""
    con = _connect(Path(warehouse))
    try:
        return {name: _run(con, warehouse, name, sql).df() for name, sql in queries.items()}
    finally:
        con.close()


def read_rows(warehouse: Path, name: str, sql: str) -> list[dict[str, Any]]:
    """The rows of one query (``name`` says what it reads) as dicts of Python values."""
    con = _connect(Path(warehouse))
    try:
        result = _run(con, warehouse, name, sql)
        columns = [column[0] for column in result.description]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
    finally:
        con.close()
