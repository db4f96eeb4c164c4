"""The semantic layer on the sample warehouse: every saved query equals its mart aggregated
here in plain SQL, the acceptance query equals SQL on fct_sessions, and ``omnireport
metrics`` answers from the published snapshot while a build holds the writer lock.

The session's sample build (tests/conftest.py), copied into a temporary folder;
the queries run in process through ``omnireport.cli.main``, as a user runs them.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from omnireport.cli import main
from omnireport.metrics.manifest import own_manifest_path
from omnireport.publish import snapshot_path
from tests.sample import copy_build

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]

REQUIRED_METRICS = {
    "sessions",
    "contacts",
    "assigned_sessions",
    "unassigned_sessions",
    "done_sessions",
    "pending_sessions",
    "supported_sessions",
    "avg_waiting_time_s",
    "avg_support_time_s",
    "avg_response_time_s",
    "pct_complete",
    "pct_support",
    "supported_within_1m",
    "total_pause_s",
    "pause_count",
    "tags_added",
    # CONTRACT.md 7
    "replies",
    "avg_reply_time_s",
    "median_reply_time_s",
    "avg_waiting_time_business_s",
    "reopens",
    "open_sessions",
    "csat_pct",
}
SESSION_DIMENSIONS = {
    "session__channel_id",
    "session__channel_type",
    "session__support_type",
    "session__session_type",
    "session__assigned_user_id",
    "session__category",
}


@pytest.fixture(autouse=True)
def _no_omnireport_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("OMNIREPORT_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def warehouse(sample_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's sample warehouse, built and published by `omnireport run`: the
    metrics commands write the semantic layer's manifest into its state folder."""
    return copy_build(sample_warehouse, tmp_path_factory.mktemp("metrics") / "built")


@pytest.fixture(scope="module")
def snapshot(warehouse: Path) -> Path:
    path = snapshot_path(warehouse)
    assert path.is_file()
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def metrics_json(
    capsys: pytest.CaptureFixture[str], warehouse: Path, *argv: str
) -> list[dict[str, Any]]:
    code, out, err = cli(
        capsys, "metrics", "query", *argv, "--format", "json", "--warehouse", str(warehouse)
    )
    assert code == 0, err
    return json.loads(out)


def sql_rows(snapshot: Path, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        cursor = con.execute(sql, params or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def assert_same_rows(
    actual: list[dict[str, Any]], expected: list[dict[str, Any]], keys: list[str]
) -> None:
    """Same rows by ``keys`` and same values: whole numbers exactly, decimals within 1e-9
    relative."""
    want = {tuple(_plain(row[k]) for k in keys): row for row in expected}
    got = {tuple(row[k] for k in keys): row for row in actual}
    assert len(want) == len(expected) and len(got) == len(actual), "duplicate grain rows"
    assert set(got) == set(want), (sorted(set(got) ^ set(want), key=str), keys)
    assert set(actual[0]) == set(expected[0]), (sorted(actual[0]), sorted(expected[0]))
    for key, row in want.items():
        for column, value in row.items():
            value, other = _plain(value), got[key][column]
            if isinstance(value, float) or isinstance(other, float):
                assert value is not None and other is not None, (key, column, other, value)
                assert math.isclose(other, value, rel_tol=1e-9, abs_tol=1e-12), (
                    key,
                    column,
                    other,
                    value,
                )
            else:
                assert other == value, (key, column, other, value)
    assert all(isinstance(row[c], int) for row in actual for c in row if c.endswith("sessions"))


# ------------------------------------------------------------------ catalogue


def test_list_names_every_required_metric_with_label_and_contract_quote(capsys, warehouse):
    code, out, err = cli(
        capsys, "metrics", "list", "--format", "json", "--warehouse", str(warehouse)
    )
    assert code == 0, err
    metrics = {row["name"]: row for row in json.loads(out)}
    assert REQUIRED_METRICS <= set(metrics)
    for name in REQUIRED_METRICS:
        assert metrics[name]["label"], name
        assert metrics[name]["description"], name
    assert "CONTRACT.md" in metrics["avg_waiting_time_s"]["description"]
    assert metrics["avg_waiting_time_s"]["type"] == "ratio"
    assert metrics["pct_complete"]["type"] == "ratio"
    assert metrics["sessions"]["type"] == "simple"


def test_session_metrics_group_by_the_session_dimensions_and_metric_time(capsys, warehouse):
    code, out, err = cli(
        capsys,
        "metrics",
        "dimensions",
        "--metrics",
        "sessions,avg_waiting_time_s,pct_support",
        "--format",
        "json",
        "--warehouse",
        str(warehouse),
    )
    assert code == 0, err
    names = {row["group_by"] for row in json.loads(out)}
    assert SESSION_DIMENSIONS <= names
    assert {"metric_time__day", "metric_time__week", "metric_time__month"} <= names
    assert "assignee__group_names" in names


def test_the_published_snapshot_holds_the_time_spine(snapshot):
    (row,) = sql_rows(
        snapshot,
        "select count(*) as days, min(date_day) as first_day from marts.metricflow_time_spine",
    )
    assert row["days"] > 7000 and row["first_day"] == date(2020, 1, 1)


# ------------------------------------------------------------------ saved queries = marts


def test_saved_query_overview_equals_rpt_overview_daily(capsys, warehouse, snapshot):
    actual = metrics_json(capsys, warehouse, "--saved-query", "overview")
    (expected,) = sql_rows(
        snapshot,
        """
        select
            sum(sessions) as sessions,
            (select count(distinct contact_id) from marts.fct_sessions) as contacts,
            sum(assigned_sessions) as assigned_sessions,
            sum(unassigned_sessions) as unassigned_sessions,
            sum(done_sessions) as done_sessions,
            sum(pending_sessions) as pending_sessions,
            sum(total_waiting_time_s) / sum(sessions_with_waiting_time) as avg_waiting_time_s,
            sum(total_support_time_s) / sum(sessions_with_support_time) as avg_support_time_s
        from marts.rpt_overview_daily
        """,
    )
    assert expected["sessions"] > 100
    assert len(actual) == 1
    assert_same_rows(actual, [expected], ["sessions"])


def test_saved_query_overview_for_dates_equals_the_mart_on_those_dates(capsys, warehouse, snapshot):
    actual = metrics_json(
        capsys, warehouse, "--saved-query", "overview", "--from", "2026-03-03", "--to", "2026-03-05"
    )
    (expected,) = sql_rows(
        snapshot,
        """
        select
            sum(sessions) as sessions,
            (select count(distinct contact_id) from marts.fct_sessions
             where started_date between ? and ?) as contacts,
            sum(assigned_sessions) as assigned_sessions,
            sum(unassigned_sessions) as unassigned_sessions,
            sum(done_sessions) as done_sessions,
            sum(pending_sessions) as pending_sessions,
            sum(total_waiting_time_s) / sum(sessions_with_waiting_time) as avg_waiting_time_s,
            sum(total_support_time_s) / sum(sessions_with_support_time) as avg_support_time_s
        from marts.rpt_overview_daily
        where started_date between ? and ?
        """,
        ["2026-03-03", "2026-03-05"] * 2,
    )
    assert 0 < expected["sessions"] < 330
    assert_same_rows(actual, [expected], ["sessions"])


def test_saved_query_user_stats_equals_rpt_user_stats(capsys, warehouse, snapshot):
    actual = metrics_json(capsys, warehouse, "--saved-query", "user_stats")
    expected = sql_rows(
        snapshot,
        """
        select
            r.user_id as "user",
            u.full_name as user__full_name,
            sum(assigned_completed_supported) as assigned_completed_supported,
            sum(assigned_completed_not_supported) as assigned_completed_not_supported,
            sum(assigned_not_completed_supported) as assigned_not_completed_supported,
            sum(assigned_not_completed_not_supported) as assigned_not_completed_not_supported,
            sum(not_assigned_completed_supported) as not_assigned_completed_supported,
            sum(not_assigned_not_completed_supported) as not_assigned_not_completed_supported,
            sum(sla_1m) as sla_1m,
            sum(sla_5m) as sla_5m,
            sum(sla_15m) as sla_15m,
            sum(sla_30m) as sla_30m,
            sum(total_waiting_time_s) as agent_total_waiting_time_s,
            sum(total_support_time_s) as agent_total_support_time_s,
            sum(total_waiting_time_s) / nullif(sum(sessions_with_waiting_time), 0)
                as agent_avg_waiting_time_s,
            sum(total_support_time_s) / nullif(sum(sessions_with_support_time), 0)
                as agent_avg_support_time_s
        from marts.rpt_user_stats as r
        left join marts.dim_users as u on u.user_id = r.user_id
        group by r.user_id, u.full_name
        """,
    )
    assert len(expected) > 5
    assert_same_rows(actual, expected, ["user"])


def test_saved_query_hourly_stats_equals_rpt_hourly_stats(capsys, warehouse, snapshot):
    actual = metrics_json(capsys, warehouse, "--saved-query", "hourly_stats")
    expected = sql_rows(
        snapshot,
        """
        select
            started_hour as session__started_hour,
            sum(sessions) as sessions,
            sum(supported_sessions) as supported_sessions,
            sum(supported_within_1m) as supported_within_1m,
            sum(done_sessions) as done_sessions
        from marts.rpt_hourly_stats
        group by started_hour
        """,
    )
    assert sum(row["supported_within_1m"] for row in expected) > 0
    assert_same_rows(actual, expected, ["session__started_hour"])
    assert [row["session__started_hour"] for row in actual] == sorted(
        row["session__started_hour"] for row in actual
    )


def test_saved_query_daily_stats_equals_rpt_daily_stats(capsys, warehouse, snapshot):
    actual = metrics_json(capsys, warehouse, "--saved-query", "daily_stats")
    expected = sql_rows(
        snapshot,
        """
        select
            started_date as metric_time__day,
            support_type as session__support_type,
            sum(done_supported) as done_supported,
            sum(done_not_supported) as done_not_supported,
            sum(not_done_supported) as not_done_supported,
            sum(not_done_not_supported) as not_done_not_supported,
            sum(sessions) as sessions,
            100.0 * sum(done_supported + done_not_supported) / sum(sessions) as pct_complete,
            100.0 * sum(done_supported + not_done_supported) / sum(sessions) as pct_support
        from marts.rpt_daily_stats
        group by started_date, support_type
        """,
    )
    assert_same_rows(actual, expected, ["metric_time__day", "session__support_type"])
    # the mart rounds to 2 decimals; the metric is the exact ratio, 0-100
    rounded = {
        (row["started_date"].isoformat(), row["support_type"]): row
        for row in sql_rows(snapshot, "select * from marts.rpt_daily_stats")
    }
    for row in actual:
        mart = rounded[(row["metric_time__day"], row["session__support_type"])]
        assert 0 <= row["pct_complete"] <= 100
        assert abs(row["pct_complete"] - mart["pct_complete"]) <= 0.005 + 1e-9
        assert abs(row["pct_support"] - mart["pct_support"]) <= 0.005 + 1e-9
    assert any(row["pct_complete"] != round(row["pct_complete"], 2) for row in actual)


def test_saved_query_channel_stats_equals_rpt_channel_stats(capsys, warehouse, snapshot):
    actual = metrics_json(capsys, warehouse, "--saved-query", "channel_stats")
    expected = sql_rows(
        snapshot,
        """
        select
            channel_id as session__channel_id,
            support_type as session__support_type,
            sum(done_supported) as done_supported,
            sum(done_not_supported) as done_not_supported,
            sum(not_done_supported) as not_done_supported,
            sum(not_done_not_supported) as not_done_not_supported,
            sum(sessions) as sessions,
            100.0 * sum(done_supported + done_not_supported) / sum(sessions) as pct_complete,
            100.0 * sum(done_supported + not_done_supported) / sum(sessions) as pct_support,
            sum(total_waiting_time_s) as total_waiting_time_s,
            sum(total_support_time_s) as total_support_time_s,
            sum(total_waiting_time_s) / nullif(sum(sessions_with_waiting_time), 0)
                as avg_waiting_time_s,
            sum(total_support_time_s) / nullif(sum(sessions_with_support_time), 0)
                as avg_support_time_s
        from marts.rpt_channel_stats
        group by channel_id, support_type
        """,
    )
    assert_same_rows(actual, expected, ["session__channel_id", "session__support_type"])


def test_saved_query_working_time_equals_rpt_agent_working_time(capsys, warehouse, snapshot):
    actual = metrics_json(capsys, warehouse, "--saved-query", "working_time")
    expected = sql_rows(
        snapshot,
        """
        select
            r.user_id as "user",
            u.full_name as user__full_name,
            sum(pause_count) as pause_count,
            sum(total_pause_s) as total_pause_s,
            sum(open_pause_count) as open_pause_count
        from marts.rpt_agent_working_time as r
        left join marts.dim_users as u on u.user_id = r.user_id
        group by r.user_id, u.full_name
        """,
    )
    assert len(expected) > 5
    assert_same_rows(actual, expected, ["user"])


def test_saved_query_tag_stats_equals_rpt_tag_stats(capsys, warehouse, snapshot):
    actual = metrics_json(capsys, warehouse, "--saved-query", "tag_stats")
    expected = sql_rows(
        snapshot,
        """
        select
            r.event_date as metric_time__day,
            r.tag_id as tag,
            t.tag_name as tag__tag_name,
            sum(tags_added) as tags_added,
            sum(tags_removed) as tags_removed
        from marts.rpt_tag_stats as r
        left join marts.dim_tags as t on t.tag_id = r.tag_id
        group by r.event_date, r.tag_id, t.tag_name
        """,
    )
    assert len(expected) > 10
    assert_same_rows(actual, expected, ["metric_time__day", "tag"])


def test_saved_query_reply_stats_equals_rpt_reply_stats(capsys, warehouse, snapshot):
    actual = metrics_json(capsys, warehouse, "--saved-query", "reply_stats")
    expected = sql_rows(
        snapshot,
        """
        select
            reply_date as metric_time__day,
            replied_by_user_id as "user",
            channel_id as channel,
            replies,
            first_replies,
            total_reply_time_s,
            avg_reply_time_s,
            median_reply_time_s,
            p90_reply_time_s,
            total_reply_time_business_s,
            replies_with_business_time,
            avg_reply_time_business_s
        from marts.rpt_reply_stats
        """,
    )
    assert len(expected) > 50
    assert any(row["median_reply_time_s"] != row["avg_reply_time_s"] for row in expected)
    assert_same_rows(actual, expected, ["metric_time__day", "user", "channel"])


def test_saved_query_conversations_equals_fct_conversations(capsys, warehouse, snapshot):
    actual = metrics_json(capsys, warehouse, "--saved-query", "conversations")
    expected = sql_rows(
        snapshot,
        """
        select
            first_started_date as metric_time__day,
            count(*) as conversations,
            sum(reopens) as reopens,
            count(*) filter (where is_completed) as completed_conversations,
            count(*) filter (where is_one_touch) as one_touch_conversations,
            count(*) filter (where is_two_touch) as two_touch_conversations,
            100.0 * count(*) filter (where is_one_touch)
                / nullif(count(*) filter (where is_completed), 0) as pct_one_touch,
            100.0 * count(*) filter (where is_two_touch)
                / nullif(count(*) filter (where is_completed), 0) as pct_two_touch
        from marts.fct_conversations
        group by first_started_date
        """,
    )
    assert sum(row["reopens"] for row in expected) > 0
    assert_same_rows(actual, expected, ["metric_time__day"])


def test_saved_query_backlog_daily_equals_rpt_backlog_daily(capsys, warehouse, snapshot):
    actual = metrics_json(capsys, warehouse, "--saved-query", "backlog_daily")
    expected = sql_rows(
        snapshot,
        """
        select
            snapshot_date as metric_time__day,
            channel_id as channel,
            support_type as backlog__support_type,
            open_sessions,
            unassigned_open_sessions,
            open_over_24h
        from marts.rpt_backlog_daily
        """,
    )
    assert len(expected) > 20
    assert_same_rows(actual, expected, ["metric_time__day", "channel", "backlog__support_type"])


def test_backlog_over_a_month_is_its_last_days_not_a_sum(capsys, warehouse, snapshot):
    (row,) = metrics_json(
        capsys, warehouse, "--metrics", "open_sessions", "--group-by", "metric_time__month"
    )
    (last_day,) = sql_rows(
        snapshot,
        """
        select sum(open_sessions) as open_sessions
        from marts.rpt_backlog_daily
        where snapshot_date = (select max(snapshot_date) from marts.rpt_backlog_daily)
        """,
    )
    assert row["open_sessions"] == last_day["open_sessions"]


def test_saved_query_csat_daily_equals_rpt_csat_daily(capsys, warehouse, snapshot):
    actual = metrics_json(capsys, warehouse, "--saved-query", "csat_daily")
    expected = sql_rows(
        snapshot,
        """
        select
            started_date as metric_time__day,
            channel_id as channel,
            assigned_user_id as assignee,
            sessions,
            done_sessions,
            rated_sessions,
            satisfied_sessions,
            dissatisfied_sessions,
            -- the mart rounds csat_pct to 2 decimals; the metric is the exact ratio
            100.0 * satisfied_sessions / nullif(rated_sessions, 0) as csat_pct,
            avg_rating
        from marts.rpt_csat_daily
        """,
    )
    assert sum(row["rated_sessions"] for row in expected) > 0
    assert any(row["assignee"] is None for row in expected)
    assert_same_rows(actual, expected, ["metric_time__day", "channel", "assignee"])


def test_saved_query_business_time_equals_fct_sessions(capsys, warehouse, snapshot):
    actual = metrics_json(capsys, warehouse, "--saved-query", "business_time")
    expected = sql_rows(
        snapshot,
        """
        select
            started_date as metric_time__day,
            schedule_id as session__schedule_id,
            count(*) as sessions,
            avg(waiting_time_s) as avg_waiting_time_s,
            avg(waiting_time_business_s) as avg_waiting_time_business_s,
            avg(support_time_business_s) as avg_support_time_business_s,
            avg(avg_response_time_business_s) as avg_response_time_business_s
        from marts.fct_sessions
        group by started_date, schedule_id
        """,
    )
    assert any(row["session__schedule_id"] is None for row in expected)
    assert_same_rows(actual, expected, ["metric_time__day", "session__schedule_id"])


# ------------------------------------------------------------------ ad-hoc queries


ACCEPTANCE_SQL = """
    select
        cast(date_trunc('month', started_date) as date) as metric_time__month,
        channel_type as session__channel_type,
        count(*) as sessions,
        sum(waiting_time_s) / count(waiting_time_s) as avg_waiting_time_s
    from marts.fct_sessions
    {where}
    group by 1, 2
"""


def test_acceptance_query_equals_sql_on_fct_sessions(capsys, warehouse, snapshot):
    argv = ["--metrics", "sessions,avg_waiting_time_s"]
    argv += ["--group-by", "metric_time__month,session__channel_type"]
    actual = metrics_json(capsys, warehouse, *argv)
    expected = sql_rows(snapshot, ACCEPTANCE_SQL.format(where=""))
    assert sum(row["sessions"] for row in expected) == 330
    assert_same_rows(actual, expected, ["metric_time__month", "session__channel_type"])
    # the table format prints the same query
    code, out, err = cli(
        capsys, "metrics", "query", *argv, "--warehouse", str(warehouse), "--format", "table"
    )
    assert code == 0, err
    assert "session__channel_type" in out and "avg_waiting_time_s" in out
    assert snapshot.name in out


def test_where_and_dates_filter_before_aggregating(capsys, warehouse, snapshot):
    actual = metrics_json(
        capsys,
        warehouse,
        "--metrics",
        "sessions,avg_waiting_time_s",
        "--group-by",
        "metric_time__month,session__channel_type",
        "--where",
        "session__support_type = 'message'",
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-08",
    )
    where = "where support_type = 'message' and started_date between '2026-03-02' and '2026-03-08'"
    expected = sql_rows(snapshot, ACCEPTANCE_SQL.format(where=where))
    assert_same_rows(actual, expected, ["metric_time__month", "session__channel_type"])


def test_csv_output_has_exact_values_and_the_names_as_header(capsys, warehouse, snapshot):
    code, out, err = cli(
        capsys,
        "metrics",
        "query",
        "--metrics",
        "pct_support,avg_response_time_s",
        "--format",
        "csv",
        "--warehouse",
        str(warehouse),
    )
    assert code == 0, err
    header, line = out.splitlines()
    assert header == "pct_support,avg_response_time_s"
    (expected,) = sql_rows(
        snapshot,
        "select 100.0 * count(*) filter (where is_supported) / count(*) as pct_support, "
        "sum(avg_response_time_s) / count(avg_response_time_s) as avg_response_time_s "
        "from marts.fct_sessions",
    )
    pct, response = (float(value) for value in line.split(","))
    assert math.isclose(pct, expected["pct_support"], rel_tol=1e-9)
    assert math.isclose(response, expected["avg_response_time_s"], rel_tol=1e-9)


def test_query_answers_from_the_snapshot_while_a_build_holds_the_writer_lock(
    capsys, warehouse, snapshot
):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, duckdb\n"
            "from pathlib import Path\n"
            "from omnireport.guard import warehouse_lock\n"
            "with warehouse_lock(Path(sys.argv[1]), wait_seconds=0, purpose='test build'):\n"
            "    con = duckdb.connect(sys.argv[1])\n"
            "    con.execute('create or replace table raw.held as select 1 as x')\n"
            "    print('held', flush=True)\n"
            "    time.sleep(120)\n",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        # the warehouse itself is locked for anyone else...
        with pytest.raises(duckdb.IOException):
            duckdb.connect(str(warehouse), read_only=True).close()
        # ...the metrics read the snapshot
        actual = metrics_json(capsys, warehouse, "--metrics", "sessions,done_sessions")
        (expected,) = sql_rows(
            snapshot,
            "select count(*) as sessions, count(*) filter (where is_completed) as done_sessions "
            "from marts.fct_sessions",
        )
        assert actual == [expected]
    finally:
        # SIGKILL: the lock dies with its holder, and a SIGTERM can be ignored by a child that
        # inherited an ignored SIGTERM from the test process.
        holder.kill()
        holder.wait(timeout=30)


# ------------------------------------------------------------------ errors


def test_unknown_metric_lists_the_valid_metrics(capsys, warehouse):
    code, out, err = cli(
        capsys, "metrics", "query", "--metrics", "sesions", "--warehouse", str(warehouse)
    )
    assert code == 2
    assert "unknown metric sesions" in err
    assert "avg_waiting_time_s" in err and "tags_added" in err


def test_unknown_dimension_lists_the_valid_group_bys(capsys, warehouse):
    code, out, err = cli(
        capsys,
        "metrics",
        "query",
        "--metrics",
        "sessions",
        "--group-by",
        "session__chanel_type",
        "--warehouse",
        str(warehouse),
    )
    assert code == 2
    assert "unknown group-by session__chanel_type" in err
    assert all(name in err for name in SESSION_DIMENSIONS)
    assert "metric_time__month" in err


def test_group_by_that_a_metric_cannot_reach_is_refused(capsys, warehouse):
    code, out, err = cli(
        capsys,
        "metrics",
        "query",
        "--metrics",
        "sessions,pause_count",
        "--group-by",
        "session__channel_id",
        "--warehouse",
        str(warehouse),
    )
    assert code == 2
    assert "Valid group-bys for these metrics: metric_time__day" in err


def test_bad_filters_and_dates_are_usage_errors(capsys, warehouse):
    base = ["metrics", "query", "--metrics", "sessions", "--warehouse", str(warehouse)]
    code, _, err = cli(capsys, *base, "--where", "session__nope = 1")
    assert code == 2 and "session__nope" in err and "session__channel_type" in err
    code, _, err = cli(capsys, *base, "--from", "2026-03-09", "--to", "2026-03-01")
    assert code == 2 and "after --to" in err
    code, _, err = cli(capsys, *base, "--order", "sessions_x")
    assert code == 2 and "--order" in err
    code, _, err = cli(capsys, *base, "--saved-query", "overview")
    assert code == 2 and "not both" in err
    code, _, err = cli(
        capsys, "metrics", "query", "--saved-query", "nope", "--warehouse", str(warehouse)
    )
    assert code == 2 and "user_stats" in err
    with pytest.raises(SystemExit) as exited:
        main([*base, "--from", "2026-02-30"])
    assert exited.value.code == 2


def test_no_snapshot_says_to_run_first(capsys, tmp_path):
    code, out, err = cli(
        capsys,
        "metrics",
        "query",
        "--metrics",
        "sessions",
        "--warehouse",
        str(tmp_path / "none.duckdb"),
    )
    assert code == 1
    assert "no published snapshot" in err and "omnireport run" in err


def test_list_parses_the_project_itself_when_no_build_has(capsys, tmp_path):
    warehouse = tmp_path / "never_built.duckdb"
    code, out, err = cli(
        capsys, "metrics", "list", "--format", "csv", "--warehouse", str(warehouse)
    )
    assert code == 0, err
    assert "Parsing the dbt project" in err
    assert own_manifest_path_for(warehouse).is_file()
    assert not warehouse.exists()  # parsing opened no database
    names = {line.split(",")[0] for line in out.splitlines()[1:]}
    assert REQUIRED_METRICS <= names


def own_manifest_path_for(warehouse: Path) -> Path:
    from omnireport.settings import load_settings

    return own_manifest_path(load_settings(warehouse=warehouse))


def test_where_templates_bare_names_and_keeps_quoted_text(warehouse):
    from omnireport.metrics.cli import load_layer
    from omnireport.settings import load_settings

    layer = load_layer(load_settings(warehouse=warehouse))
    templated = layer.templated_where(
        "session__channel_type = 'session__nope' and user = 'u1' "
        "and metric_time__month >= '2026-03-01' and {{ Dimension('session__support_type') }} "
        "in ('message') and lower(session__category) like '%x%'"
    )
    assert templated == (
        "{{ Dimension('session__channel_type') }} = 'session__nope' and {{ Entity('user') }} = "
        "'u1' and {{ TimeDimension('metric_time', 'month') }} >= '2026-03-01' and "
        "{{ Dimension('session__support_type') }} in ('message') and "
        "lower({{ Dimension('session__category') }}) like '%x%'"
    )
