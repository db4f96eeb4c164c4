"""`make bi` for real: Apache Superset with the report dashboard, on a snapshot built here.

- `make bi-install` installs Superset from bi/requirements.lock (skipped, with the reason,
  when it cannot be installed: no network, no registry); the seed landing data is built into
  a warehouse in tmp; `bi/superset_setup.py serve` prepares a home in tmp, starts Superset on
  a free port and imports bi/dashboard/; the module stops it at its end.
- Through the REST API (login, CSRF): the data of the dashboard's charts, asked for with each
  chart's own saved definition, equals the marts read directly with DuckDB (counts exactly,
  averages to 1e-9 relative, and averages are totals over totals, never averages of averages).
- In headless Debian chromium: log in through the form, every chart of the dashboard renders
  (a screenshot is kept in test-artifacts/), its overview numbers are the marts', and with the
  page and date-range native filters set the overview follows both while the hourly chart
  (no page column) follows the dates only. Skipped without chromium.
"""

from __future__ import annotations

import math
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pytest

from bi.superset_setup import DASHBOARD_SLUG, SupersetClient

pytestmark = [pytest.mark.bi, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "test-artifacts"
READY_TIMEOUT_S = 600
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CHARTS_ON_DASHBOARD = 19
# a page and a date range of the seed data (dates: the local start date; the end is excluded)
PAGE = "Bếp Nhà Mai"
DATE_RANGE = ("2026-03-05", "2026-03-08")
USER, PASSWORD = "admin", "admin"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def superset_installed() -> None:
    """Superset in .tools/superset/ (the repository's own install step)."""
    done = subprocess.run(
        ["make", "--no-print-directory", "bi-install"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip().splitlines()
        pytest.skip(
            "Apache Superset could not be installed (make bi-install): " + " / ".join(output[-3:])
        )


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """seeds/landing built by `omnireport run` into a warehouse in tmp: its reader snapshot,
    which Superset reads by default."""
    root = tmp_path_factory.mktemp("bi_warehouse")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    done = subprocess.run(
        [
            str(BIN / "omnireport"),
            "run",
            "--landing",
            str(ROOT / "seeds" / "landing"),
            "--warehouse",
            str(root / "wh.duckdb"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    published = root / "wh.reader.duckdb"
    assert published.is_file()
    return published


class Superset:
    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


@pytest.fixture(scope="module")
def superset(superset_installed, snapshot: Path, tmp_path_factory: pytest.TempPathFactory):
    """`bi/superset_setup.py serve` on a free port and a home in tmp; stopped at the end."""
    root = tmp_path_factory.mktemp("bi_superset")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIREPORT_")}
    env.update(
        {
            "OMNIREPORT_BI_PORT": str(port),
            "OMNIREPORT_BI_HOME": str(root / "home"),
            # the default: the reader snapshot of the configured warehouse
            "OMNIREPORT_WAREHOUSE": str(snapshot.with_name("wh.duckdb")),
            "OMNIREPORT_BI_ADMIN_USER": USER,
            "OMNIREPORT_BI_ADMIN_PASSWORD": PASSWORD,
        }
    )
    server = Superset(f"http://127.0.0.1:{port}", root / "serve.log")
    with server.log.open("w") as log:
        process = subprocess.Popen(
            [str(BIN / "python"), str(ROOT / "bi" / "superset_setup.py"), "serve"],
            env=env,
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while "Superset is ready" not in server.log_tail():
            assert process.poll() is None, (
                f"serve exited ({process.returncode}):\n{server.log_tail()}"
            )
            assert time.monotonic() < deadline, (
                f"not ready in {READY_TIMEOUT_S} s:\n{server.log_tail()}"
            )
            time.sleep(2)
        yield server
    finally:
        process.terminate()  # serve stops Superset (gunicorn) before it exits
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert not _answers(server.url), "Superset still answers after serve stopped"


# --- the marts, read directly -----------------------------------------------------------


def _rows(snapshot: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _close(shown: float | None, expected: float | None) -> bool:
    if shown is None or expected is None:
        return shown is expected
    return math.isclose(shown, expected, rel_tol=1e-9, abs_tol=1e-12)


# --- the charts' data through the REST API ----------------------------------------------


def _chart_query(form_data: dict, filters: Sequence[dict] = (), time_range: str = "No filter"):
    """The query context of a chart, from its saved form data (what Superset's frontend asks
    for: the chart's metrics, its dimensions, its ad-hoc filters), plus extra filters."""
    viz = form_data["viz_type"]
    if viz == "big_number_total":
        columns, metrics = [], [form_data["metric"]]
    elif viz == "table":
        columns, metrics = form_data["groupby"], form_data["metrics"]
    elif viz == "echarts_timeseries_bar":
        columns, metrics = [form_data["x_axis"], *form_data["groupby"]], form_data["metrics"]
    else:
        raise AssertionError(f"no query for viz type {viz}")
    adhoc = [
        {"col": f["subject"], "op": f["operator"], "val": f["comparator"]}
        for f in form_data["adhoc_filters"]
    ]
    datasource_id, datasource_type = form_data["datasource"].split("__")
    return {
        "datasource": {"id": int(datasource_id), "type": datasource_type},
        "queries": [
            {
                "columns": columns,
                "metrics": metrics,
                "filters": [*adhoc, *filters],
                "time_range": time_range,
                "row_limit": 10000,
            }
        ],
        "result_format": "json",
        "result_type": "full",
    }


@pytest.fixture(scope="module")
def client(superset: Superset) -> SupersetClient:
    return SupersetClient(superset.url, USER, PASSWORD)  # /api/v1/security/login + CSRF


@pytest.fixture(scope="module")
def api(client: SupersetClient):
    charts = client.get(f"/api/v1/dashboard/{DASHBOARD_SLUG}/charts")["result"]
    assert len(charts) == CHARTS_ON_DASHBOARD, [c["slice_name"] for c in charts]
    by_name = {chart["slice_name"]: chart["form_data"] for chart in charts}

    def data(name: str, filters: Sequence[dict] = (), time_range: str = "No filter") -> list[dict]:
        query = _chart_query(by_name[name], filters, time_range)
        try:
            answer = client.post("/api/v1/chart/data", query)
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{name}: {error.code} {error.read().decode()[:2000]}") from error
        return answer["result"][0]["data"]

    return data


def test_the_database_is_the_snapshot_opened_read_only(client, snapshot):
    (database,) = client.get("/api/v1/database/")["result"]
    assert database["database_name"] == "omnireport"
    assert database["allow_dml"] is False
    detail = client.get(f"/api/v1/database/{database['id']}/connection")["result"]
    assert detail["sqlalchemy_uri"] == f"duckdb:///{snapshot}?access_mode=read_only"


OVERVIEW_SQL = """
select
    sum(sessions),
    sum(assigned_sessions),
    sum(unassigned_sessions),
    sum(done_sessions),
    sum(pending_sessions),
    sum(total_waiting_time_s) / sum(sessions_with_waiting_time),
    sum(total_support_time_s) / sum(sessions_with_support_time),
    avg(avg_waiting_time_s)
from marts.rpt_overview_daily as o
"""


def _overview(api) -> dict:
    shown = {}
    for name, metric in (
        ("Total conversations", "sessions"),
        ("Contacts interacting", "contacts"),
        ("Sessions assigned", "assigned_sessions"),
        ("Sessions not assigned", "unassigned_sessions"),
        ("Done sessions", "done_sessions"),
        ("Pending sessions", "pending_sessions"),
        ("Average waiting time (s)", "avg_waiting_time_s"),
        ("Average support time (s)", "avg_support_time_s"),
    ):
        (row,) = api(name)
        shown[metric] = row[metric]
    return shown


def test_overview_numbers_are_the_marts(api, snapshot):
    shown = _overview(api)
    (row,) = _rows(snapshot, OVERVIEW_SQL)
    sessions, assigned, unassigned, done, pending, waiting, support, avg_of_avgs = row
    ((contacts,),) = _rows(snapshot, "select count(distinct contact_id) from marts.fct_sessions")
    counts = {k: shown[k] for k in shown if not k.startswith("avg_")}
    assert counts == {
        "sessions": sessions,
        "contacts": contacts,
        "assigned_sessions": assigned,
        "unassigned_sessions": unassigned,
        "done_sessions": done,
        "pending_sessions": pending,
    }
    assert sessions == 330  # seeds/README.md: 330 sessions staged
    assert _close(shown["avg_waiting_time_s"], waiting)
    assert _close(shown["avg_support_time_s"], support)
    # an average of the daily averages would be another number
    assert not _close(shown["avg_waiting_time_s"], avg_of_avgs)


def test_overview_follows_a_page_and_a_date_range(api, snapshot):
    page = [{"col": "channel_name", "op": "IN", "val": [PAGE]}]
    time_range = f"{DATE_RANGE[0]} : {DATE_RANGE[1]}"
    (sessions,) = api("Total conversations", page, time_range)
    (waiting,) = api("Average waiting time (s)", page, time_range)
    (contacts,) = api("Contacts interacting", page, time_range)
    where = (
        "where channel_id in (select channel_id from marts.dim_channels where channel_name = ?) "
        "and started_date >= ? and started_date < ?"
    )
    ((n, w),) = _rows(
        snapshot,
        "select sum(sessions), sum(total_waiting_time_s) / sum(sessions_with_waiting_time) "
        f"from marts.rpt_overview_daily {where}",
        [PAGE, *DATE_RANGE],
    )
    ((c,),) = _rows(
        snapshot,
        f"select count(distinct contact_id) from marts.fct_sessions {where}",
        [PAGE, *DATE_RANGE],
    )
    assert 0 < n < 330
    assert sessions["sessions"] == n and contacts["contacts"] == c
    assert _close(waiting["avg_waiting_time_s"], w)


def test_statistics_by_user_are_the_marts(api, snapshot):
    shown = {row["user_id"]: row for row in api("Statistics by user")}
    expected = _rows(
        snapshot,
        """
        select
            r.user_id,
            coalesce(max(u.full_name), r.user_id),
            sum(r.assigned_completed_supported),
            sum(r.not_assigned_completed_supported),
            sum(r.sla_5m),
            sum(r.total_waiting_time_s) / nullif(sum(r.sessions_with_waiting_time), 0),
            sum(r.total_support_time_s) / nullif(sum(r.sessions_with_support_time), 0)
        from marts.rpt_user_stats as r
        left join marts.dim_users as u on u.user_id = r.user_id
        group by r.user_id
        """,
    )
    assert set(shown) == {row[0] for row in expected}
    for user_id, name, acs, nacs, sla_5m, waiting, support in expected:
        row = shown[user_id]
        counts = (
            row["agent_name"],
            row["assigned_completed_supported"],
            row["not_assigned_completed_supported"],
            row["sla_5m"],
        )
        assert counts == (name, acs, nacs, sla_5m), user_id
        assert _close(row["avg_waiting_time_s"], waiting), user_id
        assert _close(row["avg_support_time_s"], support), user_id


def test_sessions_by_hour_are_the_marts(api, snapshot):
    shown = {
        row["started_hour"]: (
            row["sessions"],
            row["supported_sessions"],
            row["supported_within_1m"],
            row["done_sessions"],
        )
        for row in api("Sessions by hour")
    }
    expected = _rows(
        snapshot,
        "select started_hour, sum(sessions), sum(supported_sessions), sum(supported_within_1m), "
        "sum(done_sessions) from marts.rpt_hourly_stats group by 1",
    )
    # the bar chart's data comes back as floats: equal to the integer counts
    assert shown == {hour: tuple(float(v) for v in values) for hour, *values in expected}


def test_statistics_by_date_page_working_time_and_tags_are_the_marts(api, snapshot):
    daily = {row["started_date"]: row for row in api("Statistics by date")}
    expected = _rows(
        snapshot,
        "select epoch_ms(started_date::timestamp), "
        "sum(sessions) filter (where support_type = 'message'), "
        "sum(sessions) filter (where support_type = 'comment'), sum(sessions) "
        "from marts.rpt_daily_stats group by 1",
    )
    assert {
        day: (row["message_sessions"], row["comment_sessions"], row["sessions"])
        for day, row in daily.items()
    } == {day: (m or 0, c or 0, n) for day, m, c, n in expected}

    pages = {row["channel_name"]: row for row in api("Statistics by page")}
    expected = _rows(
        snapshot,
        "select coalesce(c.channel_name, r.channel_id), sum(r.sessions), "
        "sum(r.total_support_time_s) / nullif(sum(r.sessions_with_support_time), 0) "
        "from marts.rpt_channel_stats as r "
        "left join marts.dim_channels as c on c.channel_id = r.channel_id group by 1",
    )
    assert {name: row["sessions"] for name, row in pages.items()} == {
        name: n for name, n, _ in expected
    }
    for name, _, support in expected:
        assert _close(pages[name]["avg_support_time_s"], support), name

    pauses = {row["user_id"]: row for row in api("Working time")}
    expected = _rows(
        snapshot,
        "select user_id, sum(pause_count), sum(total_pause_s), sum(open_pause_count) "
        "from marts.rpt_agent_working_time group by 1",
    )
    assert set(pauses) == {user_id for user_id, *_ in expected}
    for user_id, count, seconds, open_count in expected:
        row = pauses[user_id]
        assert (row["pause_count"], row["open_pause_count"]) == (count, open_count), user_id
        assert _close(row["total_pause_s"], seconds), user_id

    tags = {row["tag_name"]: (row["tags_added"], row["tags_removed"]) for row in api("Tags")}
    expected = _rows(
        snapshot,
        "select coalesce(t.tag_name, r.tag_id), sum(r.tags_added), sum(r.tags_removed) "
        "from marts.rpt_tag_stats as r left join marts.dim_tags as t on t.tag_id = r.tag_id "
        "group by 1",
    )
    assert tags == {name: (float(a), float(r)) for name, a, r in expected}


# --- the dashboard in a browser ---------------------------------------------------------


@pytest.fixture(scope="module")
def browser(superset):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium on PATH: `apt-get install -y chromium` (the CI image has it)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (dev dependency group)"
    )
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _open_dashboard(page, url: str, query: str = "") -> dict[int, list[dict]]:
    """Open the dashboard, wait until every chart is drawn; the chart data it was drawn from,
    by chart id."""
    answers: dict[int, list[dict]] = {}

    def keep(response) -> None:
        if "/api/v1/chart/data" in response.url and response.ok:
            form_data = (response.request.post_data_json or {}).get("form_data") or {}
            if form_data.get("slice_id"):
                answers[form_data["slice_id"]] = response.json()["result"][0]["data"]

    page.on("response", keep)
    page.goto(f"{url}/superset/dashboard/{DASHBOARD_SLUG}/{query}", wait_until="domcontentloaded")
    # polled with locators: the page's Content-Security-Policy forbids evaluating strings
    drawn = page.locator(".dashboard-component-chart-holder").filter(
        has=page.locator("canvas, table, .header-line")
    )
    failed = page.locator(".dashboard-component-chart-holder .ant-alert-error")
    deadline = time.monotonic() + 240
    while drawn.count() < CHARTS_ON_DASHBOARD and not failed.count():
        assert time.monotonic() < deadline, f"{drawn.count()} charts drawn in 240 s"
        page.wait_for_timeout(1000)
    page.wait_for_timeout(2000)  # let the charts' animations end before a picture
    page.remove_listener("response", keep)
    assert failed.all_inner_texts() == []
    assert len(answers) == CHARTS_ON_DASHBOARD, sorted(answers)
    return answers


def test_dashboard_renders_in_chromium_with_the_marts_numbers(browser, superset, snapshot):
    page = browser.new_page(viewport={"width": 1600, "height": 1200})
    outside: list[str] = []  # requests to anywhere but Superset
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith((superset.url, "data:", "blob:"))
            else None
        ),
    )
    refused: list[str] = []
    page.on(
        "requestfailed",
        lambda request: refused.append(request.url) if request.failure == "csp" else None,
    )
    page.goto(f"{superset.url}/login/", wait_until="domcontentloaded")
    page.fill("#username", USER)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/superset/welcome/**", timeout=120_000)

    drawn = _open_dashboard(page, superset.url)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "superset-dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000

    (row,) = _rows(snapshot, OVERVIEW_SQL)
    holder = page.locator(".dashboard-component-chart-holder").filter(
        has_text="Total conversations"
    )
    assert holder.locator(".header-line").inner_text().strip() == f"{row[0]:,}"
    big_numbers = [rows[0] for rows in drawn.values() if len(rows) == 1 and len(rows[0]) == 1]
    assert {"sessions": row[0]} in big_numbers and {"done_sessions": row[3]} in big_numbers

    # the page and date-range native filters, set through the URL as a shared link does
    rison = (
        "(NATIVE_FILTER-page:(id:NATIVE_FILTER-page,"
        f"extraFormData:(filters:!((col:channel_name,op:IN,val:!('{PAGE}')))),"
        f"filterState:(value:!('{PAGE}'))),"
        "NATIVE_FILTER-date_range:(id:NATIVE_FILTER-date_range,"
        f"extraFormData:(time_range:'{DATE_RANGE[0]} : {DATE_RANGE[1]}'),"
        f"filterState:(value:'{DATE_RANGE[0]} : {DATE_RANGE[1]}')))"
    )
    filtered = _open_dashboard(page, superset.url, "?native_filters=" + urllib.parse.quote(rison))
    page.screenshot(path=str(ARTIFACTS / "superset-dashboard-filtered.png"))
    ((sessions_in_page,),) = _rows(
        snapshot,
        "select sum(sessions) from marts.rpt_overview_daily where channel_id in "
        "(select channel_id from marts.dim_channels where channel_name = ?) "
        "and started_date >= ? and started_date < ?",
        [PAGE, *DATE_RANGE],
    )
    ((sessions_all_pages,),) = _rows(
        snapshot,
        "select sum(sessions) from marts.rpt_hourly_stats where started_date >= ? and started_date < ?",
        list(DATE_RANGE),
    )
    big_numbers = [rows[0] for rows in filtered.values() if len(rows) == 1 and len(rows[0]) == 1]
    assert {"sessions": sessions_in_page} in big_numbers
    hourly = [
        rows for rows in filtered.values() if rows and "started_hour" in rows[0]
    ]  # the hourly chart has no page column: only the dates apply
    assert [sum(r["sessions"] for r in rows) for rows in hourly] == [float(sessions_all_pages)]
    assert sessions_in_page < sessions_all_pages
    # nothing is loaded from outside: the Content-Security-Policy of bi/superset_config.py
    # refuses every such request (the 6.1 menu always asks for a tracking pixel)
    assert sorted(outside) == sorted(refused), (outside, refused)
