"""Read from the warehouse the way every check must: connect, read, close.

DuckDB has one writer and even a read-only reader blocks it, so a check never keeps a
connection: it opens one through the warehouse resource (any target), runs its queries
and closes it before returning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from orchestration.resources import WarehouseResource


def _run(con: Any, name: str, sql: str) -> Any:
    try:
        return con.execute(sql)
    except Exception as exc:  # each engine has its own "no such relation" error
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RuntimeError(
            f"{name}: {first_line}; build the dbt models before running this check."
        ) from exc


def read_frames(
    warehouse: WarehouseResource, queries: Mapping[str, str]
) -> dict[str, pd.DataFrame]:
    """Run each query (name -> SQL) and return its rows as DataFrames."""
    import pandas as pd

    frames = {}
    with warehouse.cursor() as con:
        for name, sql in queries.items():
            result = _run(con, name, sql)
            columns = [column[0] for column in result.description]
            frames[name] = pd.DataFrame(result.fetchall(), columns=columns)
    return frames


def read_rows(warehouse: WarehouseResource, name: str, sql: str) -> list[dict[str, Any]]:
    """The rows of one query (``name`` says what it reads) as dicts of Python values."""
    with warehouse.cursor() as con:
        result = _run(con, name, sql)
        columns = [column[0] for column in result.description]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
