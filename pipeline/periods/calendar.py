"""Fiscal calendar per company and the one calendar-alignment rule.

Fiscal year ``Y`` is named for the calendar year it ends in: with a year end of ``0131``,
fiscal 2025 runs 2024-02-01..2025-01-31. Quarters are three-month steps from the fiscal
year start. These are *nominal* dates; 52/53-week filers report dates a few days off,
which the warehouse matches with :data:`pipeline.periods.DATE_TOLERANCE_DAYS`.

Alignment rule (one rule for quarters and years): a fiscal period belongs to the calendar
quarter (or year) that contains its **midpoint**, ``start + (end - start) // 2``, computed on
the nominal dates. For a period spanning at most two calendar quarters that is the quarter
holding the majority of its days, which is how SEC frames pick "the calendar period that most
closely fits". Walmart's Feb-Apr quarter is CY Q1; its quarter ending 2023-07-31 is CY2023Q2
(next to Amazon's quarter ending 2023-06-30); its fiscal 2025 (Feb 2024-Jan 2025) is CY2024.

The midpoint is evaluated once per fiscal year end, on a reference non-leap fiscal year
(:data:`REFERENCE_FISCAL_YEAR`), and carried forward: fiscal quarter ``q`` of year ``Y`` is
the calendar quarter ``(Y - ref)*4 + (q - 1)`` quarters after Q1 of the reference year. For
month-end year ends this equals the per-period midpoint every year; for mid-month year ends
(e.g. 0215, where a quarter's midpoint sits on a quarter boundary and leap days move it) it
keeps the mapping a bijection: every fiscal quarter in exactly one calendar quarter, no two
fiscal quarters of a company in the same one.
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import pyarrow as pa

# Used when the catalog has no row for a company (the catalog's fiscal_year_end wins).
DEFAULT_FISCAL_YEAR_ENDS: dict[str, str] = {"AMZN": "1231", "WMT": "0131"}


@dataclass(frozen=True)
class FiscalYearEnd:
    """A fiscal year end as SEC writes it: ``MMDD`` (``1231``, ``0131``)."""

    month: int
    day: int

    @classmethod
    def parse(cls, mmdd: str) -> FiscalYearEnd:
        """Parse ``MMDD``; raise ``ValueError`` when it is not a valid month and day."""
        text = mmdd.strip()
        if len(text) != 4 or not text.isdigit():
            raise ValueError(f"fiscal year end {mmdd!r} is not MMDD")
        month, day = int(text[:2]), int(text[2:])
        if not 1 <= month <= 12 or not 1 <= day <= _cal.monthrange(2000, month)[1]:
            raise ValueError(f"fiscal year end {mmdd!r} is not a day of the year")
        return cls(month, day)

    @property
    def is_month_end(self) -> bool:
        """True when the year ends on the last day of its month (0228 counts, 0229 too)."""
        return self.day >= _cal.monthrange(2001, self.month)[1]

    def end_of(self, fiscal_year: int) -> date:
        """Nominal last day of fiscal year ``fiscal_year``."""
        last = _cal.monthrange(fiscal_year, self.month)[1]
        return date(fiscal_year, self.month, last if self.is_month_end else min(self.day, last))

    def __str__(self) -> str:
        return f"{self.month:02d}{self.day:02d}"


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def fiscal_year_bounds(fiscal_year: int, fye: FiscalYearEnd | str) -> tuple[date, date]:
    """Nominal (start, end) of a fiscal year."""
    fye = FiscalYearEnd.parse(fye) if isinstance(fye, str) else fye
    return fye.end_of(fiscal_year - 1) + timedelta(days=1), fye.end_of(fiscal_year)


def fiscal_year_of(day: date, fye: FiscalYearEnd | str) -> int:
    """The fiscal year a date falls in (named for the calendar year the fiscal year ends in)."""
    fye = FiscalYearEnd.parse(fye) if isinstance(fye, str) else fye
    return day.year if day <= fye.end_of(day.year) else day.year + 1


def _midpoint(start: date, end: date) -> date:
    return start + timedelta(days=(end - start).days // 2)


def calendar_quarter_of(start: date, end: date) -> tuple[int, int]:
    """(calendar year, calendar quarter) containing the period's midpoint."""
    mid = _midpoint(start, end)
    return mid.year, (mid.month - 1) // 3 + 1


REFERENCE_FISCAL_YEAR = 2003  # runs through 2002-2003: no leap day for any year end


def _alignment(fye: FiscalYearEnd) -> tuple[int, int]:
    """(quarter offset, year offset): calendar index of Q1 and calendar year of the FY."""
    start, end = fiscal_year_bounds(REFERENCE_FISCAL_YEAR, fye)
    q1_end = _add_months(start, 3) - timedelta(days=1)
    cy, cq = calendar_quarter_of(start, q1_end)
    quarter_offset = cy * 4 + (cq - 1) - REFERENCE_FISCAL_YEAR * 4
    year_offset = _midpoint(start, end).year - REFERENCE_FISCAL_YEAR
    return quarter_offset, year_offset


@dataclass(frozen=True)
class FiscalPeriod:
    """One nominal period of a company's fiscal calendar."""

    ticker: str
    fiscal_year_end: str
    fiscal_year: int
    fiscal_period: str  # Q1..Q4, H1 (six months YTD), M9 (nine months YTD), FY
    period_kind: str  # quarter | six_months | nine_months | year
    fiscal_quarter: int | None  # 1..4 for quarters and YTD ends, None for FY
    period_start: date
    period_end: date
    calendar_year: int
    calendar_quarter: int | None  # None except for quarters

    @property
    def fiscal_label(self) -> str:
        return f"FY{self.fiscal_year}" + ("" if self.fiscal_period == "FY" else self.fiscal_period)

    @property
    def calendar_label(self) -> str:
        suffix = f"Q{self.calendar_quarter}" if self.calendar_quarter else ""
        return f"CY{self.calendar_year}{suffix}"


def fiscal_periods(ticker: str, fye: FiscalYearEnd | str, fiscal_year: int) -> list[FiscalPeriod]:
    """The seven nominal periods of one fiscal year: Q1-Q4, H1, M9 and FY."""
    fye = FiscalYearEnd.parse(fye) if isinstance(fye, str) else fye
    start, end = fiscal_year_bounds(fiscal_year, fye)
    quarter_offset, year_offset = _alignment(fye)
    out: list[FiscalPeriod] = []

    def add(name: str, kind: str, quarter: int | None, p_start: date, p_end: date) -> None:
        cy, cq = fiscal_year + year_offset, None
        if kind == "quarter":
            index = fiscal_year * 4 + quarter_offset + (quarter or 1) - 1
            cy, cq = index // 4, index % 4 + 1
        out.append(
            FiscalPeriod(ticker, str(fye), fiscal_year, name, kind, quarter, p_start, p_end, cy, cq)
        )

    for q in range(1, 5):
        q_start = _add_months(start, 3 * (q - 1))
        q_end = end if q == 4 else _add_months(start, 3 * q) - timedelta(days=1)
        add(f"Q{q}", "quarter", q, q_start, q_end)
    add("H1", "six_months", 2, start, _add_months(start, 6) - timedelta(days=1))
    add("M9", "nine_months", 3, start, _add_months(start, 9) - timedelta(days=1))
    add("FY", "year", None, start, end)
    return out


CALENDAR_SCHEMA = pa.schema(
    [
        pa.field("ticker", pa.string(), nullable=False),
        pa.field("fiscal_year_end", pa.string(), nullable=False),
        pa.field("fiscal_year", pa.int32(), nullable=False),
        pa.field("fiscal_period", pa.string(), nullable=False),
        pa.field("period_kind", pa.string(), nullable=False),
        pa.field("fiscal_quarter", pa.int32()),
        pa.field("period_start", pa.date32(), nullable=False),
        pa.field("period_end", pa.date32(), nullable=False),
        pa.field("calendar_year", pa.int32(), nullable=False),
        pa.field("calendar_quarter", pa.int32()),
        pa.field("fiscal_label", pa.string(), nullable=False),
        pa.field("calendar_label", pa.string(), nullable=False),
    ]
)


def _periods_table(periods: Iterable[FiscalPeriod]) -> pa.Table:
    columns: dict[str, list] = {name: [] for name in CALENDAR_SCHEMA.names}
    for p in periods:
        for name in CALENDAR_SCHEMA.names:
            columns[name].append(getattr(p, name))
    return pa.table(columns, schema=CALENDAR_SCHEMA)


def calendar_table(fiscal_year_ends: Mapping[str, str], fiscal_years: Iterable[int]) -> pa.Table:
    """Arrow table of every company's nominal periods for the given fiscal years.

    The periods depend on the fiscal year end alone: they are computed once per distinct
    fiscal year end (a handful, however many companies) and repeated under each ticker.
    """
    years = sorted(set(fiscal_years))
    templates: dict[str, pa.Table] = {}
    parts = []
    ticker_field = CALENDAR_SCHEMA.field("ticker")
    for ticker, fye in sorted(fiscal_year_ends.items()):
        key = str(FiscalYearEnd.parse(fye) if isinstance(fye, str) else fye)
        if key not in templates:
            templates[key] = _periods_table(p for y in years for p in fiscal_periods("", key, y))
        template = templates[key]
        tickers = pa.array([ticker] * template.num_rows, pa.string())
        parts.append(template.set_column(0, ticker_field, tickers))
    return pa.concat_tables(parts) if parts else CALENDAR_SCHEMA.empty_table()
