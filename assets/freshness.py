"""Freshness checks on the marts: are all catalogued filings in them, is any filing overdue.

The rules are in :mod:`pipeline.automation.freshness`. The checks sit on
``marts/company_quarters``, the mart every other mart is built from (in the same step and
snapshot), so its freshness is theirs; one place in the UI and one line each in a run's
report, not five. WARN severity: stale marts are still right about the filings they hold.
Evaluated in every run that builds the marts, and by the automation sensor whenever the
filings catalog changes and every hour (the overdue test depends on the date).
"""

from collections.abc import Iterator
from datetime import UTC, datetime

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AutomationCondition,
    MetadataValue,
    multi_asset_check,
)

from assets.edgar import CATALOG_KEY
from assets.marts import COMPANY_QUARTERS_KEY
from pipeline.automation.freshness import FRESHNESS_CRON, Freshness, freshness
from pipeline.edgar.catalog import read_catalog_rows
from pipeline.resources import PipelineSettings
from pipeline.warehouse.resource import DuckDBWarehouse

LOADED_CHECK = "catalogued_filings_loaded"
OVERDUE_CHECK = "no_filing_overdue"
_SHOWN = 20


def _condition() -> AutomationCondition:
    """After the catalog changes, and hourly; a run that builds the marts runs it anyway."""
    return (
        AutomationCondition.cron_tick_passed(FRESHNESS_CRON)
        | AutomationCondition.any_deps_updated()
    ) & ~AutomationCondition.in_progress()


SPECS = [
    spec
    for key in [COMPANY_QUARTERS_KEY]
    for spec in (
        AssetCheckSpec(
            LOADED_CHECK,
            asset=key,
            additional_deps=[CATALOG_KEY],
            automation_condition=_condition(),
            description=(
                "Stale when a filing in the catalog is not in the served warehouse as the "
                "catalog has it (not parsed yet, not loaded yet, or parsed again since)."
            ),
        ),
        AssetCheckSpec(
            OVERDUE_CHECK,
            asset=key,
            additional_deps=[CATALOG_KEY],
            automation_condition=_condition(),
            description=(
                "Stale when a company's next 10-Q (45 days after its quarter) or 10-K (90 days "
                "after its fiscal year) is past due and not in the catalog; SEC's conservative "
                "deadlines (pipeline/automation/freshness.py)."
            ),
        ),
    )
]


def current_freshness(settings: PipelineSettings, warehouse: DuckDBWarehouse) -> Freshness:
    """Freshness of the served warehouse against the catalog, as of today (UTC)."""
    catalog = read_catalog_rows(settings.settings().catalog_path)
    today = datetime.now(UTC).date()
    if not warehouse.warehouse_path.exists():
        return freshness(catalog, None, today)
    with warehouse.read() as con:
        return freshness(catalog, con, today)


@multi_asset_check(specs=SPECS, can_subset=True)  # a reader: no pool, no lock
def marts_freshness(
    context: AssetCheckExecutionContext, settings: PipelineSettings, warehouse: DuckDBWarehouse
) -> Iterator[AssetCheckResult]:
    """Both freshness checks, as selected."""
    state = current_freshness(settings, warehouse)
    loaded_rows = [u.line() for u in state.unloaded]
    overdue_rows = [o.line() for o in state.overdue]
    for key in context.selected_asset_check_keys:
        rows = loaded_rows if key.name == LOADED_CHECK else overdue_rows
        yield AssetCheckResult(
            asset_key=key.asset_key,
            check_name=key.name,
            passed=not rows,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "failing_rows": len(rows),
                "rows": MetadataValue.md("\n".join(f"- {r}" for r in rows[:_SHOWN]) or "none"),
            },
        )


freshness_checks = [marts_freshness]
