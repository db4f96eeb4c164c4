"""The HTML report rendered in headless Debian Chromium: charts drawn with no network,
a screenshot in test-artifacts/report.png, and the numbers on the page equal to the marts.

Needs the `chromium` binary (Debian: `apt-get install -y chromium`); skipped without it.
Reads the warehouse of the tiny integration dataset (built once per session).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import duckdb
import pytest

from omnireport.report.cli import add_report_parser

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _tiny_warehouse(factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
    from test_report_views import tiny_warehouse

    return tiny_warehouse(factory)


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if not binary:
        pytest.skip(
            "no chromium binary on PATH: install Debian's (apt-get install -y chromium) to run this test"
        )
    pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (dev dependency group)"
    )
    return binary


def _mart(warehouse: Path, sql: str) -> tuple:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


def test_html_report_renders_offline_with_mart_numbers(chromium, tmp_path_factory, tmp_path):
    from playwright.sync_api import sync_playwright

    warehouse = _tiny_warehouse(tmp_path_factory)
    out = tmp_path / "report.html"
    parser = argparse.ArgumentParser(prog="omnireport")
    add_report_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["report", "html", "--out", str(out), "--warehouse", str(warehouse)])
    assert args.func(args) == 0

    external: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on(
                "request",
                lambda request: (
                    external.append(request.url)
                    if not request.url.startswith(("file:", "data:", "blob:", "about:"))
                    else None
                ),
            )
            page.goto(out.as_uri())
            page.wait_for_selector("#chart-heatmap .main-svg", timeout=30_000)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
            charts = page.locator(".js-plotly-plot").count()
            shown = {
                key: page.locator(f'[data-figure="{key}"] .value').inner_text()
                for key in (
                    "sessions",
                    "contacts",
                    "done_sessions",
                    "pending_sessions",
                    "assigned_sessions",
                    "unassigned_sessions",
                )
            }
            hourly_total = page.locator(
                '#table-hourly tr.total td[data-col="sessions"]'
            ).inner_text()
            wait_avg = page.locator('[data-figure="avg_waiting_time_s"] .value').inner_text()
            channel_ch2 = page.locator(
                '#table-channels tr:has(td[data-value="ch2"]) td[data-col="sessions"]'
            ).inner_text()
            text = page.inner_text("body")
        finally:
            browser.close()

    assert external == []
    # hourly, daily, channels, users, working time, 3 tag charts, frt, reply times, backlog,
    # csat, conversations, heatmap
    assert charts == 14
    sessions, done, pending, assigned, unassigned, wait, n_wait = _mart(
        warehouse,
        "select sum(sessions), sum(done_sessions), sum(pending_sessions), sum(assigned_sessions), "
        "sum(unassigned_sessions), sum(total_waiting_time_s), sum(sessions_with_waiting_time) "
        "from marts.rpt_overview_daily",
    )
    (contacts,) = _mart(warehouse, "select count(distinct contact_id) from marts.fct_sessions")
    assert shown == {
        "sessions": str(sessions),
        "contacts": str(contacts),
        "done_sessions": str(done),
        "pending_sessions": str(pending),
        "assigned_sessions": str(assigned),
        "unassigned_sessions": str(unassigned),
    }
    assert (sessions, contacts, done) == (
        4,
        3,
        3,
    )  # by hand, see tests/integration/test_report_views.py
    assert wait / n_wait == 310.0 and wait_avg == "0:05:10"
    (hourly,) = _mart(warehouse, "select sum(sessions) from marts.rpt_hourly_stats")
    assert hourly_total == str(hourly)
    (ch2,) = _mart(
        warehouse, "select sum(sessions) from marts.rpt_channel_stats where channel_id = 'ch2'"
    )
    assert channel_ch2 == str(ch2) == "2"
    assert (
        "build time" in text
        and str(warehouse.with_name(f"{warehouse.stem}.published.duckdb")) in text
    )
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
