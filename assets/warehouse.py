"""Warehouse layer: Parquet -> DuckDB raw tables (by accession) -> core.financials.

One step builds the next served snapshot (raw tables, core and the marts of
assets/marts.py) and swaps it in; readers are never waited for. ``warehouse_assets`` and
``warehouse_checks`` need the ``warehouse`` resource
(:class:`pipeline.warehouse.resource.DuckDBWarehouse`).
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset_check,
    multi_asset,
)

from assets import blocking_checks
from assets.blocking_checks import BlockingCheck, BlockingCheckFailed
from assets.check_results import no_rows_check
from assets.edgar import CATALOG_KEY
from assets.marts import FINANCIALS_KEY, MART_SPECS, mart_checks, mart_results
from assets.xbrl import FACTS_KEY, LINE_ITEMS_KEY
from pipeline.automation.partition_ranges import rebuild_forced
from pipeline.metadata import failure_check_metadata, table_metadata
from pipeline.warehouse import RawLoad, markdown_preview, row_counts
from pipeline.warehouse.resource import DuckDBWarehouse

GROUP = "warehouse"
OWNERS = ["team:data-eng"]
POOL = "duckdb"
CODE_VERSION = "1"

RAW_FILINGS_KEY = AssetKey([GROUP, "raw_filings"])
RAW_FACTS_KEY = AssetKey([GROUP, "raw_facts"])
RAW_LINE_ITEMS_KEY = AssetKey([GROUP, "raw_line_items"])
TTM_CORE_KEY = AssetKey([GROUP, "ttm"])

ONE_MILLION = 1_000_000  # tolerance of the quarters-add-up check, in USD


def _spec(key: AssetKey, deps: list[AssetKey], table: str, description: str) -> AssetSpec:
    return AssetSpec(
        key,
        deps=deps,
        description=description,
        kinds={"duckdb"},
        owners=OWNERS,
        code_version=CODE_VERSION,
        group_name=GROUP,
        metadata={"table": table},
    )


SPECS = {
    RAW_FILINGS_KEY: _spec(
        RAW_FILINGS_KEY,
        [CATALOG_KEY],
        "raw.filings",
        "The filings catalog in DuckDB (raw.filings), rows replaced by accession.",
    ),
    RAW_FACTS_KEY: _spec(
        RAW_FACTS_KEY,
        [FACTS_KEY],
        "raw.facts",
        "Every XBRL fact (raw.facts), exact DECIMAL(38,10); an accession's rows are replaced "
        "whenever its Parquet file is present.",
    ),
    RAW_LINE_ITEMS_KEY: _spec(
        RAW_LINE_ITEMS_KEY,
        [LINE_ITEMS_KEY],
        "raw.line_items",
        "Resolved line items per filing and period (raw.line_items), replaced by accession.",
    ),
    FINANCIALS_KEY: _spec(
        FINANCIALS_KEY,
        [RAW_FILINGS_KEY, RAW_LINE_ITEMS_KEY],
        "core.financials",
        "One row per company, line item and fiscal period (Q1-Q4, FY) in USD: reported "
        "three-month values or quarters derived from year-to-date values (Q4 = FY - 9M), each "
        "naming its derivation and source accessions, first-reported and latest values. "
        "Also core.fiscal_calendar, core.periods, core.reported_values, core.quarter_gaps.",
    ),
    TTM_CORE_KEY: _spec(
        TTM_CORE_KEY,
        [FINANCIALS_KEY],
        "core.ttm",
        "Trailing twelve months per company, line item and fiscal quarter end, by method "
        "reported_ttm > sum_of_quarters > fy_plus_ytd (each candidate in core.ttm_candidates), "
        "with the methods available and whether they agree.",
    ),
}


QUARTERS_VS_YEAR = f"""
    SELECT ticker, line_item, fiscal_year, q_sum, fy, q_sum - fy AS difference
    FROM (
        SELECT ticker, line_item, fiscal_year,
            sum(value) FILTER (WHERE fiscal_period <> 'FY') AS q_sum,
            any_value(value) FILTER (WHERE fiscal_period = 'FY') AS fy,
            count(value) FILTER (WHERE fiscal_period <> 'FY') AS quarters
        FROM core.financials GROUP BY ALL
    )
    WHERE quarters = 4 AND fy IS NOT NULL AND abs(q_sum - fy) > {ONE_MILLION}
"""

# The TTM methods available at a quarter end agree within the rounding of their inputs:
# filings report in millions, and a method adds up to four rounded figures, so two methods
# may differ by a few dollars' worth of millions without either being wrong. A larger
# spread is a wrong number (a mis-tagged period, a conflict) and blocks the build;
# core.ttm.methods_agree and methods_spread show every difference, however small.
TTM_TOLERANCE = 2 * ONE_MILLION
TTM_DISAGREEMENTS = f"""
    SELECT t.ticker, t.line_item, t.fiscal_label, t.period_end, t.methods_spread, c.method,
        c.value, c.source_accessions, c.notes
    FROM core.ttm AS t
    JOIN core.ttm_candidates AS c USING (ticker, line_item, fiscal_year, fiscal_quarter)
    WHERE t.methods_spread > {TTM_TOLERANCE}
    ORDER BY ALL
"""

# Checks the build must pass before its snapshot is served (assets/blocking_checks.py).
BLOCKING = [
    BlockingCheck(
        "financials_unique_keys",
        FINANCIALS_KEY,
        "No duplicate (ticker, line_item, fiscal_year, fiscal_period) in core.financials. "
        "Blocking: a failure keeps the previous snapshot served.",
        "SELECT ticker, line_item, fiscal_year, fiscal_period, count(*) AS n "
        "FROM core.financials GROUP BY ALL HAVING n > 1",
    ),
    BlockingCheck(
        "line_items_unique_keys",
        RAW_LINE_ITEMS_KEY,
        "No duplicate (accession, line_item, period_start, period_end) in raw.line_items. "
        "Blocking: a failure keeps the previous snapshot served.",
        "SELECT accession_number, line_item, period_start, period_end, count(*) AS n "
        "FROM raw.line_items GROUP BY ALL HAVING n > 1",
    ),
    BlockingCheck(
        "quarters_add_up_to_year",
        FINANCIALS_KEY,
        "Where Q1-Q4 and FY are all present, the quarters add up to the year (+/- $1M). "
        "Blocking: a failure keeps the previous snapshot served.",
        QUARTERS_VS_YEAR,
    ),
    BlockingCheck(
        "ttm_methods_agree",
        TTM_CORE_KEY,
        "Where two or more TTM methods are available, they give the same value within "
        "$2M (the rounding of figures reported in millions; core.ttm.methods_spread shows "
        "any difference). Blocking: a failure keeps the previous snapshot served.",
        TTM_DISAGREEMENTS,
    ),
]

FILES_VERIFIED_CHECK = "parquet_files_verified"


@multi_asset(
    specs=[*SPECS.values(), *MART_SPECS],
    check_specs=[
        AssetCheckSpec(
            FILES_VERIFIED_CHECK,
            asset=RAW_FACTS_KEY,
            description=(
                "Every per-filing Parquet file the catalog names matched its catalog row "
                "(accession, source sha256) and was loaded; a file that did not is named."
            ),
        ),
        *blocking_checks.specs(BLOCKING),
    ],
    can_subset=False,
    pool=POOL,
)
def warehouse_tables(context: AssetExecutionContext, warehouse: DuckDBWarehouse):
    """Build the next snapshot (new filings' raw rows, core, marts) and serve it.

    A Parquet file that does not verify against the catalog is not loaded (the filing's
    previous rows stay); the ``parquet_files_verified`` check names it (ERROR severity).
    """
    rebuild = rebuild_forced(context.run.tags)
    context.log.info(
        f"building the next snapshot of {warehouse.warehouse_path}"
        + (" from empty (rebuild)" if rebuild else "")
    )

    def inspect(con, staged: RawLoad) -> list[MaterializeResult]:
        checks = blocking_checks.evaluate(con, BLOCKING)  # raises: the build is not served
        results = [*_warehouse_results(context, con, staged), *mart_results(context, con)]
        return [_with_checks(m, checks) for m in results]

    try:
        result = warehouse.load(full_refresh=rebuild, inspect=inspect)
    except BlockingCheckFailed as exc:
        yield from exc.results  # reported, though nothing was materialized
        raise
    served = {
        "snapshot": MetadataValue.path(str(result.snapshot)),
        "snapshot_built": "unchanged (nothing new)"
        if result.unchanged
        else ("incrementally" if result.incremental else "from empty"),
    }
    for materialization in result.inspected:
        yield MaterializeResult(
            asset_key=materialization.asset_key,
            metadata={**(materialization.metadata or {}), **served},
            check_results=materialization.check_results,
        )


def _with_checks(result: MaterializeResult, checks: list[AssetCheckResult]) -> MaterializeResult:
    """``result`` with the blocking checks' results on its asset added."""
    mine = [c for c in checks if c.asset_key == result.asset_key]
    return MaterializeResult(
        asset_key=result.asset_key,
        metadata=result.metadata,
        check_results=[*(result.check_results or []), *mine],
    )


def _warehouse_results(context, con, staged: RawLoad) -> list[MaterializeResult]:
    """Materializations of the raw tables and core.financials, read from the new snapshot."""
    counts = row_counts(con, ("raw", "core"))
    context.log.info(f"accessions staged: {staged.staged}; rows: {counts}")
    results = []
    for key, dataset in (
        (RAW_FILINGS_KEY, "catalog"),
        (RAW_FACTS_KEY, "facts"),
        (RAW_LINE_ITEMS_KEY, "line_items"),
    ):
        table = SPECS[key].metadata["table"]
        results.append(
            MaterializeResult(
                asset_key=key,
                metadata={
                    "dagster/row_count": counts[table],
                    **table_metadata(con, table),
                    "accessions_staged": staged[dataset],
                },
                check_results=[_files_verified(staged)] if key == RAW_FACTS_KEY else [],
            )
        )
    results.append(
        MaterializeResult(
            asset_key=FINANCIALS_KEY,
            metadata={
                "dagster/row_count": counts["core.financials"],
                **table_metadata(con, "core.financials"),
                "tables": MetadataValue.json({k: v for k, v in counts.items() if "core." in k}),
                "fiscal_years": MetadataValue.md(
                    markdown_preview(
                        con,
                        "SELECT ticker, fiscal_label, calendar_label, line_item, value, method, "
                        "is_restated FROM core.financials WHERE fiscal_period = 'FY' "
                        "AND line_item IN ('revenue', 'capex') "
                        "ORDER BY fiscal_year DESC, ticker, line_item",
                    )
                ),
                "unclassified_periods": MetadataValue.md(
                    markdown_preview(
                        con,
                        "SELECT ticker, period_start, period_end, days, unclassified_reason "
                        "FROM core.periods WHERE period_kind = 'other' ORDER BY ALL",
                    )
                ),
            },
        )
    )
    results.append(
        MaterializeResult(
            asset_key=TTM_CORE_KEY,
            metadata={
                "dagster/row_count": counts["core.ttm"],
                **table_metadata(con, "core.ttm"),
                "latest_ttm": MetadataValue.md(
                    markdown_preview(
                        con,
                        "SELECT ticker, line_item, fiscal_label, period_end, value, method, "
                        "methods_agree FROM core.ttm WHERE line_item IN ('revenue', 'capex') "
                        "QUALIFY row_number() OVER (PARTITION BY ticker, line_item "
                        "ORDER BY period_end DESC) = 1 ORDER BY ALL",
                    )
                ),
            },
        )
    )
    return results


def _files_verified(staged) -> AssetCheckResult:
    rejected = {f"{f.dataset} {f.accession_number}": f.reason for f in staged.rejected}
    return AssetCheckResult(
        asset_key=RAW_FACTS_KEY,
        check_name=FILES_VERIFIED_CHECK,
        passed=not rejected,
        severity=AssetCheckSeverity.ERROR,
        metadata=failure_check_metadata(rejected),
    )


@asset_check(asset=FINANCIALS_KEY, description="Revenue is positive in every period.", pool=POOL)
def revenue_positive(
    context: AssetCheckExecutionContext, warehouse: DuckDBWarehouse
) -> AssetCheckResult:
    with warehouse.read() as con:
        return no_rows_check(
            con,
            "SELECT ticker, fiscal_label, value, method, derivation, source_accessions "
            "FROM core.financials WHERE line_item = 'revenue' AND value <= 0",
        )


@asset_check(
    asset=FINANCIALS_KEY,
    description="A derived quarter is not negative for line items that cannot be (revenue, capex).",
    pool=POOL,
)
def derived_quarters_not_negative(
    context: AssetCheckExecutionContext, warehouse: DuckDBWarehouse
) -> AssetCheckResult:
    with warehouse.read() as con:
        return no_rows_check(
            con,
            "SELECT f.ticker, f.line_item, f.fiscal_label, f.value, f.derivation, "
            "f.source_accessions FROM core.financials AS f "
            "JOIN core.line_item_definitions AS d USING (line_item) "
            "WHERE f.method = 'derived' AND NOT d.can_be_negative AND f.value < 0",
        )


# The gaps of core.quarter_gaps that the filings in scope should have covered: a quarter is
# expected when the catalog holds a 10-Q (or 10-Q/A) for it, or, for Q4, a 10-K for the year
# and the Q3 10-Q (FY minus nine months). Period ends match within a week (52/53-week years).
EXPECTED_QUARTER_GAPS = """
    WITH filing_periods AS (
        SELECT c.ticker, c.fiscal_year, c.fiscal_quarter, c.period_kind, f.accession_number
        FROM raw.filings AS f
        JOIN core.fiscal_calendar AS c
            ON c.ticker = f.ticker
            AND abs(date_diff('day', c.period_end, f.period_of_report)) <= 7
            AND ((c.period_kind = 'quarter' AND f.form IN ('10-Q', '10-Q/A'))
                OR (c.period_kind = 'year' AND f.form IN ('10-K', '10-K/A')))
    ), expected AS (
        SELECT ticker, fiscal_year, fiscal_quarter, accession_number AS expected_from
        FROM filing_periods
        WHERE period_kind = 'quarter'
        UNION ALL
        SELECT y.ticker, y.fiscal_year, 4, y.accession_number || ' with ' || q.accession_number
        FROM filing_periods AS y
        JOIN filing_periods AS q
            ON q.ticker = y.ticker AND q.fiscal_year = y.fiscal_year
            AND q.period_kind = 'quarter' AND q.fiscal_quarter = 3
        WHERE y.period_kind = 'year'
    )
    SELECT g.ticker, g.line_item, g.fiscal_label, g.calendar_label, g.period_start,
        g.period_end, string_agg(DISTINCT e.expected_from, ', ') AS expected_from
    FROM core.quarter_gaps AS g
    JOIN expected AS e USING (ticker, fiscal_year, fiscal_quarter)
    GROUP BY ALL
    ORDER BY ALL
"""


@asset_check(
    asset=FINANCIALS_KEY,
    description=(
        "Quarters a filing in scope should have covered (its 10-Q, or a 10-K with the Q3 "
        "10-Q for Q4) that core.financials lacks (neither reported nor derivable)."
    ),
    pool=POOL,
)
def quarter_sequence_gaps(
    context: AssetCheckExecutionContext, warehouse: DuckDBWarehouse
) -> AssetCheckResult:
    with warehouse.read() as con:
        return no_rows_check(con, EXPECTED_QUARTER_GAPS, warn=True)


warehouse_assets = [warehouse_tables]
warehouse_checks = [
    revenue_positive,
    derived_quarters_not_negative,
    quarter_sequence_gaps,
    *mart_checks,
]
