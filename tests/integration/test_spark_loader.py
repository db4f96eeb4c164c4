"""The Spark loader (omnireport.warehouse.spark) keeps the DuckDB loader's promises:
text exactly as exported (empty CSV field = null), lineage columns, a load log with
increasing ids, unreadable files recorded as failed and retried, nothing added twice,
and rows a crashed run left without their log row removed on the next run.

Needs pyspark and Java (skipped with the reason otherwise); one local Spark Connect server
for the whole module, which this process is a client of (as `omnireport` is).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from omnireport.warehouse.spark_run import missing_spark_dependencies

_SKIP_REASON = missing_spark_dependencies()
pytestmark = [
    pytest.mark.spark,
    pytest.mark.integration,
    pytest.mark.skipif(_SKIP_REASON is not None, reason=_SKIP_REASON or ""),
]

TAGS_HEADER = "tag_id,tag_name\n"


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from omnireport.warehouse.spark import SparkTarget, local_connect_server, spark_session

    target = SparkTarget.from_env(
        {"OMNIREPORT_SPARK_DIR": str(tmp_path_factory.mktemp("spark_loader"))}
    )
    with local_connect_server(target) as running:
        yield running, spark_session(running)


def test_load_fail_retry_idempotent_and_crash_recovery(spark: Any, tmp_path: Path) -> None:
    from omnireport.warehouse.spark import load_landing_spark

    target, session = spark
    landing = tmp_path / "landing"
    (landing / "tags").mkdir(parents=True)
    (landing / "tags" / "a.csv").write_text(TAGS_HEADER + "t1,Billing\nt2,\n")
    (landing / "tags" / "b.csv").write_text('tag_id,tag_name\nt3,"broken\n')  # unterminated quote
    (landing / "channels").mkdir()
    (landing / "channels" / "c.csv").write_text(
        "channel_id,channel_name,channel_type\nc1,Page,facebook\n"
    )

    first = load_landing_spark(landing, target, spark=session)
    assert [(f.path, f.status, f.rows) for f in first.files] == [
        ("channels/c.csv", "loaded", 1),
        ("tags/a.csv", "loaded", 2),
        ("tags/b.csv", "failed", 0),
    ]
    rows = session.sql(
        "select tag_id, tag_name, _source_file, _row_number, _load_id, _loaded_at from raw.tags order by _row_number"
    ).collect()
    assert [tuple(r)[:5] for r in rows] == [
        ("t1", "Billing", "tags/a.csv", 1, 2),
        ("t2", None, "tags/a.csv", 2, 2),
    ]
    assert isinstance(rows[0]["_loaded_at"], dt.datetime)
    channels = session.sql(
        "select channel_id, channel_type, _source_file, _row_number, _load_id from raw.channels"
    )
    assert [tuple(r) for r in channels.collect()] == [("c1", "facebook", "channels/c.csv", 1, 1)]

    # The same bytes again, and under another name: nothing added.
    shutil.copy(landing / "tags" / "a.csv", landing / "tags" / "a_copy.csv")
    (landing / "tags" / "b.csv").write_text(TAGS_HEADER + "t3,Sales\n")  # fixed: retried
    second = load_landing_spark(landing, target, spark=session)
    assert [(f.path, f.status, f.rows) for f in second.files] == [
        ("channels/c.csv", "already_loaded", 0),
        ("tags/a.csv", "already_loaded", 0),
        ("tags/a_copy.csv", "already_loaded", 0),
        ("tags/b.csv", "loaded", 1),
    ]
    log = [
        tuple(r)
        for r in session.sql(
            "select load_id, file_path, status, rows_loaded from raw._load_log order by load_id"
        ).collect()
    ]
    # ids: c=1, a=2, b failed=3 (the failed row for the old bytes stays), a_copy=4, fixed b=5.
    assert log == [
        (1, "channels/c.csv", "loaded", 1),
        (2, "tags/a.csv", "loaded", 2),
        (3, "tags/b.csv", "failed", 0),
        (4, "tags/a_copy.csv", "already_loaded", 0),
        (5, "tags/b.csv", "loaded", 1),
    ]

    # A run that died after writing a file's rows but before its log row: the rows go.
    session.sql(
        "insert into raw.tags partition (_load_id = 9) "
        "select 'ghost', 'Ghost', 'tags/ghost.csv', 1, timestamp'2026-03-01 00:00:00'"
    )
    third = load_landing_spark(landing, target, spark=session)
    assert {f.status for f in third.files} == {"already_loaded"}
    remaining = session.sql("select tag_id from raw.tags order by tag_id").collect()
    assert [r[0] for r in remaining] == ["t1", "t2", "t3"]


# --- spark__parse_utc_timestamp (dbt_project/macros/spark/) on the contract's edge cases ------

# text -> the UTC timestamp CONTRACT.md 6.6 asks for (None: unparseable), worked out by hand.
TIMESTAMP_CASES: list[tuple[str | None, dt.datetime | None]] = [
    ("2026-03-09 10:00", dt.datetime(2026, 3, 9, 10, 0)),
    ("2026-03-09T10:00:05Z", dt.datetime(2026, 3, 9, 10, 0, 5)),
    ("2026-03-09 10:00:05.1", dt.datetime(2026, 3, 9, 10, 0, 5, 100000)),
    ("2026-03-09 10:00:05.123456", dt.datetime(2026, 3, 9, 10, 0, 5, 123456)),
    ("2026-03-09T10:00:00+07:00", dt.datetime(2026, 3, 9, 3, 0)),
    ("2026-03-09T00:30:00-02:30", dt.datetime(2026, 3, 9, 3, 0)),
    ("2026-03-01T03:00:00+07:00", dt.datetime(2026, 2, 28, 20, 0)),
    ("  2026-03-09 10:00  ", dt.datetime(2026, 3, 9, 10, 0)),
    ("2024-02-29 10:00", dt.datetime(2024, 2, 29, 10, 0)),
    ("2026-02-29 10:00", None),  # 2026 is no leap year
    ("2026-02-30 10:00", None),
    ("2026-04-31 10:00", None),
    ("2026-03-09 24:00", None),
    ("2026-03-09 10:60", None),
    ("2026-03-09 10:00:60", None),
    ("2026-03-09 10:00:00.1234567", None),
    ("2026-13-01 10:00", None),
    ("2026-03-09", None),
    ("2026-03-09 10:00\n", None),
    ("2026-03-09 10:00+0700", None),
    ("09/03/2026 10:00", None),
    ("", None),
    ("   ", None),
    (None, None),
]


def test_parse_utc_timestamp_on_spark_follows_the_contract(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dbt.cli.main import dbtRunner

    target, session = spark
    repo = Path(__file__).resolve().parents[2]
    for name, value in target.dbt_env().items():
        monkeypatch.setenv(name, value)
    previous = Path.cwd()
    os.chdir(repo / "dbt_project")
    try:
        result = dbtRunner().invoke(
            [
                "compile",
                "--target",
                "spark",
                "--profiles-dir",
                ".",
                "--quiet",
                "--target-path",
                str(tmp_path / "target"),
                "--log-path",
                str(tmp_path / "logs"),
                "--inline",
                "{{ omnireport.parse_utc_timestamp('v') }}",
            ]
        )
    finally:
        os.chdir(previous)
    assert result.success, result.exception
    expression = result.result.results[0].node.compiled_code
    rows = [(i, text) for i, (text, _) in enumerate(TIMESTAMP_CASES)]
    session.createDataFrame(rows, "i int, v string").createOrReplaceTempView("cases")
    parsed = session.sql(
        f"select i, cast({expression} as timestamp_ntz) as ts from cases order by i"
    ).collect()
    got = {row["i"]: row["ts"] for row in parsed}
    wrong = [
        f"{text!r}: expected {expected}, spark {got[i]}"
        for i, (text, expected) in enumerate(TIMESTAMP_CASES)
        if got[i] != expected
    ]
    assert not wrong, "\n".join(wrong)
