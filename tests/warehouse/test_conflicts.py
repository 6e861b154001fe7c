"""Conflicts never fall through, components are never revenue, money is whole dollars.

The parser rules run on small inline documents; the warehouse rules on the fixture filings
(tests/warehouse/fixtures.py) with one filing doctored.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from pipeline.parquet_io import write_parquet_atomically
from pipeline.warehouse import load_warehouse
from pipeline.xbrl import line_items as li
from pipeline.xbrl import parse_facts
from pipeline.xbrl.datasets import filing_file, filing_metadata
from pipeline.xbrl.schema import FACT_SCHEMA, FILING_FACT_SCHEMA, LINE_ITEM_SCHEMA
from tests.warehouse.conftest import inputs_for
from tests.warehouse.fixtures import (
    M,
    _catalog_row,
    _fact_rows,
    _line_item_rows,
    base_filings,
    write_fixture,
)
from tests.warehouse.helpers import financial, one, rows
from tests.xbrl.helpers import inline_doc, nf

FY24 = (date(2024, 1, 1), date(2024, 12, 31))
NET_SALES = "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"


def _resolve(body: str, ticker: str) -> dict:
    table = li.resolve_line_items(parse_facts(inline_doc(body)), ticker)
    return {(r["line_item"], r["period_start"], r["period_end"]): r for r in table.to_pylist()}


def test_a_conflicting_first_choice_is_null_never_the_next_concept() -> None:
    # WMT revenue is us-gaap:Revenues only; AMZN's list goes on to us-gaap:Revenues
    body = (
        nf(NET_SALES, "600", scale="9")
        + nf(NET_SALES, "601", ctx="FY24b", scale="9")  # same period, another value
        + nf("us-gaap:Revenues", "638", scale="9")
    )
    got = _resolve(body, "AMZN")
    revenue = got[("revenue", *FY24)]
    assert (revenue["concept"], revenue["value"]) == (NET_SALES, None)
    assert got[("net_sales", *FY24)]["value"] is None  # same concept, same conflict


def test_a_clean_first_choice_is_kept_beside_a_conflicting_later_one() -> None:
    body = (
        nf(NET_SALES, "600", scale="9")
        + nf("us-gaap:Revenues", "638", scale="9")
        + nf("us-gaap:Revenues", "639", ctx="FY24b", scale="9")
    )
    revenue = _resolve(body, "AMZN")[("revenue", *FY24)]
    assert (revenue["concept"], revenue["value"]) == (NET_SALES, Decimal(600 * 10**9))


def test_a_usd_line_item_with_cents_fails_in_one_line() -> None:
    body = nf("us-gaap:OperatingIncomeLoss", "12.25", decimals="2")
    with pytest.raises(li.LineItemError) as caught:
        _resolve(body, "AMZN")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("us-gaap:OperatingIncomeLoss = 12.25 USD (2024-01-01..2024-12-31")
    assert "has cents" in message


def test_product_sales_are_never_a_revenue_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    for ticker in ("AMZN", "WMT", "NFLX", "XYZ"):
        assert li.COMPONENT_CONCEPTS.isdisjoint(li.candidates(ticker)["revenue"])
    # a config that lists one is refused, by name
    config = li.load_config()
    doctored = {
        **config,
        "company": {"ACME": {"revenue": ["us-gaap:Revenues", "us-gaap:SalesRevenueGoodsNet"]}},
    }
    monkeypatch.setattr(li, "load_config", lambda: doctored)
    with pytest.raises(li.LineItemError, match="ACME lists us-gaap:SalesRevenueGoodsNet"):
        li.candidates("ACME")
    # product sales alone give no revenue at all
    monkeypatch.undo()
    got = _resolve(nf("us-gaap:SalesRevenueGoodsNet", "250", scale="9"), "AMZN")
    assert ("revenue", *FY24) not in got


# ---- the warehouse ---------------------------------------------------------------------

Q3_START, Q3_END = "2024-08-01", "2024-10-31"  # WMT FY2025 Q3 (WM-24-Q3)


def _doctor_wm_24_q3(root: Path) -> Path:
    """The fixture, with WM-24-Q3's three-month revenue tagged twice (135 and 136) and
    net sales (133, RevenueFromContractWithCustomerExcludingAssessedTax) beside it.

    Its line items are resolved by the parser from those facts; returns the warehouse path.
    """
    filings = base_filings()
    paths = write_fixture(root / "parquet", filings)
    (f,) = [f for f in filings if f.accession == "WM-24-Q3"]
    facts = _fact_rows(f)
    (three_months,) = [
        r
        for r in facts
        if r["concept"] == "us-gaap:Revenues"
        and r["dimensions"] == ""
        and str(r["period_start"]) == Q3_START
    ]
    three_months["is_conflict"] = True
    facts.append({**three_months, "value": 136 * M, "fact_id": "dup"})
    facts.append({**three_months, "concept": NET_SALES, "value": 133 * M, "is_conflict": False})
    fact_table = pa.Table.from_pylist(facts, schema=FILING_FACT_SCHEMA)
    resolved = li.with_filing_fields(
        li.resolve_line_items(fact_table.select(FACT_SCHEMA.names), "WMT"),
        ticker=f.ticker,
        cik=facts[0]["cik"],
        accession_number=f.accession,
        form=f.form,
        filing_date=facts[0]["filing_date"],
    )
    items = [r for r in _line_item_rows(f) if r["line_item"] != "revenue"]
    items += [r for r in resolved.to_pylist() if r["line_item"] in ("revenue", "net_sales")]
    for dataset, directory, table in (
        ("facts", paths.facts_dir, fact_table),
        ("line_items", paths.line_items_dir, pa.Table.from_pylist(items, schema=LINE_ITEM_SCHEMA)),
    ):
        write_parquet_atomically(
            table,
            filing_file(directory, f.ticker, f.accession),
            filing_metadata(dataset, _catalog_row(f)),
        )
    warehouse = root / "warehouse.duckdb"
    load_warehouse(warehouse, inputs_for(paths))
    return warehouse


def test_a_conflict_leaves_the_quarter_null_with_the_reason(tmp_path: Path) -> None:
    with duckdb.connect(str(_doctor_wm_24_q3(tmp_path)), read_only=True) as con:
        q3 = financial(con, "WMT", "revenue", "FY2025Q3")
        assert q3["value"] is None
        assert (q3["method"], q3["source_accessions"]) == ("reported", ["WM-24-Q3"])
        assert q3["notes"] == (
            "us-gaap:Revenues in WM-24-Q3: conflicting values 135000000 vs 136000000"
        )
        # never net sales (133) in its place, and net sales itself is kept as net sales
        revenue_values = rows(con, "SELECT value FROM raw.line_items WHERE line_item = 'revenue'")
        assert {"value": 133 * M} not in revenue_values
        assert financial(con, "WMT", "net_sales", "FY2025Q3")["value"] == 133 * M
        # the nine months are clean: Q4 = FY 530 - 9M 390 = 140, TTM = 500 + 390 - 370 = 520
        assert financial(con, "WMT", "revenue", "FY2025Q4")["value"] == 140 * M
        ttm = one(
            con,
            "SELECT value, method FROM core.ttm WHERE ticker = 'WMT' "
            "AND line_item = 'revenue' AND fiscal_label = 'FY2025Q3'",
        )
        assert ttm == {"value": 520 * M, "method": "fy_plus_ytd"}


def test_a_conflicting_year_makes_its_derived_quarter_null_too(tmp_path: Path) -> None:
    """WMT FY2025 revenue conflicts in WM-25-K (530 vs 531): FY and Q4 (= FY - 9M) are NULL."""
    filings = base_filings()
    paths = write_fixture(tmp_path / "parquet", filings)
    (f,) = [f for f in filings if f.accession == "WM-25-K"]
    facts = _fact_rows(f)
    for r in facts:
        if r["concept"] == "us-gaap:Revenues" and str(r["period_end"]) == "2025-01-31":
            r["is_conflict"] = r["dimensions"] == ""
    (year,) = [r for r in facts if r["is_conflict"]]
    facts.append({**year, "value": 531 * M, "fact_id": "dup"})
    items = _line_item_rows(f)
    for r in items:
        if r["line_item"] == "revenue" and str(r["period_end"]) == "2025-01-31":
            r["value"] = None
    for dataset, directory, table in (
        ("facts", paths.facts_dir, pa.Table.from_pylist(facts, schema=FILING_FACT_SCHEMA)),
        ("line_items", paths.line_items_dir, pa.Table.from_pylist(items, schema=LINE_ITEM_SCHEMA)),
    ):
        write_parquet_atomically(
            table,
            filing_file(directory, f.ticker, f.accession),
            filing_metadata(dataset, _catalog_row(f)),
        )
    load_warehouse(tmp_path / "warehouse.duckdb", inputs_for(paths))
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        reason = "us-gaap:Revenues in WM-25-K: conflicting values 530000000 vs 531000000"
        fy = financial(con, "WMT", "revenue", "FY2025")
        assert (fy["value"], fy["notes"]) == (None, reason)
        q4 = financial(con, "WMT", "revenue", "FY2025Q4")
        assert (q4["value"], q4["derivation"], q4["notes"]) == (
            None,
            "fiscal_year - nine_months_ytd",
            reason,
        )
        # no TTM at the year end from a NULL year
        assert (
            rows(
                con,
                "SELECT * FROM core.ttm WHERE ticker = 'WMT' AND line_item = 'revenue' "
                "AND fiscal_label = 'FY2025Q4'",
            )
            == []
        )


def test_money_is_bigint_and_pandas_gets_exact_int64(con) -> None:
    types = dict(
        con.execute(
            "SELECT schema_name || '.' || table_name || '.' || column_name, data_type "
            "FROM duckdb_columns() WHERE column_name IN ('value', 'first_reported_value') "
            "AND schema_name IN ('raw', 'core')"
        ).fetchall()
    )
    assert types.pop("raw.facts.value") == "DECIMAL(38,10)"  # per-share and shares too
    assert types and set(types.values()) == {"BIGINT"}, types
    df = con.execute(
        "SELECT value FROM core.financials WHERE ticker = 'RETL' AND fiscal_label = 'FY2024Q4' "
        "AND line_item = 'revenue'"
    ).df()
    assert str(df["value"].dtype) == "int64"
    assert df["value"].tolist() == [1_400_750_001]  # 4,700,750,001 - 3,300,000,000


def test_a_line_item_file_with_cents_stops_the_load_naming_it(tmp_path: Path) -> None:
    filings = base_filings()
    (f,) = [f for f in filings if f.accession == "R-24-K"]
    f.values = [
        (
            item,
            start,
            end,
            Decimal("4700750000.25") if item == "revenue" and end == "2024-02-03" else value,
        )
        for item, start, end, value in f.values
    ]
    paths = write_fixture(tmp_path / "parquet", filings)
    with pytest.raises(duckdb.Error) as caught:
        load_warehouse(tmp_path / "warehouse.duckdb", inputs_for(paths))
    message = str(caught.value).splitlines()[-1]
    assert "line items of R-24-K: us-gaap:Revenues = 4700750000.25" in message
    assert "has cents" in message
