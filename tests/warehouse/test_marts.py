"""Marts: quarterly side by side, TTM with leader changes, annual bases, capex intensity.

Expected values come from the arithmetic in tests/warehouse/fixtures.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.warehouse.helpers import M, one, rows


def quarter(con, label: str) -> dict:
    return one(con, "SELECT * FROM marts.quarterly_comparison WHERE calendar_label = ?", [label])


def ttm(con, label: str) -> dict:
    return one(con, "SELECT * FROM marts.ttm_comparison WHERE calendar_label = ?", [label])


def test_quarters_side_by_side(con) -> None:
    q = quarter(con, "CY2023Q2")
    assert (q["amzn_fiscal_quarter"], q["amzn_period_end"]) == ("FY2023Q2", date(2023, 6, 30))
    assert (q["wmt_fiscal_quarter"], q["wmt_period_end"]) == ("FY2024Q2", date(2023, 7, 31))
    assert (q["amzn_revenue"], q["amzn_capex"]) == (110 * M, 15 * M)
    assert (q["wmt_revenue"], q["wmt_capex"]) == (125 * M, 9 * M)
    assert q["amzn_capex_to_revenue"] == Decimal("0.136364")  # 15/110
    assert q["wmt_capex_to_revenue"] == Decimal("0.072000")  # 9/125
    assert q["revenue_gap_amzn_minus_wmt"] == -15 * M
    assert q["is_complete"] is True


def test_year_over_year_growth(con) -> None:
    q = quarter(con, "CY2024Q1")
    assert q["amzn_revenue_yoy_growth"] == Decimal("0.300000")  # 130/100 - 1
    assert q["amzn_capex_yoy_growth"] == Decimal("0.200000")  # 12/10 - 1
    assert q["wmt_revenue_yoy_growth"] == Decimal("0.041667")  # 125/120 - 1
    assert q["wmt_capex_yoy_growth"] == Decimal("0.375000")  # 11/8 - 1
    assert quarter(con, "CY2023Q1")["amzn_revenue_yoy_growth"] is None  # no prior year


def test_missing_quarter_is_null_not_zero(con) -> None:
    q = quarter(con, "CY2024Q2")
    assert q["amzn_revenue"] == 140 * M
    assert q["wmt_fiscal_quarter"] == "FY2025Q2"
    assert q["wmt_revenue"] is None and q["wmt_capex"] is None
    assert q["revenue_gap_amzn_minus_wmt"] is None
    assert q["is_complete"] is False
    assert "WMT: revenue missing; capex missing" in q["notes"]


def test_ttm_and_leader_change(con) -> None:
    q4 = ttm(con, "CY2023Q4")
    assert (q4["amzn_ttm_revenue"], q4["wmt_ttm_revenue"]) == (480 * M, 500 * M)
    assert (q4["amzn_ttm_capex"], q4["wmt_ttm_capex"]) == (70 * M, 41 * M)
    assert (q4["revenue_leader"], q4["revenue_lead_changed"]) == ("WMT", False)
    assert q4["capex_leader"] == "AMZN"
    q1 = ttm(con, "CY2024Q1")
    assert q1["amzn_ttm_revenue"] == (110 + 120 + 150 + 130) * M  # 510
    assert q1["wmt_ttm_revenue"] == (125 + 125 + 130 + 125) * M  # 505
    assert q1["amzn_ttm_capex"] == (15 + 20 + 25 + 12) * M  # 72
    assert q1["wmt_ttm_capex"] == (9 + 10 + 14 + 11) * M  # 44
    assert (q1["revenue_leader"], q1["revenue_lead_changed"]) == ("AMZN", True)
    assert q1["revenue_leader_since"] == "CY2024Q1"
    assert (q1["capex_leader"], q1["capex_lead_changed"]) == ("AMZN", False)
    assert q1["capex_leader_since"] == "CY2023Q4"


def test_ttm_with_a_gap_is_null_and_says_so(con) -> None:
    q2 = ttm(con, "CY2024Q2")
    assert q2["amzn_ttm_revenue"] == 540 * M
    assert q2["wmt_ttm_revenue"] is None
    assert q2["revenue_leader"] is None
    assert q2["is_complete"] is False
    assert "WMT TTM has a gap: revenue 3/4" in q2["notes"]
    early = ttm(con, "CY2023Q3")
    assert early["amzn_ttm_revenue"] is None  # only three quarters so far
    wmt = one(
        con,
        "SELECT * FROM marts.company_quarters WHERE ticker = 'WMT' AND fiscal_label = 'FY2025Q4'",
    )
    assert wmt["ttm_revenue"] is None and wmt["ttm_revenue_quarters"] == 3


def test_ttm_at_fiscal_year_end_equals_the_fiscal_year(con) -> None:
    for ticker, label, fy in (("AMZN", "FY2023Q4", 480), ("WMT", "FY2024Q4", 500)):
        r = one(
            con,
            "SELECT ttm_revenue FROM marts.company_quarters WHERE ticker = ? AND fiscal_label = ?",
            [ticker, label],
        )
        assert r["ttm_revenue"] == fy * M


def test_annual_comparison_on_both_bases(con) -> None:
    cy = one(con, "SELECT * FROM marts.annual_comparison WHERE label = 'CY2023'")
    assert (cy["amzn_fiscal_year"], cy["wmt_fiscal_year"]) == ("FY2023", "FY2024")
    assert (cy["amzn_revenue"], cy["wmt_revenue"]) == (480 * M, 500 * M)
    assert cy["revenue_gap_amzn_minus_wmt"] == -20 * M
    assert (cy["amzn_capex"], cy["wmt_capex"]) == (70 * M, 41 * M)
    assert cy["capex_gap_amzn_minus_wmt"] == 29 * M
    assert (cy["revenue_leader"], cy["is_complete"]) == ("WMT", True)
    fy = one(con, "SELECT * FROM marts.annual_comparison WHERE label = 'FY2024'")
    assert fy["wmt_fiscal_year"] == "FY2024" and fy["wmt_revenue"] == 500 * M
    assert fy["amzn_revenue"] is None and fy["revenue_gap_amzn_minus_wmt"] is None
    assert fy["notes"] == "AMZN: no fiscal year"
    assert fy["is_complete"] is False


def test_capex_intensity(con) -> None:
    r = one(con, "SELECT * FROM marts.capex_intensity WHERE ticker = 'WMT' AND fiscal_year = 2025")
    assert r["capex"] == 50 * M
    assert r["capex_incl_finance_leases"] == (50 + 6) * M
    assert r["capex_net_of_proceeds"] == (50 - 2) * M
    assert r["capex_to_revenue"] == Decimal("0.094340")  # 50/530
    assert r["capex_incl_finance_leases_to_revenue"] == Decimal("0.105660")  # 56/530
    assert r["free_cash_flow"] == (90 - 50) * M
    assert r["free_cash_flow_net_of_proceeds"] == (90 - 48) * M
    assert (r["capex_quarters_available"], r["revenue_quarters_available"]) == (2, 3)
    assert "year has a missing capex quarter: 2 of 4 available" in r["notes"]
    amzn = one(
        con, "SELECT * FROM marts.capex_intensity WHERE ticker = 'AMZN' AND fiscal_year = 2023"
    )
    assert amzn["capex_incl_finance_leases"] is None  # finance leases missing, never zero
    assert amzn["free_cash_flow"] is None
    assert amzn["is_complete"] is False


def test_marts_have_no_zero_filled_values(con) -> None:
    zeros = rows(
        con,
        "SELECT * FROM marts.company_quarters WHERE revenue = 0 OR capex = 0 "
        "OR ttm_revenue = 0 OR ttm_capex = 0",
    )
    assert zeros == []


def test_example_queries_run(con) -> None:
    from pipeline.warehouse.sql import SQL_ROOT

    examples = sorted((SQL_ROOT / "examples").glob("*.sql"))
    assert len(examples) >= 5
    for path in examples:
        con.execute(path.read_text()).fetchall()
    restated = rows(con, (SQL_ROOT / "examples" / "restatements.sql").read_text())
    assert [(r["ticker"], r["fiscal_label"], r["change"]) for r in restated] == [
        ("AMZN", "FY2022", 5 * M)
    ]
