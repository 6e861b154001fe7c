"""Sensor: watch EDGAR's submissions index and bring new 10-K and 10-Q filings in.

Each tick reads the index of every tracked company (a few requests, within the shared
rate limit), registers each filing newer than the cursor as a partition, and requests
one run of the main job for exactly that filing. The cursor holds, per company, the
newest accession seen (by filing date, then accession number).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from assets.partitions import FILINGS
from pipeline.automation.partition_ranges import partition_range_tags
from pipeline.config import Settings
from pipeline.edgar.connection import edgar_connection
from pipeline.edgar.submissions import FilingRef, list_filings, ticker_to_cik
from pipeline.resources import PipelineSettings

SENSOR_NAME = "new_filings_sensor"


def _order(ref: FilingRef) -> str:
    return f"{ref.filing_date.isoformat()}|{ref.accession_number}"


def new_filings(
    refs_by_company: dict[str, list[FilingRef]],
    cursor: dict[str, str],
    known: Iterable[str],
) -> tuple[list[tuple[str, FilingRef]], dict[str, str]]:
    """Filings newer than the cursor and not yet known, oldest first; and the next cursor.

    The cursor maps company -> ``"<filing date>|<accession>"`` of the newest filing seen.
    """
    known = set(known)
    found: list[tuple[str, FilingRef]] = []
    next_cursor = dict(cursor)
    for company, refs in refs_by_company.items():
        seen = cursor.get(company, "")
        for ref in refs:
            if _order(ref) > seen and ref.accession_number not in known:
                found.append((company, ref))
        if refs:
            next_cursor[company] = max([seen, *(_order(r) for r in refs)])
    found.sort(key=lambda item: _order(item[1]))
    return found, next_cursor


def run_request_for(found: list[tuple[str, FilingRef]]) -> RunRequest:
    """One run for the new filings: the filing's partition, or the range of a batch.

    New partitions are appended in filing order, so a batch (say, a first tick on an
    empty instance, or several filings on one day) is one contiguous range and one run,
    rather than one warehouse rebuild per filing.
    """
    first, last = found[0][1].accession_number, found[-1][1].accession_number
    companies = ",".join(sorted({company for company, _ in found}))
    forms = ",".join(sorted({ref.form for _, ref in found}))
    tags = {"edgar/company": companies, "edgar/form": forms}
    if len(found) == 1:
        return RunRequest(run_key=first, partition_key=first, tags=tags)
    range_tags = partition_range_tags(first, last)
    return RunRequest(run_key=f"{first}...{last}", tags={**tags, **range_tags})


def read_indexes(settings: Settings) -> dict[str, list[FilingRef]]:
    """The in-scope filings of every tracked company, from EDGAR's submissions index."""
    with edgar_connection(settings) as conn:
        needs_map = any(not c.isdigit() for c in settings.companies)
        ciks = ticker_to_cik(conn.user_agent) if needs_map else {}
        return {
            company: list_filings(
                company if company.isdigit() else ciks[company],
                conn.user_agent,
                forms=settings.forms,
                since=settings.earliest_filing_date,
            )
            for company in settings.companies
        }


def build_new_filings_sensor(job_name: str):
    """The sensor that requests ``job_name`` for each new filing."""

    @sensor(
        name=SENSOR_NAME,
        job_name=job_name,
        minimum_interval_seconds=3600,
        default_status=DefaultSensorStatus.RUNNING,
        description=(
            "Hourly: reads EDGAR's submissions index of each tracked company and runs the main "
            "job for the new 10-K/10-Q filings (one partition per filing; a batch is one run over "
            "its range). Cursor: newest accession seen per company."
        ),
    )
    def new_filings_sensor(context: SensorEvaluationContext, settings: PipelineSettings):
        cursor = json.loads(context.cursor) if context.cursor else {}
        refs = read_indexes(settings.settings())
        known = context.instance.get_dynamic_partitions(FILINGS.name)
        found, next_cursor = new_filings(refs, cursor, known)
        if not found:
            return SensorResult(
                skip_reason=SkipReason("no new filings"), cursor=json.dumps(next_cursor)
            )
        keys = [ref.accession_number for _, ref in found]
        context.log.info(
            f"new filings: {', '.join(f'{c} {r.form} {r.accession_number}' for c, r in found)}"
        )
        return SensorResult(
            run_requests=[run_request_for(found)],
            dynamic_partitions_requests=[FILINGS.build_add_request(keys)],
            cursor=json.dumps(next_cursor),
        )

    return new_filings_sensor
