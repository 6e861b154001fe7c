"""Dagster assets and checks of the warehouse and marts, run on the fixture filings."""

from __future__ import annotations

from pathlib import Path

from dagster import AssetCheckSeverity, AssetKey, AssetSelection, Definitions, materialize

from assets.warehouse import derived_quarters_not_negative, warehouse_assets, warehouse_checks
from pipeline.warehouse.resource import DuckDBWarehouse
from tests.warehouse.fixtures import M, base_filings, write_fixture


def resource_for(tmp_path: Path) -> DuckDBWarehouse:
    paths = write_fixture(tmp_path / "parquet", base_filings())
    return DuckDBWarehouse(
        path=str(tmp_path / "warehouse.duckdb"),
        catalog_path=str(paths.catalog_path),
        facts_dir=str(paths.facts_dir),
        line_items_dir=str(paths.line_items_dir),
        lock_timeout_s=30,
    )


def test_asset_graph(tmp_path: Path) -> None:
    defs = Definitions(
        assets=warehouse_assets,
        asset_checks=warehouse_checks,
        resources={"warehouse": resource_for(tmp_path)},
    )
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {
        "warehouse/raw_filings",
        "warehouse/raw_facts",
        "warehouse/raw_line_items",
        "warehouse/financials",
        "marts/company_quarters",
        "marts/quarterly_comparison",
        "marts/ttm_comparison",
        "marts/annual_comparison",
        "marts/capex_intensity",
    } <= keys
    node = graph.get(AssetKey(["warehouse", "raw_filings"]))
    assert AssetKey(["edgar", "filings_catalog"]) in node.parent_keys
    assert (
        AssetKey(["xbrl", "facts"]) in graph.get(AssetKey(["warehouse", "raw_facts"])).parent_keys
    )
    for key in graph.get_all_asset_keys():
        if key.path[0] in ("warehouse", "marts"):
            spec = graph.get(key)
            assert spec.group_name == key.path[0]
            assert spec.kinds == {"duckdb"}
            assert spec.owners == ["team:data-eng"]
            assert spec.pools == {"duckdb"}


def test_materialize_assets_and_checks(tmp_path: Path) -> None:
    result = materialize(
        [*warehouse_assets, *warehouse_checks], resources={"warehouse": resource_for(tmp_path)}
    )
    assert result.success
    mats = {
        e.materialization.asset_key.to_user_string(): e.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    assert mats["warehouse/raw_line_items"]["dagster/row_count"].value == 59
    # long form: 8 calendar quarters x 3 companies (AMZN, RETL, WMT)
    assert mats["marts/quarterly_comparison"]["dagster/row_count"].value == 24
    assert "CY2024Q1" in mats["marts/quarterly_comparison"]["preview"].value
    checks = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }
    assert checks[("warehouse/financials", "quarters_add_up_to_year")].passed
    assert checks[("warehouse/financials", "financials_unique_keys")].passed
    assert checks[("warehouse/financials", "revenue_positive")].passed
    assert checks[("warehouse/financials", "derived_quarters_not_negative")].passed
    assert checks[("warehouse/raw_line_items", "line_items_unique_keys")].passed
    gaps = checks[("warehouse/financials", "quarter_sequence_gaps")]
    assert not gaps.passed and gaps.severity == AssetCheckSeverity.WARN
    # WMT FY2025 capex Q3: its 10-Q (WM-24-Q3) is in scope, but with no Q2 10-Q (6M YTD) the
    # quarter cannot be derived. Revenue and capex Q2 have no filing: not expected, not listed.
    assert gaps.metadata["failing_rows"].value == 1
    assert "FY2025Q3" in gaps.metadata["rows"].value and "WM-24-Q3" in gaps.metadata["rows"].value
    assert checks[("marts/quarterly_comparison", "unique_keys")].passed


def test_checks_fail_on_bad_numbers(tmp_path: Path) -> None:
    filings = base_filings()
    by_acc = {f.accession: f for f in filings}
    # AMZN restates Q1 2023 revenue to 105 in its Q1 2024 10-Q: quarters sum 485 vs FY 480.
    by_acc["AM-24-Q1"].values[1] = ("revenue", "2023-01-01", "2023-03-31", 105 * M)
    # AMZN 9M capex below 6M: the derived Q3 capex is 20 - 25 = -5.
    by_acc["AM-23-Q3"].values[2] = ("capex", "2023-01-01", "2023-09-30", 20 * M)
    paths = write_fixture(tmp_path / "parquet", filings)
    resource = DuckDBWarehouse(
        path=str(tmp_path / "w.duckdb"),
        catalog_path=str(paths.catalog_path),
        facts_dir=str(paths.facts_dir),
        line_items_dir=str(paths.line_items_dir),
    )
    result = materialize(
        [*warehouse_assets, *warehouse_checks],
        resources={"warehouse": resource},
        raise_on_error=False,
    )
    assert not result.success  # quarters_add_up_to_year blocks: nothing is served
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    sums = checks["quarters_add_up_to_year"]
    assert not sums.passed and sums.severity == AssetCheckSeverity.ERROR
    assert "AMZN" in sums.metadata["rows"].value and "5,000,000" in sums.metadata["rows"].value
    resource.load()  # served without the blocking checks, so a check that reads it can run
    result = materialize(
        [*warehouse_assets, *warehouse_checks],
        resources={"warehouse": resource},
        selection=AssetSelection.checks(derived_quarters_not_negative),
    )
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    negative = checks["derived_quarters_not_negative"]
    assert not negative.passed
    assert negative.metadata["failing_rows"].value == 1
    assert "FY2023Q3" in negative.metadata["rows"].value
