"""Inline XBRL and instance parsing on small hand-written documents (values known by design)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyarrow as pa

from pipeline.xbrl import parse_facts
from pipeline.xbrl.schema import FACT_SCHEMA
from tests.xbrl.helpers import inline_doc, instance_doc, nf


def rows(data: bytes) -> list[dict]:
    table = parse_facts(data)
    assert table.schema == FACT_SCHEMA
    return table.to_pylist()


def one(data: bytes, concept: str) -> dict:
    found = [r for r in rows(data) if r["concept"] == concept]
    assert len(found) == 1, found
    return found[0]


def test_schema_and_empty_filing() -> None:
    table = parse_facts(inline_doc("<p>nothing tagged</p>"))
    assert isinstance(table, pa.Table)
    assert table.schema == FACT_SCHEMA
    assert table.num_rows == 0


def test_scale_and_parentheses_do_not_make_negatives() -> None:
    # Capex as shown in a cash-flow statement: "(82,999)" with the parentheses outside.
    body = (
        "<td>("
        + nf(
            "us-gaap:PaymentsToAcquireProductiveAssets",
            "82,999",
            scale="6",
            format="ixt:num-dot-decimal",
        )
        + ")</td>"
    )
    r = one(inline_doc(body), "us-gaap:PaymentsToAcquireProductiveAssets")
    assert r["value"] == Decimal("82999000000")
    assert r["unit"] == "USD"
    assert r["decimals"] == -6
    assert r["namespace"] == "http://fasb.org/us-gaap/2024"
    assert (r["period_type"], r["period_start"], r["period_end"]) == (
        "duration",
        date(2024, 1, 1),
        date(2024, 12, 31),
    )
    assert r["dimensions"] == ""
    assert (r["is_hidden"], r["is_nil"], r["is_conflict"], r["flags"]) == (False, False, False, "")
    assert r["source_format"] == "inline"


def test_sign_minus_makes_negative() -> None:
    body = (
        "("
        + nf("us-gaap:NetIncomeLoss", "2,722", scale="6", sign="-", format="ixt:num-dot-decimal")
        + ")"
    )
    assert one(inline_doc(body), "us-gaap:NetIncomeLoss")["value"] == Decimal("-2722000000")


def test_sign_minus_keeps_every_digit() -> None:
    # 29 significant digits: unary minus in Python's default 28-digit context would round.
    body = nf("us-gaap:NetIncomeLoss", "1234567890123456789.0123456789", sign="-", decimals="INF")
    value = one(inline_doc(body), "us-gaap:NetIncomeLoss")["value"]
    assert value == Decimal("-1234567890123456789.0123456789")


def test_largest_value_that_fits_is_kept() -> None:
    body = nf("us-gaap:Assets", "9999999999999999999999999999.9", decimals="INF")
    fact = one(inline_doc(body), "us-gaap:Assets")
    assert fact["value"] == Decimal("9999999999999999999999999999.9")
    assert fact["flags"] == ""


def test_scale_variants_are_exact() -> None:
    body = "".join(
        [
            nf("us-gaap:A", "9.3", scale="9", format="ixt:num-dot-decimal", decimals="-8"),
            nf("us-gaap:B", "3.1", unit="number", scale="-2", decimals="3"),
            nf("us-gaap:C", "12.5", unit="number", scale="-4", decimals="6"),
            nf("us-gaap:D", "1.23", unit="usdPerShare", decimals="INF"),
            nf("us-gaap:E", "500", unit="shares", scale="3", decimals="INF"),
        ]
    )
    got = {r["concept"]: (r["value"], r["unit"], r["decimals"]) for r in rows(inline_doc(body))}
    assert got == {
        "us-gaap:A": (Decimal("9300000000"), "USD", -8),
        "us-gaap:B": (Decimal("0.031"), "pure", 3),
        "us-gaap:C": (Decimal("0.00125"), "pure", 6),
        "us-gaap:D": (Decimal("1.23"), "USD/shares", None),  # INF -> null
        "us-gaap:E": (Decimal("500000"), "shares", None),
    }


def test_nested_nonfraction_uses_all_descendant_text() -> None:
    inner = nf("us-gaap:Inner", "1,234", scale="6", format="ixt:num-dot-decimal", id="in")
    outer = (
        '<ix:nonFraction name="us-gaap:Outer" contextRef="FY24" unitRef="usd" decimals="-6" '
        f'scale="6" format="ixt:num-dot-decimal" id="out">{inner}</ix:nonFraction>'
    )
    got = {r["concept"]: (r["value"], r["fact_id"]) for r in rows(inline_doc(outer))}
    assert got == {
        "us-gaap:Outer": (Decimal("1234000000"), "out"),
        "us-gaap:Inner": (Decimal("1234000000"), "in"),
    }


def test_nil_is_null_not_zero() -> None:
    body = (
        '<ix:nonFraction name="us-gaap:CommitmentsAndContingencies" contextRef="I24" '
        'unitRef="usd" xsi:nil="true" id="n1"/>'
    )
    r = one(inline_doc(body), "us-gaap:CommitmentsAndContingencies")
    assert r["value"] is None
    assert r["is_nil"] is True
    assert r["flags"] == ""
    assert r["period_type"] == "instant" and r["period_start"] is None


def test_fixed_zero_and_words() -> None:
    body = "".join(
        [
            nf(
                "us-gaap:ShortTermBorrowings",
                "no",
                ctx="I24",
                scale="9",
                format="ixt:fixed-zero",
                decimals="INF",
            ),
            nf(
                "us-gaap:NumberOfOperatingSegments",
                "three",
                unit="number",
                format="ixt-sec:numwordsen",
                decimals="INF",
            ),
            nf(
                "us-gaap:PreferredStockSharesIssued",
                "none",
                ctx="I24",
                unit="shares",
                scale="9",
                format="ixt-sec:numwordsen",
                decimals="INF",
            ),
            nf(
                "us-gaap:NumberOfStores",
                "twenty-one",
                unit="number",
                format="ixt-sec:numwordsen",
                decimals="INF",
            ),
        ]
    )
    got = {r["concept"]: r["value"] for r in rows(inline_doc(body))}
    assert got == {
        "us-gaap:ShortTermBorrowings": Decimal(0),
        "us-gaap:NumberOfOperatingSegments": Decimal(3),
        "us-gaap:PreferredStockSharesIssued": Decimal(0),
        "us-gaap:NumberOfStores": Decimal(21),
    }


def test_hidden_facts_are_marked() -> None:
    hidden = nf("us-gaap:Hidden", "5", decimals="INF", id="h")
    body = nf("us-gaap:Shown", "6", decimals="INF", id="s")
    got = {r["concept"]: r["is_hidden"] for r in rows(inline_doc(body, hidden=hidden))}
    assert got == {"us-gaap:Hidden": True, "us-gaap:Shown": False}


def test_dimensions_sorted_with_prefixes_and_typed_members() -> None:
    body = nf(
        "us-gaap:Revenues", "107,556", ctx="AWS24", scale="6", format="ixt:num-dot-decimal"
    ) + nf("amzn:TrancheAmount", "7", ctx="TYPED", decimals="INF")
    got = {r["concept"]: r["dimensions"] for r in rows(inline_doc(body))}
    assert got == {
        "us-gaap:Revenues": "srt:ProductOrServiceAxis=amzn:ComputeMember;"
        "us-gaap:StatementBusinessSegmentsAxis=amzn:AWSSegmentMember",
        "amzn:TrancheAmount": "amzn:TrancheAxis=7",
    }


def test_duplicates_keep_most_precise() -> None:
    # "9.3 billion" in prose (-8) and 9,312 million in a table (-6): consistent.
    body = (
        nf("us-gaap:X", "9.3", scale="9", decimals="-8", format="ixt:num-dot-decimal", id="p")
        + nf("us-gaap:X", "9,312", scale="6", decimals="-6", format="ixt:num-dot-decimal", id="t")
        + nf(
            "us-gaap:X",
            "9,312",
            ctx="FY24b",
            scale="6",
            decimals="-6",
            format="ixt:num-dot-decimal",
            id="t2",
        )
    )  # same period, other context id
    (r,) = rows(inline_doc(body))
    assert (r["fact_id"], r["value"], r["is_conflict"]) == ("t", Decimal("9312000000"), False)


def test_inf_beats_finite_decimals() -> None:
    body = nf("us-gaap:X", "5", decimals="0", id="a") + nf("us-gaap:X", "5", decimals="INF", id="b")
    (r,) = rows(inline_doc(body))
    assert r["fact_id"] == "b"


def test_duplicates_that_disagree_are_both_kept_and_flagged() -> None:
    # 9.4 billion at -8 is not 9,312 million rounded to -8 (9.3 billion): a conflict.
    body = (
        nf("us-gaap:X", "9.4", scale="9", decimals="-8", format="ixt:num-dot-decimal", id="p")
        + nf("us-gaap:X", "9,312", scale="6", decimals="-6", format="ixt:num-dot-decimal", id="t")
        + nf("us-gaap:Y", "10", scale="6", id="y1")
        + nf("us-gaap:Y", "11", scale="6", id="y2")
    )
    got = {
        (r["concept"], r["fact_id"]): (r["value"], r["is_conflict"]) for r in rows(inline_doc(body))
    }
    assert got == {
        ("us-gaap:X", "p"): (Decimal("9400000000"), True),
        ("us-gaap:X", "t"): (Decimal("9312000000"), True),
        ("us-gaap:Y", "y1"): (Decimal("10000000"), True),
        ("us-gaap:Y", "y2"): (Decimal("11000000"), True),
    }


def test_nil_duplicate_of_a_value_is_dropped() -> None:
    body = nf("us-gaap:X", "7", decimals="INF", id="v") + (
        '<ix:nonFraction name="us-gaap:X" contextRef="FY24" unitRef="usd" xsi:nil="true" id="n"/>'
    )
    (r,) = rows(inline_doc(body))
    assert (r["fact_id"], r["value"]) == ("v", Decimal(7))


def test_instance_document_same_shape() -> None:
    items = "\n".join(
        [
            '<us-gaap:Revenues contextRef="FY24" unitRef="usd" decimals="-6" id="r">'
            "637959000000</us-gaap:Revenues>",
            '<us-gaap:NetIncomeLoss contextRef="FY23" unitRef="usd" decimals="-6">'
            "-2722000000</us-gaap:NetIncomeLoss>",
            '<us-gaap:EarningsPerShareDiluted contextRef="FY24" unitRef="usdPerShare" '
            'decimals="2">5.53</us-gaap:EarningsPerShareDiluted>',
            '<us-gaap:CommitmentsAndContingencies contextRef="I24" unitRef="usd" xsi:nil="true"/>',
            '<us-gaap:Revenues contextRef="AWS24" unitRef="usd" decimals="-6">'
            "107556000000</us-gaap:Revenues>",
            '<dei:EntityRegistrantName contextRef="FY24">Amazon</dei:EntityRegistrantName>',
        ]
    )
    table = parse_facts(instance_doc(items))
    assert table.schema == FACT_SCHEMA
    got = {
        (r["concept"], r["dimensions"]): (r["value"], r["unit"], r["is_nil"])
        for r in table.to_pylist()
    }
    assert got == {
        ("us-gaap:Revenues", ""): (Decimal("637959000000"), "USD", False),
        ("us-gaap:NetIncomeLoss", ""): (Decimal("-2722000000"), "USD", False),
        ("us-gaap:EarningsPerShareDiluted", ""): (Decimal("5.53"), "USD/shares", False),
        ("us-gaap:CommitmentsAndContingencies", ""): (None, "USD", True),
        (
            "us-gaap:Revenues",
            "srt:ProductOrServiceAxis=amzn:ComputeMember;"
            "us-gaap:StatementBusinessSegmentsAxis=amzn:AWSSegmentMember",
        ): (Decimal("107556000000"), "USD", False),
    }
    assert set(table["source_format"].to_pylist()) == {"instance"}
    assert set(table["source_document"].to_pylist()) == {"<bytes>"}
