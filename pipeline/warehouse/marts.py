"""Build the marts schema from core."""

from __future__ import annotations

import duckdb

from pipeline.warehouse.raw import StepHook, _noop
from pipeline.warehouse.sql import MARTS, run_sql_file

MART_TABLES = (
    "marts.company_quarters",
    "marts.quarterly_comparison",
    "marts.ttm_comparison",
    "marts.annual_comparison",
    "marts.capex_intensity",
)


def build_marts(con: duckdb.DuckDBPyConnection, *, on_step: StepHook = _noop) -> None:
    """Rebuild every mart table (in the caller's transaction)."""
    for name in MARTS:
        run_sql_file(con, name)
        on_step(name, con)
