"""`omnireport report html` on the tiny warehouse: one offline file whose numbers equal the
marts and the hand-computed figures (see test_report_views.py for the dataset)."""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

import duckdb
import pytest

from omnireport.report.cli import add_report_parser

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_report_views import tiny_warehouse

    return tiny_warehouse(tmp_path_factory)


def write(warehouse: Path, out: Path, *filters: str) -> str:
    parser = argparse.ArgumentParser(prog="omnireport")
    add_report_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        ["report", "html", "--out", str(out), "--warehouse", str(warehouse), *filters]
    )
    assert args.func(args) == 0
    return out.read_text(encoding="utf-8")


def figure(page: str, key: str) -> str:
    return re.search(rf'data-figure="{key}" data-value="([^"]*)"', page).group(1)


def cell(page: str, table: str, row_key: str, column: str) -> str:
    """data-value of `column` in the row of `table` whose first cell's value is row_key."""
    body = re.search(rf'<table id="table-{table}">(.*?)</table>', page, flags=re.S).group(1)
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        pairs = re.findall(r'data-col="([^"]+)" data-value="([^"]*)"', row)
        values = {html.unescape(col): html.unescape(value) for col, value in pairs}
        if values and list(values.values())[0] == row_key:
            return values[column]
    raise AssertionError(f"no row {row_key} in {table}")


def test_html_is_offline_and_equals_the_marts(warehouse, tmp_path):
    page = write(warehouse, tmp_path / "report.html")
    # no external script or stylesheet (plotly's bundle names its CDN only as a default
    # topojson URL for geo maps, which the report does not draw)
    assert not re.search(r"<script[^>]+src=", page) and "<link" not in page
    assert page.count("plotly.js v") >= 1 and len(page) > 3_000_000  # plotly.js inlined once
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        sessions, done, waiting, n_waiting = con.execute(
            "select sum(sessions), sum(done_sessions), sum(total_waiting_time_s), sum(sessions_with_waiting_time) "
            "from marts.rpt_overview_daily"
        ).fetchone()
        hour8 = con.execute(
            "select sum(supported_within_1m) from marts.rpt_hourly_stats where started_hour = 8"
        ).fetchone()[0]
        pauses = con.execute(
            "select sum(total_pause_s) from marts.rpt_agent_working_time where user_id = 'u1'"
        ).fetchone()[0]
    finally:
        con.close()
    assert figure(page, "sessions") == str(sessions) == "4"
    assert figure(page, "done_sessions") == str(done) == "3"
    assert float(figure(page, "avg_waiting_time_s")) == waiting / n_waiting == 310.0
    assert cell(page, "hourly", "8", "supported_within_1m") == str(hour8) == "1"
    assert cell(page, "daily", "2026-03-01", "comment_not_done_supported") == "1"
    assert cell(page, "channels", "ch2", "message_pct_support") == "50.0"
    assert float(cell(page, "working-time", "u1", "total_pause_s")) == pauses == 1800.0
    assert cell(page, "tags-chart", "t2", "tags_removed") == "1"
    assert cell(page, "tags-staff", "u3", "tags_added") == "1"
    # first response: s1 30 s (<1m) and s2 600 s (5-15m) on ch1; s4 300 s (5-15m) on ch2
    assert (cell(page, "frt", "ch1", "frt_<1m"), cell(page, "frt", "ch1", "frt_5-15m")) == (
        "1",
        "1",
    )
    assert (cell(page, "frt", "ch2", "frt_1-5m"), cell(page, "frt", "ch2", "frt_5-15m")) == (
        "0",
        "1",
    )
    # local weekday x hour: s1 Sun 8h, s2 Sun 10h, s3 Mon 9h, s4 Tue 3h
    assert (cell(page, "heatmap", "Sun", "h08"), cell(page, "heatmap", "Sun", "sessions")) == (
        "1",
        "2",
    )
    assert (cell(page, "heatmap", "Mon", "h09"), cell(page, "heatmap", "Tue", "h03")) == ("1", "1")
    snapshot = warehouse.with_name(f"{warehouse.stem}.published.duckdb")
    assert f"published snapshot {snapshot} (build time " in page and "Filters: none" in page
    assert "(UTC+07 in the data)" in page  # Asia/Ho_Chi_Minh


def test_html_filters_and_previous_period(warehouse, tmp_path):
    page = write(
        warehouse, tmp_path / "r.html", "--from", "2026-03-02", "--to", "2026-03-03", "--tag", "VIP"
    )
    # this period: s4 only (VIP, local 03-03); previous 2 days (02-28..03-01): s1
    assert figure(page, "sessions") == "1"
    assert "2026-03-02 to 2026-03-03 (2 days) against 2026-02-28 to 2026-03-01" in page
    assert re.search(
        r'data-figure="avg_waiting_time_s".*?previous period: 0:00:30', page, flags=re.S
    )
    assert "Filters: date 2026-03-02 to 2026-03-03; tag VIP" in page
    # working time counts pauses: the page says which filters it could not apply
    assert "Not filtered by --tag: this view counts agent pauses" in page
    assert cell(page, "tags-chart", "t1", "tags_added") == "1"  # tag filter applies to tag events


def test_html_service_level_sections_hand_computed(warehouse, tmp_path):
    """Replies (u1 30 s; u2 600 s and 600 s; u3 300 s), the backlog of s2 (open at the end of
    local 03-01, 03-02 and 03-03, older than 24 h from 03-02) and s1's rating 5 by u1: see
    test_report_service_level.py for the hand computation."""
    page = write(warehouse, tmp_path / "report.html")
    assert cell(page, "reply-times", "u1", "replies_under_1m") == "1"
    assert cell(page, "reply-times", "u1", "median_reply_time_s") == "30.0"
    assert cell(page, "reply-times", "u2", "replies_5_15m") == "2"
    assert cell(page, "reply-times", "u2", "p90_reply_time_s") == "600.0"
    assert cell(page, "reply-times", "u3", "replies_5_15m") == "1"  # 300 s is 5 minutes
    # every reply's median (300 + 600) / 2, not a mean of the agents' medians
    assert cell(page, "reply-times", "TOTAL", "median_reply_time_s") == "450.0"
    assert cell(page, "reply-times", "TOTAL", "replies") == "4"
    assert [cell(page, "backlog", d, "open_over_24h") for d in ("2026-03-01", "2026-03-02")] == [
        "0",
        "1",
    ]
    assert 'id="chart-backlog"' in page and 'tr class="total"' not in section(page, "backlog")
    assert cell(page, "csat", "u1", "csat_pct") == "100.0"
    assert cell(page, "csat", "u1", "avg_rating") == "5.0"
    assert cell(page, "conversations", "ch2", "one_touch_conversations") == "1"


def section(page: str, key: str) -> str:
    return re.search(rf'<section id="{key}">(.*?)</section>', page, flags=re.S).group(1)


def test_html_service_level_sections_say_which_filters_they_left_out(warehouse, tmp_path):
    page = write(warehouse, tmp_path / "r.html", "--tag", "VIP", "--user", "u2")
    replies = section(page, "reply-times")
    assert "Not filtered by --tag: this view counts replies" in replies
    assert cell(page, "reply-times", "u2", "replies") == "2"  # --user applies to replies
    assert "Not filtered by --tag, --user: this view counts end-of-day snapshots" in section(
        page, "backlog"
    )


@pytest.fixture
def hostile_names(warehouse: Path, tmp_path: Path) -> Path:
    """A marts-only copy of the tiny warehouse whose names carry HTML."""
    out = tmp_path / "hostile.duckdb"
    con = duckdb.connect(str(out))
    try:
        con.execute(f"attach '{warehouse}' as src (read_only)")
        con.execute("create schema marts")
        names = con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'src' and table_schema = 'marts'"
        ).fetchall()
        for (name,) in names:
            con.execute(f"create table marts.{name} as select * from src.marts.{name}")
        con.execute(
            "update marts.dim_users set full_name = '<script>alert(1)</script>' where user_id = 'u1'"
        )
        con.execute(
            "update marts.dim_channels set channel_name = 'A&B <img src=x onerror=alert(2)>' "
            "where channel_id = 'ch1'"
        )
    finally:
        con.close()
    return out


def test_html_escapes_names_everywhere(hostile_names, tmp_path):
    page = write(hostile_names, tmp_path / "r.html", "--user", "<script>alert(1)</script>")
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # tables and the filters line
    assert "A&amp;B &lt;img src=x onerror=alert(2)&gt;" in page
    assert "Filters: user &lt;script&gt;alert(1)&lt;/script&gt;" in page
