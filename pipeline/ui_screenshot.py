"""Screenshot the Dagster UI: the asset graph and a filing partition's own metadata.

Usage: ``edgar-pipeline screenshot [--out docs/images/asset-graph.png]``: starts the UI on the
data folder's instance (as ``edgar-pipeline dev`` does), opens it in headless Chromium and
saves the asset graph there, and beside it ``partition.png`` (the newest filing partition
with materialization metadata). Needs Chromium (Debian: ``apt-get install chromium``) and
the ``docs`` extra (Playwright, driving the system Chromium; no browser download).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
UI_START_S = 180.0


def find_chromium() -> str:
    """The system Chromium, or a clear error saying how to install it."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    raise FileNotFoundError("no Chromium found: apt-get install chromium")


def launch_chromium(playwright):
    """Headless system Chromium, with the flags this machine's closed network needs."""
    return playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)


def graphql(base: str, query: str, timeout_s: float = 10) -> dict:
    """POST ``query`` to the webserver's GraphQL API; its ``data``."""
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        return json.load(response)["data"]


def wait_for_ui(base: str, timeout_s: float = UI_START_S) -> None:
    """Wait until the webserver answers and every code location has loaded."""
    query = "{ workspaceOrError { ... on Workspace { locationEntries { loadStatus } } } }"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            entries = graphql(base, query, 5)["workspaceOrError"]["locationEntries"]
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the UI at {base} did not load within {timeout_s:.0f} s")
        time.sleep(0.5)


def expand_asset_graph(page) -> None:
    """Expand every collapsed group of the asset graph; the UI remembers it, and a reload
    lays the graph out again fitted to the window. Waits (60 s at most) for the graph first."""
    page.locator("[aria-label='unfold_more'], [data-testid^='asset-node']").first.wait_for(
        timeout=60_000
    )
    for _ in range(12):
        collapsed = page.locator("[aria-label='unfold_more']")
        if not collapsed.count():
            return
        collapsed.first.click()
        page.wait_for_timeout(800)
        page.reload(wait_until="networkidle")
        page.wait_for_timeout(2500)


def newest_partition() -> str | None:
    """The last registered filing partition (the newest filing) in DAGSTER_HOME's instance."""
    from dagster import DagsterInstance

    from assets.partitions import FILINGS

    with DagsterInstance.get() as instance:
        keys = instance.get_dynamic_partitions(FILINGS.name)
    return keys[-1] if keys else None


def capture(out: Path, home: Path) -> list[Path]:
    """Start the UI on the instance at ``home``; save the asset graph to ``out`` and the
    newest filing partition's page beside it (``partition.png``). The saved files."""
    from playwright.sync_api import sync_playwright

    from pipeline.dev_server import dagster_services, free_port

    saved = []
    with dagster_services(home, port=free_port(), output=subprocess.DEVNULL) as services:
        wait_for_ui(services.url)
        graphql(services.url, "mutation { setNuxSeen }")  # no 'Join the community' dialog
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            page = browser.new_page(viewport={"width": 2000, "height": 1100})
            page.goto(f"{services.url}/asset-groups", wait_until="networkidle")
            expand_asset_graph(page)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            saved.append(out)
            if key := newest_partition():
                page.set_viewport_size({"width": 1600, "height": 1100})
                page.goto(
                    f"{services.url}/assets/xbrl/facts?view=partitions&partition={key}",
                    wait_until="networkidle",
                )
                page.wait_for_timeout(1500)
                page.screenshot(path=str(out.with_name("partition.png")))
                saved.append(out.with_name("partition.png"))
            browser.close()
    return saved
