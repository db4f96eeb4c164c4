"""Create the raw schema: one all-text table per contract table, and the load log."""

from __future__ import annotations

import duckdb

from omnireport.build_state import STATE_DDL
from omnireport.contract import LOAD_LOG_TABLE, RAW_SCHEMA, RAW_TABLES


def raw_table_ddl(table_name: str, columns: tuple[str, ...]) -> str:
    """DDL of one raw table: every contract column as text, plus the lineage columns."""
    column_sql = ",\n    ".join(f'"{column}" varchar' for column in columns)
    return (
        f'create table if not exists {RAW_SCHEMA}."{table_name}" (\n'
        f"    {column_sql},\n"
        "    _source_file varchar not null,\n"
        "    _row_number bigint not null,\n"
        "    _load_id bigint not null,\n"
        "    _loaded_at timestamp not null\n"
        ")"
    )


LOAD_LOG_DDL = f"""
create table if not exists {RAW_SCHEMA}.{LOAD_LOG_TABLE} (
    load_id bigint not null,
    table_name varchar not null,
    file_path varchar not null,
    content_hash varchar not null,
    file_size bigint,
    rows_loaded bigint,
    status varchar not null,
    error varchar,
    seen_at timestamp not null
)
"""


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema `raw`, every raw table, the load log and the build state, where missing."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    for table in RAW_TABLES:
        con.execute(raw_table_ddl(table.name, table.columns))
    con.execute(LOAD_LOG_DDL)
    con.execute(STATE_DDL)
