"""The marts and the chart on the real filings of ../shared/edgar (AMZN, WMT and NFLX).

Every expected figure is read from the documents themselves (in millions unless written out):
- AMZN 10-Q Q2 2023: net sales, six months ended June 30, 261,741 (2023) and 237,678
  (2022); FY2022 513,983 (10-K FY2023, and the FY2022 instance)
  => TTM to 2023-06-30 = 513,983 + 261,741 - 237,678 = 538,046 (fy_plus_ytd).
- WMT 10-Q Q2 FY2024: total revenues, six months ended July 31, 313,933 (2023) and 294,428
  (2022); FY2023 611,289 (10-K FY2024) => TTM to 2023-07-31 = 630,794.
- NFLX 10-Q Q3 2024 (us-gaap:Revenues, nine months 28,754,453 and 24,890,472 thousand) and
  10-K FY2023 (33,723,297 thousand) => TTM to 2024-09-30 = $37,587,278,000.
- AMZN 10-Q Q2 2026: PaymentsToAcquireProductiveAssets, twelve months to 2026-06-30,
  173,028 (context c-22), and to 2025-06-30, 107,656 (c-21): reported TTM capex.
- Calendar 2023: AMZN FY2023 574,785; WMT FY2024 (Feb 2023 - Jan 2024) 648,125; NFLX FY2023
  $33,723,297,000 => WMT leads, AMZN 73,340 behind.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipeline.charts import ChartData, chart_data, render_ttm_chart
from pipeline.warehouse import load_from_settings, read_connection
from tests.conftest import make_settings, newest, rows_for
from tests.faults.test_lake_and_warehouse_faults import land_and_parse
from tests.warehouse.helpers import rows

COMPANIES = ("AMZN", "WMT", "NFLX")
MN = 1_000_000


@pytest.fixture(scope="module")
def corpus_marts(tmp_path_factory: pytest.TempPathFactory, corpus: Path, corpus_rows):
    """The three companies' filings loaded twice: first without AMZN's newest filing (a 10-Q),
    then with it. Returns (connection to the full warehouse, chart before, chart after)."""
    tracked = rows_for(corpus_rows, COMPANIES)
    withheld = newest(rows_for(corpus_rows, ["AMZN"]))
    assert withheld["form"] == "10-Q", "the test lands AMZN's newest filing, a 10-Q"
    settings = make_settings(tmp_path_factory.mktemp("corpus"), companies=COMPANIES)
    land_and_parse(settings, corpus, [r for r in tracked if r is not withheld])
    load_from_settings(settings)
    with read_connection(settings.warehouse_path) as con:
        before = chart_data(con)
    land_and_parse(settings, corpus, tracked)
    load_from_settings(settings)
    with read_connection(settings.warehouse_path) as con:
        after = chart_data(con)
    con = duckdb.connect(str(settings.warehouse_path.resolve()), read_only=True)
    yield con, before, after, withheld
    con.close()


def ttm_row(con, ticker: str, label: str) -> dict:
    (row,) = rows(
        con,
        "SELECT * FROM marts.ttm_comparison WHERE ticker = ? AND calendar_label = ?",
        [ticker, label],
    )
    return row


def test_ttm_revenue_of_each_company(corpus_marts) -> None:
    con = corpus_marts[0]
    amzn = ttm_row(con, "AMZN", "CY2023Q2")
    assert (amzn["period_end"], amzn["ttm_revenue"]) == (date(2023, 6, 30), 538_046 * MN)
    assert amzn["ttm_revenue_method"] == "fy_plus_ytd"
    wmt = ttm_row(con, "WMT", "CY2023Q2")
    assert (wmt["period_end"], wmt["ttm_revenue"]) == (date(2023, 7, 31), 630_794 * MN)
    nflx = ttm_row(con, "NFLX", "CY2024Q3")
    assert (nflx["period_end"], nflx["ttm_revenue"]) == (date(2024, 9, 30), 37_587_278_000)
    # NFLX has no TTM to mid-2023: the set has no leader there, AMZN and WMT are still ranked
    assert (amzn["revenue_rank"], wmt["revenue_rank"], amzn["revenue_leader"]) == (2, 1, None)
    assert "no revenue leader: 2 of 3 companies have a value" in amzn["notes"]


def test_amazon_reported_ttm_capex(corpus_marts) -> None:
    amzn = ttm_row(corpus_marts[0], "AMZN", "CY2026Q2")
    assert (amzn["ttm_capex"], amzn["ttm_capex_method"]) == (173_028 * MN, "reported_ttm")


def test_calendar_2023_compares_all_three_and_names_the_leader(corpus_marts) -> None:
    got = {
        r["ticker"]: r
        for r in rows(
            corpus_marts[0], "SELECT * FROM marts.annual_comparison WHERE label = 'CY2023'"
        )
    }
    assert {t: (r["fiscal_label"], r["revenue"]) for t, r in got.items()} == {
        "AMZN": ("FY2023", 574_785 * MN),
        "WMT": ("FY2024", 648_125 * MN),
        "NFLX": ("FY2023", 33_723_297_000),
    }
    assert {t: r["revenue_rank"] for t, r in got.items()} == {"WMT": 1, "AMZN": 2, "NFLX": 3}
    assert {r["revenue_leader"] for r in got.values()} == {"WMT"}
    assert got["AMZN"]["revenue_gap_to_leader"] == 73_340 * MN
    assert got["WMT"]["period_start"] == date(2023, 2, 1)


def test_fiscal_2023_names_no_leader_across_different_years(corpus_marts) -> None:
    got = rows(corpus_marts[0], "SELECT * FROM marts.annual_comparison WHERE label = 'FY2023'")
    wmt = next(r for r in got if r["ticker"] == "WMT")
    assert (wmt["period_end"], wmt["revenue"]) == (date(2023, 1, 31), 611_289 * MN)
    assert {r["revenue_leader"] for r in got} == {None}
    assert "periods differ by more than a quarter (ends 2023-01-31 to 2023-12-31)" in wmt["notes"]


def test_pair_view_of_the_default_pair(corpus_marts) -> None:
    (p,) = rows(
        corpus_marts[0], "SELECT * FROM marts.pair_comparison WHERE calendar_label = 'CY2023Q2'"
    )
    assert (p["a_ticker"], p["b_ticker"]) == ("AMZN", "WMT")  # the first two of EDGAR_COMPANIES
    assert p["revenue_gap_a_minus_b"] == (538_046 - 630_794) * MN
    assert p["revenue_leader"] == "WMT"


def test_the_chart_changes_when_a_10q_lands(corpus_marts, tmp_path: Path) -> None:
    _, before, after, withheld = corpus_marts
    assert before.tickers == after.tickers == tuple(sorted(COMPANIES))  # the set, by ticker
    assert after.as_of == date.fromisoformat(withheld["filing_date"])
    assert before.as_of < after.as_of
    new = [p for p in after.points if p not in before.points]
    # the 10-Q reports twelve months to its quarter end and, as comparative, a year before
    # (PaymentsToAcquireProductiveAssets 173,028 and 107,656, contexts c-22 and c-21)
    report = date.fromisoformat(withheld["report_date"])
    assert [(p.ticker, p.period_end, p.basis, p.capex) for p in new] == [
        ("AMZN", report.replace(year=report.year - 1), "TTM", 107_656 * MN),
        ("AMZN", report, "TTM", 173_028 * MN),
    ]
    fy = next(p for p in after.points if p.ticker == "WMT" and p.fiscal_label == "FY2025Q4")
    assert (fy.basis, fy.revenue) == ("FY", 680_985 * MN)
    for data, name in ((before, "before.png"), (after, "after.png")):
        assert render_ttm_chart(data, tmp_path / name).stat().st_size > 20_000
    assert (tmp_path / "before.png").read_bytes() != (tmp_path / "after.png").read_bytes()
    empty = ChartData((), (), None, None)
    assert render_ttm_chart(replace(empty), tmp_path / "empty.png").stat().st_size > 0
