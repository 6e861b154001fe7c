"""Build the core schema: fiscal calendar, period classes, resolved values, financials."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from pipeline.periods import (
    DATE_TOLERANCE_DAYS,
    DEFAULT_FISCAL_YEAR_ENDS,
    PERIOD_LENGTHS,
    FiscalYearEnd,
    calendar_table,
)
from pipeline.warehouse.raw import StepHook, _noop
from pipeline.warehouse.sql import CORE_GLOBAL, CORE_PER_COMPANY, run_sql_file


def fiscal_year_ends(
    con: duckdb.DuckDBPyConnection, defaults: Mapping[str, str] = DEFAULT_FISCAL_YEAR_ENDS
) -> dict[str, str]:
    """MMDD per company: the catalog's latest valid value, else ``defaults``.

    Companies with neither get no calendar; their periods are classified 'other'.
    """
    catalog = dict(
        con.execute(
            "SELECT ticker, arg_max(fiscal_year_end, filing_date) FROM raw.filings "
            "WHERE fiscal_year_end IS NOT NULL GROUP BY ticker"
        ).fetchall()
    )
    tickers = {
        t
        for (t,) in con.execute(
            "SELECT DISTINCT ticker FROM raw.line_items UNION SELECT ticker FROM raw.filings"
        ).fetchall()
    }
    out: dict[str, str] = {}
    for ticker in sorted(tickers):
        for candidate in (catalog.get(ticker), defaults.get(ticker)):
            try:
                out[ticker] = str(FiscalYearEnd.parse(candidate or ""))
                break
            except ValueError:
                continue
    return out


def write_calendar(
    con: duckdb.DuckDBPyConnection, fyes: Mapping[str, str]
) -> tuple[int, int] | None:
    """(Re)write core.period_lengths and core.fiscal_calendar; return the years covered."""
    con.execute(
        "CREATE OR REPLACE TABLE core.period_lengths (period_kind VARCHAR PRIMARY KEY, "
        "min_days INTEGER NOT NULL, max_days INTEGER NOT NULL, tolerance_days INTEGER NOT NULL)"
    )
    con.executemany(
        "INSERT INTO core.period_lengths VALUES (?, ?, ?, ?)",
        [(k, lo, hi, DATE_TOLERANCE_DAYS) for k, (lo, hi) in PERIOD_LENGTHS.items()],
    )
    lo, hi = con.execute(
        "SELECT min(year(period_start)), max(year(period_end)) FROM raw.line_items"
    ).fetchall()[0]
    years = range(lo - 1, hi + 2) if lo is not None else range(0)
    con.register("fiscal_calendar_arrow", calendar_table(fyes, years))
    # no try/finally: an unregister in an aborted transaction would hide the real error
    con.execute(
        "CREATE OR REPLACE TABLE core.fiscal_calendar AS SELECT * FROM fiscal_calendar_arrow"
    )
    con.unregister("fiscal_calendar_arrow")
    return (years.start, years.stop - 1) if lo is not None else None


def build_core(
    con: duckdb.DuckDBPyConnection,
    *,
    default_fiscal_year_ends: Mapping[str, str] = DEFAULT_FISCAL_YEAR_ENDS,
    on_step: StepHook = _noop,
    per_company: bool = True,
) -> None:
    """Rebuild the core tables from the raw schema (in the caller's transaction).

    With ``per_company=False`` only the global ones (calendar, period lengths, line item
    definitions): the caller recomputes the per-company tables (``company_scope.py``) or
    builds them for every company with :func:`build_company_tables`.
    """
    write_calendar(con, fiscal_year_ends(con, default_fiscal_year_ends))
    on_step("core.fiscal_calendar", con)
    for name in CORE_GLOBAL:
        run_sql_file(con, name)
        on_step(name, con)
    if per_company:
        build_company_tables(con, on_step=on_step)


def build_company_tables(con: duckdb.DuckDBPyConnection, *, on_step: StepHook = _noop) -> None:
    """Rebuild the per-company core tables for every company (in the caller's transaction)."""
    for name in CORE_PER_COMPANY:
        run_sql_file(con, name)
        on_step(name, con)
