"""Dagster for real: `dagster dev` (webserver and daemon) on a free port with a temporary
DAGSTER_HOME, one process for every test of this module.

- The landing sensor, switched on through the GraphQL API, sees the sample exports dropped
  into the landing folder; the daemon starts the incremental job, which validates and loads
  them, builds the dbt models and publishes.
- The incremental schedule (every minute here, `OMNIREPORT_INCREMENTAL_CRON`), switched on
  the same way, starts a run that succeeds.
- In headless Debian chromium (Playwright): the asset graph shows the raw, staging and marts
  groups, and a check's page shows the check with its numbers; screenshots are kept in
  test-artifacts/. These skip without chromium; the daemon tests do not.

Expected numbers are those of seeds/README.md ("Expected counts after loading both batches").
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from tests import sample

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds" / "landing"
ARTIFACTS = ROOT / "test-artifacts"
ARTIFACT = ARTIFACTS / "dagster-asset-graph.png"
MODULE = "orchestration.definitions"
RUN_TIMEOUT_S = 300
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# seeds/: both batches
SEED_FILES, SEED_RAW_ROWS, SEED_SESSIONS = (
    len(sample.FILES),
    sample.RAW_ROWS,
    sample.STAGED_SESSIONS,
)
# an instance whose runs that write the warehouse queue one at a time
DAGSTER_YAML = """\
concurrency:
  runs:
    tag_concurrency_limits:
      - key: omnireport/writes-warehouse
        limit: 1
telemetry:
  enabled: false
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DagsterDev:
    """A running `dagster dev`: its URL, GraphQL, and the paths of its warehouse."""

    def __init__(self, root: Path, port: int, env: dict[str, str]) -> None:
        self.root = root
        self.url = f"http://127.0.0.1:{port}"
        self.env = env
        self.home = Path(env["DAGSTER_HOME"])
        self.landing = Path(env["OMNIREPORT_LANDING_DIR"])
        self.warehouse = Path(env["OMNIREPORT_WAREHOUSE"])
        self.log = self.home / "dagster-dev.log"
        self.process: subprocess.Popen | None = None
        self.location = ""
        self.repository = ""

    def log_tail(self, characters: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-characters:]

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        assert "errors" not in answer, answer["errors"]
        return answer["data"]

    def wait_until(self, what: str, predicate, seconds: float, interval: float = 2.0):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(
                    f"dagster dev exited ({self.process.returncode}):\n" + self.log_tail()
                )
            try:
                value = predicate()
            except OSError:
                value = None
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"{what}: not within {seconds:.0f} s\n{self.log_tail()}")

    def runs(self) -> list[dict]:
        data = self.graphql(
            "{ runsOrError(limit: 50) { ... on Runs { results { runId status jobName "
            "tags { key value } } } } }"
        )
        return [
            {**run, "tags": {tag["key"]: tag["value"] for tag in run["tags"]}}
            for run in data["runsOrError"]["results"]
        ]

    def finished_run(self, tag: str, name: str) -> dict:
        """Wait for the first run started by instigator ``name``; fail if it failed."""

        def done():
            mine = [r for r in self.runs() if r["tags"].get(tag) == name]
            return next(
                (r for r in mine if r["status"] in ("SUCCESS", "FAILURE", "CANCELED")), None
            )

        run = self.wait_until(f"a run started by {name} that finished", done, RUN_TIMEOUT_S)
        assert run["status"] == "SUCCESS", f"{run}\n{self.log_tail()}"
        return run

    def selector(self, kind: str, name: str) -> dict:
        return {
            "repositoryLocationName": self.location,
            "repositoryName": self.repository,
            f"{kind}Name": name,
        }


def _stop(process: subprocess.Popen) -> None:
    """Stop dagster dev and everything it started (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)  # dagster dev shuts its children down
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group
    except ProcessLookupError:
        pass
    process.wait()


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory):
    root = tmp_path_factory.mktemp("dagster_dev")
    home = root / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML, encoding="utf-8")
    (root / "landing").mkdir()
    # a private copy of the dbt project: others may edit the original meanwhile
    shutil.copytree(
        ROOT / "dbt_project",
        root / "dbt_project",
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml"),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNIREPORT_", "DAGSTER_"))}
    env.update(
        {
            "DAGSTER_HOME": str(home),
            "OMNIREPORT_LANDING_DIR": str(root / "landing"),
            "OMNIREPORT_WAREHOUSE": str(root / "wh.duckdb"),
            "OMNIREPORT_DBT_PROJECT_DIR": str(root / "dbt_project"),
            "OMNIREPORT_INCREMENTAL_CRON": "* * * * *",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    server = DagsterDev(root, _free_port(), env)
    with server.log.open("w") as log:
        server.process = subprocess.Popen(
            [
                str(BIN / "dagster"),
                "dev",
                "-m",
                MODULE,
                "-h",
                "127.0.0.1",
                "-p",
                server.url.rsplit(":", 1)[1],
            ],
            env=env,
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        repositories = server.wait_until(
            "the code location loaded",
            lambda: server.graphql(
                "{ repositoriesOrError { ... on RepositoryConnection { nodes { name "
                "location { name } } } } }"
            )["repositoriesOrError"].get("nodes"),
            240,
        )
        server.repository = repositories[0]["name"]
        server.location = repositories[0]["location"]["name"]
        yield server
    finally:
        _stop(server.process)


@pytest.fixture(scope="module")
def sensor_run(dagster_dev):
    """The landing sensor switched on, the sample exports dropped in, the run it started."""
    started = dagster_dev.graphql(
        "mutation($s: SensorSelector!) { startSensor(sensorSelector: $s) { __typename "
        "... on Sensor { sensorState { status } } ... on PythonError { message } } }",
        {"s": dagster_dev.selector("sensor", "omnireport_landing_files")},
    )["startSensor"]
    assert started.get("sensorState", {}).get("status") == "RUNNING", started
    # copy2 keeps the files' times: they are complete, the sensor need not wait for them
    shutil.copytree(SEEDS, dagster_dev.landing, dirs_exist_ok=True, copy_function=shutil.copy2)
    return dagster_dev.finished_run("dagster/sensor_name", "omnireport_landing_files")


def _query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_sensor_run_validates_loads_and_rebuilds(dagster_dev, sensor_run):
    assert sensor_run["jobName"] == "omnireport_incremental"
    assert sensor_run["tags"]["omnireport/new-files"] == str(SEED_FILES)
    # no run writes now: the schedule is still off, the sensor saw nothing new since
    loaded = _query(
        dagster_dev.warehouse,
        "select count(*), sum(rows_loaded) from raw._load_log where status = 'loaded'",
    )
    assert loaded == [(SEED_FILES, SEED_RAW_ROWS)]
    snapshot = dagster_dev.warehouse.with_name("wh.published.duckdb")
    assert _query(snapshot, "select count(*) from marts.fct_sessions") == [(SEED_SESSIONS,)]
    validations = list(
        (dagster_dev.root / ".omnireport" / "wh" / "validations").glob("*_landing_files.json")
    )
    assert len(validations) == 1  # GX's results of the landing files, kept as JSON


@pytest.fixture(scope="module")
def browser(dagster_dev):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium on PATH: `apt-get install -y chromium` (the CI image has it)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed in the venv"
    )
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _skip_dialogs(page, wait_ms: int = 0) -> None:
    """Close the first-visit newsletter dialog, waiting up to ``wait_ms`` for it: it opens
    some time after the page, and its backdrop then takes every click."""
    skip = page.get_by_role("button", name="Skip")
    if wait_ms:
        try:
            skip.first.wait_for(timeout=wait_ms)
        except Exception:
            return
    if skip.count():
        skip.first.click()


def test_asset_graph_shows_the_layers_and_is_saved_as_a_screenshot(dagster_dev, browser):
    url = dagster_dev.url
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(f"{url}/asset-groups", wait_until="domcontentloaded", timeout=120_000)
    for group in ("raw", "staging", "marts"):
        page.get_by_text(group, exact=True).first.wait_for(timeout=120_000)
    _skip_dialogs(page)
    page.wait_for_timeout(3000)  # let the graph lay itself out before the picture
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACT), full_page=True)
    text = page.inner_text("body")
    # an asset of each layer has its page, with its lineage
    shown = {}
    for group, asset in (
        ("raw", "sessions"),
        ("staging", "stg_crm__sessions"),
        ("marts", "fct_sessions"),
    ):
        page.goto(f"{url}/assets/{group}/{asset}", wait_until="domcontentloaded", timeout=120_000)
        page.get_by_text(asset).first.wait_for(timeout=120_000)
        shown[group] = page.inner_text("body")
    page.wait_for_timeout(5000)  # let the asset's details load before the picture
    page.screenshot(path=str(ARTIFACTS / "dagster-asset-fct-sessions.png"))
    for group in ("raw", "staging", "marts"):
        assert group in text.split(), f"group {group} not shown"
    assert "stg_crm__sessions" in shown["staging"] and "fct_sessions" in shown["marts"]
    assert ARTIFACT.stat().st_size > 10_000


def _check_metadata(page, url: str, asset: str, check: str, attempts: int = 3) -> str:
    """The text of the metadata of ``check``'s latest evaluation, as the check's page shows it
    (Execution history, then the metadata button of the newest evaluation that has some).

    The page is loaded again when a step times out: on a busy machine the UI sometimes
    renders the history before the evaluations arrive, or re-renders the row under the
    pointer, and never settles."""
    for attempt in range(1, attempts + 1):
        try:
            page.goto(
                f"{url}/assets/{asset}?view=checks&checkDetail={check}",
                wait_until="domcontentloaded",
                timeout=120_000,
            )
            history = page.get_by_text("Execution history").first
            history.wait_for(timeout=60_000)
            _skip_dialogs(page, wait_ms=5_000 if attempt == 1 else 15_000)
            history.click(timeout=60_000)
            evaluated = page.locator("tr").filter(has=page.get_by_role("img", name="metadata"))
            evaluated.first.wait_for(timeout=60_000)
            evaluated.first.get_by_role("button").last.click(timeout=60_000)
            dialog = page.get_by_role("dialog").first
            dialog.get_by_text("Metadata").first.wait_for(timeout=60_000)
            return dialog.inner_text()
        except Exception:
            page.screenshot(path=str(ARTIFACTS / f"dagster-check-attempt-{attempt}.png"))
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def test_checks_are_shown_with_their_numbers(dagster_dev, sensor_run, browser):
    page = browser.new_page(viewport={"width": 1600, "height": 1200})
    # the reconciliation check: seeds/README.md's totals and the sessions row of its table
    shown = _check_metadata(
        page, dagster_dev.url, "audit/row_reconciliation", "raw_rows_reconciled"
    )
    page.screenshot(path=str(ARTIFACTS / "dagster-check-raw-rows-reconciled.png"), full_page=True)
    lines = shown.splitlines()
    total, sessions = sample.COUNTS["total"], sample.COUNTS["tables"]["sessions"]
    for name, value in (
        ("total_raw_rows", total["raw"]),
        ("total_quarantined_rows", total["bad"]),
        ("total_superseded_rows", total["superseded"]),
    ):
        assert lines[lines.index(name) + 1] == str(value), (name, shown)
    row = (sessions["raw"], sessions["staged"], sessions["bad"], sessions["superseded"], 0)
    assert "\t".join(["sessions", *map(str, row)]) in lines, shown
    # the Great Expectations check on the landing files of sessions: the files and what the
    # staging models quarantined of them, every bad row of seeds/README.md
    shown = _check_metadata(page, dagster_dev.url, "raw/sessions", "landing_file_expectations")
    page.screenshot(path=str(ARTIFACTS / "dagster-check-landing-sessions.png"), full_page=True)
    lines = shown.splitlines()
    assert lines[lines.index("files") + 1] == "2", shown
    assert lines[lines.index("rows_loaded") + 1] == str(sessions["raw"]), shown
    assert lines[lines.index("rows_quarantined") + 1] == str(sessions["bad"]), shown


def test_the_incremental_schedule_starts_a_run_under_the_daemon(dagster_dev, sensor_run):
    started = dagster_dev.graphql(
        "mutation($s: ScheduleSelector!) { startSchedule(scheduleSelector: $s) { __typename "
        "... on ScheduleStateResult { scheduleState { id status } } "
        "... on PythonError { message } } }",
        {"s": dagster_dev.selector("schedule", "omnireport_incremental")},
    )["startSchedule"]
    assert started.get("scheduleState", {}).get("status") == "RUNNING", started
    try:
        run = dagster_dev.finished_run("dagster/schedule_name", "omnireport_incremental")
    finally:
        dagster_dev.graphql(
            "mutation($id: String) { stopRunningSchedule(id: $id) { __typename } }",
            {"id": started["scheduleState"]["id"]},
        )
    assert run["jobName"] == "omnireport_incremental"
    # nothing new: the published marts are the same. (The checks on dbt's assets show this
    # run as "Skipped": the dbt step had nothing to rebuild; their history keeps the numbers.)
    snapshot = dagster_dev.warehouse.with_name("wh.published.duckdb")
    assert _query(snapshot, "select count(*) from marts.fct_sessions") == [(SEED_SESSIONS,)]
