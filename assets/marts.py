"""Marts layer: comparison tables rebuilt from core.financials in every snapshot build.

The marts are built in the same step and snapshot as the warehouse tables
(``assets/warehouse.py``), so a reader never sees marts of another load than the core.
"""

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset_check,
)

from pipeline.metadata import table_metadata
from pipeline.warehouse import markdown_preview, row_counts
from pipeline.warehouse.resource import DuckDBWarehouse

GROUP = "marts"
OWNERS = ["team:data-eng"]
POOL = "duckdb"
CODE_VERSION = "1"
FINANCIALS_KEY = AssetKey(["warehouse", "financials"])  # defined in assets/warehouse.py

COMPANY_QUARTERS_KEY = AssetKey([GROUP, "company_quarters"])
QUARTERLY_KEY = AssetKey([GROUP, "quarterly_comparison"])
TTM_KEY = AssetKey([GROUP, "ttm_comparison"])
ANNUAL_KEY = AssetKey([GROUP, "annual_comparison"])
CAPEX_KEY = AssetKey([GROUP, "capex_intensity"])

# asset key -> (table, unique key columns, preview query)
MARTS: dict[AssetKey, tuple[str, tuple[str, ...], str]] = {
    COMPANY_QUARTERS_KEY: (
        "marts.company_quarters",
        ("ticker", "fiscal_year", "fiscal_quarter"),
        "SELECT ticker, fiscal_label, calendar_label, revenue, capex, ttm_revenue, notes "
        "FROM marts.company_quarters ORDER BY period_end DESC, ticker",
    ),
    QUARTERLY_KEY: (
        "marts.quarterly_comparison",
        ("calendar_year", "calendar_quarter"),
        "SELECT calendar_label, amzn_fiscal_quarter, amzn_revenue, amzn_capex, "
        "wmt_fiscal_quarter, wmt_revenue, wmt_capex, is_complete "
        "FROM marts.quarterly_comparison ORDER BY calendar_year DESC, calendar_quarter DESC",
    ),
    TTM_KEY: (
        "marts.ttm_comparison",
        ("calendar_year", "calendar_quarter"),
        "SELECT calendar_label, amzn_ttm_revenue, wmt_ttm_revenue, revenue_leader, "
        "revenue_leader_since, amzn_ttm_capex, wmt_ttm_capex, capex_leader "
        "FROM marts.ttm_comparison ORDER BY calendar_year DESC, calendar_quarter DESC",
    ),
    ANNUAL_KEY: (
        "marts.annual_comparison",
        ("basis", "year"),
        "SELECT label, amzn_fiscal_year, amzn_revenue, wmt_fiscal_year, wmt_revenue, "
        "revenue_gap_amzn_minus_wmt, amzn_capex, wmt_capex, notes "
        "FROM marts.annual_comparison ORDER BY basis, year DESC",
    ),
    CAPEX_KEY: (
        "marts.capex_intensity",
        ("ticker", "fiscal_year"),
        "SELECT ticker, fiscal_label, revenue, capex, capex_incl_finance_leases, "
        "capex_to_revenue, free_cash_flow, notes "
        "FROM marts.capex_intensity ORDER BY fiscal_year DESC, ticker",
    ),
}

DESCRIPTIONS = {
    COMPANY_QUARTERS_KEY: (
        "One row per company and fiscal quarter (gap-free sequence): revenue, capex, "
        "capex/revenue, YoY growth and TTM sums; missing quarters are NULL rows with notes."
    ),
    QUARTERLY_KEY: (
        "Per calendar quarter, AMZN and WMT side by side: revenue, capex, capex/revenue, YoY "
        "growth (WMT's quarter ending 2023-07-31 beside AMZN's ending 2023-06-30)."
    ),
    TTM_KEY: (
        "TTM revenue and capex per company at each calendar quarter, the leader, whether the "
        "lead changed and since when; a TTM with a missing quarter is NULL and noted."
    ),
    ANNUAL_KEY: (
        "Per fiscal year and per calendar-aligned year: both companies' revenue and capex and "
        "the gap (AMZN minus WMT)."
    ),
    CAPEX_KEY: (
        "Per company and fiscal year: capex, capex incl. finance lease principal repayments, "
        "capex/revenue, free cash flow (operating cash flow minus capex)."
    ),
}


def _spec(key: AssetKey) -> AssetSpec:
    deps = [FINANCIALS_KEY] if key == COMPANY_QUARTERS_KEY else [COMPANY_QUARTERS_KEY]
    return AssetSpec(
        key,
        deps=deps,
        description=DESCRIPTIONS[key] + f" Table {MARTS[key][0]}; see warehouse/README.md.",
        kinds={"duckdb"},
        owners=OWNERS,
        code_version=CODE_VERSION,
        group_name=GROUP,
        metadata={"table": MARTS[key][0]},
    )


MART_SPECS = [_spec(key) for key in MARTS]


def mart_results(
    context: AssetExecutionContext, con: duckdb.DuckDBPyConnection
) -> list[MaterializeResult]:
    """The marts' materializations, read from the snapshot that was just built."""
    counts = row_counts(con, ("marts",))
    results = []
    for key, (table, _, preview) in MARTS.items():
        context.log.info(f"{table}: {counts[table]} rows")
        results.append(
            MaterializeResult(
                asset_key=key,
                metadata={
                    "dagster/row_count": counts[table],
                    **table_metadata(con, table),
                    "preview": MetadataValue.md(markdown_preview(con, preview)),
                },
            )
        )
    return results


def _unique_check(key: AssetKey):
    table, columns, _ = MARTS[key]
    cols = ", ".join(columns)

    @asset_check(
        asset=key,
        name="unique_keys",
        description=f"No two rows of {table} share ({cols}).",
        pool=POOL,
    )
    def check(context: AssetCheckExecutionContext, warehouse: DuckDBWarehouse) -> AssetCheckResult:
        with warehouse.read() as con:
            dupes = con.execute(
                f"SELECT {cols}, count(*) AS n FROM {table} GROUP BY ALL HAVING n > 1"
            ).fetchall()
        return AssetCheckResult(
            passed=not dupes,
            metadata={"duplicate_keys": len(dupes), "examples": MetadataValue.text(str(dupes[:5]))},
        )

    return check


@asset_check(
    asset=TTM_KEY,
    description="Calendar quarters where a TTM is incomplete (a quarter missing): reported.",
    pool=POOL,
)
def ttm_complete(
    context: AssetCheckExecutionContext, warehouse: DuckDBWarehouse
) -> AssetCheckResult:
    with warehouse.read() as con:
        incomplete = markdown_preview(
            con,
            "SELECT calendar_label, notes FROM marts.ttm_comparison WHERE NOT is_complete "
            "ORDER BY calendar_year DESC, calendar_quarter DESC",
            limit=40,
        )
        (n,) = con.execute(
            "SELECT count(*) FROM marts.ttm_comparison WHERE NOT is_complete"
        ).fetchall()[0]
    return AssetCheckResult(
        passed=n == 0,
        severity=AssetCheckSeverity.WARN,
        metadata={"failing_rows": n, "rows": MetadataValue.md(incomplete)},
    )


mart_checks = [*(_unique_check(key) for key in MARTS), ttm_complete]
