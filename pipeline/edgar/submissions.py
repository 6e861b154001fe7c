"""Read EDGAR's submissions index: which 10-K and 10-Q filings a company has made.

We read the index once per company and run, and use it to know what the download
must produce (sec-edgar-downloader returns only a count) and, in the sensor, to spot
new filings. Every value taken from it is checked against a strict pattern
(:mod:`pipeline.identifiers`) before it can reach a path. Call inside
:func:`pipeline.edgar.transport.sec_transport`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

import requests

from pipeline.identifiers import (
    UnsafeIdentifierError,
    check_accession,
    check_cik,
    check_document_name,
    check_form,
    check_ticker,
)

log = logging.getLogger(__name__)

TICKER_MAP_URL = "https://www.sec.gov/files/company_tickers_exchange.json"
SUBMISSIONS_URL = "https://data.sec.gov/submissions/{name}"
_PAGE_NAME = re.compile(r"CIK\d{10}-submissions-\d{3}\.json")


@dataclass(frozen=True, order=True)
class FilingRef:
    """One filing as the submissions index lists it."""

    filing_date: date
    accession_number: str
    form: str  # as filed: 10-K, 10-K/A, 10-Q, 10-Q/A
    report_date: date | None
    primary_document: str
    cik: str

    @property
    def base_form(self) -> str:
        """The form without its amendment suffix (10-K/A -> 10-K)."""
        return self.form.removesuffix("/A")


class EdgarIndexError(RuntimeError):
    """The submissions index could not be read or did not have the expected shape."""


def sec_get(url: str, user_agent: str, *, missing_ok: bool = False) -> requests.Response | None:
    """GET ``url`` from SEC with its required User-Agent (time limits, retries and the rate
    limit come from :mod:`pipeline.edgar.transport`); any answer but 200 is an
    :class:`EdgarIndexError`, except 404 with ``missing_ok`` (then None)."""
    response = requests.get(url, headers={"User-Agent": user_agent, "Accept-Encoding": "gzip"})
    if missing_ok and response.status_code == 404:
        return None
    if response.status_code != 200:
        raise EdgarIndexError(f"{url} answered HTTP {response.status_code}")
    return response


def response_json(response: requests.Response, url: str) -> object:
    """The JSON body of SEC's answer for ``url``, or an :class:`EdgarIndexError` naming it."""
    try:
        return response.json()
    except ValueError as exc:
        raise EdgarIndexError(f"{url} did not return JSON: {exc}") from exc


def get_json(url: str, user_agent: str) -> dict:
    """The JSON body of an SEC URL (see :func:`sec_get`)."""
    return response_json(sec_get(url, user_agent), url)


def ticker_to_cik(user_agent: str) -> dict[str, str]:
    """SEC's ticker map: upper-case ticker -> 10-digit CIK, in the map's order.

    Entries whose ticker or CIK fails its strict check are left out (logged once).
    """
    data = get_json(TICKER_MAP_URL, user_agent)
    try:
        cik_at, ticker_at = data["fields"].index("cik"), data["fields"].index("ticker")
        rows = [(row[ticker_at], row[cik_at]) for row in data["data"]]
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        raise EdgarIndexError(f"{TICKER_MAP_URL} is malformed: {exc!r}") from exc
    mapping: dict[str, str] = {}
    refused = []
    for ticker, cik in rows:
        try:
            key = check_ticker(str(ticker), "SEC's ticker map")
            mapping.setdefault(key, check_cik(cik, f"SEC's ticker map entry {key}"))
        except UnsafeIdentifierError as exc:
            refused.append(str(exc))
    if refused:
        log.warning("SEC's ticker map: %d entries refused, e.g. %s", len(refused), refused[0])
    return mapping


@dataclass(frozen=True)
class RejectedRow:
    """An index row of a tracked form refused by a strict check; it never reaches a path."""

    accession_number: object  # as served (not safe to use)
    form: str
    filing_date: date | None  # None when it did not parse
    reason: str  # one line, naming the row and the refused value


@dataclass(frozen=True)
class FilingIndex:
    """A company's in-scope filings (newest first) and the index rows refused."""

    refs: list[FilingRef]
    rejected: list[RejectedRow]


def _row(cik: str, values: tuple, source: str) -> FilingRef:
    acc, form, filed, report, doc = values
    acc = check_accession(acc, source)
    where = f"{source}, accession {acc}"
    try:
        filing_date = date.fromisoformat(filed)
        report_date = date.fromisoformat(report) if report else None
    except (TypeError, ValueError) as exc:
        raise UnsafeIdentifierError(
            f"filing date {filed!r} or report date {report!r} from {where} is refused: "
            "expected YYYY-MM-DD"
        ) from exc
    return FilingRef(
        filing_date=filing_date,
        accession_number=acc,
        form=check_form(form, where),
        report_date=report_date,
        primary_document=check_document_name(doc, where) if doc else "",
        cik=cik,
    )


def _maybe_date(value: object) -> date | None:
    try:
        return date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _rows(
    block: dict, cik: str, wanted: set[str], since: date
) -> tuple[list[FilingRef], list[RejectedRow]]:
    """The rows of ``wanted`` forms filed since ``since``; rows failing a check are rejected."""
    try:
        columns = list(
            zip(
                block["accessionNumber"],
                block["form"],
                block["filingDate"],
                block["reportDate"],
                block["primaryDocument"],
                strict=True,
            )
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise EdgarIndexError(f"submissions index of CIK {cik} is malformed: {exc!r}") from exc
    source = f"the submissions index of CIK {cik}"
    refs: list[FilingRef] = []
    rejected: list[RejectedRow] = []
    for values in columns:
        form, filed = values[1], _maybe_date(values[2])
        if not isinstance(form, str) or form not in wanted or (filed and filed < since):
            continue  # the downloader skips these rows too (it compares the form exactly)
        try:
            refs.append(_row(cik, values, source))
        except UnsafeIdentifierError as exc:
            rejected.append(RejectedRow(values[0], form, filed, str(exc)))
    return refs, rejected


def read_index(
    cik: str,
    user_agent: str,
    *,
    forms: tuple[str, ...] = ("10-K", "10-Q"),
    since: date = date(1994, 1, 1),
) -> FilingIndex:
    """Filings of ``cik`` of the given base forms (amendments included) since ``since``.

    Reads the recent block and every paging file. Rows whose accession number, form,
    dates or primary document fail their strict check are returned as ``rejected``
    (each logged as an error naming it), never as filings.
    """
    cik = check_cik(cik, "the submissions index request")
    wanted = set(forms) | {f"{f}/A" for f in forms}
    first = get_json(SUBMISSIONS_URL.format(name=f"CIK{cik}.json"), user_agent)
    filings = first.get("filings", {}) if isinstance(first, dict) else {}
    refs, rejected = _rows(filings.get("recent", {}), cik, wanted, since)
    for page in filings.get("files", []):
        name = page.get("name") if isinstance(page, dict) else None
        if not isinstance(name, str) or not _PAGE_NAME.fullmatch(name):
            raise EdgarIndexError(
                f"submissions index of CIK {cik} names paging file {name!r}: refused, "
                "expected CIK##########-submissions-NNN.json"
            )
        more, bad = _rows(
            get_json(SUBMISSIONS_URL.format(name=name), user_agent), cik, wanted, since
        )
        refs += more
        rejected += bad
    for row in rejected:
        log.error("CIK %s: index row refused: %s", cik, row.reason)
    selected = {r.accession_number: r for r in refs}
    return FilingIndex(sorted(selected.values(), reverse=True), rejected)


def list_filings(
    cik: str,
    user_agent: str,
    *,
    forms: tuple[str, ...] = ("10-K", "10-Q"),
    since: date = date(1994, 1, 1),
) -> list[FilingRef]:
    """All valid filings of ``cik`` of the given base forms since ``since``, newest first.

    See :func:`read_index`; refused rows are logged and left out.
    """
    return read_index(cik, user_agent, forms=forms, since=since).refs
