"""Reported figures and whole-warehouse dumps that fault tests compare after a fault."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb

B = 1_000_000
# Hand-read from the filings (income statement, cash-flow statement), in USD.
AMZN_FY2023 = {"revenue": Decimal(574_785 * B), "capex": Decimal(52_729 * B)}
AMZN_FY2024 = {"revenue": Decimal(637_959 * B), "capex": Decimal(82_999 * B)}
WMT_FY2024_REVENUE = Decimal(648_125 * B)
WMT_FY2025 = {"revenue": Decimal(680_985 * B), "capex": Decimal(23_783 * B)}


def fy_values(warehouse: Path, ticker: str, fiscal_year: int) -> dict[str, Decimal]:
    """Reported FY revenue and capex of one company in core.financials."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT line_item, value FROM core.financials WHERE ticker = ? AND fiscal_year = ? "
            "AND fiscal_period = 'FY' AND line_item IN ('revenue', 'capex')",
            [ticker, fiscal_year],
        ).fetchall()
    return {item: Decimal(value) for item, value in rows}


def warehouse_dump(path: Path) -> dict[str, list[str]]:
    """Every base table, rows sorted as text (the data folder's own path masked)."""
    folder = str(path.parent)
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE' "
                # the load's own bookkeeping (paths, load times) is not warehouse data
                "AND table_schema || '.' || table_name <> 'raw.loaded_files' ORDER BY 1"
            ).fetchall()
        ]
        return {
            t: sorted(
                repr(r).replace(folder, "<data>") for r in con.execute(f"FROM {t}").fetchall()
            )
            for t in tables
        }
