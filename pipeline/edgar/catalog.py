"""The filings catalog: one row per downloaded filing, read from its SEC header."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa

from pipeline.edgar.download import ROOT_FOLDER, SUBMISSION_FILE
from pipeline.edgar.submission_file import parse_header

CATALOG_SCHEMA = pa.schema(
    [
        pa.field("ticker", pa.string(), nullable=False),  # as configured (ticker or CIK)
        pa.field("cik", pa.string(), nullable=False),
        pa.field("accession_number", pa.string(), nullable=False),
        pa.field("form", pa.string(), nullable=False),  # as filed, e.g. 10-K/A
        pa.field("is_amendment", pa.bool_(), nullable=False),
        pa.field("filing_date", pa.date32(), nullable=False),
        pa.field("period_of_report", pa.date32()),
        pa.field("fiscal_year_end", pa.string()),  # MMDD
        pa.field("company_name", pa.string()),
        pa.field("path", pa.string(), nullable=False),
        pa.field("size_bytes", pa.int64(), nullable=False),
        pa.field("sha256", pa.string(), nullable=False),
    ]
)

_HEADER_BYTES = 64 * 1024


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        head = handle.read(_HEADER_BYTES)
        while b"</SEC-HEADER>" not in head:
            more = handle.read(_HEADER_BYTES)
            if not more:
                break
            head += more
    return head


def catalog_row(company: str, path: Path) -> dict:
    """One catalog row for the full-submission.txt at ``path``."""
    header = parse_header(_head(path), where=str(path))
    return {
        "ticker": company,
        "cik": header.cik,
        "accession_number": header.accession_number,
        "form": header.form,
        "is_amendment": header.is_amendment,
        "filing_date": header.filing_date,
        "period_of_report": header.period_of_report,
        "fiscal_year_end": header.fiscal_year_end,
        "company_name": header.company_name,
        "path": str(path),
        "size_bytes": path.stat().st_size,
        "sha256": _sha256(path),
    }


def build_catalog(landing_dir: Path, companies: tuple[str, ...]) -> pa.Table:
    """Catalog every filing of ``companies`` under the landing folder, newest first."""
    rows = [
        catalog_row(company, path)
        for company in companies
        for path in sorted((landing_dir / ROOT_FOLDER / company).glob(f"*/*/{SUBMISSION_FILE}"))
    ]
    rows.sort(key=lambda r: (r["ticker"], r["filing_date"], r["accession_number"]), reverse=True)
    return pa.Table.from_pylist(rows, schema=CATALOG_SCHEMA)
