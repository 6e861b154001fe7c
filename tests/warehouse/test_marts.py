"""Marts on the fixture filings (AMZN, WMT, RETL): long-form comparisons of the compare set,
lead changes, the pair view, annual bases, capex intensity and the chart's data.

Expected values come from the arithmetic in tests/warehouse/fixtures.py (millions, ``M``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipeline.charts import chart_data, point_label
from pipeline.warehouse import load_warehouse
from pipeline.warehouse.marts import CompareSet
from tests.warehouse.conftest import Loaded, inputs_for
from tests.warehouse.fixtures import amzn_q3_2024, base_filings, write_fixture
from tests.warehouse.helpers import M, one, rows

RETL_FY2024 = 4_700_750_001  # fixtures.py: RETL FY2024 revenue in whole dollars


def by_ticker(con, table: str, where: str, params: list) -> dict[str, dict]:
    return {r["ticker"]: r for r in rows(con, f"SELECT * FROM {table} WHERE {where}", params)}


def ttm(con, label: str) -> dict[str, dict]:
    return by_ticker(con, "marts.ttm_comparison", "calendar_label = ?", [label])


@pytest.fixture
def pair_con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """The fixture filings with EDGAR_COMPARE=AMZN,WMT (RETL tracked but not compared)."""
    paths = write_fixture(tmp_path / "parquet", base_filings())
    warehouse = tmp_path / "warehouse.duckdb"
    load_warehouse(
        warehouse, inputs_for(paths), compare=CompareSet(("AMZN", "WMT"), ("AMZN", "WMT"))
    )
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def test_compare_set_defaults_to_every_company_in_the_warehouse(con) -> None:
    got = rows(con, "SELECT * FROM marts.compare_set ORDER BY position")
    assert [(r["ticker"], r["in_set"], r["pair_side"]) for r in got] == [
        ("AMZN", True, "a"),
        ("RETL", True, None),
        ("WMT", True, "b"),
    ]
    assert {r["chosen_by"] for r in got} == {"warehouse tickers"}


def test_ttm_long_form_ranks_the_whole_set(con) -> None:
    q4 = ttm(con, "CY2023Q4")
    assert set(q4) == {"AMZN", "RETL", "WMT"}
    assert (q4["AMZN"]["fiscal_label"], q4["AMZN"]["ttm_revenue"]) == ("FY2023Q4", 480 * M)
    assert (q4["WMT"]["fiscal_label"], q4["WMT"]["ttm_revenue"]) == ("FY2024Q4", 500 * M)
    assert (q4["RETL"]["period_end"], q4["RETL"]["ttm_revenue"]) == (date(2024, 2, 3), RETL_FY2024)
    assert {t: r["ttm_revenue_method"] for t, r in q4.items()} == dict.fromkeys(q4, "reported_ttm")
    assert [q4[t]["revenue_rank"] for t in ("RETL", "WMT", "AMZN")] == [1, 2, 3]
    assert {r["revenue_leader"] for r in q4.values()} == {"RETL"}
    assert q4["AMZN"]["revenue_gap_to_leader"] == RETL_FY2024 - 480 * M
    assert q4["RETL"]["revenue_gap_to_leader"] == 0
    total = Decimal(480 * M + 500 * M + RETL_FY2024)
    assert q4["AMZN"]["revenue_share_of_set"] == round(480 * M / total, 6)  # 0.084496
    assert q4["AMZN"]["ttm_capex"] == 70 * M and q4["WMT"]["ttm_capex"] == 41 * M
    assert q4["RETL"]["ttm_capex"] == 300 * M and q4["RETL"]["capex_leader"] == "RETL"


def test_a_company_without_a_value_is_ranked_null_and_no_leader_is_named(con) -> None:
    q1 = ttm(con, "CY2024Q1")
    # AMZN 110+120+150+130 = 510; WMT 125+125+130+125 = 505 (sum of quarters); RETL: none
    assert (q1["AMZN"]["ttm_revenue"], q1["AMZN"]["ttm_revenue_method"]) == (
        510 * M,
        "sum_of_quarters",
    )
    assert q1["WMT"]["ttm_revenue"] == 505 * M
    assert (q1["AMZN"]["revenue_rank"], q1["WMT"]["revenue_rank"]) == (1, 2)
    assert q1["RETL"]["ttm_revenue"] is None and q1["RETL"]["revenue_rank"] is None
    assert {r["revenue_leader"] for r in q1.values()} == {None}
    assert {r["revenue_gap_to_leader"] for r in q1.values()} == {None}
    assert {r["revenue_share_of_set"] for r in q1.values()} == {None}
    assert "RETL: revenue missing, not ranked" in q1["RETL"]["notes"]
    assert "no revenue leader: 2 of 3 companies have a value" in q1["AMZN"]["notes"]


def test_quarterly_long_form(con) -> None:
    q = by_ticker(con, "marts.quarterly_comparison", "calendar_label = ?", ["CY2023Q2"])
    assert (q["AMZN"]["fiscal_label"], q["AMZN"]["period_end"]) == ("FY2023Q2", date(2023, 6, 30))
    assert (q["WMT"]["fiscal_label"], q["WMT"]["period_end"]) == ("FY2024Q2", date(2023, 7, 31))
    assert (q["AMZN"]["revenue"], q["AMZN"]["capex"]) == (110 * M, 15 * M)
    assert (q["WMT"]["revenue"], q["WMT"]["capex"]) == (125 * M, 9 * M)
    assert q["RETL"]["revenue"] == 1100 * M  # its quarter ending 2023-07-29
    assert [q[t]["revenue_rank"] for t in ("RETL", "WMT", "AMZN")] == [1, 2, 3]
    assert q["AMZN"]["revenue_leader"] == "RETL"
    assert q["AMZN"]["revenue_gap_to_leader"] == (1100 - 110) * M
    assert q["AMZN"]["capex_to_revenue"] == Decimal("0.136364")  # 15/110
    assert q["WMT"]["revenue_share_of_set"] == Decimal("0.093633")  # 125/1335


def test_year_over_year_growth(con) -> None:
    q = by_ticker(con, "marts.quarterly_comparison", "calendar_label = ?", ["CY2024Q1"])
    assert q["AMZN"]["revenue_yoy_growth"] == Decimal("0.300000")  # 130/100 - 1
    assert q["AMZN"]["capex_yoy_growth"] == Decimal("0.200000")  # 12/10 - 1
    assert q["WMT"]["revenue_yoy_growth"] == Decimal("0.041667")  # 125/120 - 1
    assert q["WMT"]["capex_yoy_growth"] == Decimal("0.375000")  # 11/8 - 1


def test_missing_quarter_is_null_not_zero(con) -> None:
    q = by_ticker(con, "marts.quarterly_comparison", "calendar_label = ?", ["CY2024Q2"])
    assert q["AMZN"]["revenue"] == 140 * M
    assert q["WMT"]["revenue"] is None and q["WMT"]["capex"] is None
    assert q["WMT"]["revenue_rank"] is None and q["AMZN"]["revenue_leader"] is None
    assert q["WMT"]["is_complete"] is False
    assert "WMT: revenue missing, not ranked" in q["WMT"]["notes"]


def test_lead_change_with_a_narrowed_set(pair_con) -> None:
    assert {r["ticker"] for r in rows(pair_con, "SELECT ticker FROM marts.ttm_comparison")} == {
        "AMZN",
        "WMT",
    }
    changes = rows(pair_con, "SELECT * FROM marts.lead_changes")
    assert len(changes) == 1
    (c,) = changes
    # CY2023Q4: WMT 500 > AMZN 480; CY2024Q1: AMZN 510 > WMT 505 (TTM revenue)
    assert (c["line_item"], c["calendar_label"]) == ("revenue", "CY2024Q1")
    assert (c["previous_leader"], c["previous_leader_last_quarter"]) == ("WMT", "CY2023Q4")
    assert (c["new_leader"], c["new_leader_ttm"], c["previous_leader_ttm"]) == (
        "AMZN",
        510 * M,
        505 * M,
    )
    assert c["gap"] == 5 * M and c["notes"] == ""


def test_pair_view_side_by_side(pair_con) -> None:
    p = one(pair_con, "SELECT * FROM marts.pair_comparison WHERE calendar_label = 'CY2024Q1'")
    assert (p["a_ticker"], p["a_fiscal_label"], p["a_ttm_revenue"]) == ("AMZN", "FY2024Q1", 510 * M)
    assert (p["b_ticker"], p["b_fiscal_label"], p["b_ttm_revenue"]) == ("WMT", "FY2025Q1", 505 * M)
    assert (p["revenue_gap_a_minus_b"], p["revenue_leader"]) == (5 * M, "AMZN")
    # capex: AMZN 15+20+25+12 = 72, WMT 9+10+14+11 = 44
    assert (p["a_ttm_capex"], p["b_ttm_capex"], p["capex_leader"]) == (72 * M, 44 * M, "AMZN")
    assert p["a_ttm_revenue_method"] == "sum_of_quarters" and p["is_complete"] is True
    gap = one(pair_con, "SELECT * FROM marts.pair_comparison WHERE calendar_label = 'CY2024Q2'")
    assert gap["b_ttm_revenue"] is None and gap["revenue_leader"] is None
    assert "WMT: no TTM revenue" in gap["notes"]


def test_annual_calendar_basis_names_the_leader(con) -> None:
    cy = by_ticker(con, "marts.annual_comparison", "label = ?", ["CY2023"])
    assert {t: r["fiscal_label"] for t, r in cy.items()} == {
        "AMZN": "FY2023",
        "WMT": "FY2024",
        "RETL": "FY2024",
    }
    assert (cy["AMZN"]["revenue"], cy["WMT"]["revenue"]) == (480 * M, 500 * M)
    assert cy["WMT"]["period_start"] == date(2023, 2, 1)
    assert {r["revenue_leader"] for r in cy.values()} == {"RETL"}
    assert cy["WMT"]["revenue_gap_to_leader"] == RETL_FY2024 - 500 * M
    assert cy["AMZN"]["capex_rank"] == 2  # RETL 300 > AMZN 70 > WMT 41


def test_annual_fiscal_basis_shows_each_period(pair_con) -> None:
    fy = by_ticker(pair_con, "marts.annual_comparison", "label = ?", ["FY2024"])
    assert fy["WMT"]["revenue"] == 500 * M
    assert (fy["WMT"]["period_start"], fy["WMT"]["period_end"]) == (
        date(2023, 2, 1),
        date(2024, 1, 31),
    )
    assert fy["AMZN"]["revenue"] is None and fy["WMT"]["revenue_leader"] is None
    assert "AMZN: revenue missing, not ranked" in fy["AMZN"]["notes"]


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


def test_company_quarters_ttm_names_its_method(con) -> None:
    r = one(
        con,
        "SELECT * FROM marts.company_quarters WHERE ticker = 'WMT' AND fiscal_label = 'FY2025Q3'",
    )
    # no FY2025 Q2 10-Q: FY2024 500 + 9M 390 - 9M 370 = 520 (fy_plus_ytd)
    assert (r["ttm_revenue"], r["ttm_revenue_method"]) == (520 * M, "fy_plus_ytd")
    gap = one(
        con,
        "SELECT * FROM marts.company_quarters WHERE ticker = 'WMT' AND fiscal_label = 'FY2025Q2'",
    )
    assert gap["ttm_revenue"] is None and "TTM revenue: no method applies" in gap["notes"]


def test_usd_columns_are_exact_integers(con) -> None:
    """USD amounts BIGINT (whole dollars), ratios DECIMAL(18,6): no other numeric type."""
    numeric = rows(
        con,
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'marts' AND data_type NOT IN ('BIGINT', 'INTEGER', "
        "'DECIMAL(18,6)', 'VARCHAR', 'VARCHAR[]', 'DATE', 'BOOLEAN')",
    )
    assert numeric == []
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'ttm_comparison'"
        ).fetchall()
    )
    assert types["ttm_revenue"] == "BIGINT" and types["revenue_gap_to_leader"] == "BIGINT"
    assert types["revenue_share_of_set"] == "DECIMAL(18,6)"


def test_no_company_name_in_mart_sql() -> None:
    from pipeline.warehouse.sql import SQL_ROOT

    for path in [*(SQL_ROOT / "marts").glob("*.sql"), *(SQL_ROOT / "examples").glob("*.sql")]:
        text = path.read_text().upper()
        assert not any(f"'{t}'" in text or f"{t}_" in text for t in ("AMZN", "WMT", "NFLX")), path


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
    side = rows(con, (SQL_ROOT / "examples" / "quarterly_side_by_side.sql").read_text())
    q2 = next(r for r in side if r["calendar_label"] == "CY2023Q2")
    assert (q2["AMZN"], q2["WMT"], q2["RETL"]) == (110 * M, 125 * M, 1100 * M)


def test_chart_data_changes_when_a_10q_lands(loaded: Loaded) -> None:
    with duckdb.connect(str(loaded.warehouse), read_only=True) as con:
        before = chart_data(con)
    write_fixture(loaded.fixture.catalog_path.parents[1], [*base_filings(), amzn_q3_2024()])
    load_warehouse(loaded.warehouse, loaded.inputs)
    with duckdb.connect(str(loaded.warehouse), read_only=True) as con:
        after = chart_data(con)
    assert before.tickers == after.tickers == ("AMZN", "RETL", "WMT")
    new = set(after.points) - set(before.points)
    assert len(new) == 1
    (point,) = new
    # Q4 2023 150 + Q1 130 + Q2 140 + Q3 150 = 570; capex 25 + 12 + 18 + 18 = 73
    assert (point.ticker, point.period_end, point.basis) == ("AMZN", date(2024, 9, 30), "TTM")
    assert (point.revenue, point.capex) == (570 * M, 73 * M)
    assert point_label(point, "revenue") == "TTM FY2024Q3 $0.6B"
    fy = next(p for p in after.points if p.ticker == "WMT" and p.fiscal_label == "FY2025Q4")
    assert fy.basis == "FY" and fy.revenue == 530 * M
    assert point_label(fy, "revenue") == "FY2025 $0.5B"
    assert after.as_of == before.as_of == date(2025, 3, 14)  # WM-25-K is still the newest


def test_a_usd_value_with_cents_stops_the_build_by_name() -> None:
    from pipeline.warehouse.sql import run_sql_file

    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    run_sql_file(con, "marts/usd.sql")
    assert con.execute("SELECT marts.whole_dollars(680985000000.0000000000, 'x')").fetchone() == (
        680_985_000_000,
    )
    assert con.execute("SELECT marts.whole_dollars(NULL, 'x')").fetchone() == (None,)
    with pytest.raises(duckdb.Error, match=r"RETL revenue FY2024 is 4700750000\.25 USD, not whole"):
        con.execute("SELECT marts.whole_dollars(4700750000.25, 'RETL revenue FY2024')").fetchone()


def test_the_chart_asset_draws_the_compare_set(loaded: Loaded, tmp_path: Path) -> None:
    from dagster import materialize

    from assets.charts import ttm_race_chart
    from pipeline.resources import PipelineSettings
    from pipeline.warehouse.resource import DuckDBWarehouse
    from tests.conftest import make_settings

    warehouse = DuckDBWarehouse(
        path=str(loaded.warehouse),
        catalog_path=str(loaded.fixture.catalog_path),
        facts_dir=str(loaded.fixture.facts_dir),
        line_items_dir=str(loaded.fixture.line_items_dir),
    )
    settings = PipelineSettings.from_settings(make_settings(tmp_path))
    result = materialize([ttm_race_chart], resources={"settings": settings, "warehouse": warehouse})
    (event,) = result.get_asset_materialization_events()
    meta = {k: v.value for k, v in event.materialization.metadata.items()}
    # twelve-month points: AMZN FY2022, CY2023Q2 (reported), FY2023, CY2024Q1, CY2024Q2;
    # WMT FY2024, FY2025Q1, FY2025Q3, FY2025; RETL FY2024
    assert (meta["points"], meta["companies"], meta["as_of"]) == (
        10,
        "AMZN, RETL, WMT",
        "2025-03-14",
    )
    assert Path(meta["path"]).stat().st_size > 20_000
    assert meta["redrawn"] is True

    # the same snapshot served again (a run with nothing new): the chart is not redrawn
    drawn = Path(meta["path"]).stat().st_mtime_ns
    again = materialize([ttm_race_chart], resources={"settings": settings, "warehouse": warehouse})
    (event,) = again.get_asset_materialization_events()
    assert event.materialization.metadata["redrawn"].value is False
    assert Path(meta["path"]).stat().st_mtime_ns == drawn
    # drawn from another snapshot (or by other chart code): drawn again
    stamp = Path(meta["path"]).with_name(Path(meta["path"]).name + ".source")
    stamp.write_text("20261201T000000000000Z-1.duckdb 0123456789abcdef")
    third = materialize([ttm_race_chart], resources={"settings": settings, "warehouse": warehouse})
    (event,) = third.get_asset_materialization_events()
    assert event.materialization.metadata["redrawn"].value is True
