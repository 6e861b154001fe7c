"""What is downloaded, parsed and loaded: the facts behind ``edgar-pipeline status``."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.config import Settings


@dataclass(frozen=True)
class CompanyStatus:
    """Per-company counts of filings at each layer (the company as the catalog names it)."""

    company: str
    downloaded: int
    parsed: int
    failed: int  # did not download, or did not parse
    loaded: int | None  # filings in the warehouse; None when there is no warehouse


def _catalog_rows(settings: Settings) -> list[dict]:
    """The catalog's rows; one written before the status column reads as all landed."""
    from pipeline.edgar.catalog import read_catalog_rows

    return read_catalog_rows(settings.catalog_path)


def company_status(settings: Settings, loaded: dict[str, int] | None) -> list[CompanyStatus]:
    """Counts per company: one row per company in the catalog (aliases are one company),
    plus a zero row for a configured company with no filings catalogued at all."""
    from pipeline.xbrl.datasets import filing_file, present_files

    rows = _catalog_rows(settings)
    exists = present_files(settings)  # a stat each; one listing of a lake on an object store
    ticker_of = {r["cik"]: r["ticker"] for r in rows} | {r["ticker"]: r["ticker"] for r in rows}
    # Configured order (an alias maps to its company), then anything else catalogued.
    names = [ticker_of.get(c, c) for c in settings.companies]
    names += sorted({r["ticker"] for r in rows})
    result = []
    for ticker in dict.fromkeys(names):
        mine = [r for r in rows if r["ticker"] == ticker]
        result.append(
            CompanyStatus(
                company=ticker,
                downloaded=sum(1 for r in mine if r["status"] != "download_failed"),
                parsed=sum(
                    1
                    for r in mine
                    if r["status"] == "landed"
                    and exists(filing_file(settings.facts_dir, ticker, r["accession_number"]))
                ),
                failed=sum(1 for r in mine if r["status"] != "landed"),
                loaded=None if loaded is None else loaded.get(ticker, 0),
            )
        )
    return result


def loaded_filings(con) -> dict[str, int]:
    """Filings per company in the warehouse's raw line items."""
    rows = con.execute(
        "SELECT ticker, count(DISTINCT accession_number) FROM raw.line_items GROUP BY ticker"
    ).fetchall()
    return dict(rows)


# The pair of marts.compare_set (EDGAR_COMPARE's first two, else EDGAR_COMPANIES') side by side.
LATEST_COMPARISON_SQL = """
SELECT a.label, a.ticker AS a_ticker, a.fiscal_label AS a_fiscal_year, a.revenue AS a_revenue,
       b.ticker AS b_ticker, b.fiscal_label AS b_fiscal_year, b.revenue AS b_revenue,
       a.revenue - b.revenue AS revenue_gap_a_minus_b,
       CASE WHEN a.revenue > b.revenue THEN a.ticker WHEN a.revenue < b.revenue THEN b.ticker
       END AS revenue_leader,
       a.capex AS a_capex, b.capex AS b_capex
FROM marts.annual_comparison AS a
JOIN marts.compare_set AS pa ON pa.member = a.ticker AND pa.pair_side = 'a'
JOIN marts.annual_comparison AS b ON b.basis = a.basis AND b.year = a.year
JOIN marts.compare_set AS pb ON pb.member = b.ticker AND pb.pair_side = 'b'
WHERE a.basis = 'calendar_year' AND a.revenue IS NOT NULL AND b.revenue IS NOT NULL
ORDER BY a.year DESC
LIMIT 1
"""


def failed_filings(settings: Settings) -> list[dict]:
    """Catalog rows of filings that did not download or parse, with their reasons."""
    return [row for row in _catalog_rows(settings) if row["status"] != "landed"]


def company_problems(settings: Settings) -> list[str]:
    """One line per configured company that could not be downloaded at all, and per
    submissions-index row refused by a strict check (never downloaded)."""
    from pipeline.edgar.company_errors import company_errors
    from pipeline.edgar.outcomes import default_state_dir, load_outcomes

    lines = [
        f"FAILED company {name}: {reason}"
        for name, reason in company_errors(settings.data_dir / "state", settings.companies).items()
    ]
    for outcome in load_outcomes(default_state_dir(settings.landing_dir)).values():
        lines += [f"FAILED index row of {outcome.ticker}: {why}" for why in outcome.rejected]
    return lines


def freshness_lines(settings: Settings, con, today=None) -> list[str]:
    """The marts' freshness (``pipeline/automation/freshness.py``), ``con`` on the served
    snapshot: a header line, then one line per filing not loaded or overdue."""
    from datetime import UTC, datetime

    from pipeline.automation.freshness import freshness

    state = freshness(_catalog_rows(settings), con, today or datetime.now(UTC).date())
    if not state.stale:
        return ["freshness: up to date (every catalogued filing loaded, none overdue)"]
    reasons = state.lines()
    return [f"freshness: STALE ({len(reasons)} reason(s))", *(f"  {r}" for r in reasons)]
