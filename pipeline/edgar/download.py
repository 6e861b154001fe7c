"""Download a company's 10-K and 10-Q filings with sec-edgar-downloader, and close its gaps.

The library does the fetching in its own layout
(``sec-edgar-filings/<TICKER>/<FORM>/<ACCESSION>/full-submission.txt``). Around it:

- the configured ticker or CIK resolves to one identity, the CIK, landed under one folder
  (SEC's ticker for it, else the CIK): an alias neither duplicates nor splits a company
  (:mod:`pipeline.edgar.companies`); one download per CIK at a time (a file lock);
- we read the submissions index ourselves once, so we know which accessions must land
  (the library returns a count that includes filings already on disk); index rows that
  fail a strict check are refused by name and never reach a path or a request;
- a filing counts as already complete only when its file matches the manifest recorded
  when it landed (sha256 and size, :mod:`pipeline.edgar.landing`; a file whose stat is the
  one recorded when it was verified is not hashed again); one that changed since is
  downloaded again; the library is asked only for the date window and count of what is
  missing, so it stops paging the index early;
- ``before`` is always passed (the library's default is frozen at import);
- the library writes into a staging folder of this process; each filing is verified
  complete (:func:`pipeline.edgar.submission_file.completeness_problem`, its SEC header
  and document names checked) and only then renamed, with its manifest, into the landing
  folder, so a partial file never looks complete; staging folders of dead runs are removed;
  the company folder's generation is removed before a filing lands and replaced once the
  download is done, so the catalog knows when it must read the manifests again;
- the library prints download errors and returns normally: we capture what it prints,
  and every accession that did not land whole is reported as failed with its reason, and
  recorded for the catalog (:mod:`pipeline.edgar.outcomes`).

Time limits, retries, the shared rate limit and URL checks come from
:mod:`pipeline.edgar.transport`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from stat import S_ISREG

from filelock import FileLock, Timeout

from pipeline.config import Settings
from pipeline.edgar.companies import CompanyIdentity, UnknownCompanyError, resolve_company
from pipeline.edgar.landing import (
    ROOT_FOLDER,
    SUBMISSION_FILE,
    LandingManifest,
    filing_dir,
    filing_path,
    forget_generation,
    landed_problem,
    new_generation,
    read_generation,
    stat_key,
    utc_now,
    write_manifest,
)
from pipeline.edgar.outcomes import (
    DownloadOutcome,
    FailedFiling,
    default_state_dir,
    save_outcome,
)
from pipeline.edgar.staging import remove_dead_staging, staging_folder
from pipeline.edgar.submission_file import completeness_problem, iter_documents, parse_header
from pipeline.edgar.submissions import FilingIndex, FilingRef, read_index
from pipeline.edgar.ticker_map import ticker_map_for
from pipeline.identifiers import contained_path

__all__ = [
    "ROOT_FOLDER",
    "SUBMISSION_FILE",
    "DownloadLockTimeout",
    "DownloadResult",
    "UnknownCompanyError",
    "download_company_filings",
    "filing_path",
]

log = logging.getLogger(__name__)

_PRINTED_ERROR = re.compile(r"(\d{10}-\d{2}-\d{6})\s+(.*)$")
DEFAULT_LOCK_TIMEOUT_S = 600.0


class DownloadLockTimeout(RuntimeError):
    """Another download of the same company held its lock for longer than the bound."""


@dataclass
class DownloadResult:
    """What one company's download did: expected, skipped, fetched and failed accessions."""

    company: str  # as configured
    ticker: str  # canonical: SEC's ticker for the CIK (the landing folder), else the CIK
    cik: str
    expected: list[FilingRef]
    already_complete: list[str] = field(default_factory=list)
    downloaded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # accession -> reason
    rejected: list[str] = field(default_factory=list)  # index rows refused, one line each
    redownloaded: list[str] = field(default_factory=list)  # landed copy changed or unrecorded

    def summary(self) -> str:
        """One line for logs."""
        who = self.company if self.company == self.ticker else f"{self.company} ({self.ticker})"
        refused = f", {len(self.rejected)} index rows refused" if self.rejected else ""
        return (
            f"{who}: {len(self.expected)} filings in scope, "
            f"{len(self.already_complete)} already complete, {len(self.downloaded)} downloaded, "
            f"{len(self.failed)} failed{refused}"
        )


def _inspect(path: Path, ref: FilingRef) -> tuple[LandingManifest | None, str | None]:
    """The manifest to land ``path`` with, or why it cannot land (one line).

    The manifest records the file's stat, taken before it is read: the staging folder is
    this process's own and the downloader is done with it, so nothing writes it after.
    """
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None, "not downloaded"
    if not S_ISREG(stat.st_mode):
        return None, "not downloaded"
    data = path.read_bytes()
    problem = completeness_problem(data)
    if problem:
        return None, f"incomplete download ({len(data)} bytes): {problem}"
    where = f"{ref.accession_number}.txt"
    try:
        header = parse_header(data, where=where)
        for _ in iter_documents(data, where=where):  # checks every document's file name
            pass
    except ValueError as exc:
        return None, str(exc)
    if header.accession_number != ref.accession_number:
        return None, f"SEC header names accession {header.accession_number}"
    manifest = LandingManifest(
        accession_number=ref.accession_number,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        landed_at=utc_now(),
        cik=ref.cik,
        form=header.form,
        filing_date=header.filing_date,
        period_of_report=header.period_of_report,
        fiscal_year_end=header.fiscal_year_end,
        company_name=header.company_name,
        file_stat=stat_key(stat) if stat.st_size == len(data) else None,
    )
    return manifest, None


def _printed_errors(printed: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for line in printed.splitlines():
        if match := _PRINTED_ERROR.search(line):
            errors[match.group(1)] = match.group(2).strip()
    return errors


def _library_limit(index: FilingIndex, base_form: str, after: date) -> int:
    """How many rows of ``base_form`` filed since ``after`` the library will count.

    The library counts every row of the form in the window (skips come after the limit),
    refused rows included, so they are counted here too.
    """
    valid = sum(1 for r in index.refs if r.base_form == base_form and after <= r.filing_date)
    refused = sum(
        1
        for r in index.rejected
        if r.form.removesuffix("/A") == base_form and r.filing_date and after <= r.filing_date
    )
    return valid + refused


def _fetch_missing(
    downloader,
    company: str,
    base_form: str,
    missing: list[FilingRef],
    index: FilingIndex,
    skip: set[str],
    today: date,
) -> dict[str, str]:
    """Ask the library for one base form's missing filings; return errors it printed."""
    after = min(r.filing_date for r in missing)
    before = max(max(r.filing_date for r in missing), today)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        downloader.get(
            base_form,
            company,
            limit=_library_limit(index, base_form, after),
            after=after,
            before=before,
            include_amends=True,
            download_details=False,
            accession_numbers_to_skip=skip,
        )
    return _printed_errors(printed.getvalue())


def _land(staged: Path, target: Path, manifest: LandingManifest, staging: Path) -> None:
    """Move a verified staged filing folder, with its manifest, to ``target``.

    A previous folder at ``target`` is moved into the staging folder first (and removed
    with it), and put back if the rename fails.
    """
    write_manifest(staged, manifest)
    aside = None
    if target.exists():
        aside = contained_path(staging, f"replaced-{uuid.uuid4().hex}", source="staging")
        os.replace(target, aside)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(staged, target)
    except OSError:
        if aside is not None:
            os.replace(aside, target)
        raise


@contextlib.contextmanager
def _company_lock(state_dir: Path, identity: CompanyIdentity, timeout_s: float) -> Iterator[None]:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = contained_path(state_dir, f"{identity.cik}.lock", source="the download lock")
    try:
        with FileLock(path).acquire(timeout=timeout_s):
            yield
    except Timeout as exc:
        raise DownloadLockTimeout(
            f"{identity.requested}: another download of CIK {identity.cik} held {path} for "
            f"over {timeout_s:.0f} s: wait for that run to finish (the lock is freed when "
            "its process exits)"
        ) from exc


def _download_missing(
    result: DownloadResult,
    missing: list[FilingRef],
    index: FilingIndex,
    make_downloader: Callable[[Path], object],
    landing_dir: Path,
    today: date,
) -> None:
    company = result.ticker
    skip = set(result.already_complete) | {
        r.accession_number for r in index.rejected if isinstance(r.accession_number, str)
    }
    with staging_folder(landing_dir) as staging:
        downloader = make_downloader(staging)
        for base_form in sorted({r.base_form for r in missing}):
            form_missing = [r for r in missing if r.base_form == base_form]
            log.info("%s: fetching %d %s filing(s)", company, len(form_missing), base_form)
            try:
                printed = _fetch_missing(
                    downloader, company, base_form, form_missing, index, skip, today
                )
            except Exception as exc:  # the library gave up on the whole form
                reason = f"sec-edgar-downloader failed: {type(exc).__name__}: {exc}"
                printed = {r.accession_number: reason.splitlines()[0] for r in form_missing}
            for ref in form_missing:
                acc = ref.accession_number
                staged = filing_dir(staging, company, base_form, acc)
                manifest, problem = _inspect(staged / SUBMISSION_FILE, ref)
                if manifest is None:
                    if acc in printed:  # what the library printed is the cause
                        not_there = problem == "not downloaded"
                        problem = printed[acc] if not_there else f"{problem}: {printed[acc]}"
                    result.failed[acc] = problem or "not downloaded"
                    log.error("%s %s: %s", company, acc, result.failed[acc])
                    continue
                forget_generation(landing_dir, company)  # a new one once the landing is done
                _land(staged, filing_dir(landing_dir, company, base_form, acc), manifest, staging)
                result.downloaded.append(acc)
                log.info("%s %s (%s, filed %s) landed", company, acc, ref.form, ref.filing_date)


def _outcome(result: DownloadResult, index_read_at: str) -> DownloadOutcome:
    refs = {r.accession_number: r for r in result.expected}
    return DownloadOutcome(
        cik=result.cik,
        ticker=result.ticker,
        requested_as=[result.company],
        index_read_at=index_read_at,
        failed={
            acc: FailedFiling(refs[acc].form, refs[acc].filing_date, refs[acc].report_date, why)
            for acc, why in result.failed.items()
        },
        rejected=list(result.rejected),
    )


def download_company_filings(
    company: str,
    *,
    make_downloader: Callable[[Path], object],
    landing_dir: Path,
    user_agent: str,
    forms: tuple[str, ...],
    since: date,
    today: date | None = None,
    state_dir: Path | None = None,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
) -> DownloadResult:
    """Bring every in-scope filing of ``company`` (ticker or CIK) to the landing folder.

    ``make_downloader(folder)`` returns a ``sec_edgar_downloader.Downloader``; it is
    called only when something is missing. ``state_dir`` (default
    ``<data>/state/downloads``) receives the outcome for the catalog. Raises
    :class:`UnknownCompanyError` for a ticker SEC does not list. Must run inside
    ``sec_transport``.
    """
    today = today or date.today()
    state_dir = state_dir or default_state_dir(landing_dir)
    identity = resolve_company(company, ticker_map_for(company, state_dir.parent, user_agent))
    with _company_lock(state_dir, identity, lock_timeout_s):
        remove_dead_staging(landing_dir)
        index_read_at = utc_now()
        index = read_index(identity.cik, user_agent, forms=forms, since=since)
        result = DownloadResult(
            company=company,
            ticker=identity.ticker,
            cik=identity.cik,
            expected=index.refs,
            rejected=[r.reason for r in index.rejected],
        )
        missing: list[FilingRef] = []
        for ref in index.refs:
            folder = filing_dir(landing_dir, identity.ticker, ref.base_form, ref.accession_number)
            problem = landed_problem(folder)
            if problem is None:
                result.already_complete.append(ref.accession_number)
                continue
            if problem != "not downloaded":
                result.redownloaded.append(ref.accession_number)
                log.warning(
                    "%s %s: %s: downloading it again",
                    identity.ticker,
                    ref.accession_number,
                    problem,
                )
            missing.append(ref)
        if identity.is_alias:
            log.info(
                "%s is %s (CIK %s)%s",
                company,
                identity.ticker,
                identity.cik,
                ", already tracked: every filing in scope is complete"
                if not missing
                else f": its filings land under {identity.ticker}",
            )
        if missing:
            _download_missing(result, missing, index, make_downloader, landing_dir, today)
        if read_generation(landing_dir, identity.ticker) is None:  # landed, or first run
            new_generation(landing_dir, identity.ticker)
        save_outcome(state_dir, _outcome(result, index_read_at))
    return result


def download_with_settings(settings: Settings, company: str) -> DownloadResult:
    """:func:`download_company_filings` for ``company`` over an EDGAR connection opened
    from ``settings`` (the live SEC, or the stand-in for ``EDGAR_MIRROR``)."""
    from pipeline.edgar.connection import edgar_connection

    with edgar_connection(settings) as conn:
        return download_company_filings(
            company,
            make_downloader=conn.make_downloader,
            landing_dir=settings.landing_dir,
            user_agent=conn.user_agent,
            forms=settings.forms,
            since=settings.earliest_filing_date,
        )
