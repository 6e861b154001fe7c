"""The Dagster code location: every asset, check, job, schedule and resource, assembled here."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from assets.charts import ttm_race_chart
from assets.edgar import build_edgar_assets
from assets.freshness import freshness_checks
from assets.warehouse import warehouse_assets, warehouse_checks
from assets.xbrl import parsed_filings
from pipeline.automation.conditions import build_automation_sensor, with_automation
from pipeline.automation.dead_run_sensor import build_dead_run_sensor
from pipeline.automation.schedules import build_quarterly_schedule
from pipeline.automation.sensors import build_new_filings_sensor
from pipeline.config import Settings
from pipeline.resources import PipelineSettings
from pipeline.warehouse.resource import DuckDBWarehouse

MAIN_JOB = "edgar_to_marts"
SYNC_JOB = "sync_filings"
BUILD_JOB = "parse_and_load"
BACKFILL_JOB = "backfill_filings"


def build_definitions(settings: Settings | None = None) -> Definitions:
    """Assemble the Definitions for ``settings`` (default: from the environment)."""
    settings = settings or Settings.from_env()
    assets = [
        *build_edgar_assets(settings.companies),
        parsed_filings,
        # The warehouse, marts and chart follow new or re-parsed filings by themselves.
        *with_automation([*warehouse_assets, ttm_race_chart]),
    ]
    main_job = define_asset_job(
        MAIN_JOB,
        selection=AssetSelection.all(),
        description="Download filings, parse XBRL, load the warehouse and build the marts.",
    )
    sync_job = define_asset_job(
        SYNC_JOB,
        selection=AssetSelection.groups("edgar"),
        description="Download new filings, rebuild the catalog and register their partitions.",
    )
    build_job = define_asset_job(
        BUILD_JOB,
        selection=AssetSelection.all() - AssetSelection.groups("edgar"),
        description=(
            "Parse the filings of a partition range, load the warehouse and build the marts "
            "(what `edgar-pipeline run` does after sync_filings, without asking EDGAR again)."
        ),
    )
    # A backfill of this job lists only the per-filing assets, each with its partitions;
    # one of edgar_to_marts lists the unpartitioned ones too, as "No partitions available".
    backfill_job = define_asset_job(
        BACKFILL_JOB,
        selection=AssetSelection.groups("xbrl"),
        description=(
            "Parse (or, as a backfill, re-parse) a range of filings. The warehouse, marts and "
            "chart are not partitioned: automation rebuilds them once, after the range."
        ),
    )
    return Definitions(
        assets=assets,
        jobs=[main_job, sync_job, build_job, backfill_job],
        schedules=[build_quarterly_schedule(MAIN_JOB, SYNC_JOB)],
        sensors=[
            build_new_filings_sensor(MAIN_JOB),
            build_dead_run_sensor(),
            build_automation_sensor(),
        ],
        asset_checks=[*warehouse_checks, *freshness_checks],
        resources={
            "settings": PipelineSettings.from_settings(settings),
            "warehouse": DuckDBWarehouse.from_settings(settings),
        },
        # Steps are short and mostly I/O-bound; one process avoids ~2 s of start-up per step
        # (see PERF-NOTES). Pass a multiprocess executor config in the launchpad to fan out.
        executor=in_process_executor,
    )


defs = build_definitions()
