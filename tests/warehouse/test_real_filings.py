"""End to end on the real Parquet datasets under Settings (skipped until they exist)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.periods import DATE_TOLERANCE_DAYS
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
    # NFLX FY2023 10-K instance: us-gaap:Revenues, context c-1 (2023-01-01..2023-12-31);
    # loaded only when EDGAR_COMPANIES includes NFLX.
    ("NFLX", "FY2023", Decimal(33_723_297_000)),
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
            _skip_unless_loaded(
                con, ticker, "SELECT 1 FROM raw.filings WHERE ticker = ? AND form = '10-K'", ticker
            )
    assert got == [(revenue,)]


def _skip_unless_loaded(con, what: str, sql: str, value: str) -> None:
    """Skip when the filings a figure comes from were not loaded (another EDGAR_COMPANIES);
    when they were, a missing figure is a failure, never a skip."""
    if not con.execute(sql, [value]).fetchall():
        pytest.skip(f"{what} not in the loaded filings")


def _year_end(mmdd: str, year: int) -> date:
    """The nominal fiscal year end ``mmdd`` (SEC's MMDD) in ``year``; day clipped to the month."""
    month, day = int(mmdd[:2]), int(mmdd[2:])
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _is_fiscal_year(start: date, end: date, mmdd: str) -> bool:
    """Does [start, end] run from the day after one fiscal year end to the next one?"""
    tolerance = timedelta(days=DATE_TOLERANCE_DAYS)  # 52/53-week years end near the nominal day
    return any(
        abs(end - _year_end(mmdd, y)) <= tolerance
        and abs(start - (_year_end(mmdd, y - 1) + timedelta(days=1))) <= tolerance
        for y in (end.year - 1, end.year, end.year + 1)
    )


def test_trailing_twelve_months_never_become_fiscal_years(warehouse: Path) -> None:
    """Every FY row spans its company's fiscal year, per the fiscal year end in the catalog."""
    with read_connection(warehouse) as con:
        rows = con.execute(
            "WITH fye AS (SELECT ticker, arg_max(fiscal_year_end, filing_date) AS fye "
            "FROM raw.filings WHERE fiscal_year_end IS NOT NULL GROUP BY ticker) "
            "SELECT DISTINCT f.ticker, f.fiscal_label, f.period_start, f.period_end, fye.fye "
            "FROM core.financials f LEFT JOIN fye USING (ticker) WHERE f.fiscal_period = 'FY' "
            "ORDER BY ALL"
        ).fetchall()
    assert rows, "no FY rows in core.financials: the 10-Ks' annual figures were not loaded"
    bad = [r for r in rows if r[4] is None or not _is_fiscal_year(r[2], r[3], r[4])]
    assert bad == []


def test_calendar_2024_side_by_side(warehouse: Path) -> None:
    with read_connection(warehouse) as con:
        row = con.execute(  # the long-form mart, one row per company
            "SELECT a.fiscal_label, w.fiscal_label, a.revenue, w.revenue "
            "FROM marts.annual_comparison AS a JOIN marts.annual_comparison AS w USING (label) "
            "WHERE label = 'CY2024' AND a.ticker = 'AMZN' AND w.ticker = 'WMT'"
        ).fetchall()
    if not row or None in row[0]:
        pytest.skip("AMZN FY2024 or WMT FY2025 not loaded")
    assert row == [("FY2024", "FY2025", Decimal(637_959_000_000), Decimal(680_985_000_000))]


# Q1 = six months - Q2 (three months), from the Q2 10-Qs' income statements (USD millions):
# AMZN Q2 2023 10-Q prior-year columns: 237,678 - 121,234; WMT Q2 FY2024 10-Q: total revenues
# 313,933 - 161,632 (FY2024) and 294,428 - 152,859 (FY2023).
EXPECTED_Q1 = [
    ("AMZN", "FY2022Q1", 116_444, "0001018724-23-000012"),
    ("WMT", "FY2024Q1", 152_301, "0000104169-23-000097"),
    ("WMT", "FY2023Q1", 141_569, "0000104169-23-000097"),
]


@pytest.mark.parametrize(("ticker", "label", "millions", "accession"), EXPECTED_Q1)
def test_q1_is_six_months_minus_q2(
    warehouse: Path, ticker: str, label: str, millions: int, accession: str
) -> None:
    with read_connection(warehouse) as con:
        got = con.execute(
            "SELECT value, derivation, source_accessions FROM core.financials "
            "WHERE ticker = ? AND line_item = 'revenue' AND fiscal_label = ?",
            [ticker, label],
        ).fetchall()
        if not got:
            _skip_unless_loaded(
                con, accession, "SELECT 1 FROM raw.filings WHERE accession_number = ?", accession
            )
    assert got == [(millions * 1_000_000, "six_months_ytd - q2", [accession])]
