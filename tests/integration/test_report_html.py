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
