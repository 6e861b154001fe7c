"""What is downloaded, parsed and loaded: the facts behind ``edgar-pipeline status``."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.config import Settings
from pipeline.edgar.download import ROOT_FOLDER, SUBMISSION_FILE


@dataclass(frozen=True)
class CompanyStatus:
    """Per-company counts at each layer."""

    company: str
    downloaded: int
    parsed: int
    loaded: int | None  # filings in the warehouse; None when there is no warehouse


def company_status(settings: Settings, loaded: dict[str, int] | None) -> list[CompanyStatus]:
    """Counts of downloaded, parsed and loaded filings for each tracked company."""
    rows = []
    for company in settings.companies:
        landing = settings.landing_dir / ROOT_FOLDER / company
        parsed_dir = settings.facts_dir / f"ticker={company}"
        rows.append(
            CompanyStatus(
                company=company,
                downloaded=len(list(landing.glob(f"*/*/{SUBMISSION_FILE}"))),
                parsed=len(list(parsed_dir.glob("*.parquet"))),
                loaded=None if loaded is None else loaded.get(company, 0),
            )
        )
    return rows


def loaded_filings(con) -> dict[str, int]:
    """Filings per company in the warehouse's raw line items."""
    rows = con.execute(
        "SELECT ticker, count(DISTINCT accession_number) FROM raw.line_items GROUP BY ticker"
    ).fetchall()
    return dict(rows)


LATEST_COMPARISON_SQL = """
SELECT label, amzn_fiscal_year, amzn_revenue, wmt_fiscal_year, wmt_revenue,
       revenue_gap_amzn_minus_wmt, revenue_leader, amzn_capex, wmt_capex
FROM marts.annual_comparison
WHERE basis = 'calendar_year' AND amzn_revenue IS NOT NULL AND wmt_revenue IS NOT NULL
ORDER BY year DESC
LIMIT 1
"""


def failed_filings(settings: Settings) -> list[dict]:
    """Catalog rows of filings that did not download or parse, with their reasons."""
    import pyarrow.parquet as pq

    if not settings.catalog_path.is_file():
        return []
    table = pq.read_table(settings.catalog_path)
    if "status" not in table.column_names:
        return []
    return [row for row in table.to_pylist() if row["status"] != "landed"]
