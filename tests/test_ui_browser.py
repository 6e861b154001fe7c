"""The Dagster UI in a real browser (headless Chromium via Playwright), on a real
``edgar-pipeline dev`` whose warehouse was built without the newest AMZN filing: the asset
graph, a partition's own metadata, a UI-launched materialization of that one filing reaching
the marts by automation, the freshness checks' state, and the backfill preview of the
``backfill_filings`` job.

Needs Chromium (``apt-get install chromium``) and Playwright (the ``docs`` extra); skipped,
saying which is missing, without them.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.conftest import newest, oldest
from tests.ui_support import dev_server, graphql, prepare_without, wait_for_location

playwright = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install -e '.[docs]'"
)
if not any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")):
    pytest.skip("no Chromium: apt-get install chromium", allow_module_level=True)

AUTOMATION_WAIT_S = 150  # the automation sensor ticks every 30 s; the build takes seconds
# How the UI's list of an asset's checks labels each check's latest state.
CHECK_STATES = ("Succeeded", "Failed", "Warning", "In Progress", "Not evaluated", "Skipped")


@dataclass
class UI:
    base: str
    page: object
    data: Path
    rows: list[dict[str, str]]  # the tracked filings, from filings.csv
    withheld: dict[str, str]  # the newest AMZN filing: not in the warehouse at first

    def open(self, path: str, *, expect: str | None = None) -> str:
        """Go to ``path``; the page's text once ``expect`` shows (30 s at most)."""
        self.page.goto(f"{self.base}{path}", wait_until="networkidle")
        if expect:
            self.page.get_by_text(expect, exact=False).first.wait_for(timeout=30_000)
        return self.page.inner_text("body")


@pytest.fixture(scope="module")
def ui(corpus: Path, tracked_rows, tmp_path_factory) -> Iterator[UI]:
    from pipeline.ui_screenshot import launch_chromium

    withheld = newest([r for r in tracked_rows if r["ticker"] == "AMZN"])
    root = tmp_path_factory.mktemp("ui")
    data = root / "data"
    prepare_without(data, corpus, withheld["accession_number"])
    env = {"EDGAR_DATA_DIR": str(data), "EDGAR_MIRROR": str(corpus), "EDGAR_COMPANIES": ""}
    with dev_server(env, root / "dev.log") as (base, process):
        wait_for_location(base, process)
        graphql(base, "mutation { setNuxSeen }")  # no 'Join the community' dialog
        with playwright.sync_playwright() as pw:
            browser = launch_chromium(pw)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            try:
                yield UI(base, page, data, tracked_rows, withheld)
            finally:
                browser.close()


def test_the_asset_graph_shows_every_group_and_layer(ui: UI, tmp_path: Path) -> None:
    from pipeline.ui_screenshot import expand_asset_graph

    ui.open("/asset-groups", expect="xbrl")
    expand_asset_graph(ui.page)
    text = ui.page.inner_text("body")
    for name in ("edgar", "xbrl", "warehouse", "marts", "facts", "line_items", "company_quarters"):
        assert name in text, f"{name} is not on the asset graph"
    ui.page.screenshot(path=str(tmp_path / "graph.png"))


def test_a_partition_shows_its_own_filing_and_row_count(ui: UI) -> None:
    first = oldest([r for r in ui.rows if r["ticker"] == "AMZN"])
    accession = first["accession_number"]
    text = ui.open(f"/assets/xbrl/facts?view=partitions&partition={accession}", expect="filing")
    parquet = ui.data / "parquet" / "facts" / f"ticker={first['ticker']}" / f"{accession}.parquet"
    own = pq.read_metadata(str(parquet)).num_rows
    label = f"{first['ticker']} {first['form']} for {first['report_date']}"
    assert f"{label}, filed {first['filing_date']}" in text
    assert "dagster/row_count" in text
    assert f"\n{own}\n" in text or f"\n{own:,}\n" in text, f"row count {own} not shown"
    ui.page.screenshot(path=str(ui.data / "partition.png"))


def _quarter_in_marts(ui: UI, row: dict[str, str]) -> bool:
    """Whether the served marts hold ``row``'s quarter (its period of report)."""
    with duckdb.connect(str(ui.data / "warehouse.duckdb"), read_only=True) as con:
        (n,) = con.execute(
            "SELECT count(*) FROM marts.company_quarters WHERE ticker = ? AND period_end = ?",
            [row["ticker"], row["report_date"]],
        ).fetchone()
    return n > 0


RUNS = """{ runsOrError(limit: 50) { ... on Runs { results {
    runId status tags { key value } assetSelection { path } } } } }"""


def test_a_ui_launched_filing_reaches_the_marts_by_automation(ui: UI) -> None:
    withheld = ui.withheld
    assert not _quarter_in_marts(ui, withheld), "the withheld quarter is in the marts already"
    page = ui.page
    ui.open(
        f"/assets/xbrl/facts?view=partitions&partition={withheld['accession_number']}",
        expect="Missing",
    )
    page.get_by_role("button", name="Materialize…").click()
    # xbrl/facts and xbrl/line_items are one step: the UI asks to confirm both.
    page.get_by_role("button", name="Confirm").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("1 partition").wait_for(timeout=10_000)
    page.get_by_role("button", name="Launch 1 run").click()
    deadline = time.monotonic() + AUTOMATION_WAIT_S
    while not _quarter_in_marts(ui, withheld):
        assert time.monotonic() < deadline, (
            f"{withheld['accession_number']}'s quarter not in the marts {AUTOMATION_WAIT_S} s "
            "after the UI launched its partition"
        )
        time.sleep(2)
    runs = graphql(ui.base, RUNS)["runsOrError"]["results"]
    parse = [
        r
        for r in runs
        if {"key": "dagster/partition", "value": withheld["accession_number"]} in r["tags"]
    ]
    assert [r["status"] for r in parse] == ["SUCCESS"], parse
    assert not any(p["path"][0] in ("warehouse", "marts") for p in parse[0]["assetSelection"])
    automated = [
        r
        for r in runs
        if any(t["value"] == "warehouse_automation" for t in r["tags"])
        and any(p["path"][0] == "marts" for p in r["assetSelection"] or [])
    ]
    assert automated, "no marts run launched by the warehouse_automation sensor"
    text = ui.open("/assets/marts/company_quarters", expect="Latest materialization")
    assert "company_quarters" in text


def test_the_freshness_checks_show_their_state_in_the_ui(ui: UI) -> None:
    try:
        from assets.freshness import LOADED_CHECK, OVERDUE_CHECK
    except ImportError:
        pytest.skip("no freshness checks in this tree yet (assets/freshness.py, issue 11 item 2)")
    # Stale while a catalogued filing is not in the marts, fresh once it is.
    expected = "Succeeded" if _quarter_in_marts(ui, ui.withheld) else "Failed"
    deadline = time.monotonic() + 60
    while True:
        text = ui.open("/assets/marts/company_quarters?view=checks", expect=OVERDUE_CHECK)
        state = re.search(rf"{LOADED_CHECK}\n({'|'.join(CHECK_STATES)})\n", text)
        if state and state[1] not in ("In Progress", "Not evaluated"):
            break
        assert time.monotonic() < deadline, f"{LOADED_CHECK} still {state and state[1]}"
        time.sleep(3)
    assert state[1] == expected, f"{LOADED_CHECK}: {state[1]}, expected {expected}"
    ui.page.screenshot(path=str(ui.data / "freshness.png"))


def test_the_backfill_preview_of_backfill_filings_lists_every_partition(ui: UI) -> None:
    page = ui.page
    ui.open("/locations/edgar_warehouse/jobs/backfill_filings", expect="Materialize all")
    page.get_by_role("button", name="Materialize all").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="All", exact=True).click()
    dialog.get_by_text("Preview", exact=True).click()
    preview = page.get_by_role("dialog").filter(has_text="Backfill preview")
    preview.get_by_text("Partitions to launch").wait_for(timeout=10_000)
    page.wait_for_timeout(1000)  # the rows load after the header
    text = preview.inner_text()
    assert "No partitions available to materialize" not in text
    for asset in ("xbrl / facts", "xbrl / line_items"):
        assert asset in text
    assert text.count(f"{len(ui.rows)} partitions") == 2, text
    preview.get_by_role("button", name="OK").click()
    page.get_by_role("button", name="Cancel").click()
