"""The fiscal calendar and the calendar-alignment rule (pure Python)."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.periods import (
    FiscalYearEnd,
    calendar_quarter_of,
    calendar_table,
    fiscal_periods,
    fiscal_year_bounds,
    fiscal_year_of,
    length_class,
)


def test_walmart_fiscal_year_is_named_for_the_year_it_ends_in() -> None:
    assert fiscal_year_bounds(2025, "0131") == (date(2024, 2, 1), date(2025, 1, 31))
    assert fiscal_year_of(date(2024, 2, 1), "0131") == 2025
    assert fiscal_year_of(date(2024, 1, 31), "0131") == 2024
    assert fiscal_year_bounds(2024, "1231") == (date(2024, 1, 1), date(2024, 12, 31))


def test_walmart_quarters_align_to_calendar_quarters() -> None:
    q = {p.fiscal_period: p for p in fiscal_periods("WMT", "0131", 2024)}
    assert (q["Q1"].period_start, q["Q1"].period_end) == (date(2023, 2, 1), date(2023, 4, 30))
    assert q["Q1"].calendar_label == "CY2023Q1"  # Feb-Apr is calendar Q1
    assert (q["Q2"].period_end, q["Q2"].calendar_label) == (date(2023, 7, 31), "CY2023Q2")
    assert (q["Q3"].period_end, q["Q3"].calendar_label) == (date(2023, 10, 31), "CY2023Q3")
    assert (q["Q4"].period_end, q["Q4"].calendar_label) == (date(2024, 1, 31), "CY2023Q4")
    assert q["FY"].calendar_label == "CY2023"
    assert (q["H1"].period_end, q["M9"].period_end) == (date(2023, 7, 31), date(2023, 10, 31))


def test_amazon_and_walmart_q2_share_a_calendar_quarter() -> None:
    amzn = {p.fiscal_period: p for p in fiscal_periods("AMZN", "1231", 2023)}
    wmt = {p.fiscal_period: p for p in fiscal_periods("WMT", "0131", 2024)}
    assert amzn["Q2"].period_end == date(2023, 6, 30)
    assert amzn["Q2"].calendar_label == wmt["Q2"].calendar_label == "CY2023Q2"


def test_midpoint_rule() -> None:
    # Nov 1 - Jan 31: midpoint Dec 16 -> Q4 of the earlier year.
    assert calendar_quarter_of(date(2024, 11, 1), date(2025, 1, 31)) == (2024, 4)
    # Mostly in Q2 (May 16 - Aug 14): midpoint Jun 30 -> Q2.
    assert calendar_quarter_of(date(2024, 5, 16), date(2024, 8, 14)) == (2024, 2)


@pytest.mark.parametrize("fye", ["1231", "0131", "0930", "0630", "0228", "0215"])
def test_every_fiscal_quarter_maps_to_exactly_one_calendar_quarter(fye: str) -> None:
    table = calendar_table({"X": fye}, range(2000, 2031)).to_pylist()
    quarters = [r for r in table if r["period_kind"] == "quarter"]
    keys = [(r["calendar_year"], r["calendar_quarter"]) for r in quarters]
    assert len(keys) == len(set(keys)) == 31 * 4
    # consecutive and gap-free
    seq = sorted(y * 4 + q for y, q in keys)
    assert seq == list(range(seq[0], seq[0] + len(seq)))


def test_the_calendar_of_many_companies_is_each_companys_own_periods() -> None:
    fyes = {"B": "0131", "A": "1231", "C": "1231", "D": "0930", "E": "0131"}
    table = calendar_table(fyes, [2024, 2023]).to_pylist()
    expected = [
        {**vars(p), "fiscal_label": p.fiscal_label, "calendar_label": p.calendar_label}
        for ticker in sorted(fyes)
        for year in (2023, 2024)
        for p in fiscal_periods(ticker, fyes[ticker], year)
    ]
    assert table == expected
    assert calendar_table({}, [2024]).num_rows == 0


def test_fiscal_year_end_parsing() -> None:
    assert str(FiscalYearEnd.parse("0131")) == "0131"
    assert fiscal_year_bounds(2024, "0228")[1] == date(2024, 2, 29)  # month end in a leap year
    for bad in ("1331", "0132", "13", "abcd"):
        with pytest.raises(ValueError):
            FiscalYearEnd.parse(bad)


def test_length_classes_follow_dqc_0006() -> None:
    assert length_class(76) == "other"
    assert length_class(77) == length_class(119) == "quarter"
    assert length_class(154) == length_class(204) == "six_months"
    assert length_class(238) == length_class(287) == "nine_months"
    assert length_class(350) == length_class(371) == length_class(379) == "year"
    assert length_class(380) == "other"


@pytest.mark.parametrize("fye", ["1231", "0131", "0930", "0630", "0331", "0228"])
def test_month_end_year_ends_follow_each_quarters_own_midpoint(fye: str) -> None:
    for year in range(1999, 2031):
        for p in fiscal_periods("X", fye, year):
            if p.period_kind == "quarter":
                assert (p.calendar_year, p.calendar_quarter) == calendar_quarter_of(
                    p.period_start, p.period_end
                )
