"""Marts layer: comparison tables rebuilt from core in every snapshot build.

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
CODE_VERSION = "2"
FINANCIALS_KEY = AssetKey(["warehouse", "financials"])  # defined in assets/warehouse.py
CORE_TTM_KEY = AssetKey(["warehouse", "ttm"])  # core.ttm, defined in assets/warehouse.py

COMPARE_SET_KEY = AssetKey([GROUP, "compare_set"])
COMPANY_QUARTERS_KEY = AssetKey([GROUP, "company_quarters"])
STANDINGS_KEY = AssetKey([GROUP, "set_standings"])
QUARTERLY_KEY = AssetKey([GROUP, "quarterly_comparison"])
TTM_KEY = AssetKey([GROUP, "ttm_comparison"])
ANNUAL_KEY = AssetKey([GROUP, "annual_comparison"])
LEAD_CHANGES_KEY = AssetKey([GROUP, "lead_changes"])
PAIR_KEY = AssetKey([GROUP, "pair_comparison"])
CAPEX_KEY = AssetKey([GROUP, "capex_intensity"])

# asset key -> (table, unique key columns, preview query)
MARTS: dict[AssetKey, tuple[str, tuple[str, ...], str]] = {
    COMPARE_SET_KEY: (
        "marts.compare_set",
        ("position",),
        "SELECT position, company, ticker, in_set, pair_side, chosen_by "
        "FROM marts.compare_set ORDER BY position",
    ),
    COMPANY_QUARTERS_KEY: (
        "marts.company_quarters",
        ("ticker", "fiscal_year", "fiscal_quarter"),
        "SELECT ticker, fiscal_label, calendar_label, revenue, capex, ttm_revenue, "
        "ttm_revenue_method, ttm_capex, ttm_capex_method, notes "
        "FROM marts.company_quarters ORDER BY period_end DESC, ticker",
    ),
    STANDINGS_KEY: (
        "marts.set_standings",
        ("grain", "period_label", "ticker", "line_item"),
        "SELECT grain, period_label, ticker, line_item, value, method, rank, leader, "
        "gap_to_leader, share_of_set, notes FROM marts.set_standings "
        "ORDER BY period_year DESC, period_quarter DESC NULLS LAST, grain, line_item, rank",
    ),
    QUARTERLY_KEY: (
        "marts.quarterly_comparison",
        ("calendar_year", "calendar_quarter", "ticker"),
        "SELECT calendar_label, ticker, fiscal_label, revenue, revenue_rank, revenue_leader, "
        "capex, capex_rank, capex_leader, notes FROM marts.quarterly_comparison "
        "ORDER BY calendar_year DESC, calendar_quarter DESC, ticker",
    ),
    TTM_KEY: (
        "marts.ttm_comparison",
        ("calendar_year", "calendar_quarter", "ticker"),
        "SELECT calendar_label, ticker, fiscal_label, ttm_revenue, ttm_revenue_method, "
        "revenue_rank, revenue_leader, revenue_gap_to_leader, ttm_capex, ttm_capex_method, "
        "capex_leader FROM marts.ttm_comparison "
        "ORDER BY calendar_year DESC, calendar_quarter DESC, ticker",
    ),
    ANNUAL_KEY: (
        "marts.annual_comparison",
        ("basis", "year", "ticker"),
        "SELECT label, ticker, fiscal_label, period_end, revenue, revenue_rank, revenue_leader, "
        "revenue_gap_to_leader, revenue_share_of_set, capex, capex_leader, notes "
        "FROM marts.annual_comparison ORDER BY basis, year DESC, ticker",
    ),
    LEAD_CHANGES_KEY: (
        "marts.lead_changes",
        ("line_item", "calendar_year", "calendar_quarter"),
        "SELECT line_item, calendar_label, previous_leader, new_leader, new_leader_ttm, "
        "previous_leader_ttm, gap, notes FROM marts.lead_changes "
        "ORDER BY calendar_year DESC, calendar_quarter DESC, line_item",
    ),
    PAIR_KEY: (
        "marts.pair_comparison",
        ("calendar_year", "calendar_quarter"),
        "SELECT calendar_label, a_ticker, a_ttm_revenue, b_ticker, b_ttm_revenue, "
        "revenue_gap_a_minus_b, revenue_leader, a_ttm_capex, b_ttm_capex, capex_leader "
        "FROM marts.pair_comparison ORDER BY calendar_year DESC, calendar_quarter DESC",
    ),
    CAPEX_KEY: (
        "marts.capex_intensity",
        ("ticker", "fiscal_year"),
        "SELECT ticker, fiscal_label, revenue, capex, capex_incl_finance_leases, "
        "capex_to_revenue, free_cash_flow, notes "
        "FROM marts.capex_intensity ORDER BY fiscal_year DESC, ticker",
    ),
}

_SET = (
    " rank, leader, gap to the leader and share of the compare set (marts.compare_set): a "
    "company without a value is ranked NULL with a note; a leader is named only when every "
    "company of the set has a value."
)

DESCRIPTIONS = {
    COMPARE_SET_KEY: (
        "The companies the comparison marts rank: every company in the warehouse unless "
        "EDGAR_COMPARE names some; pair_side 'a'/'b' marks the pair of marts.pair_comparison "
        "(the first two of EDGAR_COMPARE, else of EDGAR_COMPANIES). Written with parameters."
    ),
    COMPANY_QUARTERS_KEY: (
        "One row per company and fiscal quarter (gap-free sequence): revenue, capex, "
        "capex/revenue, YoY growth and TTM from core.ttm with its method; missing quarters are "
        "NULL rows with notes. Every tracked company."
    ),
    STANDINGS_KEY: (
        "The ranking rule in one place: per grain (quarter, ttm, calendar_year, fiscal_year), "
        "period, company of the compare set and line item (revenue, capex):" + _SET
    ),
    QUARTERLY_KEY: (
        "Per calendar quarter and company of the compare set: the fiscal quarter holding its "
        "midpoint, revenue and capex with" + _SET
    ),
    TTM_KEY: (
        "Per calendar quarter end and company of the compare set: TTM revenue and capex from "
        "core.ttm, each naming its method (reported_ttm, sum_of_quarters, fy_plus_ytd), with" + _SET
    ),
    ANNUAL_KEY: (
        "Per year and company of the compare set, on the calendar-aligned (default) and the "
        "fiscal-year basis, each with its actual period: revenue and capex with"
        + _SET
        + " No leader where the periods differ by more than a quarter."
    ),
    LEAD_CHANGES_KEY: (
        "Each calendar quarter where the TTM revenue or capex leader of the compare set changed: "
        "from whom to whom, both TTMs and the gap at that quarter."
    ),
    PAIR_KEY: (
        "The configured pair (EDGAR_COMPARE's first two, else EDGAR_COMPANIES') side by side at "
        "each calendar quarter end: a_/b_ TTM revenue and capex, methods, gaps (a minus b) and "
        "the pair's leader."
    ),
    CAPEX_KEY: (
        "Per company and fiscal year: capex, capex incl. finance lease principal repayments, "
        "capex/revenue, free cash flow (operating cash flow minus capex)."
    ),
}

DEPS: dict[AssetKey, list[AssetKey]] = {
    COMPARE_SET_KEY: [FINANCIALS_KEY],
    COMPANY_QUARTERS_KEY: [FINANCIALS_KEY, CORE_TTM_KEY],
    STANDINGS_KEY: [COMPARE_SET_KEY, COMPANY_QUARTERS_KEY, CORE_TTM_KEY],
    QUARTERLY_KEY: [STANDINGS_KEY],
    TTM_KEY: [STANDINGS_KEY],
    ANNUAL_KEY: [STANDINGS_KEY],
    LEAD_CHANGES_KEY: [STANDINGS_KEY],
    PAIR_KEY: [TTM_KEY],
    CAPEX_KEY: [FINANCIALS_KEY],
}


def _spec(key: AssetKey) -> AssetSpec:
    return AssetSpec(
        key,
        deps=DEPS[key],
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
    description="Companies and calendar quarters without a TTM revenue or capex: reported.",
    pool=POOL,
)
def ttm_complete(
    context: AssetCheckExecutionContext, warehouse: DuckDBWarehouse
) -> AssetCheckResult:
    with warehouse.read() as con:
        incomplete = markdown_preview(
            con,
            "SELECT calendar_label, ticker, notes FROM marts.ttm_comparison "
            "WHERE NOT is_complete ORDER BY calendar_year DESC, calendar_quarter DESC, ticker",
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
