"""Fiscal calendars and the calendar-alignment rule (no Dagster, no DuckDB).

The warehouse classifies reported periods in SQL by joining them to the calendar built
here (see ``warehouse/core/periods.sql``); this package owns the rules themselves.
"""

from pipeline.periods.calendar import (
    CALENDAR_SCHEMA,
    DEFAULT_FISCAL_YEAR_ENDS,
    FiscalPeriod,
    FiscalYearEnd,
    calendar_quarter_of,
    calendar_table,
    fiscal_periods,
    fiscal_year_bounds,
    fiscal_year_of,
)
from pipeline.periods.lengths import DATE_TOLERANCE_DAYS, PERIOD_LENGTHS, length_class

__all__ = [
    "CALENDAR_SCHEMA",
    "DATE_TOLERANCE_DAYS",
    "DEFAULT_FISCAL_YEAR_ENDS",
    "PERIOD_LENGTHS",
    "FiscalPeriod",
    "FiscalYearEnd",
    "calendar_quarter_of",
    "calendar_table",
    "fiscal_periods",
    "fiscal_year_bounds",
    "fiscal_year_of",
    "length_class",
]
