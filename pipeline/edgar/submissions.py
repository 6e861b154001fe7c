"""Read EDGAR's submissions index: which 10-K and 10-Q filings a company has made.

We read the index once per company and run, and use it to know what the download
must produce (sec-edgar-downloader returns only a count) and, in the sensor, to spot
new filings. Call inside :func:`pipeline.edgar.transport.sec_transport`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import requests

TICKER_MAP_URL = "https://www.sec.gov/files/company_tickers_exchange.json"
SUBMISSIONS_URL = "https://data.sec.gov/submissions/{name}"


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


def _get_json(url: str, user_agent: str) -> dict:
    response = requests.get(url, headers={"User-Agent": user_agent, "Accept-Encoding": "gzip"})
    if response.status_code != 200:
        raise EdgarIndexError(f"{url} answered HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError as exc:
        raise EdgarIndexError(f"{url} did not return JSON: {exc}") from exc


def ticker_to_cik(user_agent: str) -> dict[str, str]:
    """SEC's ticker map: upper-case ticker -> 10-digit CIK."""
    data = _get_json(TICKER_MAP_URL, user_agent)
    cik_at, ticker_at = data["fields"].index("cik"), data["fields"].index("ticker")
    return {str(row[ticker_at]).upper(): str(row[cik_at]).zfill(10) for row in data["data"]}


def _rows(block: dict, cik: str) -> list[FilingRef]:
    try:
        columns = zip(
            block["accessionNumber"],
            block["form"],
            block["filingDate"],
            block["reportDate"],
            block["primaryDocument"],
            strict=True,
        )
    except (KeyError, ValueError) as exc:
        raise EdgarIndexError(f"submissions index of CIK {cik} is malformed: {exc}") from exc
    return [
        FilingRef(
            filing_date=date.fromisoformat(filed),
            accession_number=acc,
            form=form,
            report_date=date.fromisoformat(report) if report else None,
            primary_document=doc,
            cik=cik,
        )
        for acc, form, filed, report, doc in columns
    ]


def list_filings(
    cik: str,
    user_agent: str,
    *,
    forms: tuple[str, ...] = ("10-K", "10-Q"),
    since: date = date(1994, 1, 1),
) -> list[FilingRef]:
    """All filings of ``cik`` of the given base forms (amendments included) since ``since``.

    Reads the recent block and every paging file; newest first.
    """
    first = _get_json(SUBMISSIONS_URL.format(name=f"CIK{cik}.json"), user_agent)
    filings = first.get("filings", {})
    refs = _rows(filings.get("recent", {}), cik)
    for page in filings.get("files", []):
        refs += _rows(_get_json(SUBMISSIONS_URL.format(name=page["name"]), user_agent), cik)
    wanted = set(forms) | {f"{f}/A" for f in forms}
    selected = {r.accession_number: r for r in refs if r.form in wanted and r.filing_date >= since}
    return sorted(selected.values(), reverse=True)
