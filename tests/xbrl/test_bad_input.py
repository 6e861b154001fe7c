"""Bad input never yields a silent wrong value: a clear XbrlParseError or a flagged fact."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline.xbrl import XbrlParseError, parse_facts
from pipeline.xbrl.line_items import resolve_line_items
from tests.xbrl.conftest import filing_file
from tests.xbrl.helpers import inline_doc, instance_doc, nf

AMZN_2024 = ("AMZN", "0001018724-25-000004", "amzn-20241231.htm")


def test_error_is_a_value_error() -> None:
    assert issubclass(XbrlParseError, ValueError)


def test_truncated_inline_document_raises() -> None:
    data = filing_file(*AMZN_2024).read_bytes()
    with pytest.raises(XbrlParseError, match=r"<bytes>: truncated document"):
        parse_facts(data[: len(data) // 2])


def test_truncated_real_file_names_the_file(tmp_path) -> None:
    data = filing_file(*AMZN_2024).read_bytes()
    path = tmp_path / "amzn-20241231.htm"
    path.write_bytes(data[:-200])
    with pytest.raises(XbrlParseError, match=r"amzn-20241231\.htm: truncated"):
        parse_facts(path)


def test_truncated_instance_raises() -> None:
    data = instance_doc('<us-gaap:X contextRef="FY24" unitRef="usd" decimals="0">1</us-gaap:X>')
    with pytest.raises(XbrlParseError, match="truncated"):
        parse_facts(data[:-40])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><body><p>Annual report, no tags</p></body></html>", "no XBRL"),
        (b"<?xml version='1.0'?><root><a>1</a></root>", "no XBRL"),
        (b"plain text, not a document", "not XML"),
        (b"", "empty document"),
        (b"   \n", "empty document"),
    ],
)
def test_document_without_xbrl_raises(data: bytes, message: str) -> None:
    with pytest.raises(XbrlParseError, match=message):
        parse_facts(data)


def test_missing_file_raises(tmp_path) -> None:
    with pytest.raises(XbrlParseError, match="cannot read"):
        parse_facts(tmp_path / "nope.htm")


def test_undefined_context_raises() -> None:
    body = nf("us-gaap:Revenues", "1", ctx="c-999", decimals="INF", id="f-1")
    with pytest.raises(
        XbrlParseError, match=r"f-1 \(us-gaap:Revenues\).*undefined context 'c-999'"
    ):
        parse_facts(inline_doc(body))


def test_undefined_unit_raises() -> None:
    body = nf("us-gaap:Revenues", "1", unit="eur", decimals="INF", id="f-2")
    with pytest.raises(XbrlParseError, match="undefined unit 'eur'"):
        parse_facts(inline_doc(body))


def test_instance_undefined_context_and_unit_raise() -> None:
    bad_ctx = '<us-gaap:X contextRef="nope" unitRef="usd" decimals="0">1</us-gaap:X>'
    bad_unit = '<us-gaap:X contextRef="FY24" unitRef="nope" decimals="0">1</us-gaap:X>'
    with pytest.raises(XbrlParseError, match="undefined context 'nope'"):
        parse_facts(instance_doc(bad_ctx))
    with pytest.raises(XbrlParseError, match="undefined unit 'nope'"):
        parse_facts(instance_doc(bad_unit))


def test_bad_context_date_raises() -> None:
    ctx = (
        '<xbrli:context id="FY24"><xbrli:entity><xbrli:identifier scheme="x">1'
        "</xbrli:identifier></xbrli:entity><xbrli:period><xbrli:startDate>2024-13-01"
        "</xbrli:startDate><xbrli:endDate>2024-12-31</xbrli:endDate></xbrli:period>"
        "</xbrli:context>"
    )
    with pytest.raises(XbrlParseError, match="context 'FY24' has startDate '2024-13-01'"):
        parse_facts(inline_doc(nf("us-gaap:X", "1"), contexts=ctx))


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("12,3a4", "ixt:num-dot-decimal"),
        ("1.2.3", "ixt:num-dot-decimal"),
        ("(5)", None),
        ("twenty-twelve", "ixt-sec:numwordsen"),
        ("", "ixt:num-dot-decimal"),
    ],
)
def test_garbled_number_is_flagged_with_null_value(text: str, fmt: str | None) -> None:
    attrs = {"format": fmt} if fmt else {}
    body = nf("us-gaap:Revenues", text, scale="6", id="g", **attrs) + nf(
        "us-gaap:OperatingIncomeLoss", "7", scale="6", id="ok"
    )
    table = parse_facts(inline_doc(body))
    got = {r["fact_id"]: r for r in table.to_pylist()}
    assert got["g"]["value"] is None
    assert got["g"]["flags"].startswith("bad_number")
    assert got["g"]["is_nil"] is False
    assert got["ok"]["value"] == Decimal(7_000_000) and got["ok"]["flags"] == ""
    # The resolver never takes a flagged fact, nor the next candidate: revenue is NULL.
    items = resolve_line_items(table, "AMZN").to_pylist()
    assert [(r["line_item"], r["value"]) for r in items] == [
        ("operating_income", Decimal(7_000_000)),
        ("revenue", None),
    ]


def test_garbled_instance_number_is_flagged() -> None:
    items = (
        '<us-gaap:Revenues contextRef="FY24" unitRef="usd" decimals="-6">63 7959</us-gaap:Revenues>'
    )
    (r,) = parse_facts(instance_doc(items)).to_pylist()
    assert r["value"] is None and "bad_number" in r["flags"]


def test_bad_scale_is_flagged() -> None:
    (r,) = parse_facts(inline_doc(nf("us-gaap:X", "5", scale="six"))).to_pylist()
    assert r["value"] is None and r["flags"] == "bad_scale: 'six'"


def test_value_too_large_for_the_column_is_flagged() -> None:
    (r,) = parse_facts(inline_doc(nf("us-gaap:X", "1", scale="30"))).to_pylist()
    assert r["value"] is None and r["flags"].startswith("value_out_of_range")
    (r,) = parse_facts(inline_doc(nf("us-gaap:X", "1", unit="number", scale="-11"))).to_pylist()
    assert r["value"] is None and r["flags"].startswith("value_out_of_range")


def test_stray_non_utf8_byte_raises_with_offset() -> None:
    data = inline_doc("<p>caf\u00e9 " + nf("us-gaap:X", "5") + "</p>")
    bad = data.replace("caf\u00e9".encode(), b"caf\xe9")  # latin-1 byte in a UTF-8 document
    offset = bad.index(b"\xe9")
    with pytest.raises(XbrlParseError, match=f"byte 0xe9 at offset {offset} is not valid UTF-8"):
        parse_facts(bad)


def test_stray_byte_in_real_ascii_document_raises() -> None:
    data = filing_file(*AMZN_2024).read_bytes()
    at = data.index(b"Total net sales")
    bad = data[:at] + b"\x93" + data[at:]
    with pytest.raises(XbrlParseError, match="invalid character encoding"):
        parse_facts(bad)


def test_html_entity_is_recovered_with_a_flag_and_values_intact() -> None:
    # XHTML must not use HTML entities; libxml2's recovery drops the &nbsp; and keeps going.
    body = (
        "<p>Total&nbsp;"
        + nf("us-gaap:Revenues", "637,959", scale="6", format="ixt:num-dot-decimal")
        + "</p>"
    )
    (r,) = parse_facts(inline_doc(body)).to_pylist()
    assert r["value"] == Decimal("637959000000")
    assert r["flags"].startswith("xml_recovered: Entity 'nbsp' not defined")
