"""The Dagster UI in a real browser (headless Chromium via Playwright), on a real
``edgar-pipeline dev`` whose warehouse was built without the newest AMZN filing: the asset
graph, a partition's own metadata, a UI-launched materialization of that one filing reaching
the marts by automation, and the freshness checks' state.

Needs Chromium (``apt-get install chromium``) and Playwright (the ``docs`` extra); skipped,
saying which is missing, without them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
