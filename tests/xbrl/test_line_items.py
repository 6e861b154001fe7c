"""Line-item resolution rules on small documents: period isolation, candidate order, filters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyarrow as pa

from pipeline.xbrl import parse_facts
from pipeline.xbrl.line_items import (
    RESOLVED_SCHEMA,
    candidates,
    resolve_line_items,
    with_filing_fields,
)
from pipeline.xbrl.schema import LINE_ITEM_SCHEMA
from tests.xbrl.helpers import inline_doc, nf

FY23 = (date(2023, 1, 1), date(2023, 12, 31))
FY24 = (date(2024, 1, 1), date(2024, 12, 31))


def resolve(body: str, ticker: str = "AMZN") -> dict:
    table = resolve_line_items(parse_facts(inline_doc(body)), ticker)
    assert table.schema == RESOLVED_SCHEMA
    return {(r["line_item"], r["period_start"], r["period_end"]): r for r in table.to_pylist()}


def test_config_has_the_required_items_and_overrides() -> None:
    amzn, wmt = candidates("AMZN"), candidates("WMT")
    required = {
        "revenue",
        "net_sales",
        "membership_and_other_income",
        "capex",
        "proceeds_from_property_sales_and_incentives",
        "finance_lease_principal_repayments",
        "operating_income",
        "net_income",
        "operating_cash_flow",
    }
    assert required <= set(amzn) and required <= set(wmt)
    assert amzn["capex"][:2] == [
        "us-gaap:PaymentsToAcquireProductiveAssets",
        "us-gaap:PaymentsToAcquirePropertyPlantAndEquipment",
    ]
    assert wmt["revenue"] == ["us-gaap:Revenues"]
    assert amzn["proceeds_from_property_sales_and_incentives"] == [
        "amzn:ProceedsFromPropertyPlantAndEquipmentSalesAndIncentives"
    ]


def test_candidate_is_chosen_per_period_never_from_another_period() -> None:
    # 2024 uses the new capex tag only; 2023 only the old one. Each period gets its own.
    body = nf("us-gaap:PaymentsToAcquireProductiveAssets", "82", scale="9", decimals="-9") + nf(
        "us-gaap:PaymentsToAcquirePropertyPlantAndEquipment",
        "52",
        ctx="FY23",
        scale="9",
        decimals="-9",
    )
    got = resolve(body)
    assert got[("capex", *FY24)]["concept"] == "us-gaap:PaymentsToAcquireProductiveAssets"
    assert got[("capex", *FY24)]["value"] == Decimal(82 * 10**9)
    assert got[("capex", *FY23)]["concept"] == "us-gaap:PaymentsToAcquirePropertyPlantAndEquipment"
    assert got[("capex", *FY23)]["value"] == Decimal(52 * 10**9)


def test_first_candidate_wins_when_both_present() -> None:
    body = nf("us-gaap:PaymentsToAcquireProductiveAssets", "82", scale="9") + nf(
        "us-gaap:PaymentsToAcquirePropertyPlantAndEquipment", "80", scale="9"
    )
    got = resolve(body)
    assert got[("capex", *FY24)]["concept"] == "us-gaap:PaymentsToAcquireProductiveAssets"


def test_dimensional_nonusd_and_nil_facts_are_skipped_conflicts_are_null() -> None:
    nil = (
        '<ix:nonFraction name="us-gaap:PaymentsToAcquireProductiveAssets" contextRef="FY24" '
        'unitRef="usd" xsi:nil="true"/>'
    )
    body = (
        nil
        + nf(
            "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax",
            "107",
            ctx="AWS24",
            scale="9",
        )  # segment revenue: not the total
        + nf("us-gaap:SalesRevenueNet", "5", unit="shares", scale="9")  # wrong unit
        + nf("us-gaap:OperatingIncomeLoss", "10", scale="6")
        + nf("us-gaap:OperatingIncomeLoss", "11", scale="6")  # conflict
        + nf("us-gaap:Revenues", "638", scale="9")  # the last AMZN revenue candidate
        + nf("us-gaap:PaymentsToAcquirePropertyPlantAndEquipment", "1", ctx="I24", scale="9")
    )
    got = resolve(body)
    assert set(got) == {("revenue", *FY24), ("operating_income", *FY24)}
    assert got[("revenue", *FY24)]["concept"] == "us-gaap:Revenues"
    # a conflict is a NULL value, never skipped to another candidate (tests/warehouse/
    # test_conflicts.py)
    assert got[("operating_income", *FY24)]["value"] is None


def test_walmart_revenue_is_never_net_sales() -> None:
    body = nf(
        "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax",
        "674,538",
        scale="6",
        format="ixt:num-dot-decimal",
    )
    got = resolve(body, "WMT")
    assert set(got) == {("net_sales", *FY24)}


def test_with_filing_fields_gives_the_full_schema() -> None:
    items = resolve_line_items(
        parse_facts(inline_doc(nf("us-gaap:OperatingIncomeLoss", "12", scale="6"))), "AMZN"
    )
    full = with_filing_fields(
        items,
        ticker="AMZN",
        cik="0001018724",
        accession_number="0001018724-25-000004",
        form="10-K",
        filing_date=date(2025, 2, 7),
    )
    assert full.schema == LINE_ITEM_SCHEMA
    assert full.to_pylist()[0]["accession_number"] == "0001018724-25-000004"
    assert full.to_pylist()[0]["value"] == Decimal(12_000_000)
    empty = with_filing_fields(
        resolve_line_items(parse_facts(inline_doc("")), "AMZN"),
        ticker="A",
        cik="1",
        accession_number="x",
        form="10-K",
        filing_date=date(2025, 1, 1),
    )
    assert isinstance(empty, pa.Table) and empty.num_rows == 0
