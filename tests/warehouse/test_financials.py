"""core.financials: derivations, restatements, amendments, 53-week years, gaps.

Expected values come from the arithmetic in tests/warehouse/fixtures.py.
"""

from __future__ import annotations

from datetime import date

import duckdb

from pipeline.warehouse import load_warehouse
from tests.warehouse.conftest import inputs_for
from tests.warehouse.fixtures import base_filings, write_fixture
from tests.warehouse.helpers import M, financial, one, rows


def test_reported_quarter_is_kept(con) -> None:
    r = financial(con, "AMZN", "revenue", "FY2023Q2")
    assert r["value"] == 110 * M
    assert (r["method"], r["derivation"]) == ("reported", None)
    assert r["source_accessions"] == ["AM-23-Q2"]
    assert (r["period_start"], r["period_end"]) == (date(2023, 4, 1), date(2023, 6, 30))


def test_q4_is_fiscal_year_minus_nine_months(con) -> None:
    r = financial(con, "AMZN", "revenue", "FY2023Q4")
    assert r["value"] == (480 - 330) * M
    assert (r["method"], r["derivation"]) == ("derived", "fiscal_year - nine_months_ytd")
    assert r["source_accessions"] == ["AM-23-Q3", "AM-24-K"]
    assert (r["period_start"], r["period_end"]) == (date(2023, 10, 1), date(2023, 12, 31))
    assert r["latest_filing_date"] == date(2024, 2, 2)


def test_cash_flow_quarters_are_decumulated_from_ytd(con) -> None:
    q1 = financial(con, "AMZN", "capex", "FY2023Q1")
    q2 = financial(con, "AMZN", "capex", "FY2023Q2")
    q3 = financial(con, "AMZN", "capex", "FY2023Q3")
    q4 = financial(con, "AMZN", "capex", "FY2023Q4")
    assert (q1["value"], q1["method"]) == (10 * M, "reported")
    assert (q2["value"], q2["derivation"]) == ((25 - 10) * M, "six_months_ytd - q1")
    assert (q3["value"], q3["derivation"]) == ((45 - 25) * M, "nine_months_ytd - six_months_ytd")
    assert (q4["value"], q4["derivation"]) == ((70 - 45) * M, "fiscal_year - nine_months_ytd")
    assert q1["value"] + q2["value"] + q3["value"] + q4["value"] == 70 * M


def test_walmart_quarters_with_january_year_end(con) -> None:
    q2 = financial(con, "WMT", "capex", "FY2024Q2")
    assert (q2["value"], q2["period_end"], q2["calendar_label"]) == (
        (17 - 8) * M,
        date(2023, 7, 31),
        "CY2023Q2",
    )
    q4 = financial(con, "WMT", "revenue", "FY2024Q4")
    assert q4["value"] == (500 - 370) * M
    assert (q4["period_start"], q4["period_end"]) == (date(2023, 11, 1), date(2024, 1, 31))
    assert q4["calendar_label"] == "CY2023Q4"
    assert financial(con, "WMT", "revenue", "FY2025")["calendar_label"] == "CY2024"


def test_trailing_twelve_months_are_classified_ttm_not_fiscal_years(con) -> None:
    p = one(
        con,
        "SELECT * FROM core.periods WHERE ticker = 'AMZN' "
        "AND period_start = DATE '2022-07-01' AND period_end = DATE '2023-06-30'",
    )
    assert p["length_class"] == "year"
    assert (p["period_kind"], p["fiscal_period"], p["fiscal_label"]) == (
        "ttm",
        "TTMQ2",
        "FY2023Q2",
    )
    assert (p["calendar_label"], p["unclassified_reason"]) == ("CY2023Q2", None)
    # the 999 TTM capex never reaches core.financials (it is core.ttm's reported_ttm)
    values = [r["value"] for r in rows(con, "SELECT value FROM core.financials")]
    assert 999 * M not in values and 9999 * M not in values


def test_restatement_keeps_first_reported_and_latest(con) -> None:
    r = financial(con, "AMZN", "revenue", "FY2022")
    assert r["value"] == 405 * M
    assert r["latest_filing_date"] == date(2024, 2, 2)
    assert r["source_accessions"] == ["AM-24-K"]
    assert r["first_reported_value"] == 400 * M
    assert r["first_reported_filing_date"] == date(2023, 2, 3)
    assert r["first_reported_accessions"] == ["AM-23-K"]
    assert r["is_restated"] is True
    assert financial(con, "AMZN", "revenue", "FY2023")["is_restated"] is False


def test_amendment_supersedes_the_filing_it_amends(con) -> None:
    original = one(
        con,
        "SELECT * FROM core.line_item_observations "
        "WHERE accession_number = 'WM-24-K' AND line_item = 'capex'",
    )
    assert original["superseded_by"] == "WM-24-KA"
    capex = financial(con, "WMT", "capex", "FY2024")
    assert capex["value"] == 41 * M
    assert capex["first_reported_value"] == 41 * M  # the superseded 40 is gone
    assert capex["first_reported_accessions"] == ["WM-24-KA"]
    assert capex["first_reported_filing_date"] == date(2024, 4, 10)
    # the amendment carried no revenue: the original's revenue stays
    revenue = financial(con, "WMT", "revenue", "FY2024")
    assert revenue["first_reported_accessions"] == ["WM-24-K"]
    assert revenue["first_reported_value"] == 500 * M
    # Q4 capex uses the amended year: 41 - 27
    assert financial(con, "WMT", "capex", "FY2024Q4")["value"] == 14 * M


def test_53_week_year(con) -> None:
    fy = financial(con, "RETL", "revenue", "FY2024")
    assert (fy["period_start"], fy["period_end"], fy["days"]) == (
        date(2023, 1, 29),
        date(2024, 2, 3),
        371,
    )
    assert fy["calendar_label"] == "CY2023"
    q4 = financial(con, "RETL", "revenue", "FY2024Q4")
    # exact arithmetic to the dollar: 4,700,750,001 - 3,300,000,000
    assert q4["value"] == 1_400_750_001
    assert (q4["period_start"], q4["period_end"], q4["days"]) == (
        date(2023, 10, 29),
        date(2024, 2, 3),
        98,
    )
    q2 = financial(con, "RETL", "capex", "FY2024Q2")
    assert (q2["value"], q2["period_start"], q2["days"]) == (70 * M, date(2023, 4, 30), 91)
    labels = [
        financial(con, "RETL", "revenue", f"FY2024Q{q}")["calendar_label"] for q in range(1, 5)
    ]
    assert labels == ["CY2023Q1", "CY2023Q2", "CY2023Q3", "CY2023Q4"]


def test_missing_quarter_is_missing_and_reported_as_a_gap(con) -> None:
    assert financial(con, "WMT", "revenue", "FY2025Q2") is None
    assert financial(con, "WMT", "capex", "FY2025Q2") is None
    assert financial(con, "WMT", "capex", "FY2025Q3") is None  # 9M - 6M impossible
    assert financial(con, "WMT", "revenue", "FY2025Q3")["value"] == 135 * M
    assert financial(con, "WMT", "capex", "FY2025Q4")["value"] == (50 - 36) * M
    gaps = rows(
        con,
        "SELECT ticker, line_item, fiscal_label FROM core.quarter_gaps ORDER BY ALL",
    )
    assert gaps == [
        {"ticker": "WMT", "line_item": "capex", "fiscal_label": "FY2025Q2"},
        {"ticker": "WMT", "line_item": "capex", "fiscal_label": "FY2025Q3"},
        {"ticker": "WMT", "line_item": "revenue", "fiscal_label": "FY2025Q2"},
    ]


def test_keys_are_unique(con) -> None:
    dupes = rows(
        con,
        "SELECT ticker, line_item, fiscal_year, fiscal_period, count(*) n "
        "FROM core.financials GROUP BY ALL HAVING n > 1",
    )
    assert dupes == []


def test_q1_is_six_months_minus_q2_when_not_reported(tmp_path) -> None:
    """Without AM-23-Q1 (and AM-24-Q1's 2023 comparative), AMZN's Q1 2023 revenue is the six
    months 210 minus Q2 110 = 100, from AM-23-Q2; capex (six months only) has no Q1 or Q2."""
    filings = [f for f in base_filings() if f.accession != "AM-23-Q1"]
    (q1_2024,) = [f for f in filings if f.accession == "AM-24-Q1"]
    q1_2024.values = [v for v in q1_2024.values if not v[1].startswith("2023")]
    paths = write_fixture(tmp_path / "parquet", filings)
    load_warehouse(tmp_path / "w.duckdb", inputs_for(paths))
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        q1 = financial(con, "AMZN", "revenue", "FY2023Q1")
        assert (q1["value"], q1["method"], q1["derivation"]) == (
            100 * M,
            "derived",
            "six_months_ytd - q2",
        )
        assert q1["source_accessions"] == ["AM-23-Q2"]
        assert (q1["period_start"], q1["period_end"]) == (date(2023, 1, 1), date(2023, 3, 31))
        assert q1["calendar_label"] == "CY2023Q1"
        assert financial(con, "AMZN", "capex", "FY2023Q1") is None
        assert financial(con, "AMZN", "capex", "FY2023Q2") is None
        # a reported Q1 still wins where there is one (FY2024Q1: 130, reported)
        assert financial(con, "AMZN", "revenue", "FY2024Q1")["method"] == "reported"
