"""Which companies a run must ask EDGAR about: only those with something new.

Reading every tracked company's submissions index costs a request per company per run
(at SEC's 10/s: 50 s for 500 companies) although most have filed nothing. Instead, a run
reads EDGAR's daily indexes since the companies' indexes were last read whole
(:mod:`pipeline.edgar.daily_index`: one request per day for all companies, final days
kept), and asks EDGAR only about:

- companies whose index was never read whole, or not within :data:`MAX_SCAN_DAYS`;
- companies whose last download failed, or left filings that did not land;
- companies with a filing in the daily indexes (of a tracked form, disseminated on or
  after the day before their index was read) that has not landed;
- companies with a landed filing that changed since it landed (its stat against the one its
  manifest recorded: no file is read), so the download step fetches it again.

When SEC's ticker map or a daily index cannot be read, every company is asked, as
before. SEC updates a day's index nightly, so a filing made today reaches the daily index
tonight: the sensor's per-company reads, or ``edgar-pipeline run --all-companies``, find it
sooner.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import requests

from pipeline.config import Settings
from pipeline.edgar.companies import UnknownCompanyError, resolve_company
from pipeline.edgar.company_errors import company_errors
from pipeline.edgar.daily_index import DailyIndexCache, DailyScan, scan, utc_today
from pipeline.edgar.landing import ROOT_FOLDER, company_folder, filing_dir, landed_problem
from pipeline.edgar.outcomes import DownloadOutcome, load_outcome
from pipeline.edgar.submissions import EdgarIndexError
from pipeline.edgar.ticker_map import ticker_map
from pipeline.identifiers import UnsafeIdentifierError, contained_path

log = logging.getLogger(__name__)

MAX_SCAN_DAYS = 100  # a quarter between runs, and some margin
READ_ERRORS = (EdgarIndexError, UnsafeIdentifierError, requests.RequestException, TimeoutError)


@dataclass
class DownloadPlan:
    """The companies a run asks EDGAR about, and why; the others, and why not."""

    ask: dict[str, str] = field(default_factory=dict)  # configured name -> why
    skip: dict[str, str] = field(default_factory=dict)  # configured name -> why not
    scan: DailyScan | None = None

    def summary(self, shown: int = 5) -> str:
        """One line for the CLI."""
        total = len(self.ask) + len(self.skip)
        names = list(self.ask)
        listed = "; ".join(f"{n} ({self.ask[n]})" for n in names[:shown])
        more = f"; and {len(names) - shown} more" if len(names) > shown else ""
        line = f"asking EDGAR about {len(self.ask)} of {total} companies"
        if names:
            line += f": {listed}{more}"
        if self.scan is not None:
            line += (
                f"; EDGAR's daily indexes: {len(self.scan.days_read)} day(s) read, "
                f"{len(self.scan.days_cached)} kept from earlier runs"
            )
        return line


def _read_on(outcome: DownloadOutcome) -> date | None:
    try:
        return datetime.fromisoformat(outcome.index_read_at).date()
    except ValueError:
        return None


def _own_reason(
    name: str, outcome: DownloadOutcome | None, error: str | None, today: date
) -> str | None:
    """Why ``name`` is asked whatever the daily index says, or None."""
    if error:
        return f"its last download failed: {error[:120]}"
    if outcome is None or (read_on := _read_on(outcome)) is None:
        return "its index was never read whole"
    if outcome.failed:
        return f"{len(outcome.failed)} filing(s) did not land last time"
    if read_on < today - timedelta(days=MAX_SCAN_DAYS):
        return f"its index was last read on {read_on}, before the {MAX_SCAN_DAYS}-day window"
    return None


def _changed_landing(landing_dir: Path, ticker: str) -> str | None:
    """The first landed filing of ``ticker`` that changed since it landed, with why."""
    try:
        company = contained_path(
            landing_dir, ROOT_FOLDER, company_folder(ticker), source="the landing folder"
        )
    except ValueError:
        return None
    if not company.is_dir():
        return None
    for form in sorted(p for p in company.iterdir() if p.is_dir()):
        for folder in sorted(p for p in form.iterdir() if p.is_dir()):
            if (problem := landed_problem(folder)) is not None:
                return f"landed {folder.name}: {problem}"
    return None


def _not_landed(landing_dir: Path, ticker: str, form: str, accession: str) -> bool:
    try:
        folder = filing_dir(landing_dir, ticker, form.removesuffix("/A"), accession)
    except ValueError:
        return True
    return landed_problem(folder) is not None


def plan_downloads(
    settings: Settings, user_agent: str, *, today: date | None = None
) -> DownloadPlan:
    """Decide which configured companies this run asks EDGAR about (see the module)."""
    today = today or utc_today()
    state = settings.data_dir / "state"
    plan = DownloadPlan()
    try:
        mapping = ticker_map(state, user_agent, refresh=True)
    except READ_ERRORS as exc:
        reason = f"SEC's ticker map could not be read ({str(exc)[:120]})"
        return DownloadPlan(ask=dict.fromkeys(settings.companies, reason))
    errors = company_errors(state, settings.companies)
    waiting: dict[str, tuple[str, str, date]] = {}  # name -> (cik, ticker, index read on)
    for name in settings.companies:
        try:
            identity = resolve_company(name, mapping)
        except (UnknownCompanyError, UnsafeIdentifierError) as exc:
            plan.ask[name] = str(exc)[:160]  # its step records the error, by name
            continue
        outcome = load_outcome(state / "downloads", identity.cik)
        if (why := _own_reason(name, outcome, errors.get(name), today)) is not None:
            plan.ask[name] = why
            continue
        assert outcome is not None  # _own_reason asks for companies without one
        waiting[name] = (identity.cik, identity.ticker, _read_on(outcome) or today)
    if not waiting:
        return plan
    start = min(read_on for _, _, read_on in waiting.values()) - timedelta(days=1)
    try:
        plan.scan = scan(
            start, user_agent=user_agent, forms=settings.forms, state_dir=state, today=today
        )
    except READ_ERRORS as exc:
        reason = f"EDGAR's daily index could not be read ({str(exc)[:120]})"
        plan.ask.update(dict.fromkeys(waiting, reason))
        return plan
    DailyIndexCache(state, set()).prune(today - timedelta(days=MAX_SCAN_DAYS + 7))
    for name, (cik, ticker, read_on) in waiting.items():
        new = [
            f
            for f in plan.scan.filings
            if f.cik == cik
            and f.day >= read_on - timedelta(days=1)
            and _not_landed(settings.landing_dir, ticker, f.form, f.accession_number)
        ]
        if new:
            first = new[0]
            more = f" and {len(new) - 1} more" if len(new) > 1 else ""
            plan.ask[name] = (
                f"{first.form} {first.accession_number} in the daily index of {first.day}{more}"
            )
        elif cik in plan.scan.refused and plan.scan.refused[cik][0] >= read_on - timedelta(1):
            plan.ask[name] = f"a daily-index row was refused: {plan.scan.refused[cik][1][:120]}"
        elif (changed := _changed_landing(settings.landing_dir, ticker)) is not None:
            plan.ask[name] = changed[:160]
        else:
            plan.skip[name] = f"nothing new since its index was read on {read_on}"
    return plan
