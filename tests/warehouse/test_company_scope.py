"""Core recomputed per changed company equals core rebuilt for every company.

Each scenario takes a warehouse through an incremental load (core recomputed for the
companies the load changed, ``pipeline/warehouse/company_scope.py``) and compares every
table of raw, core and marts with a rebuild from empty of the same inputs, and checks which
companies were recomputed.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.warehouse import load as load_module
from pipeline.warehouse import load_from_settings, load_warehouse
from pipeline.warehouse.company_scope import changed_companies
from tests.conftest import filing_order, make_settings, rows_for, tickers_of
from tests.faults.test_lake_and_warehouse_faults import land_and_parse
from tests.warehouse.conftest import Loaded
from tests.warehouse.fixtures import FYES, amzn_q3_2024, base_filings, write_fixture
from tests.warehouse.test_load import dump


@pytest.fixture
def recomputed(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The companies each load recomputed (one list per load that recomputed any)."""
    calls: list[list[str]] = []
    real = load_module.recompute_companies

    def spy(con, tickers, on_step):
        calls.append(list(tickers))
        return real(con, tickers, on_step)

    monkeypatch.setattr(load_module, "recompute_companies", spy)
    return calls


def rebuilt(tmp_path: Path, inputs) -> dict[str, list[tuple]]:
    """Every table of a warehouse built from empty from ``inputs``."""
    warehouse = tmp_path / "rebuilt" / "warehouse.duckdb"
    warehouse.parent.mkdir(exist_ok=True)
    load_warehouse(warehouse, inputs, full_refresh=True)
    return dump(warehouse)


def test_a_new_filing_recomputes_its_company_alone(loaded: Loaded, tmp_path, recomputed):
    write_fixture(loaded.fixture.catalog_path.parents[1], [*base_filings(), amzn_q3_2024()])
    result = load_warehouse(loaded.warehouse, loaded.inputs)
    assert result.incremental and recomputed == [["AMZN"]]
    assert dump(loaded.warehouse) == rebuilt(tmp_path, loaded.inputs)


def test_a_filing_that_leaves_the_catalog_recomputes_its_company(
    loaded: Loaded, tmp_path, recomputed
):
    kept = [f for f in base_filings() if f.accession != "WM-24-Q3"]
    assert len(kept) == len(base_filings()) - 1
    write_fixture(loaded.fixture.catalog_path.parents[1], kept)
    load_warehouse(loaded.warehouse, loaded.inputs)
    assert recomputed == [["WMT"]]
    assert dump(loaded.warehouse) == rebuilt(tmp_path, loaded.inputs)


def test_a_company_that_leaves_loses_every_core_row(loaded: Loaded, tmp_path, recomputed):
    write_fixture(
        loaded.fixture.catalog_path.parents[1], [f for f in base_filings() if f.ticker != "RETL"]
    )
    load_warehouse(loaded.warehouse, loaded.inputs)
    assert recomputed == [["RETL"]]
    tables = dump(loaded.warehouse)
    assert not [t for t in tables["core.financials"] if "RETL" in t]
    assert tables == rebuilt(tmp_path, loaded.inputs)


def test_a_changed_fiscal_year_end_recomputes_that_company(
    loaded: Loaded, tmp_path, recomputed, monkeypatch
):
    monkeypatch.setitem(FYES, "RETL", "1231")  # the catalog now says RETL's year ends Dec 31
    write_fixture(loaded.fixture.catalog_path.parents[1], base_filings())
    load_warehouse(loaded.warehouse, loaded.inputs)
    assert recomputed == [["RETL"]]
    assert dump(loaded.warehouse) == rebuilt(tmp_path, loaded.inputs)


def mark_parse_failed(catalog_path: Path, accessions: set[str]) -> None:
    """Mark ``accessions`` parse_failed in the catalog file (their rows change, no file)."""
    catalog = pq.read_table(catalog_path)
    rows = catalog.to_pylist()
    for row in rows:
        if row["accession_number"] in accessions:
            row["status"], row["error"] = "parse_failed", "a parser error"
    pq.write_table(catalog.from_pylist(rows, schema=catalog.schema), catalog_path)


def test_a_catalog_status_change_recomputes_that_company(loaded: Loaded, tmp_path, recomputed):
    mark_parse_failed(loaded.inputs.catalog_path, {"AM-23-Q1"})
    load_warehouse(loaded.warehouse, loaded.inputs)
    assert recomputed == [["AMZN"]]
    assert dump(loaded.warehouse) == rebuilt(tmp_path, loaded.inputs)


def test_a_change_to_most_companies_rebuilds_them_in_one_pass(loaded: Loaded, tmp_path, recomputed):
    mark_parse_failed(loaded.inputs.catalog_path, {"AM-23-Q1", "WM-24-Q1"})  # 2 companies of 3
    result = load_warehouse(loaded.warehouse, loaded.inputs)
    assert result.incremental and recomputed == []  # every company in one pass instead
    assert dump(loaded.warehouse) == rebuilt(tmp_path, loaded.inputs)


def test_the_real_filings_taken_in_one_by_one_give_the_rebuilt_warehouse(
    tmp_path: Path, corpus: Path, corpus_rows, recomputed
):
    """The oldest filing of every company first, then every other one in its own load."""
    ordered = sorted(rows_for(corpus_rows, tickers_of(corpus_rows)), key=filing_order)
    companies = tickers_of(corpus_rows)
    assert len(companies) >= 3, "one company of three or more changes per load"
    first = [next(r for r in ordered if r["ticker"] == t) for t in companies]
    rest = [r for r in ordered if r not in first]
    settings = make_settings(tmp_path / "data", companies=companies)
    land_and_parse(settings, corpus, first)
    load_from_settings(settings)
    for number, row in enumerate(rest, start=1):
        land_and_parse(settings, corpus, [*first, *rest[:number]])
        load_from_settings(settings)
        assert recomputed[-1] == [row["ticker"]], row["accession_number"]
    assert len(recomputed) == len(rest)
    from pipeline.warehouse import ParquetInputs

    assert dump(settings.warehouse_path) == rebuilt(tmp_path, ParquetInputs.from_settings(settings))


def test_changed_companies_names_the_new_the_changed_and_the_gone():
    before = {("filings", "A"): (1, 1), ("filings", "B"): (2, 1), ("line_items", "B"): (3, 4)}
    after = {("filings", "A"): (1, 1), ("filings", "C"): (5, 1), ("line_items", "B"): (3, 5)}
    assert changed_companies(before, after) == ["B", "C"]
    assert changed_companies(before, before) == []
