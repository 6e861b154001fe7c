"""Blocking checks stop the marts: evaluated on the build before it is served.

The fixture filings (tests/warehouse/fixtures.py) hold the arithmetic in their docstring;
a restatement is doctored so the quarters no longer add up to the year.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from dagster import AssetCheckSeverity, AssetKey, DagsterInstance, Definitions, materialize

from assets.blocking_checks import BlockingCheck
from assets.warehouse import BLOCKING, warehouse_assets, warehouse_checks
from pipeline.automation.partition_ranges import REBUILD_TAG
from pipeline.run_report import report_run
from pipeline.warehouse.resource import DuckDBWarehouse
from tests.conftest import step_failures
from tests.warehouse.fixtures import M, base_filings, write_fixture

SERVED_REVENUE = (
    "SELECT value FROM core.financials WHERE ticker = 'AMZN' AND line_item = 'revenue' "
    "AND fiscal_year = 2023 AND fiscal_period = 'Q1'"
)


def resource(tmp_path: Path, filings) -> DuckDBWarehouse:
    paths = write_fixture(tmp_path / "parquet", filings)
    return DuckDBWarehouse(
        path=str(tmp_path / "warehouse.duckdb"),
        catalog_path=str(paths.catalog_path),
        facts_dir=str(paths.facts_dir),
        line_items_dir=str(paths.line_items_dir),
        lock_timeout_s=30,
    )


def build(tmp_path: Path, filings, instance):
    return materialize(
        [*warehouse_assets, *warehouse_checks],
        resources={"warehouse": resource(tmp_path, filings)},
        instance=instance,
        tags={REBUILD_TAG: "true"},
        raise_on_error=False,
    )


def served(tmp_path: Path) -> tuple[Path, int]:
    link = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(link), read_only=True) as con:
        ((value,),) = con.execute(SERVED_REVENUE).fetchall()
    return link.resolve(), value


def test_the_blocking_checks_are_flagged_blocking_in_the_graph(tmp_path: Path) -> None:
    defs = Definitions(
        assets=warehouse_assets,
        asset_checks=warehouse_checks,
        resources={"warehouse": resource(tmp_path, base_filings())},
    )
    graph = defs.resolve_asset_graph()
    blocking = {
        (key.asset_key.to_user_string(), key.name)
        for key in graph.asset_check_keys
        if graph.get_check_spec(key).blocking
    }
    assert blocking == {
        ("warehouse/financials", "financials_unique_keys"),
        ("warehouse/financials", "quarters_add_up_to_year"),
        ("warehouse/raw_line_items", "line_items_unique_keys"),
        ("warehouse/ttm", "ttm_methods_agree"),
    }
    assert {c.name for c in BLOCKING} == {name for _, name in blocking}


def test_a_failing_blocking_check_keeps_the_served_snapshot_and_names_the_rows(
    tmp_path: Path,
) -> None:
    instance = DagsterInstance.ephemeral()
    good = build(tmp_path, base_filings(), instance)
    assert good.success, step_failures(good)
    # Warnings don't block: the fixture's quarter gaps fail a WARN check, the marts are built.
    checks = {e.check_name: e for e in good.get_asset_check_evaluations()}
    gaps = checks["quarter_sequence_gaps"]
    assert not gaps.passed and gaps.severity == AssetCheckSeverity.WARN
    assert all(checks[c.name].passed for c in BLOCKING)
    snapshot, revenue = served(tmp_path)
    assert revenue == 100 * M  # AMZN Q1 2023 revenue as first reported (fixture docstring)

    # AMZN restates Q1 2023 revenue to 105 in its Q1 2024 10-Q: the quarters now sum to
    # 485 against the year's 480.
    filings = base_filings()
    (q1,) = [f for f in filings if f.accession == "AM-24-Q1"]
    q1.values[1] = ("revenue", "2023-01-01", "2023-03-31", 105 * M)
    bad = build(tmp_path, filings, instance)

    assert not bad.success
    # one line, as the CLI prints it: the check, its rows, what happened to the snapshot
    (failure,) = report_run(bad).step_failures
    assert failure.startswith(
        "step warehouse_tables failed: BlockingCheckFailed: blocking check failed, the new "
        "warehouse snapshot is not served (the previous one stays): "
    )
    assert "\n" not in failure
    assert (
        "warehouse/financials:quarters_add_up_to_year (1 row(s): AMZN, revenue, 2023, "
        "485000000, 480000000, 5000000)"
    ) in failure
    # the check's result is still reported, with its rows
    evaluations = {e.check_name: e for e in bad.get_asset_check_evaluations()}
    sums = evaluations["quarters_add_up_to_year"]
    assert not sums.passed and sums.severity == AssetCheckSeverity.ERROR
    assert sums.metadata["failing_rows"].value == 1
    assert "5,000,000" in sums.metadata["rows"].value  # 485M - 480M
    assert evaluations["financials_unique_keys"].passed
    # nothing was materialized, and the marts served are still the previous build's
    assert not bad.get_asset_materialization_events()
    assert (
        instance.get_latest_materialization_event(AssetKey(["marts", "company_quarters"])).run_id
        == good.run_id
    )
    assert served(tmp_path) == (snapshot, revenue)


def test_each_blocking_check_fails_on_rows(tmp_path: Path) -> None:
    """Every blocking query finds rows when there are some (none can pass vacuously)."""
    instance = DagsterInstance.ephemeral()
    assert build(tmp_path, base_filings(), instance).success
    link = tmp_path / "warehouse.duckdb"
    copy = tmp_path / "doctored.duckdb"
    copy.write_bytes(link.resolve().read_bytes())
    with duckdb.connect(str(copy)) as con:
        # a duplicate key in core.financials and raw.line_items, a TTM methods disagreement
        con.execute(
            "INSERT INTO core.financials SELECT * FROM core.financials "
            "WHERE ticker = 'AMZN' AND fiscal_period = 'FY' LIMIT 1"
        )
        con.execute("INSERT INTO raw.line_items SELECT * FROM raw.line_items LIMIT 1")
        con.execute("UPDATE core.ttm SET methods_spread = 5000000 WHERE methods_agree")
        failing = {c.name for c in BLOCKING if _fails(c, con)}
    assert failing >= {"financials_unique_keys", "line_items_unique_keys", "ttm_methods_agree"}


def _fails(check: BlockingCheck, con: duckdb.DuckDBPyConnection) -> bool:
    return not check.evaluate(con).passed
