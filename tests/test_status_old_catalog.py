"""status on a catalog written before the status and error columns existed."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.status import company_status, failed_filings
from tests.conftest import make_settings


def test_a_catalog_without_status_reads_as_all_landed(tmp_path, tracked_rows) -> None:
    settings = make_settings(tmp_path)
    rows = [
        {
            "ticker": r["ticker"],
            "cik": r["cik"],
            "accession_number": r["accession_number"],
            "form": r["form"],
            "filing_date": date.fromisoformat(r["filing_date"]),
        }
        for r in tracked_rows
    ]
    settings.catalog_path.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), settings.catalog_path)

    assert failed_filings(settings) == []
    counts = {row.company: row for row in company_status(settings, None)}
    for ticker in settings.companies:
        mine = [r for r in tracked_rows if r["ticker"] == ticker]
        assert (counts[ticker].downloaded, counts[ticker].failed) == (len(mine), 0)
