"""Sensor: watch EDGAR's indexes and bring new 10-K and 10-Q filings in.

Each tick reads EDGAR's daily indexes since the last tick (:mod:`pipeline.edgar.daily_index`:
about three requests for all companies together: the quarter's listing, yesterday's and
today's index) and the submissions indexes of one batch of
tracked companies (``EDGAR_SENSOR_BATCH``, default 10: about 1 s of requests at SEC's 10/s),
round-robin; it registers each filing newer than the cursor as a partition, and requests
one run of the main job for the new filings. The daily index finds every company's
filings once SEC's nightly update has listed them; the batches find same-day filings
sooner (a full pass over N companies takes ceil(N / batch) ticks) and read each company's
whole index once before its daily-index rows are trusted. A tick whose daily index lists
new filings requests their run at once and leaves its batch for the next tick (the run
starts a batch's worth of requests sooner). While the daily index cannot be
read (named in the tick's log), the batches alone find new filings. Each tick stays far
inside Dagster's 60 s sensor timeout (reads stop starting after :data:`TICK_BUDGET_S`).

Companies are resolved to their CIK by the EDGAR layer (a ticker and a CIK of the same
company are one company). One company failing (a ticker SEC does not list, an index that
keeps answering 503 or is malformed) is named in the tick's log and skip reason, keeps its
cursor, and is read again on the next tick; the others' new filings go through.

The cursor (JSON) holds, per CIK, the newest filing seen (``"<filing date>|<accession>"``),
the position of the next batch, the CIKs to retry, and the first daily index to read. A
cursor of the older form (per configured name) is migrated on the first tick.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import requests
from dagster import (
    AssetKey,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from assets.charts import ttm_race_chart
from assets.edgar import CATALOG_KEY, download_asset_key
from assets.partitions import FILINGS
from assets.warehouse import warehouse_tables
from assets.xbrl import parsed_filings
from pipeline.automation.partition_ranges import partition_range_tags
from pipeline.config import Settings
from pipeline.edgar.companies import UnknownCompanyError, resolve_company
from pipeline.edgar.connection import EdgarConnection, edgar_connection
from pipeline.edgar.daily_index import FINAL_AFTER_DAYS, scan, utc_today
from pipeline.edgar.submissions import EdgarIndexError, FilingRef, read_index
from pipeline.edgar.ticker_map import ticker_map
from pipeline.identifiers import UnsafeIdentifierError
from pipeline.resources import PipelineSettings

SENSOR_NAME = "new_filings_sensor"
INTERVAL_S = 300  # one tick per 5 minutes: 500 companies in batches of 50 = a pass in 50 min
# A tick reads at most a week of daily indexes (after the sensor was off longer, the
# batches' pass over every company's own index finds what is older), so it stays short.
MAX_DAILY_DAYS = 7
TICK_BUDGET_S = 30.0  # no new index read starts after this; Dagster times a tick out at 60 s
CURSOR_VERSION = 2
# What one company's failed read raises: a refused or malformed index, HTTP errors after the
# transport's retries, timeouts (the rate limiter's wait included).
READ_ERRORS = (EdgarIndexError, UnsafeIdentifierError, requests.RequestException, TimeoutError)


@dataclass(frozen=True)
class Company:
    """A tracked company: its CIK, and the name logs and run tags use."""

    cik: str
    name: str  # SEC's ticker, else the CIK


@dataclass
class SensorCursor:
    """What the sensor keeps between ticks."""

    seen: dict[str, str] = field(default_factory=dict)  # CIK -> "<date>|<accession>"
    position: int = 0  # index (among tracked companies) of the next batch's first
    retry: list[str] = field(default_factory=list)  # CIKs to read first on the next tick
    daily_from: str = ""  # ISO date of the first daily index to read ("": yesterday's)

    def dumps(self) -> str:
        return json.dumps(
            {
                "version": CURSOR_VERSION,
                "seen": self.seen,
                "position": self.position,
                "retry": self.retry,
                "daily_from": self.daily_from,
            },
            sort_keys=True,
        )

    @classmethod
    def loads(cls, text: str | None, cik_of: Mapping[str, str]) -> SensorCursor:
        """The cursor from ``text``; an older per-name cursor is keyed by CIK with ``cik_of``
        (configured name -> CIK): aliases keep their newest entry, unknown names are dropped."""
        data = json.loads(text) if text else {}
        if data.get("version") == CURSOR_VERSION:
            return cls(
                dict(data["seen"]),
                int(data["position"]),
                list(data["retry"]),
                str(data.get("daily_from", "")),
            )
        seen: dict[str, str] = {}
        for name, order in data.items():
            if (cik := cik_of.get(name)) is not None:
                seen[cik] = max(seen.get(cik, ""), order)
        return cls(seen)


def _order(ref: FilingRef) -> str:
    return f"{ref.filing_date.isoformat()}|{ref.accession_number}"


def new_filings(
    refs_by_company: Mapping[str, list[FilingRef]],
    cursor: Mapping[str, str],
    known: Iterable[str],
) -> tuple[list[tuple[str, FilingRef]], dict[str, str]]:
    """Filings filed on or after the cursor's date and not yet known, each accession once,
    oldest first; and the next cursor (company -> ``"<filing date>|<accession>"`` of the
    newest seen). The date, not the accession, orders filings: an accession's prefix names
    the filer agent, so a later filing of the same day may sort before the one seen."""
    known = set(known)
    found: dict[str, tuple[str, FilingRef]] = {}
    next_cursor = dict(cursor)
    for company, refs in refs_by_company.items():
        seen = cursor.get(company, "")
        since = seen.split("|", 1)[0]
        for ref in refs:
            if ref.filing_date.isoformat() >= since and ref.accession_number not in known:
                found.setdefault(ref.accession_number, (company, ref))
        if refs:
            next_cursor[company] = max([seen, *(_order(r) for r in refs)])
    return sorted(found.values(), key=lambda item: _order(item[1])), next_cursor


def run_request_for(found: list[tuple[str, FilingRef]]) -> RunRequest:
    """One run for the new filings: the filing's partition, or the range of a batch.

    New partitions are appended in filing order, so a batch (say, a first tick on an
    empty instance, or several filings on one day) is one contiguous range and one run,
    rather than one warehouse rebuild per filing.
    """
    first, last = found[0][1].accession_number, found[-1][1].accession_number
    companies = sorted({company for company, _ in found})
    forms = ",".join(sorted({ref.form for _, ref in found}))
    tags = {"edgar/company": ",".join(companies), "edgar/form": forms}
    selection = run_selection(companies)
    if len(found) == 1:
        return RunRequest(run_key=first, partition_key=first, tags=tags, asset_selection=selection)
    range_tags = partition_range_tags(first, last)
    return RunRequest(
        run_key=f"{first}...{last}", tags={**tags, **range_tags}, asset_selection=selection
    )


def run_selection(companies: Iterable[str]) -> list[AssetKey]:
    """What a run for new filings materializes: the download assets of their companies
    only (not every tracked company's, which would read every company's EDGAR index again),
    the catalog, and everything downstream of it."""
    downstream = [*parsed_filings.keys, *warehouse_tables.keys, *ttm_race_chart.keys]
    return [*(download_asset_key(c) for c in companies), CATALOG_KEY, *downstream]


def resolve_companies(
    configured: Iterable[str], conn: EdgarConnection, state_dir: Path
) -> tuple[list[Company], dict[str, str], dict[str, str]]:
    """The tracked companies, one per CIK in configured order; configured name -> CIK; and
    the names that could not be resolved -> why (one line each)."""
    configured = list(configured)
    mapping: dict[str, str] = {}
    map_error = ""
    if any(not name.isdigit() for name in configured):
        try:
            mapping = ticker_map(state_dir, conn.user_agent)
        except READ_ERRORS as exc:
            map_error = f"SEC's ticker map could not be read ({exc}); retried next tick"
    companies: dict[str, Company] = {}
    cik_of: dict[str, str] = {}
    failures: dict[str, str] = {}
    for name in configured:
        if map_error and not name.isdigit():
            failures[name] = map_error
            continue
        try:
            identity = resolve_company(name, mapping)
        except (UnknownCompanyError, UnsafeIdentifierError) as exc:
            failures[name] = str(exc)
            continue
        cik_of[name] = cik_of[identity.ticker] = identity.cik
        companies.setdefault(identity.cik, Company(identity.cik, identity.ticker))
    return list(companies.values()), cik_of, failures


def plan_batch(ciks: list[str], cursor: SensorCursor, batch: int) -> tuple[list[str], int]:
    """The CIKs to read this tick, and the position of the next batch.

    With more companies than ``batch``, last tick's failures come first (at most half the
    batch, so the round-robin always moves on), then the next companies in configured
    order; a batch never wraps, so each pass reads every company once.
    """
    if len(ciks) <= batch:
        return list(ciks), 0
    tracked = set(ciks)
    retries = list(dict.fromkeys(c for c in cursor.retry if c in tracked))[: batch // 2]
    position = cursor.position if 0 <= cursor.position < len(ciks) else 0
    end = position + batch - len(retries)
    window = [c for c in ciks[position:end] if c not in retries]
    return retries + window, (end if end < len(ciks) else 0)


@dataclass
class BatchRead:
    """One tick's reads: filings per CIK read, and the CIKs not read -> why."""

    refs: dict[str, list[FilingRef]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    deferred: list[str] = field(default_factory=list)  # not started: the tick's budget ran out


def read_batch(
    ciks: list[str], conn: EdgarConnection, settings: Settings, budget_s: float = TICK_BUDGET_S
) -> BatchRead:
    """Read the submissions index of each of ``ciks``; a failure stays that company's."""
    result = BatchRead()
    stop_at = time.monotonic() + budget_s
    for cik in ciks:
        if time.monotonic() >= stop_at:
            result.deferred.append(cik)
            continue
        try:
            index = read_index(
                cik,
                conn.user_agent,
                forms=settings.forms,
                since=settings.earliest_filing_date,
            )
        except READ_ERRORS as exc:
            result.failed[cik] = str(exc)
            continue
        result.refs[cik] = index.refs
    return result


@dataclass
class DailyRead:
    """What the daily indexes listed for companies already read whole, and where to go on."""

    refs: dict[str, list[FilingRef]] = field(default_factory=dict)  # CIK -> filings
    next_from: str = ""
    problem: str | None = None


def read_daily(
    cursor: SensorCursor, conn: EdgarConnection, settings: Settings, today: date | None = None
) -> DailyRead:
    """The daily indexes' filings of companies the cursor has read whole (a company not yet
    read whole is left to its batch, which finds its older filings too)."""
    today = today or utc_today()
    start = date.fromisoformat(cursor.daily_from) if cursor.daily_from else today
    start = max(min(start, today - timedelta(days=1)), today - timedelta(days=MAX_DAILY_DAYS))
    try:
        found = scan(
            start,
            user_agent=conn.user_agent,
            forms=settings.forms,
            state_dir=settings.data_dir / "state",
            today=today,
        )
    except READ_ERRORS as exc:
        reason = str(exc).splitlines()[0][:160]
        return DailyRead(next_from=start.isoformat(), problem=f"EDGAR's daily index: {reason}")
    read = DailyRead(next_from=(today - timedelta(days=FINAL_AFTER_DAYS - 1)).isoformat())
    for f in found.filings:
        if f.cik in cursor.seen:
            ref = FilingRef(f.filing_date, f.accession_number, f.form, None, "", f.cik)
            read.refs.setdefault(f.cik, []).append(ref)
    return read


@dataclass(frozen=True)
class Tick:
    """A tick's outcome: the new filings (tag name, ref), the next cursor, what failed."""

    found: list[tuple[str, FilingRef]]
    cursor: SensorCursor
    problems: list[str]  # one line each, naming the company
    read: list[str]  # names of the companies read
    tracked: int


def evaluate(settings: Settings, cursor_text: str | None, known: Iterable[str]) -> Tick:
    """One tick: resolve the companies, read the daily indexes and a batch of companies'
    indexes, find the new filings."""
    known = set(known)
    with edgar_connection(settings) as conn:
        companies, cik_of, unresolved = resolve_companies(
            settings.companies, conn, settings.data_dir / "state"
        )
        cursor = SensorCursor.loads(cursor_text, cik_of)
        ciks = [c.cik for c in companies]
        daily = read_daily(cursor, conn, settings)
        refs = {cik: refs for cik, refs in daily.refs.items() if cik in set(ciks)}
        if new_filings(refs, cursor.seen, known)[0]:  # request them now; the batch waits a tick
            planned, position = [], cursor.position
        else:
            planned, position = plan_batch(ciks, cursor, settings.sensor_batch_size)
        batch = read_batch(planned, conn, settings)
    names = {c.cik: c.name for c in companies}
    for cik, listed in batch.refs.items():
        refs[cik] = [*listed, *refs.get(cik, [])]
    found, seen = new_filings(refs, cursor.seen, known)
    problems = [f"{name}: {reason}" for name, reason in unresolved.items()]
    if daily.problem is not None:
        problems.append(f"{daily.problem}; only the batch's own indexes were read")
    problems += [
        f"{names[cik]} (CIK {cik}): {reason}; its cursor is kept and it is read again next tick"
        for cik, reason in batch.failed.items()
    ]
    if batch.deferred:
        problems.append(
            f"{len(batch.deferred)} companies not read within the tick's {TICK_BUDGET_S:.0f} s "
            f"budget ({', '.join(names[c] for c in batch.deferred)}): read first next tick"
        )
    planned_set = set(planned)
    retry = [c for c in cursor.retry if c in names and c not in planned_set]
    retry = list(dict.fromkeys([*retry, *batch.failed, *batch.deferred]))
    return Tick(
        found=[(names[cik], ref) for cik, ref in found],
        cursor=SensorCursor(seen, position, retry, daily.next_from),
        problems=problems,
        read=[names[c] for c in batch.refs],
        tracked=len(companies),
    )


def build_new_filings_sensor(job_name: str):
    """The sensor that requests ``job_name`` for each new filing."""

    @sensor(
        name=SENSOR_NAME,
        job_name=job_name,
        minimum_interval_seconds=INTERVAL_S,
        default_status=DefaultSensorStatus.RUNNING,
        description=(
            "Every 5 minutes: reads EDGAR's daily index (all companies) and the submissions "
            "index of the next batch of tracked companies (EDGAR_SENSOR_BATCH, round-robin), "
            "and runs the main job for the new "
            "10-K/10-Q filings (one partition per filing; several are one run over their range). "
            "A company that fails is named, keeps its cursor and is retried next tick."
        ),
    )
    def new_filings_sensor(context: SensorEvaluationContext, settings: PipelineSettings):
        known = context.instance.get_dynamic_partitions(FILINGS.name)
        tick = evaluate(settings.settings(), context.cursor, known)
        for problem in tick.problems:
            context.log.warning(problem)
        cursor = tick.cursor.dumps()
        if not tick.found:
            read = f"read {len(tick.read)} of {tick.tracked} companies ({', '.join(tick.read)})"
            reason = "; ".join([f"no new filings; {read}", *tick.problems])
            return SensorResult(skip_reason=SkipReason(reason), cursor=cursor)
        context.log.info(
            "new filings: " + ", ".join(f"{c} {r.form} {r.accession_number}" for c, r in tick.found)
        )
        keys = [ref.accession_number for _, ref in tick.found]
        return SensorResult(
            run_requests=[run_request_for(tick.found)],
            dynamic_partitions_requests=[FILINGS.build_add_request(keys)],
            cursor=cursor,
        )

    return new_filings_sensor
