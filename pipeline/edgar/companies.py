"""Company identity: every ticker or CIK of a company resolves to one CIK and one folder name.

A company is its CIK. Its folder (and the ticker in the catalog) is its first ticker in
SEC's ticker map, or its 10-digit CIK when the map lists none, whichever name it was
configured by: ``AMZN`` and ``1018724`` are the same company, landed once under ``AMZN``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.identifiers import UnsafeIdentifierError, check_cik, check_ticker

TICKER_MAP_NAME = "company_tickers_exchange.json"


class UnknownCompanyError(ValueError):
    """A configured ticker that SEC's ticker map does not list."""


@dataclass(frozen=True)
class CompanyIdentity:
    """Who a configured company is: its CIK and its canonical folder name."""

    requested: str  # as configured: a ticker or a CIK
    cik: str  # 10 digits
    ticker: str  # SEC's first ticker for the CIK, else the CIK

    @property
    def is_alias(self) -> bool:
        """True when configured by another name than the canonical one."""
        return self.requested != self.ticker


def resolve_company(company: str, ticker_map: Mapping[str, str]) -> CompanyIdentity:
    """Resolve a configured ticker or CIK with SEC's ticker map (ticker -> 10-digit CIK).

    Raises :class:`UnknownCompanyError` for a ticker the map does not list, and
    ``UnsafeIdentifierError`` for a value that is neither a ticker nor a CIK.
    """
    if company.isdigit():
        cik = check_cik(company, "EDGAR_COMPANIES")
    else:
        ticker = check_ticker(company, "EDGAR_COMPANIES")
        if ticker not in ticker_map:
            raise UnknownCompanyError(
                f"ticker {ticker!r} is not in SEC's ticker map ({TICKER_MAP_NAME}): "
                "check EDGAR_COMPANIES"
            )
        cik = check_cik(ticker_map[ticker], f"SEC's ticker map entry {ticker}")
    canonical = cik
    for name, listed in ticker_map.items():  # the map's order: SEC lists the main ticker first
        if listed == cik:
            try:
                canonical = check_ticker(name, "SEC's ticker map")
                break
            except UnsafeIdentifierError:
                continue
    return CompanyIdentity(requested=company, cik=cik, ticker=canonical)
