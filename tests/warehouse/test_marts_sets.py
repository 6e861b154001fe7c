"""Every mart for one company and for ten (synthetic filings through the real load).

Ten companies C0..C9: C0-C4 close their year on Dec 31, C5-C9 on Jan 31. Each files one
10-K with two fiscal years (C0-C4: FY2022, FY2023; C5-C9: FY2023, FY2024), so calendar
years CY2022 and CY2023 hold all ten (a Feb-Jan year sits in the calendar year of its
midpoint). Company i's revenue: CY2022 100*(i+1) except C0 2000; CY2023 110*(i+1). Capex:
CY2022 10*(i+1); CY2023 11*(i+1), except C4 reports none for CY2023. Each also reports its
last fiscal quarter's revenue, 30*(i+1) (ending 2023-12-31 or 2024-01-31: CY2023Q4).
  => CY2022 revenue leader C0 (2000); CY2023 leader C9 (1100), C0 110: the TTM revenue lead
     (the fiscal year is the TTM at its end) changes at CY2023Q4 from C0 to C9, gap 990.
     CY2023 revenue total 110 * 55 = 6050; C9's share 1100/6050 = 0.181818.
     CY2023 capex: no leader (C4 missing), the nine others ranked 1..9 (C9 first).
     Fiscal-year basis FY2023: C0-C4 end 2023-12-31, C5-C9 end 2023-01-31: no ranks, no leader.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipeline.charts import chart_data
from pipeline.warehouse import load_warehouse
from pipeline.warehouse.marts import MART_TABLES, CompareSet
from tests.conftest import make_settings
from tests.warehouse import fixtures
from tests.warehouse.conftest import inputs_for
from tests.warehouse.fixtures import Filing, M, base_filings, write_fixture
from tests.warehouse.helpers import one, rows

TEN = [f"C{i}" for i in range(10)]


def _ten_filings() -> list[Filing]:
    filings = []
    for i, ticker in enumerate(TEN):
        if i < 5:
            years = (("2022-01-01", "2022-12-31"), ("2023-01-01", "2023-12-31"))
            filed, report, q4 = "2024-02-15", "2023-12-31", "2023-10-01"
        else:
            years = (("2022-02-01", "2023-01-31"), ("2023-02-01", "2024-01-31"))
            filed, report, q4 = "2024-03-15", "2024-01-31", "2023-11-01"
        (s22, e22), (s23, e23) = years
        values = [
            ("revenue", s22, e22, (2000 if i == 0 else 100 * (i + 1)) * M),
            ("revenue", s23, e23, 110 * (i + 1) * M),
            ("capex", s22, e22, 10 * (i + 1) * M),
            ("revenue", q4, e23, 30 * (i + 1) * M),  # the last fiscal quarter
        ]
        if i != 4:
            values.append(("capex", s23, e23, 11 * (i + 1) * M))
        filings.append(Filing(ticker, f"{ticker}-24-K", "10-K", filed, report, values))
    return filings


@pytest.fixture(scope="module")
def ten(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("ten")
    with pytest.MonkeyPatch.context() as patch:
        for i, ticker in enumerate(TEN):
            patch.setitem(fixtures.CIKS, ticker, f"{900 + i:010d}")
            patch.setitem(fixtures.FYES, ticker, "1231" if i < 5 else "0131")
        paths = write_fixture(root / "parquet", _ten_filings())
        load_warehouse(root / "w.duckdb", inputs_for(paths), compare=CompareSet(None, ("C0", "C9")))
    con = duckdb.connect(str(root / "w.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """Only AMZN tracked: the compare set and the pair are AMZN alone."""
    root = tmp_path_factory.mktemp("one")
    compare = CompareSet.from_settings(make_settings(root, companies=("AMZN",)))
    assert compare == CompareSet(None, ("AMZN",))
    paths = write_fixture(root / "parquet", [f for f in base_filings() if f.ticker == "AMZN"])
    load_warehouse(root / "w.duckdb", inputs_for(paths), compare=compare)
    con = duckdb.connect(str(root / "w.duckdb"), read_only=True)
    yield con
    con.close()


def test_every_mart_has_rows_for_one_and_for_ten(ten, single) -> None:
    for con in (ten, single):
        for table in MART_TABLES:
            if table != "marts.lead_changes":
                assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table


def test_ten_companies_ranked_in_a_calendar_year(ten) -> None:
    cy = {
        r["ticker"]: r
        for r in rows(ten, "SELECT * FROM marts.annual_comparison WHERE label = 'CY2023'")
    }
    assert sorted(cy) == TEN
    assert [cy[t]["revenue_rank"] for t in reversed(TEN)] == list(range(1, 11))
    assert {r["revenue_leader"] for r in cy.values()} == {"C9"}
    assert cy["C0"]["revenue_gap_to_leader"] == (1100 - 110) * M
    assert cy["C9"]["revenue_share_of_set"] == Decimal("0.181818")  # 1100 / 6050
    assert cy["C5"]["fiscal_label"] == "FY2024" and cy["C5"]["period_end"] == date(2024, 1, 31)
    assert cy["C4"]["capex"] is None and cy["C4"]["capex_rank"] is None
    assert [
        cy[t]["capex_rank"] for t in ("C9", "C8", "C7", "C6", "C5", "C3", "C2", "C1", "C0")
    ] == [*range(1, 10)]
    assert {r["capex_leader"] for r in cy.values()} == {None}
    assert "no capex leader: 9 of 10 companies have a value" in cy["C9"]["notes"]
    assert "C4: capex missing, not ranked" in cy["C4"]["notes"]


def test_fiscal_year_basis_names_no_leader_across_different_periods(ten) -> None:
    fy = {
        r["ticker"]: r
        for r in rows(ten, "SELECT * FROM marts.annual_comparison WHERE label = 'FY2023'")
    }
    assert fy["C0"]["period_end"] == date(2023, 12, 31)
    assert fy["C9"]["period_end"] == date(2023, 1, 31)
    assert all(r["revenue"] is not None for r in fy.values())
    assert {
        (r["revenue_rank"], r["revenue_leader"], r["periods_aligned"]) for r in fy.values()
    } == {(None, None, False)}
    assert (
        "periods differ by more than a quarter (ends 2023-01-31 to 2023-12-31): not ranked, "
        "no revenue leader" in fy["C0"]["notes"]
    )


def test_ten_companies_in_a_calendar_quarter(ten) -> None:
    q4 = {
        r["ticker"]: r
        for r in rows(
            ten, "SELECT * FROM marts.quarterly_comparison WHERE calendar_label = 'CY2023Q4'"
        )
    }
    assert sorted(q4) == TEN
    assert (q4["C9"]["fiscal_label"], q4["C9"]["revenue"]) == ("FY2024Q4", 300 * M)
    assert (q4["C0"]["fiscal_label"], q4["C0"]["revenue"]) == ("FY2023Q4", 30 * M)
    assert {r["revenue_leader"] for r in q4.values()} == {"C9"}
    assert q4["C0"]["revenue_rank"] == 10 and q4["C0"]["revenue_gap_to_leader"] == 270 * M


def test_ten_company_lead_change(ten) -> None:
    (change,) = rows(ten, "SELECT * FROM marts.lead_changes WHERE line_item = 'revenue'")
    assert change["calendar_label"] == "CY2023Q4"
    assert (change["previous_leader"], change["new_leader"]) == ("C0", "C9")
    assert (change["new_leader_ttm"], change["previous_leader_ttm"]) == (1100 * M, 110 * M)
    assert change["gap"] == 990 * M and change["companies_in_set"] == 10
    assert change["new_leader_method"] == "reported_ttm"


def test_ten_company_pair(ten) -> None:
    p = one(ten, "SELECT * FROM marts.pair_comparison WHERE calendar_label = 'CY2022Q4'")
    assert (p["a_ticker"], p["a_ttm_revenue"], p["b_ticker"], p["b_ttm_revenue"]) == (
        "C0",
        2000 * M,
        "C9",
        1000 * M,
    )
    assert (p["revenue_gap_a_minus_b"], p["revenue_leader"]) == (1000 * M, "C0")


def test_ten_companies_charted(ten) -> None:
    data = chart_data(ten, limit=len(TEN))
    assert data.tickers == tuple(TEN)
    assert data.as_of == date(2024, 3, 15)


def test_a_large_set_is_charted_as_its_largest_companies(ten) -> None:
    data = chart_data(ten)  # 8 at most: the largest latest TTM revenue, 110 * (i + 1)
    assert data.tickers == tuple(TEN[2:])
    assert {p.ticker for p in data.points} == set(TEN[2:])
    assert "the 8 largest by latest TTM revenue of 10 (C2, C3" in data.title


def test_one_company_leads_alone(single) -> None:
    cy = one(single, "SELECT * FROM marts.annual_comparison WHERE label = 'CY2023'")
    assert (cy["ticker"], cy["revenue"], cy["revenue_rank"], cy["revenue_leader"]) == (
        "AMZN",
        480 * M,
        1,
        "AMZN",
    )
    assert (cy["revenue_gap_to_leader"], cy["revenue_share_of_set"]) == (0, Decimal("1.000000"))
    assert rows(single, "SELECT * FROM marts.lead_changes") == []
    p = one(single, "SELECT * FROM marts.pair_comparison WHERE calendar_label = 'CY2024Q1'")
    assert (p["a_ticker"], p["a_ttm_revenue"], p["b_ticker"]) == ("AMZN", 510 * M, None)
    assert p["revenue_leader"] is None and "no second company" in p["notes"]


def test_changing_the_compare_set_rebuilds_a_snapshot_with_nothing_new(tmp_path: Path) -> None:
    paths = write_fixture(tmp_path / "parquet", base_filings())
    warehouse = tmp_path / "w.duckdb"
    load_warehouse(warehouse, inputs_for(paths))
    again = load_warehouse(warehouse, inputs_for(paths))
    assert again.unchanged  # nothing new, same compare set: kept
    narrowed = load_warehouse(
        warehouse, inputs_for(paths), compare=CompareSet(("WMT", "RETL"), ("WMT", "RETL"))
    )
    assert not narrowed.unchanged
    with duckdb.connect(str(warehouse), read_only=True) as con:
        fy = rows(con, "SELECT * FROM marts.annual_comparison WHERE label = 'FY2024'")
    # WMT FY2024 ends 2024-01-31, RETL's 2024-02-03: aligned, RETL leads
    assert {r["ticker"] for r in fy} == {"WMT", "RETL"}
    assert {r["revenue_leader"] for r in fy} == {"RETL"}
