"""The COPY loader: the same raw rows, text and nulls as the DuckDB loader, the same load
log, the same idempotency and failure handling; each file all or nothing."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from omnireport.contract import RAW_TABLES
from omnireport.landing.loader import load_landing
from omnireport.warehouse.postgres import load_landing_postgres
from tests.engine_compare import duckdb_rows, postgres_rows
from tests.pg_server import PostgresServer

pytestmark = pytest.mark.integration

_DATABASES = iter(f"loader_{n}" for n in range(100))


@pytest.fixture()
def database(postgres_server: PostgresServer) -> str:
    """A fresh empty database on the session's server, so each test starts clean."""
    name = next(_DATABASES)
    postgres_server.create_database(name)
    return name


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.fixture()
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    write(
        root / "channels" / "a.csv",
        "channel_id,channel_name,channel_type\r\n"
        'ch1,"Bếp Nhà Mai, Q1",facebook\r\n'
        "ch2,,zalo\r\n"
        'ch3,"Say ""hi""\r\nnext line",livechat\r\n',
    )
    write(
        root / "users" / "a.jsonl",
        '{"user_id": "u1", "full_name": "An", "email": "", "is_active": true}\n'
        '{"user_id": "u2", "full_name": null, "email": "b@x.vn", "is_active": 1.50}\n',
    )
    write(root / "tags" / "a.csv", "tag_id,tag_name\nt1,VIP\nt2\n")  # row 2 has one field
    # Parquet with typed columns: a time-zone-aware timestamp, an empty string.
    table = pa.table(
        {
            "event_id": ["e1", "e2"],
            "user_id": ["u1", ""],
            "status": ["online", "paused"],
            "event_at": pa.array(
                [
                    dt.datetime(2026, 3, 1, 8, 15, tzinfo=dt.UTC),
                    dt.datetime(2026, 3, 1, 8, 15, 0, 250000, tzinfo=dt.UTC),
                ],
                type=pa.timestamp("us", tz="UTC"),
            ),
        }
    )
    (root / "agent_status_events").mkdir()
    pq.write_table(table, root / "agent_status_events" / "a.parquet")
    return root


def pg_rows(server: PostgresServer, dbname: str, sql: str) -> list[tuple]:
    return postgres_rows(server.conninfo(dbname=dbname), sql)


def test_rows_text_and_nulls_as_written(
    postgres_server: PostgresServer, database: str, landing: Path
) -> None:
    result = load_landing_postgres(landing, postgres_server.conninfo(dbname=database))
    assert result.rows_loaded_by_table["channels"] == 3
    assert result.rows_loaded_by_table["users"] == 2
    assert pg_rows(
        postgres_server,
        database,
        "select channel_id, channel_name, channel_type, _row_number, "
        "_source_file, _load_id from raw.channels order by _row_number",
    ) == [
        ("ch1", "Bếp Nhà Mai, Q1", "facebook", 1, "channels/a.csv", 2),
        ("ch2", None, "zalo", 2, "channels/a.csv", 2),
        ("ch3", 'Say "hi"\r\nnext line', "livechat", 3, "channels/a.csv", 2),
    ]
    # Parquet: timestamps as ISO-8601 UTC text, a fraction only when non-zero; '' is null.
    assert pg_rows(
        postgres_server,
        database,
        "select event_id, user_id, event_at from raw.agent_status_events order by 1",
    ) == [
        ("e1", "u1", "2026-03-01T08:15:00Z"),
        ("e2", None, "2026-03-01T08:15:00.250000Z"),
    ]
    # JSONL: an empty string is null, booleans read true/false, numbers keep their text.
    assert pg_rows(
        postgres_server,
        database,
        "select user_id, full_name, email, is_active from raw.users order by 1",
    ) == [
        ("u1", "An", None, "true"),
        ("u2", None, "b@x.vn", "1.50"),
    ]


def test_bad_file_fails_alone_and_nothing_of_it_is_loaded(
    postgres_server: PostgresServer, database: str, landing: Path
) -> None:
    result = load_landing_postgres(landing, postgres_server.conninfo(dbname=database))
    assert [(f.table, f.status) for f in result.files] == [
        ("agent_status_events", "loaded"),
        ("channels", "loaded"),
        ("tags", "failed"),
        ("users", "loaded"),
    ]
    assert (
        result.failed[0].error
        == "tags/a.csv: line 3: expected 2 fields (as in the header), found 1"
    )
    assert pg_rows(postgres_server, database, "select count(*) from raw.tags") == [(0,)]
    assert pg_rows(
        postgres_server,
        database,
        "select status, rows_loaded from raw._load_log where table_name = 'tags'",
    ) == [("failed", 0)]


def test_second_run_adds_nothing_and_a_fixed_file_loads(
    postgres_server: PostgresServer, database: str, landing: Path
) -> None:
    conninfo = postgres_server.conninfo(dbname=database)
    load_landing_postgres(landing, conninfo)
    shutil.copy(
        landing / "channels" / "a.csv", landing / "channels" / "b.csv"
    )  # same bytes, new name
    write(landing / "tags" / "a.csv", "tag_id,tag_name\nt1,VIP\nt2,New\n")
    again = load_landing_postgres(landing, conninfo)
    assert [(f.path, f.status, f.rows) for f in again.files] == [
        ("agent_status_events/a.parquet", "already_loaded", 0),
        ("channels/a.csv", "already_loaded", 0),
        ("channels/b.csv", "already_loaded", 0),
        ("tags/a.csv", "loaded", 2),
        ("users/a.jsonl", "already_loaded", 0),
    ]
    assert pg_rows(postgres_server, database, "select count(*) from raw.channels") == [(3,)]
    # load ids: run 1 gives the parquet file 1, channels/a.csv 2, tags/a.csv 3 (failed),
    # users 4; run 2 logs b.csv as already_loaded (5) and the fixed tags file, new bytes,
    # as loaded (6); the failed row of the old bytes stays, withdrawn (those bytes are gone).
    assert pg_rows(
        postgres_server,
        database,
        "select load_id, file_path, status, rows_loaded from raw._load_log order by load_id",
    ) == [
        (1, "agent_status_events/a.parquet", "loaded", 2),
        (2, "channels/a.csv", "loaded", 3),
        (3, "tags/a.csv", "withdrawn", 0),
        (4, "users/a.jsonl", "loaded", 2),
        (5, "channels/b.csv", "already_loaded", 0),
        (6, "tags/a.csv", "loaded", 2),
    ]
    assert pg_rows(postgres_server, database, "select distinct _load_id from raw.tags") == [(6,)]


def test_raw_tables_and_load_log_equal_the_duckdb_loader(
    postgres_server: PostgresServer, database: str, landing: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "wh.duckdb"
    duck_result = load_landing(landing, warehouse)
    pg_result = load_landing_postgres(landing, postgres_server.conninfo(dbname=database))

    def strip(outcomes):
        return [(o.table, o.path, o.content_hash, o.status, o.rows, o.error) for o in outcomes]

    assert strip(pg_result.files) == strip(duck_result.files)
    for table in RAW_TABLES:
        columns = ", ".join(
            f'"{c}"' for c in (*table.columns, "_source_file", "_row_number", "_load_id")
        )
        sql = f'select {columns} from raw."{table.name}" order by _load_id, _row_number'
        assert pg_rows(postgres_server, database, sql) == duckdb_rows(warehouse, sql), table.name
    log_sql = (
        "select load_id, table_name, file_path, content_hash, file_size, rows_loaded, status, error "
        "from raw._load_log order by load_id"
    )
    assert pg_rows(postgres_server, database, log_sql) == duckdb_rows(warehouse, log_sql)
