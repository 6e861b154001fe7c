"""Turn one downloaded filing into its Parquet files: all numeric facts, and its line items.

Each filing has one file per dataset (``<dataset>/ticker=<T>/<accession>.parquet``), so
re-parsing a filing replaces exactly its rows, and a filing that fails leaves its
previous files (and every other filing's) untouched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.config import Settings
from pipeline.parquet_io import write_parquet_atomically
from pipeline.xbrl import NoXbrlError, parse_facts
from pipeline.xbrl.line_items import resolve_line_items, with_filing_fields
from pipeline.xbrl.schema import FACT_SCHEMA, FILING_FACT_SCHEMA, FILING_FIELDS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParsedFiling:
    """What parsing one filing produced."""

    accession_number: str
    ticker: str
    facts: int
    line_items: int
    source_document: str
    source_format: str


def filing_file(dataset_dir: Path, ticker: str, accession: str) -> Path:
    """The Parquet file of one filing in a per-filing dataset."""
    return dataset_dir / f"ticker={ticker}" / f"{accession}.parquet"


def _with_filing_columns(facts: pa.Table, filing: dict) -> pa.Table:
    n = facts.num_rows
    arrays = [pa.array([filing[f.name]] * n, type=f.type) for f in FILING_FIELDS]
    arrays += [facts.column(name) for name in facts.column_names]
    return pa.Table.from_arrays(arrays, schema=FILING_FACT_SCHEMA)


def parse_filing(settings: Settings, filing: dict) -> ParsedFiling:
    """Parse the filing described by a catalog row and write its facts and line items.

    A filing that carries no XBRL at all (filed before XBRL was required) is written as
    empty datasets, with ``source_format`` "none". Raises ``ValueError`` (an
    ``XbrlParseError``) naming the filing when it cannot be parsed.
    """
    accession, ticker = filing["accession_number"], filing["ticker"]
    try:
        facts = parse_facts(Path(filing["path"]))
    except NoXbrlError as exc:
        log.warning(
            "%s %s %s has no XBRL; no facts recorded: %s", ticker, filing["form"], accession, exc
        )
        facts = FACT_SCHEMA.empty_table()
    except ValueError as exc:
        raise ValueError(f"{ticker} {filing['form']} {accession}: {exc}") from exc
    items = with_filing_fields(
        resolve_line_items(facts, ticker),
        ticker=ticker,
        cik=filing["cik"],
        accession_number=accession,
        form=filing["form"],
        filing_date=filing["filing_date"],
    )
    write_parquet_atomically(
        _with_filing_columns(facts, filing), filing_file(settings.facts_dir, ticker, accession)
    )
    write_parquet_atomically(items, filing_file(settings.line_items_dir, ticker, accession))
    documents = facts.column("source_document").unique().to_pylist()
    formats = facts.column("source_format").unique().to_pylist() or ["none"]
    return ParsedFiling(
        accession_number=accession,
        ticker=ticker,
        facts=facts.num_rows,
        line_items=items.num_rows,
        source_document=", ".join(documents),
        source_format=", ".join(formats),
    )


def read_catalog(settings: Settings) -> dict[str, dict]:
    """The filings catalog keyed by accession number (empty if not built yet)."""
    if not settings.catalog_path.exists():
        return {}
    return {
        row["accession_number"]: row for row in pq.read_table(settings.catalog_path).to_pylist()
    }


def filings_in_date_order(catalog: dict[str, dict]) -> list[str]:
    """Accession numbers sorted by filing date, then accession (the partition order)."""
    return [
        acc
        for acc, _ in sorted(
            catalog.items(), key=lambda kv: (kv[1]["filing_date"] or date.min, kv[0])
        )
    ]
