"""full-submission.txt input, built with the shared envelope writer around real documents."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.edgar.submission_file import SubmissionDocument, SubmissionHeader, build_submission
from pipeline.xbrl import XbrlParseError, parse_facts
from pipeline.xbrl.line_items import resolve_line_items
from tests.xbrl.conftest import filing_file


def _header(acc: str, form: str, period: date, filed: date) -> SubmissionHeader:
    return SubmissionHeader(
        accession_number=acc,
        form=form,
        period_of_report=period,
        filing_date=filed,
        cik="0001018724",
        company_name="AMAZON COM INC",
        fiscal_year_end="1231",
    )


def _doc(seq: int, type_: str, name: str, body: bytes, desc: str = "") -> SubmissionDocument:
    return SubmissionDocument(type=type_, sequence=seq, filename=name, description=desc, body=body)


@pytest.fixture(scope="module")
def amzn_2024() -> bytes:
    return filing_file("AMZN", "0001018724-25-000004", "amzn-20241231.htm").read_bytes()


@pytest.fixture(scope="module")
def amzn_2022_files() -> dict[str, bytes]:
    names = [
        "amzn-20221231_htm.xml",
        "amzn-20221231.xsd",
        "amzn-20221231_cal.xml",
        "amzn-20221231_lab.xml",
    ]
    return {n: filing_file("AMZN", "0001018724-23-000004", n).read_bytes() for n in names}


def _key_values(table) -> dict:
    return {
        (r["concept"], r["context_id"], r["unit"]): r["value"]
        for r in table.select(["concept", "context_id", "unit", "value"]).to_pylist()
    }


def test_submission_with_inline_document_gives_the_same_facts(amzn_2024: bytes) -> None:
    header = _header("0001018724-25-000004", "10-K", date(2024, 12, 31), date(2025, 2, 7))
    sub = build_submission(
        header,
        [
            _doc(1, "10-K", "amzn-20241231.htm", amzn_2024, "10-K"),
            _doc(
                2, "EX-21.1", "amzn-20241231xex211.htm", b"<html><body>Subsidiaries</body></html>"
            ),
            _doc(3, "EX-101.SCH", "amzn-20241231.xsd", b"<xs:schema/>"),
        ],
    )
    via_submission = parse_facts(sub)
    direct = parse_facts(amzn_2024)
    assert via_submission.num_rows == direct.num_rows > 1000
    assert _key_values(via_submission) == _key_values(direct)
    assert set(via_submission["source_document"].to_pylist()) == {"amzn-20241231.htm"}
    assert set(via_submission["source_format"].to_pylist()) == {"inline"}


def test_submission_with_inline_and_instance_prefers_inline(
    amzn_2024: bytes, amzn_2022_files: dict[str, bytes]
) -> None:
    header = _header("0001018724-25-000004", "10-K", date(2024, 12, 31), date(2025, 2, 7))
    instance = amzn_2022_files["amzn-20221231_htm.xml"]  # deliberately a different filing
    sub = build_submission(
        header,
        [
            _doc(1, "EX-101.INS", "amzn-20241231_htm.xml", instance),  # instance listed first
            _doc(2, "10-K", "amzn-20241231.htm", amzn_2024),
        ],
    )
    table = parse_facts(sub)
    assert set(table["source_document"].to_pylist()) == {"amzn-20241231.htm"}
    assert set(table["source_format"].to_pylist()) == {"inline"}


def test_submission_with_only_an_instance(amzn_2022_files: dict[str, bytes], tmp_path) -> None:
    header = _header("0001018724-23-000004", "10-K", date(2022, 12, 31), date(2023, 2, 3))
    docs = [_doc(1, "10-K", "amzn-20221231.htm", b"<html><body>10-K text</body></html>")]
    kinds = {
        "amzn-20221231.xsd": "EX-101.SCH",
        "amzn-20221231_cal.xml": "EX-101.CAL",
        "amzn-20221231_lab.xml": "EX-101.LAB",
        "amzn-20221231_htm.xml": "XML",
    }
    for i, (name, body) in enumerate(sorted(amzn_2022_files.items()), start=2):
        docs.append(_doc(i, kinds[name], name, body))
    path = tmp_path / "full-submission.txt"
    path.write_bytes(build_submission(header, docs))
    table = parse_facts(path)
    assert set(table["source_document"].to_pylist()) == {"amzn-20221231_htm.xml"}
    assert set(table["source_format"].to_pylist()) == {"instance"}
    capex = {
        (r["period_start"].year, r["value"])
        for r in resolve_line_items(table, "AMZN").to_pylist()
        if r["line_item"] == "capex"
    }
    # Cash-flow statement figures (millions): 40,140 / 61,053 / 63,645.
    assert capex == {(2020, 40_140 * 10**6), (2021, 61_053 * 10**6), (2022, 63_645 * 10**6)}


def test_truncated_submission_raises(amzn_2024: bytes) -> None:
    header = _header("0001018724-25-000004", "10-K", date(2024, 12, 31), date(2025, 2, 7))
    sub = build_submission(header, [_doc(1, "10-K", "amzn-20241231.htm", amzn_2024)])
    with pytest.raises(XbrlParseError, match="incomplete submission"):
        parse_facts(sub[: len(sub) // 2])


def test_submission_without_xbrl_raises() -> None:
    header = _header("0001018724-25-000004", "8-K", date(2024, 12, 31), date(2025, 2, 7))
    sub = build_submission(header, [_doc(1, "8-K", "x.htm", b"<html><body>hi</body></html>")])
    with pytest.raises(XbrlParseError, match="no inline XBRL document and no XBRL instance"):
        parse_facts(sub)
