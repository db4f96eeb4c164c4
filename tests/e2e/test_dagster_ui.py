"""The Dagster UI end to end: the webserver on a free port, the asset graph in headless
Debian chromium (Playwright), the raw, staging and marts groups shown, a screenshot kept
as test-artifacts/dagster-asset-graph.png."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "test-artifacts" / "dagster-asset-graph.png"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the webserver exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"{url} did not answer within {seconds:.0f} s")


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium on PATH: `apt-get install -y chromium` (the CI image has it)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed in the venv")
    home = tmp_path_factory.mktemp("dagster_home")
    warehouse = home / "wh.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNIREPORT_", "DAGSTER_"))}
    env.update({"DAGSTER_HOME": str(home), "OMNIREPORT_WAREHOUSE": str(warehouse),
                "OMNIREPORT_LANDING_DIR": str(ROOT / "seeds" / "landing")})
    prepared = subprocess.run([str(BIN / "omnireport"), "prepare"], env=env,
                              capture_output=True, text=True, timeout=600, check=False)
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    port = _free_port()
    log = (home / "webserver.log").open("w")
    process = subprocess.Popen(
        [str(BIN / "dagster-webserver"), "-m", "omnireport.orchestration.definitions",
         "-h", "127.0.0.1", "-p", str(port)],
        env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/server_info", process, 240)
        yield f"http://127.0.0.1:{port}", chromium
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_asset_graph_shows_the_layers_and_is_saved_as_a_screenshot(webserver):
    from playwright.sync_api import sync_playwright

    url, chromium = webserver
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(f"{url}/asset-groups", wait_until="domcontentloaded", timeout=120_000)
            for group in ("raw", "staging", "marts"):
                page.get_by_text(group, exact=True).first.wait_for(timeout=120_000)
            skip = page.get_by_role("button", name="Skip")  # the first-visit newsletter dialog
            if skip.count():
                skip.first.click()
            page.wait_for_timeout(3000)  # let the graph lay itself out before the picture
            ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACT), full_page=True)
            text = page.inner_text("body")
            # an asset of each layer has its page, with its lineage
            shown = {}
            for group, asset in (("raw", "sessions"), ("staging", "stg_crm__sessions"),
                                 ("marts", "fct_sessions")):
                page.goto(f"{url}/assets/{group}/{asset}", wait_until="domcontentloaded",
                          timeout=120_000)
                page.get_by_text(asset).first.wait_for(timeout=120_000)
                shown[group] = page.inner_text("body")
            page.wait_for_timeout(5000)  # let the asset's details load before the picture
            page.screenshot(path=str(ARTIFACT.with_name("dagster-asset-fct-sessions.png")))
        finally:
            browser.close()
    for group in ("raw", "staging", "marts"):
        assert group in text.split(), f"group {group} not shown"
    assert "stg_crm__sessions" in shown["staging"] and "fct_sessions" in shown["marts"]
    assert ARTIFACT.stat().st_size > 10_000
