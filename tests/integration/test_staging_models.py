"""dbt staging on a real DuckDB file: typing, quarantine, deduplication and reconciliation.

Builds only the staging, quarantine and audit models (`dbt build --select path:models/staging
path:models/audit`) on raw rows inserted by SQL, then checks hand-computed results.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from omnireport.contract import RAW_TABLES
from omnireport.landing.raw_schema import ensure_raw_schema

pytestmark = pytest.mark.integration

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

# Raw rows per table: (file, load id, {column: text}); row numbers follow the list order per file.
GOOD_SESSION = {
    "conversation_id": "c1",
    "channel_id": "ch1",
    "contact_id": "k1",
    "support_type": "message",
    "status": "open",
    "started_at": "2026-03-01T08:00:00Z",
    "updated_at": "2026-03-01T08:00:00Z",
}
GOOD_MESSAGE = {
    "conversation_id": "c1",
    "session_id": "s1",
    "channel_id": "ch1",
    "initiated_by": "user",
    "direction": "incoming",
    "from_id": "k1",
    "to_id": "p1",
    "sent_at": "2026-03-01T08:00:00Z",
    "content_type": "text",
    "status": "sent",
    "status_updated_at": "2026-03-01T08:00:00Z",
}
RAW_ROWS: dict[str, list[tuple[str, int, dict[str, str | None]]]] = {
    "channels": [
        (
            "channels/a.csv",
            1,
            {"channel_id": "ch1", "channel_name": "Old page", "channel_type": "facebook"},
        ),
        (
            "channels/b.csv",
            2,
            {"channel_id": "ch1", "channel_name": "Fan page", "channel_type": "facebook"},
        ),
        ("channels/b.csv", 2, {"channel_id": "ch2", "channel_name": "OA", "channel_type": "Zalo"}),
    ],
    "users": [
        (
            "users/a.csv",
            3,
            {"user_id": "u1", "full_name": "An", "email": None, "is_active": " Yes "},
        ),
        (
            "users/a.csv",
            3,
            {"user_id": "u2", "full_name": "Binh", "email": None, "is_active": "maybe"},
        ),
    ],
    "user_groups": [
        ("user_groups/a.csv", 4, {"user_id": "u1", "group_id": "g1"}),
        ("user_groups/a.csv", 4, {"user_id": "u1", "group_id": "g2"}),
        ("user_groups/b.csv", 5, {"user_id": "u1", "group_id": "g1"}),
    ],
    "sessions": [
        # s1: the newer updated_at (first file) wins over the later-loaded older version.
        (
            "sessions/a.csv",
            6,
            {
                **GOOD_SESSION,
                "session_id": "s1",
                "status": "done",
                "done_at": "2026-03-01T16:30:00+07:00",
                "rating": " 4 ",
                "updated_at": "2026-03-01T10:00:00Z",
            },
        ),
        (
            "sessions/b.csv",
            7,
            {**GOOD_SESSION, "session_id": "s1", "updated_at": "2026-03-01T09:00:00Z"},
        ),
        # s2: a bad re-export does not replace the good earlier version.
        ("sessions/a.csv", 6, {**GOOD_SESSION, "session_id": "s2"}),
        (
            "sessions/b.csv",
            7,
            {
                **GOOD_SESSION,
                "session_id": "s2",
                "status": "Done",
                "started_at": "31/03/2026 10:00",
                "updated_at": "2026-03-02T00:00:00Z",
            },
        ),
        # s3: bad by itself, never staged.
        (
            "sessions/b.csv",
            7,
            {**GOOD_SESSION, "session_id": "s3", "done_at": "2026-03-01T07:00:00Z"},
        ),
    ],
    "messages": [
        (
            "messages/a.csv",
            8,
            {**GOOD_MESSAGE, "message_id": "m1", "sent_at": "2026-03-01 08:05:00.25"},
        ),
        ("messages/a.csv", 8, {**GOOD_MESSAGE, "message_id": "m2", "session_id": "s9"}),
        (
            "messages/a.csv",
            8,
            {**GOOD_MESSAGE, "message_id": "m3", "agent_user_id": "u1", "sent_at": "31/03/2026"},
        ),
    ],
}
EXPECTED_RECONCILIATION = {
    # table: (raw, staged, quarantined, superseded), counted by hand from RAW_ROWS
    "channels": (3, 1, 1, 1),
    "users": (2, 1, 1, 0),
    "groups": (0, 0, 0, 0),
    "user_groups": (3, 2, 0, 1),
    "contacts": (0, 0, 0, 0),
    "categories": (0, 0, 0, 0),
    "tags": (0, 0, 0, 0),
    "sessions": (5, 2, 2, 1),
    "messages": (3, 2, 1, 0),
    "tag_events": (0, 0, 0, 0),
    "agent_status_events": (0, 0, 0, 0),
    "business_hours": (0, 0, 0, 0),
    "holidays": (0, 0, 0, 0),
    "channel_schedules": (0, 0, 0, 0),
}


def _insert_raw_rows(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        ensure_raw_schema(con)
        for table, rows in RAW_ROWS.items():
            row_numbers: dict[str, int] = {}
            for source_file, load_id, values in rows:
                row_numbers[source_file] = row_numbers.get(source_file, 0) + 1
                columns = list(values) + ["_source_file", "_row_number", "_load_id", "_loaded_at"]
                params: list[Any] = list(values.values()) + [
                    source_file,
                    row_numbers[source_file],
                    load_id,
                    datetime(2026, 3, 2),
                ]
                placeholders = ", ".join("?" for _ in columns)
                con.execute(
                    f'insert into raw."{table}" ({", ".join(columns)}) values ({placeholders})',
                    params,
                )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # dbt runs in a subprocess: dbt-duckdb keeps its connection open for the life of the
    # process, which would block the read-only connections of the tests.
    work = tmp_path_factory.mktemp("staging")
    path = work / "wh.duckdb"
    _insert_raw_rows(path)
    dbt = Path(sys.executable).parent / "dbt"
    completed = subprocess.run(
        [
            str(dbt),
            "build",
            "--select",
            "resource_type:seed",
            "path:models/staging",
            "path:models/audit",
            "--profiles-dir",
            ".",
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "OMNIREPORT_WAREHOUSE": str(path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, f"dbt build of staging failed:\n{completed.stdout[-4000:]}"
    yield path


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_reconciliation_counts_every_raw_row(warehouse: Path) -> None:
    rows = query(warehouse, "select * from audit.row_reconciliation")
    assert {r[0]: tuple(r[1:]) for r in rows} == EXPECTED_RECONCILIATION


def test_staged_sessions_are_typed_and_deduplicated(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select session_id, status, started_at, done_at, rating, updated_at, _source_file, _row_number, _load_id"
        " from staging.stg_crm__sessions order by session_id",
    )
    assert rows == [
        (
            "s1",
            "done",
            datetime(2026, 3, 1, 8),
            datetime(2026, 3, 1, 9, 30),
            4,
            datetime(2026, 3, 1, 10),
            "sessions/a.csv",
            1,
            6,
        ),
        (
            "s2",
            "open",
            datetime(2026, 3, 1, 8),
            None,
            None,
            datetime(2026, 3, 1, 8),
            "sessions/a.csv",
            2,
            6,
        ),
    ]


def test_quarantine_keeps_raw_text_and_reasons(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select session_id, status, started_at, done_at, reason, _source_file, _row_number, _load_id"
        " from quarantine.sessions order by _row_number",
    )
    assert rows == [
        (
            "s2",
            "Done",
            "31/03/2026 10:00",
            None,
            "unknown status 'Done'; unparseable started_at '31/03/2026 10:00'",
            "sessions/b.csv",
            2,
            7,
        ),
        (
            "s3",
            "open",
            "2026-03-01T08:00:00Z",
            "2026-03-01T07:00:00Z",
            "done_at before started_at; done_at set on an open session",
            "sessions/b.csv",
            3,
            7,
        ),
    ]
    assert query(warehouse, "select message_id, sent_at, reason from quarantine.messages") == [
        (
            "m3",
            "31/03/2026",
            "unparseable sent_at '31/03/2026'; agent_user_id on an incoming message",
        ),
    ]


def test_late_message_stays_staged(warehouse: Path) -> None:
    """A message whose session is not loaded is late, not bad: staged, and only warned about."""
    rows = query(
        warehouse,
        "select message_id, session_id, sent_at from staging.stg_crm__messages order by 1",
    )
    assert rows == [
        ("m1", "s1", datetime(2026, 3, 1, 8, 5, 0, 250000)),
        ("m2", "s9", datetime(2026, 3, 1, 8)),
    ]


def test_staged_columns_are_the_contract_columns_with_types(warehouse: Path) -> None:
    lineage = ["_source_file", "_row_number", "_load_id"]
    for table in RAW_TABLES:
        columns = query(
            warehouse,
            "select column_name from information_schema.columns"
            f" where table_schema = 'staging' and table_name = 'stg_crm__{table.name}' order by ordinal_position",
        )
        assert [c[0] for c in columns] == list(table.columns) + lineage, table.name
        quarantined = query(
            warehouse,
            "select column_name from information_schema.columns"
            f" where table_schema = 'quarantine' and table_name = '{table.name}' order by ordinal_position",
        )
        assert [c[0] for c in quarantined] == list(table.columns) + ["reason"] + lineage, table.name
    types = dict(
        query(
            warehouse,
            "select table_name || '.' || column_name, data_type from information_schema.columns"
            " where table_schema = 'staging' and column_name in ('started_at', 'rating', 'is_active', 'session_id')"
            " and table_name in ('stg_crm__sessions', 'stg_crm__users')",
        )
    )
    assert types == {
        "stg_crm__sessions.session_id": "VARCHAR",
        "stg_crm__sessions.started_at": "TIMESTAMP",
        "stg_crm__sessions.rating": "INTEGER",
        "stg_crm__users.is_active": "BOOLEAN",
    }
