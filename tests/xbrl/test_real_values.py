"""Exact revenue and capex of every filing in the corpus, for every period it reports.

Expected numbers were read by a person from the filings themselves, NOT from the parser:
- inline 10-K/10-Q (.htm): the displayed income statement ("Total net sales" / "Total
  revenues", "Net sales", "Membership and other income") and cash-flow statement
  ("Purchases of property and equipment" / "Payments for property and equipment"); the
  tables are in millions, so each number here is the displayed figure x 1,000,000 (``MN``).
- instance-only filings (AMZN FY2022 10-K, AMZN Q2 2026 10-Q, both NFLX filings have no
  HTML here): the element text of the instance (e.g. ``unitRef="usd">40140000000<``) and
  the dates of the context it references (checked to have no segment), read with grep.

Every filing in filings.csv must have an entry here (test_every_corpus_filing_has_expectations).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pipeline.xbrl import parse_facts
from pipeline.xbrl.line_items import resolve_line_items
from tests.xbrl.conftest import filing_file

M = Decimal(1_000_000)
MN = 1_000_000  # statements displayed "in millions": displayed figure x MN = exact USD


def _d(s: str) -> date:
    return date.fromisoformat(s)


# (ticker, accession, document) -> line item -> {(start, end): exact value in USD}
EXPECTED: dict[tuple[str, str, str], dict[str, dict[tuple[str, str], int]]] = {
    ("AMZN", "0001018724-25-000004", "amzn-20241231.htm"): {
        # Consolidated Statements of Operations: Total net sales 513,983 574,785 637,959
        "revenue": {
            ("2022-01-01", "2022-12-31"): 513_983 * MN,
            ("2023-01-01", "2023-12-31"): 574_785 * MN,
            ("2024-01-01", "2024-12-31"): 637_959 * MN,
        },
        # Cash flows: Purchases of property and equipment (63,645) (52,729) (82,999)
        "capex": {
            ("2022-01-01", "2022-12-31"): 63_645 * MN,
            ("2023-01-01", "2023-12-31"): 52_729 * MN,
            ("2024-01-01", "2024-12-31"): 82_999 * MN,
        },
    },
    ("AMZN", "0001018724-24-000008", "amzn-20231231.htm"): {
        "revenue": {
            ("2021-01-01", "2021-12-31"): 469_822 * MN,
            ("2022-01-01", "2022-12-31"): 513_983 * MN,
            ("2023-01-01", "2023-12-31"): 574_785 * MN,
        },
        "capex": {
            ("2021-01-01", "2021-12-31"): 61_053 * MN,
            ("2022-01-01", "2022-12-31"): 63_645 * MN,
            ("2023-01-01", "2023-12-31"): 52_729 * MN,
        },
    },
    ("AMZN", "0001018724-23-000012", "amzn-20230630.htm"): {
        # Three months ended June 30 2022/2023, six months ended June 30 2022/2023
        "revenue": {
            ("2022-04-01", "2022-06-30"): 121_234 * MN,
            ("2023-04-01", "2023-06-30"): 134_383 * MN,
            ("2022-01-01", "2022-06-30"): 237_678 * MN,
            ("2023-01-01", "2023-06-30"): 261_741 * MN,
        },
        # Cash flows show three, six and twelve (trailing) months ended June 30
        "capex": {
            ("2022-04-01", "2022-06-30"): 15_724 * MN,
            ("2023-04-01", "2023-06-30"): 11_455 * MN,
            ("2022-01-01", "2022-06-30"): 30_675 * MN,
            ("2023-01-01", "2023-06-30"): 25_662 * MN,
            ("2021-07-01", "2022-06-30"): 65_358 * MN,
            ("2022-07-01", "2023-06-30"): 58_632 * MN,
        },
    },
    ("AMZN", "0001018724-23-000004", "amzn-20221231_htm.xml"): {
        # Instance text: RevenueFromContractWithCustomerExcludingAssessedTax in the
        # no-dimension contexts ..._D20200101-20201231 etc. (2021 and 2022 also agree with
        # the FY2023 10-K's displayed Total net sales).
        "revenue": {
            ("2020-01-01", "2020-12-31"): 386_064 * MN,
            ("2021-01-01", "2021-12-31"): 469_822 * MN,
            ("2022-01-01", "2022-12-31"): 513_983 * MN,
        },
        # PaymentsToAcquireProductiveAssets, contexts ..._D20200101-20201231 etc.
        "capex": {
            ("2020-01-01", "2020-12-31"): 40_140 * MN,
            ("2021-01-01", "2021-12-31"): 61_053 * MN,
            ("2022-01-01", "2022-12-31"): 63_645 * MN,
        },
    },
    ("AMZN", "0001018724-26-000026", "amzn-20260630_htm.xml"): {
        # Instance text: contexts c-18 (2025 Q2), c-19 (2026 Q2), c-20 (2025 H1), c-1 (2026 H1)
        "revenue": {
            ("2025-04-01", "2025-06-30"): 167_702 * MN,
            ("2026-04-01", "2026-06-30"): 200_606 * MN,
            ("2025-01-01", "2025-06-30"): 323_369 * MN,
            ("2026-01-01", "2026-06-30"): 382_125 * MN,
        },
        # plus c-21 / c-22: twelve months ended June 30 2025 / 2026
        "capex": {
            ("2025-04-01", "2025-06-30"): 32_183 * MN,
            ("2026-04-01", "2026-06-30"): 54_208 * MN,
            ("2025-01-01", "2025-06-30"): 57_202 * MN,
            ("2026-01-01", "2026-06-30"): 98_411 * MN,
            ("2024-07-01", "2025-06-30"): 107_656 * MN,
            ("2025-07-01", "2026-06-30"): 173_028 * MN,
        },
    },
    ("AMZN", "0001018724-24-000083", "amzn-20240331.htm"): {
        # Consolidated Statements of Operations, three months ended March 31 2023 / 2024:
        # Total net sales 127,358 143,313 (= Net product sales 56,981 / 60,915 + Net service
        # sales 70,377 / 82,398). Tagged RevenueFromContractWithCustomerExcludingAssessedTax,
        # contexts c-7 / c-1 (no segment). Q1 2023 also = the Q2 2023 10-Q's 261,741 - 134,383.
        "revenue": {
            ("2023-01-01", "2023-03-31"): 127_358 * MN,
            ("2024-01-01", "2024-03-31"): 143_313 * MN,
        },
        # Consolidated Statements of Cash Flows, three and twelve months ended March 31
        # 2023 / 2024: Purchases of property and equipment (14,207) (14,925) (62,901) (53,447)
        # (PaymentsToAcquireProductiveAssets, contexts c-7, c-1, c-8 = 2022-04-01..2023-03-31,
        # c-9 = 2023-04-01..2024-03-31). Twelve months to March 2024 = FY2023 52,729 - 14,207
        # + 14,925; to March 2023 = FY2022 63,645 - (30,675 - 15,724) + 14,207.
        "capex": {
            ("2023-01-01", "2023-03-31"): 14_207 * MN,
            ("2024-01-01", "2024-03-31"): 14_925 * MN,
            ("2022-04-01", "2023-03-31"): 62_901 * MN,
            ("2023-04-01", "2024-03-31"): 53_447 * MN,
        },
    },
    ("NFLX", "0001065280-24-000030", "nflx-20231231_htm.xml"): {
        # Instance only (no override for NFLX, so the default concepts apply). Statement of
        # operations, years ended December 31 2021 / 2022 / 2023: us-gaap:Revenues in
        # contexts c-9 / c-8 / c-1 (no segment), decimals -3 (thousands), e.g.
        # ``contextRef="c-1" decimals="-3" ... unitRef="usd">33723297000<``. The streaming
        # revenues by region (c-44/c-50/c-56/c-62) sum to 33,640,458 thousand for 2023; the
        # 82,839 thousand difference is DVD revenue, the same as in the Q3 2024 10-Q's
        # nine months of 2023 (the DVD business closed in September 2023).
        "revenue": {
            ("2021-01-01", "2021-12-31"): 29_697_844_000,
            ("2022-01-01", "2022-12-31"): 31_615_550_000,
            ("2023-01-01", "2023-12-31"): 33_723_297_000,
        },
        # Cash flows, years ended December 31 2021 / 2022 / 2023: no
        # PaymentsToAcquireProductiveAssets in the filing, so the second default candidate,
        # us-gaap:PaymentsToAcquirePropertyPlantAndEquipment, contexts c-9 / c-8 / c-1.
        "capex": {
            ("2021-01-01", "2021-12-31"): 524_585_000,
            ("2022-01-01", "2022-12-31"): 407_729_000,
            ("2023-01-01", "2023-12-31"): 348_552_000,
        },
    },
    ("NFLX", "0001065280-24-000287", "nflx-20240930_htm.xml"): {
        # Instance only. Statement of operations, three months ended September 30 2023 / 2024
        # (contexts c-4 / c-3) and nine months ended September 30 2023 / 2024 (c-5 / c-1), no
        # segment, decimals -3: us-gaap:Revenues. The streaming revenues of the four regions
        # add up to 9,824,703 and 28,754,453 thousand for 2024 exactly; FY2023 33,723,297
        # (the FY2023 10-K) - nine months 24,890,472 = Q4 2023 8,832,825.
        "revenue": {
            ("2023-07-01", "2023-09-30"): 8_541_668_000,
            ("2024-07-01", "2024-09-30"): 9_824_703_000,
            ("2023-01-01", "2023-09-30"): 24_890_472_000,
            ("2024-01-01", "2024-09-30"): 28_754_453_000,
        },
        # Cash flows show three and nine months: us-gaap:PaymentsToAcquirePropertyPlantAndEquipment
        # in the same four contexts.
        "capex": {
            ("2023-07-01", "2023-09-30"): 103_929_000,
            ("2024-07-01", "2024-09-30"): 126_863_000,
            ("2023-01-01", "2023-09-30"): 266_920_000,
            ("2024-01-01", "2024-09-30"): 280_864_000,
        },
    },
    ("WMT", "0000104169-25-000021", "wmt-20250131.htm"): {
        # Consolidated Statements of Income, fiscal years ended January 31, 2025/2024/2023
        "revenue": {  # Total revenues 680,985 648,125 611,289
            ("2024-02-01", "2025-01-31"): 680_985 * MN,
            ("2023-02-01", "2024-01-31"): 648_125 * MN,
            ("2022-02-01", "2023-01-31"): 611_289 * MN,
        },
        "net_sales": {  # Net sales 674,538 642,637 605,881
            ("2024-02-01", "2025-01-31"): 674_538 * MN,
            ("2023-02-01", "2024-01-31"): 642_637 * MN,
            ("2022-02-01", "2023-01-31"): 605_881 * MN,
        },
        "membership_and_other_income": {  # 6,447 5,488 5,408
            ("2024-02-01", "2025-01-31"): 6_447 * MN,
            ("2023-02-01", "2024-01-31"): 5_488 * MN,
            ("2022-02-01", "2023-01-31"): 5_408 * MN,
        },
        "capex": {  # Payments for property and equipment (23,783) (20,606) (16,857)
            ("2024-02-01", "2025-01-31"): 23_783 * MN,
            ("2023-02-01", "2024-01-31"): 20_606 * MN,
            ("2022-02-01", "2023-01-31"): 16_857 * MN,
        },
    },
    ("WMT", "0000104169-24-000056", "wmt-20240131.htm"): {
        "revenue": {  # Total revenues 648,125 611,289 572,754
            ("2023-02-01", "2024-01-31"): 648_125 * MN,
            ("2022-02-01", "2023-01-31"): 611_289 * MN,
            ("2021-02-01", "2022-01-31"): 572_754 * MN,
        },
        "net_sales": {  # Net sales 642,637 605,881 567,762
            ("2023-02-01", "2024-01-31"): 642_637 * MN,
            ("2022-02-01", "2023-01-31"): 605_881 * MN,
            ("2021-02-01", "2022-01-31"): 567_762 * MN,
        },
        "membership_and_other_income": {  # 5,488 5,408 4,992
            ("2023-02-01", "2024-01-31"): 5_488 * MN,
            ("2022-02-01", "2023-01-31"): 5_408 * MN,
            ("2021-02-01", "2022-01-31"): 4_992 * MN,
        },
        "capex": {  # (20,606) (16,857) (13,106)
            ("2023-02-01", "2024-01-31"): 20_606 * MN,
            ("2022-02-01", "2023-01-31"): 16_857 * MN,
            ("2021-02-01", "2022-01-31"): 13_106 * MN,
        },
    },
    ("WMT", "0000104169-23-000097", "wmt-20230731.htm"): {
        # Three and six months ended July 31, 2023 and 2022
        "revenue": {  # Total revenues 161,632 152,859 313,933 294,428
            ("2023-05-01", "2023-07-31"): 161_632 * MN,
            ("2022-05-01", "2022-07-31"): 152_859 * MN,
            ("2023-02-01", "2023-07-31"): 313_933 * MN,
            ("2022-02-01", "2022-07-31"): 294_428 * MN,
        },
        "net_sales": {  # Net sales 160,280 151,381 311,284 291,669
            ("2023-05-01", "2023-07-31"): 160_280 * MN,
            ("2022-05-01", "2022-07-31"): 151_381 * MN,
            ("2023-02-01", "2023-07-31"): 311_284 * MN,
            ("2022-02-01", "2022-07-31"): 291_669 * MN,
        },
        "membership_and_other_income": {  # 1,352 1,478 2,649 2,759
            ("2023-05-01", "2023-07-31"): 1_352 * MN,
            ("2022-05-01", "2022-07-31"): 1_478 * MN,
            ("2023-02-01", "2023-07-31"): 2_649 * MN,
            ("2022-02-01", "2022-07-31"): 2_759 * MN,
        },
        # The 10-Q cash-flow statement is year-to-date only: six months ended July 31
        "capex": {  # Payments for property and equipment (9,216) (7,492)
            ("2023-02-01", "2023-07-31"): 9_216 * MN,
            ("2022-02-01", "2022-07-31"): 7_492 * MN,
        },
    },
}

CASES = [
    pytest.param(key, item, expected, id=f"{key[0]}-{key[1]}-{item}")
    for key, items in EXPECTED.items()
    for item, expected in items.items()
]


@pytest.fixture(scope="module")
def resolved() -> dict[tuple[str, str, str], dict]:
    """Line items per filing, parsed once per module."""
    cache: dict = {}

    def get(key: tuple[str, str, str]) -> dict:
        if key not in cache:
            ticker = key[0]
            table = resolve_line_items(parse_facts(filing_file(*key)), ticker)
            cache[key] = {
                (r["line_item"], r["period_start"], r["period_end"]): r for r in table.to_pylist()
            }
        return cache[key]

    return get  # type: ignore[return-value]


@pytest.mark.parametrize(("key", "item", "expected"), CASES)
def test_exact_value_for_every_reported_period(key, item, expected, resolved) -> None:
    rows = resolved(key)
    got = {
        (start.isoformat(), end.isoformat()): r["value"]
        for (name, start, end), r in rows.items()
        if name == item
    }
    want = {period: Decimal(v) for period, v in expected.items()}
    # Exactly the periods the statements show: none missing, none invented.
    assert got == want


def test_every_corpus_filing_has_expectations(corpus_rows: list[dict[str, str]]) -> None:
    """A filing added to filings.csv without hand-read values fails here, by name."""
    listed = {(r["ticker"], r["accession_number"]): r for r in corpus_rows}
    covered = {(ticker, accession): doc for ticker, accession, doc in EXPECTED}
    missing = [
        f"{t} {a} ({r['form']} {r['report_date']})"
        for (t, a), r in listed.items()
        if (t, a) not in covered
    ]
    assert not missing, (
        f"no hand-read revenue/capex in tests/xbrl/test_real_values.py EXPECTED for {missing}: "
        "read them from the filing's statements and add them"
    )
    assert not set(covered) - set(listed), "EXPECTED names filings that are not in filings.csv"
    for (ticker, accession), doc in covered.items():
        row = listed[(ticker, accession)]
        assert doc in row["files"].split(";"), f"{ticker} {accession}: {doc} not in its files"
        items = EXPECTED[(ticker, accession, doc)]
        assert {"revenue", "capex"} <= set(items), f"{ticker} {accession}: revenue and capex"
        # The filing's own period (its report date) is among the periods read.
        ends = {end for periods in items.values() for _, end in periods}
        assert row["report_date"] in ends, f"{ticker} {accession}: no {row['report_date']} period"


def test_company_without_override_uses_the_default_concepts(resolved) -> None:
    """NFLX has no [company] section: revenue = Revenues, capex falls through to the second
    candidate because the filing has no PaymentsToAcquireProductiveAssets."""
    rows = resolved(("NFLX", "0001065280-24-000030", "nflx-20231231_htm.xml"))
    period = (_d("2023-01-01"), _d("2023-12-31"))
    assert rows[("revenue", *period)]["concept"] == "us-gaap:Revenues"
    capex = rows[("capex", *period)]
    assert capex["concept"] == "us-gaap:PaymentsToAcquirePropertyPlantAndEquipment"
    assert (capex["value"], capex["unit"]) == (Decimal("348552000"), "USD")


def test_amzn_revenue_example_to_the_dollar(resolved) -> None:
    rows = resolved(("AMZN", "0001018724-24-000008", "amzn-20231231.htm"))
    row = rows[("revenue", _d("2023-01-01"), _d("2023-12-31"))]
    assert row["value"] == Decimal("574785000000")
    assert row["concept"] == "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"
    assert row["unit"] == "USD"


def test_walmart_total_revenues_is_net_sales_plus_membership_income(resolved) -> None:
    rows = resolved(("WMT", "0000104169-25-000021", "wmt-20250131.htm"))
    period = (_d("2024-02-01"), _d("2025-01-31"))
    revenue = rows[("revenue", *period)]
    net_sales = rows[("net_sales", *period)]
    other = rows[("membership_and_other_income", *period)]
    assert revenue["concept"] == "us-gaap:Revenues"
    assert net_sales["concept"] == "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"
    assert other["concept"] == "us-gaap:OtherIncome"
    assert revenue["value"] == net_sales["value"] + other["value"] == Decimal("680985000000")


def test_classic_instance_fy2022_matches_fy2023_10k_for_2022(resolved) -> None:
    """The FY2022 instance and the FY2023 inline 10-K give the same 2022 line items."""
    old = resolved(("AMZN", "0001018724-23-000004", "amzn-20221231_htm.xml"))
    new = resolved(("AMZN", "0001018724-24-000008", "amzn-20231231.htm"))
    period = (_d("2022-01-01"), _d("2022-12-31"))
    old_2022 = {k[0]: (r["concept"], r["value"]) for k, r in old.items() if k[1:] == period}
    new_2022 = {k[0]: (r["concept"], r["value"]) for k, r in new.items() if k[1:] == period}
    assert set(old_2022) >= {"revenue", "capex", "operating_income", "net_income"}
    assert old_2022 == new_2022
    # And against the FY2023 10-K's displayed figures for 2022 (millions):
    assert old_2022["revenue"][1] == 513_983 * M
    assert old_2022["capex"][1] == 63_645 * M
    assert old_2022["operating_income"][1] == 12_248 * M  # Operating income 12,248
    assert old_2022["net_income"][1] == -2_722 * M  # Net income (loss) (2,722)


# Every configured line item, read from the statements (millions), one 10-K per company.
ALL_ITEMS = {
    ("AMZN", "0001018724-24-000008", "amzn-20231231.htm"): (
        ("2021-01-01", "2021-12-31", "2022-01-01", "2022-12-31", "2023-01-01", "2023-12-31"),
        {
            "revenue": (469_822, 513_983, 574_785),
            "net_sales": (469_822, 513_983, 574_785),
            "capex": (61_053, 63_645, 52_729),
            # "Proceeds from property and equipment sales and incentives"
            "proceeds_from_property_sales_and_incentives": (5_657, 5_324, 4_596),
            # "Principal repayments of finance leases" (11,163) (7,941) (4,384)
            "finance_lease_principal_repayments": (11_163, 7_941, 4_384),
            "operating_income": (24_879, 12_248, 36_852),
            "net_income": (33_364, -2_722, 30_425),  # Net income (loss): (2,722) in 2022
            "consolidated_net_income": (33_364, -2_722, 30_425),
            "operating_cash_flow": (46_327, 46_752, 84_946),
        },
    ),
    ("WMT", "0000104169-25-000021", "wmt-20250131.htm"): (
        ("2022-02-01", "2023-01-31", "2023-02-01", "2024-01-31", "2024-02-01", "2025-01-31"),
        {
            "revenue": (611_289, 648_125, 680_985),
            "net_sales": (605_881, 642_637, 674_538),
            "membership_and_other_income": (5_408, 5_488, 6_447),
            "capex": (16_857, 20_606, 23_783),
            # "Proceeds from the disposal of property and equipment" 432 250 170
            "proceeds_from_property_sales_and_incentives": (170, 250, 432),
            # Lease note: "Financing cash flows from finance leases" 908 1,055 (563 FY2023)
            "finance_lease_principal_repayments": (563, 1_055, 908),
            "operating_income": (20_428, 27_012, 29_348),
            # "Consolidated net income attributable to Walmart" 19,436 15,511 11,680
            "net_income": (11_680, 15_511, 19_436),
            # "Consolidated net income" 20,157 16,270 11,292
            "consolidated_net_income": (11_292, 16_270, 20_157),
            "operating_cash_flow": (28_841, 35_726, 36_443),
        },
    ),
}


@pytest.mark.parametrize("key", list(ALL_ITEMS), ids=lambda k: f"{k[0]}-{k[1]}")
def test_every_line_item_of_a_10k(key, resolved) -> None:
    dates, items = ALL_ITEMS[key]
    periods = [(_d(dates[i]), _d(dates[i + 1])) for i in (0, 2, 4)]
    rows = resolved(key)
    got = {
        item: tuple(rows[(item, *p)]["value"] if (item, *p) in rows else None for p in periods)
        for item in items
    }
    want = {item: tuple(Decimal(v) * M for v in values) for item, values in items.items()}
    assert got == want
