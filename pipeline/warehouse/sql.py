"""Where the warehouse SQL lives and how a file of it is run."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.config import REPO_ROOT

SQL_ROOT = REPO_ROOT / "warehouse"

SCHEMA = ("schema.sql",)
STAGING = {
    "catalog_stage": "staging/catalog_stage.sql",
    "catalog": "staging/catalog.sql",
    "facts": "staging/facts.sql",
    "line_items": "staging/line_items.sql",
}
# core.period_lengths and core.fiscal_calendar are written from Python before these run.
# Tables the same for every company (no ticker), rebuilt whole on every build:
CORE_GLOBAL = ("core/line_item_definitions.sql",)
CORE_GLOBAL_TABLES = ("core.period_lengths", "core.fiscal_calendar", "core.line_item_definitions")
# Tables computed per company: nothing in them joins one company's rows to another's, so a
# build may recompute them for the companies it changed alone (company_scope.py).
CORE_PER_COMPANY = (
    "core/periods.sql",
    "core/observations.sql",
    "core/reported_values.sql",
    "core/financials.sql",
    "core/quarter_gaps.sql",
    "core/ttm.sql",
)
CORE = (*CORE_GLOBAL, *CORE_PER_COMPANY)
# marts.compare_set is written from Python (pipeline/warehouse/marts.py) before these run.
MARTS = (
    "marts/usd.sql",
    "marts/company_quarters.sql",
    "marts/set_standings.sql",
    "marts/quarterly_comparison.sql",
    "marts/ttm_comparison.sql",
    "marts/annual_comparison.sql",
    "marts/lead_changes.sql",
    "marts/pair_comparison.sql",
    "marts/capex_intensity.sql",
)


def sql_path(name: str) -> Path:
    """Absolute path of a SQL file given relative to ``warehouse/``."""
    return SQL_ROOT / name


def read_sql(name: str) -> str:
    """Text of a SQL file given relative to ``warehouse/``."""
    return sql_path(name).read_text(encoding="utf-8")


def run_sql_file(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Execute every statement of a SQL file on ``con`` (inside the caller's transaction)."""
    con.execute(read_sql(name))


def sql_literal(text: str) -> str:
    """A single-quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
