"""Screenshot the Dagster UI's asset graph: start ``dagster dev``, open it in headless Chromium.

Usage: ``edgar-pipeline screenshot [--out docs/images/asset-graph.png]``. Needs Chromium
(Debian: ``apt-get install chromium``) and the ``docs`` extra (Playwright, driving the
system Chromium; no browser download).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pipeline.config import REPO_ROOT

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("dagster dev exited before the UI came up") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"the UI did not answer at {url} within {timeout_s} s") from None
            time.sleep(0.5)


def find_chromium() -> str:
    """The system Chromium, or a clear error saying how to install it."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    raise FileNotFoundError("no Chromium found: apt-get install chromium")


def _dismiss_welcome(page) -> None:
    """Close the 'Join the Dagster community' dialog if it shows."""
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.click(timeout=3000)
    except Exception:
        return


def capture_asset_graph(out: Path, *, port: int | None = None) -> Path:
    """Start ``dagster dev``, screenshot the global asset lineage with groups expanded."""
    from playwright.sync_api import sync_playwright

    port = port or _free_port()
    command = [sys.executable, "-m", "dagster", "dev", "-m", "pipeline.definitions"]
    server = subprocess.Popen(
        [*command, "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO_ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/server_info", server)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 2000, "height": 1100})
            page.goto(f"{base}/asset-groups", wait_until="networkidle")
            _dismiss_welcome(page)
            # Expand one collapsed group at a time; the UI remembers it, and a reload lays
            # the graph out again fitted to the window.
            for _ in range(12):
                collapsed = page.locator("[aria-label='unfold_more']")
                if not collapsed.count():
                    break
                collapsed.first.click()
                page.wait_for_timeout(800)
                page.reload(wait_until="networkidle")
                page.wait_for_timeout(2500)
                _dismiss_welcome(page)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            browser.close()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    return out
