"""Small query helpers for the warehouse tests."""

from __future__ import annotations

from decimal import Decimal

import duckdb

M = Decimal(1_000_000)


def financial(
    con: duckdb.DuckDBPyConnection, ticker: str, line_item: str, fiscal_label: str
) -> dict | None:
    """The core.financials row for a company, line item and label (e.g. FY2023Q4)."""
    cur = con.execute(
        "SELECT * FROM core.financials WHERE ticker = ? AND line_item = ? AND fiscal_label = ?",
        [ticker, line_item, fiscal_label],
    )
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) <= 1
    return dict(zip(names, rows[0], strict=True)) if rows else None


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    """All rows of a query as dicts."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> dict:
    """The single row of a query as a dict."""
    result = rows(con, sql, params)
    assert len(result) == 1, result
    return result[0]
