"""core.ttm: each TTM method by hand arithmetic, the choice between them, the check.

Fixture values are from tests/warehouse/fixtures.py (millions of USD); real values are read
from the filings in ../shared/edgar (cited per test).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import AssetCheckSeverity, DagsterInstance, materialize

from assets.warehouse import TTM_DISAGREEMENTS, warehouse_tables
from pipeline.config import Settings
from pipeline.warehouse.resource import DuckDBWarehouse
from tests.faults.runner import cli_env, run_cli
from tests.warehouse.fixtures import base_filings, write_fixture
from tests.warehouse.helpers import M, one, rows

TTM = "SELECT * FROM core.ttm WHERE ticker = ? AND line_item = ? AND fiscal_label = ?"
CANDIDATES = (
    "SELECT method, value FROM core.ttm_candidates WHERE ticker = ? AND line_item = ? "
    "AND fiscal_year = ? AND fiscal_quarter = ? ORDER BY preference"
)


def test_sum_of_quarters_and_fy_plus_ytd_agree(con) -> None:
    # AMZN revenue to 2024-03-31: Q2 110 + Q3 120 + Q4 (480 - 330) + Q1 2024 130 = 510;
    # FY2023 480 + Q1 2024 130 - Q1 2023 100 = 510
    r = one(con, TTM, ["AMZN", "revenue", "FY2024Q1"])
    assert (r["value"], r["method"]) == (510 * M, "sum_of_quarters")
    assert r["methods_available"] == ["sum_of_quarters", "fy_plus_ytd"]
    assert r["methods_agree"] is True
    assert (r["period_start"], r["period_end"]) == (date(2023, 4, 1), date(2024, 3, 31))
    assert r["calendar_label"] == "CY2024Q1"
    assert r["source_accessions"] == ["AM-23-Q2", "AM-23-Q3", "AM-24-K", "AM-24-Q1"]
    assert r["notes"] == (
        "FY2023Q2 + FY2023Q3 + FY2023Q4 (fiscal_year - nine_months_ytd) + FY2024Q1"
    )
    assert rows(con, CANDIDATES, ["AMZN", "revenue", 2024, 1]) == [
        {"method": "sum_of_quarters", "value": 510 * M},
        {"method": "fy_plus_ytd", "value": 510 * M},
    ]
    # to 2024-06-30: 120 + 150 + 130 + 140 = 540 = 480 + 6M 270 - 6M 210
    r = one(con, TTM, ["AMZN", "revenue", "FY2024Q2"])
    assert (r["value"], r["methods_agree"]) == (540 * M, True)


def test_fy_plus_ytd_alone(con) -> None:
    # WMT capex FY2025Q1 (to 2024-04-30): FY2024 41 (10-K/A) + 11 - 8 = 44,
    # and the quarters FY2024Q2-Q4 (9, 10, 14) + FY2025Q1 11 = 44
    r = one(con, TTM, ["WMT", "capex", "FY2025Q1"])
    assert (r["value"], r["method"], r["methods_agree"]) == (44 * M, "sum_of_quarters", True)
    fy_plus = rows(con, CANDIDATES, ["WMT", "capex", 2025, 1])[1]
    assert fy_plus == {"method": "fy_plus_ytd", "value": 44 * M}
    # WMT revenue FY2025Q3 (to 2024-10-31): the FY2025Q2 quarter is missing, so no sum;
    # FY2024 500 + 9M 390 - 9M 370 = 520
    r = one(con, TTM, ["WMT", "revenue", "FY2025Q3"])
    assert (r["value"], r["method"], r["methods_agree"]) == (520 * M, "fy_plus_ytd", None)
    assert r["notes"] == "FY2024 + FY2025M9 - FY2024M9"
    # FY2024 as restated in WM-25-K (the latest), 9M FY2025 WM-24-Q3, 9M FY2024 WM-23-Q3
    assert r["source_accessions"] == ["WM-23-Q3", "WM-24-Q3", "WM-25-K"]


def test_reported_twelve_months_win_and_the_fiscal_year_is_the_q4_ttm(con) -> None:
    # AM-23-Q2 reports twelve months to 2023-06-30: capex 999 (no other method possible)
    r = one(con, TTM, ["AMZN", "capex", "FY2023Q2"])
    assert (r["value"], r["method"], r["methods_agree"]) == (999 * M, "reported_ttm", None)
    assert (r["period_start"], r["period_end"]) == (date(2022, 7, 1), date(2023, 6, 30))
    assert r["source_accessions"] == ["AM-23-Q2"]
    # at the fiscal year end the TTM is the fiscal year (480), which the quarters match
    r = one(con, TTM, ["AMZN", "revenue", "FY2023Q4"])
    assert (r["value"], r["method"]) == (480 * M, "reported_ttm")
    assert r["methods_available"] == ["reported_ttm", "sum_of_quarters"]
    assert r["methods_agree"] is True


def test_no_ttm_without_twelve_months_of_inputs(con) -> None:
    # WMT revenue FY2025Q2: neither the quarter nor the six months were filed
    assert rows(con, TTM, ["WMT", "revenue", "FY2025Q2"]) == []


def test_values_are_exact_integers(con) -> None:
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = 'core' AND table_name = 'ttm'"
        ).fetchall()
    )
    assert types["value"] == "BIGINT"
    assert types["methods_available"] == "VARCHAR[]"
    df = con.execute("SELECT value FROM core.ttm").df()
    assert str(df["value"].dtype) == "int64"


def _doctored(tmp_path: Path, reported: int = 515 * M) -> DuckDBWarehouse:
    """The fixture with AM-24-Q1 reporting twelve months to 2024-03-31 of ``reported``,
    against 510 by the other two methods."""
    filings = base_filings()
    (q1,) = [f for f in filings if f.accession == "AM-24-Q1"]
    q1.values.append(("revenue", "2023-04-01", "2024-03-31", reported))
    paths = write_fixture(tmp_path / "parquet", filings)
    return DuckDBWarehouse(
        path=str(tmp_path / "warehouse.duckdb"),
        catalog_path=str(paths.catalog_path),
        facts_dir=str(paths.facts_dir),
        line_items_dir=str(paths.line_items_dir),
        lock_timeout_s=30,
    )


def test_the_check_fails_with_the_disagreeing_rows(tmp_path: Path) -> None:
    warehouse = _doctored(tmp_path)
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [warehouse_tables],
            resources={"warehouse": warehouse},
            instance=instance,
            raise_on_error=False,
        )
    assert not result.success  # ttm_methods_agree blocks: the build was not served
    warehouse.load()  # served without the checks, to read what core.ttm held
    (evaluation,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "ttm_methods_agree"
    ]
    assert not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR
    assert evaluation.metadata["failing_rows"].value == 3  # the three candidates
    table = evaluation.metadata["rows"].value
    assert "FY2024Q1" in table and "515,000,000" in table and "510,000,000" in table
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        r = one(con, TTM, ["AMZN", "revenue", "FY2024Q1"])
    assert (r["value"], r["method"], r["methods_agree"]) == (515 * M, "reported_ttm", False)
    assert r["methods_spread"] == 5 * M
    assert r["notes"] == (
        "twelve months as reported; methods disagree: reported_ttm 515,000,000, "
        "sum_of_quarters 510,000,000, fy_plus_ytd 510,000,000"
    )


def test_a_rounding_difference_is_shown_but_does_not_block(tmp_path: Path) -> None:
    warehouse = _doctored(tmp_path, reported=511 * M)  # $1M: the rounding of millions
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [warehouse_tables], resources={"warehouse": warehouse}, instance=instance
        )
    (evaluation,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "ttm_methods_agree"
    ]
    assert result.success and evaluation.passed
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        r = one(con, TTM, ["AMZN", "revenue", "FY2024Q1"])
    assert (r["methods_agree"], r["methods_spread"]) == (False, 1 * M)


# ---- the real filings ---------------------------------------------------------------

REAL_COMPANIES = ("AMZN", "WMT", "NFLX")


@pytest.fixture(scope="module")
def real(corpus: Path, tmp_path_factory: pytest.TempPathFactory):
    """One offline run over every corpus filing of AMZN, WMT and NFLX: (settings, accessions)."""
    with (corpus / "filings.csv").open(newline="") as f:
        accessions = {r["accession_number"] for r in csv.DictReader(f)}
    data = tmp_path_factory.mktemp("ttm") / "data"
    env = cli_env(data, corpus, EDGAR_COMPANIES=",".join(REAL_COMPANIES))
    done = run_cli(["run"], env, timeout=600)
    assert done.returncode == 0, done.output[-3000:]
    settings = Settings(data_dir=data, companies=REAL_COMPANIES, edgar_mirror=corpus)
    return settings, accessions


def _need(accessions: set[str], *needed: str) -> None:
    missing = set(needed) - accessions
    if missing:
        pytest.skip(f"filings {sorted(missing)} not in the corpus")


def _ttm(settings: Settings, ticker: str, item: str, end: str) -> dict:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return one(
            con,
            "SELECT * FROM core.ttm WHERE ticker = ? AND line_item = ? AND period_end = ?",
            [ticker, item, end],
        )


def test_real_amzn_capex_to_june_2023_both_ways(real) -> None:
    settings, accessions = real
    # Q2 2023 10-Q cash flows: "Twelve Months Ended June 30, 2023" purchases of property
    # and equipment (58,632); six months 2023 (25,662) and 2022 (30,675); FY2022 10-K
    # (63,645): 63,645 + 25,662 - 30,675 = 58,632
    _need(accessions, "0001018724-23-000012", "0001018724-23-000004")
    r = _ttm(settings, "AMZN", "capex", "2023-06-30")
    assert (r["value"], r["method"]) == (58_632 * M, "reported_ttm")
    assert (r["methods_available"], r["methods_agree"]) == (["reported_ttm", "fy_plus_ytd"], True)
    assert r["source_accessions"] == ["0001018724-23-000012"]


def test_real_amzn_capex_to_june_2026_reported(real) -> None:
    settings, accessions = real
    # Q2 2026 10-Q instance: PaymentsToAcquireProductiveAssets 2025-07-01..2026-06-30
    _need(accessions, "0001018724-26-000026")
    r = _ttm(settings, "AMZN", "capex", "2026-06-30")
    assert (r["value"], r["method"]) == (173_028 * M, "reported_ttm")
    assert (r["fiscal_label"], r["calendar_label"]) == ("FY2026Q2", "CY2026Q2")


def test_real_revenue_fy_plus_ytd(real) -> None:
    settings, accessions = real
    # AMZN: FY2022 513,983 + six months 2023 261,741 - six months 2022 237,678 = 538,046
    _need(accessions, "0001018724-23-000012", "0001018724-23-000004")
    r = _ttm(settings, "AMZN", "revenue", "2023-06-30")
    assert (r["value"], r["method"]) == (538_046 * M, "fy_plus_ytd")
    # WMT Q2 FY2024 10-Q: total revenues six months 313,933 (2023) and 294,428 (2022);
    # FY2023 611,289 (10-K FY2025): 611,289 + 313,933 - 294,428 = 630,794
    _need(accessions, "0000104169-23-000097", "0000104169-25-000021")
    r = _ttm(settings, "WMT", "revenue", "2023-07-31")
    assert (r["value"], r["method"], r["calendar_label"]) == (
        630_794 * M,
        "fy_plus_ytd",
        "CY2023Q2",
    )
    # NFLX Q3 2024 10-Q instance: us-gaap:Revenues nine months 28,754,453,000 (2024) and
    # 24,890,472,000 (2023); FY2023 33,723,297,000 (10-K) -> 37,587,278,000
    _need(accessions, "0001065280-24-000287", "0001065280-24-000030")
    r = _ttm(settings, "NFLX", "revenue", "2024-09-30")
    assert (r["value"], r["method"]) == (37_587_278_000, "fy_plus_ytd")


def test_real_q1_from_six_months_minus_q2(real) -> None:
    settings, accessions = real
    # Q2 2023 10-Q income statement, prior-year columns: six months 2022 total net sales
    # 237,678, three months 121,234 -> Q1 2022 = 116,444
    _need(accessions, "0001018724-23-000012")
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        r = one(
            con,
            "SELECT * FROM core.financials WHERE ticker = 'AMZN' AND line_item = 'revenue' "
            "AND fiscal_label = 'FY2022Q1'",
        )
    assert (r["value"], r["derivation"]) == (116_444 * M, "six_months_ytd - q2")
    assert r["source_accessions"] == ["0001018724-23-000012"]
    assert (r["period_start"], r["period_end"]) == (date(2022, 1, 1), date(2022, 3, 31))


def test_real_methods_agree_and_the_check_passes(real) -> None:
    settings, _ = real
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert rows(con, TTM_DISAGREEMENTS) == []
        (compared,) = con.execute("SELECT count(*) FROM core.ttm WHERE methods_agree").fetchone()
    assert compared > 0  # the check compared something
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [warehouse_tables],
            resources={"warehouse": DuckDBWarehouse.from_settings(settings)},
            instance=instance,
        )
    (evaluation,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "ttm_methods_agree"
    ]
    assert evaluation.passed
