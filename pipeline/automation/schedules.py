"""Quarterly schedule: rebuild everything over all filings, after each earnings season."""

from __future__ import annotations

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    schedule,
)

from assets.partitions import FILINGS
from pipeline.automation.partition_ranges import all_partitions_tags

SCHEDULE_NAME = "quarterly_refresh"
# The 20th of Feb, May, Aug and Nov, 06:00 UTC: after Amazon's (late Jan/Apr/Jul/Oct) and
# Walmart's (mid Feb/May/Aug/Nov) reports. The sensor brings each filing in within the hour;
# this run re-downloads anything missing, re-parses every filing and rebuilds the marts.
QUARTERLY_CRON = "0 6 20 2,5,8,11 *"


def build_quarterly_schedule(job_name: str, sync_job_name: str):
    """The schedule that materializes ``job_name`` over every filing partition."""

    @schedule(
        name=SCHEDULE_NAME,
        cron_schedule=QUARTERLY_CRON,
        job_name=job_name,
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
        description=(
            "Quarterly: download anything missing, re-parse every filing, reload the warehouse "
            "and rebuild the marts (one run over all filing partitions)."
        ),
    )
    def quarterly_refresh(context: ScheduleEvaluationContext):
        keys = context.instance.get_dynamic_partitions(FILINGS.name)
        tick = context.scheduled_execution_time.date().isoformat()
        if not keys:
            # Nothing registered yet: the first run syncs the filings from EDGAR.
            return RunRequest(run_key=f"{tick}-sync", job_name=sync_job_name)
        return RunRequest(run_key=tick, tags=all_partitions_tags(keys))

    return quarterly_refresh
