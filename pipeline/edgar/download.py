"""Download a company's 10-K and 10-Q filings with sec-edgar-downloader, and close its gaps.

The library does the fetching in its own layout
(``sec-edgar-filings/<TICKER>/<FORM>/<ACCESSION>/full-submission.txt``). Around it:

- we read the submissions index ourselves once, so we know which accessions must land
  (the library returns a count that includes filings already on disk);
- accessions already complete on disk are skipped, and the library is asked only for
  the date window and count of what is missing, so it stops paging the index early;
- ``before`` is always passed (the library's default is frozen at import);
- the library writes into a staging folder; each filing is verified complete (see
  :func:`pipeline.edgar.submission_file.completeness_problem`) and only then renamed
  into the landing folder, so a partial file never looks complete;
- the library prints download errors and returns normally: we capture what it prints,
  and every accession that did not land whole is reported as failed with its reason.

Time limits, retries and the shared rate limit come from :mod:`pipeline.edgar.transport`.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.edgar.submission_file import completeness_problem, parse_header
from pipeline.edgar.submissions import FilingRef, list_filings

log = logging.getLogger(__name__)

ROOT_FOLDER = "sec-edgar-filings"
SUBMISSION_FILE = "full-submission.txt"
_PRINTED_ERROR = re.compile(r"(\d{10}-\d{2}-\d{6})\s+(.*)$")


def filing_path(landing_dir: Path, company: str, base_form: str, accession: str) -> Path:
    """Where the downloader's layout puts one filing's full-submission.txt."""
    return landing_dir / ROOT_FOLDER / company / base_form / accession / SUBMISSION_FILE


@dataclass
class DownloadResult:
    """What one company's download did: expected, skipped, fetched and failed accessions."""

    company: str
    cik: str
    expected: list[FilingRef]
    already_complete: list[str] = field(default_factory=list)
    downloaded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # accession -> reason

    def summary(self) -> str:
        """One line for logs."""
        return (
            f"{self.company}: {len(self.expected)} filings in scope, "
            f"{len(self.already_complete)} already complete, {len(self.downloaded)} downloaded, "
            f"{len(self.failed)} failed"
        )


def _verified_problem(path: Path, ref: FilingRef) -> str | None:
    if not path.is_file():
        return "not downloaded"
    data = path.read_bytes()
    problem = completeness_problem(data)
    if problem:
        return f"incomplete download ({len(data)} bytes): {problem}"
    try:
        header = parse_header(data, where=str(path))
    except ValueError as exc:
        return str(exc)
    if header.accession_number != ref.accession_number:
        return f"SEC header names accession {header.accession_number}"
    return None


def _printed_errors(printed: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for line in printed.splitlines():
        if match := _PRINTED_ERROR.search(line):
            errors[match.group(1)] = match.group(2).strip()
    return errors


def _fetch_missing(
    downloader,
    company: str,
    base_form: str,
    missing: list[FilingRef],
    in_scope: list[FilingRef],
    complete: set[str],
    staging: Path,
    today: date,
) -> dict[str, str]:
    """Ask the library for one base form's missing filings; return errors it printed."""
    after = min(r.filing_date for r in missing)
    before = max(max(r.filing_date for r in missing), today)
    # The library counts every filing of the form in the window (skips come after the
    # limit), so the limit is the number of such filings in the index.
    limit = sum(1 for r in in_scope if r.base_form == base_form and after <= r.filing_date)
    downloader.download_folder = staging
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        downloader.get(
            base_form,
            company,
            limit=limit,
            after=after,
            before=before,
            include_amends=True,
            download_details=False,
            accession_numbers_to_skip=complete,
        )
    return _printed_errors(printed.getvalue())


def download_company_filings(
    company: str,
    *,
    make_downloader: Callable[[Path], object],
    landing_dir: Path,
    user_agent: str,
    forms: tuple[str, ...],
    since: date,
    today: date | None = None,
) -> DownloadResult:
    """Bring every in-scope filing of ``company`` (ticker or 10-digit CIK) to the landing folder.

    ``make_downloader(folder)`` returns a ``sec_edgar_downloader.Downloader``; it is
    called only when something is missing. Must run inside ``sec_transport``.
    """
    today = today or date.today()
    downloader = None
    if company.isdigit():
        cik = company
    else:
        downloader = make_downloader(landing_dir)
        cik = downloader.ticker_to_cik_mapping.get(company)
        if cik is None:
            raise ValueError(f"ticker {company!r} is not in SEC's ticker map")
    in_scope = list_filings(cik, user_agent, forms=forms, since=since)
    result = DownloadResult(company=company, cik=cik, expected=in_scope)

    missing: list[FilingRef] = []
    for ref in in_scope:
        path = filing_path(landing_dir, company, ref.base_form, ref.accession_number)
        if _verified_problem(path, ref) is None:
            result.already_complete.append(ref.accession_number)
        else:
            missing.append(ref)
    if not missing:
        return result

    staging = landing_dir / ".staging" / uuid.uuid4().hex
    complete = set(result.already_complete)
    try:
        for base_form in sorted({r.base_form for r in missing}):
            form_missing = [r for r in missing if r.base_form == base_form]
            log.info("%s: fetching %d %s filing(s)", company, len(form_missing), base_form)
            downloader = downloader or make_downloader(staging)
            printed = _fetch_missing(
                downloader, company, base_form, form_missing, in_scope, complete, staging, today
            )
            for ref in form_missing:
                acc = ref.accession_number
                staged = filing_path(staging, company, base_form, acc)
                problem = _verified_problem(staged, ref)
                if problem is not None:
                    if acc in printed:
                        problem = f"{problem}: {printed[acc]}"
                    result.failed[acc] = problem
                    log.error("%s %s: %s", company, acc, problem)
                    continue
                target = filing_path(landing_dir, company, base_form, acc).parent
                if target.exists():
                    shutil.rmtree(target)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged.parent, target)
                result.downloaded.append(acc)
                log.info("%s %s (%s, filed %s) landed", company, acc, ref.form, ref.filing_date)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result
