"""End to end on the real Parquet datasets under Settings (skipped until they exist)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.warehouse import ParquetInputs, load_warehouse, read_connection

SETTINGS = Settings.from_env()
INPUTS = ParquetInputs.from_settings(SETTINGS)

pytestmark = pytest.mark.skipif(
    not (INPUTS.catalog_present() and INPUTS.line_items_dir.is_dir()),
    reason=f"no Parquet datasets under {SETTINGS.parquet_dir} (run the pipeline first)",
)

# From the filings themselves (10-K income statements).
EXPECTED = [
    ("AMZN", "FY2024", Decimal(637_959_000_000)),
    ("AMZN", "FY2023", Decimal(574_785_000_000)),
    ("WMT", "FY2025", Decimal(680_985_000_000)),
    ("WMT", "FY2024", Decimal(648_125_000_000)),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("real") / "warehouse.duckdb"
    load_warehouse(path, INPUTS)  # a private copy: never the pipeline's own warehouse
    return path


@pytest.mark.parametrize(("ticker", "label", "revenue"), EXPECTED)
def test_annual_revenue(warehouse: Path, ticker: str, label: str, revenue: Decimal) -> None:
    with read_connection(warehouse) as con:
        got = con.execute(
            "SELECT value FROM core.financials "
            "WHERE ticker = ? AND line_item = 'revenue' AND fiscal_label = ?",
            [ticker, label],
        ).fetchall()
    if not got:
        pytest.skip(f"{ticker} {label} not in the loaded filings")
    assert got == [(revenue,)]


def test_trailing_twelve_months_never_become_fiscal_years(warehouse: Path) -> None:
    with read_connection(warehouse) as con:
        bad = con.execute(
            "SELECT * FROM core.financials WHERE fiscal_period = 'FY' "
            "AND (month(period_start) <> CASE ticker WHEN 'WMT' THEN 2 ELSE 1 END)"
        ).fetchall()
    assert bad == []


def test_calendar_2024_side_by_side(warehouse: Path) -> None:
    with read_connection(warehouse) as con:
        row = con.execute(
            "SELECT amzn_fiscal_year, wmt_fiscal_year, amzn_revenue, wmt_revenue "
            "FROM marts.annual_comparison WHERE label = 'CY2024'"
        ).fetchall()
    if not row or None in row[0]:
        pytest.skip("AMZN FY2024 or WMT FY2025 not loaded")
    assert row == [("FY2024", "FY2025", Decimal(637_959_000_000), Decimal(680_985_000_000))]
