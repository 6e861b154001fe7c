"""Hand-written fixture filings written as the Parquet datasets the warehouse reads.

Values are in millions of USD (``M``) unless written out. Expected numbers in the tests
are worked out by hand from the comments here, never taken from the code's output.

AMZN (FYE 1231)
  AM-23-K   10-K  FY2022: revenue 400, capex 50
  AM-23-Q1  10-Q  Q1 2023: revenue 100; capex 10
  AM-23-Q2  10-Q  Q2 2023: revenue 3M 110, 6M 210; capex 6M 25; TTM 2022-07..2023-06 (ignored)
  AM-23-Q3  10-Q  Q3 2023: revenue 3M 120, 9M 330; capex 9M 45
  AM-24-K   10-K  FY2023: revenue 480, capex 70; FY2022 restated revenue 405, capex 50
  AM-24-Q1  10-Q  Q1 2024: revenue 130 (Q1 2023 comparative 100); capex 12
  AM-24-Q2  10-Q  Q2 2024: revenue 3M 140, 6M 270; capex 6M 30
  => FY2023 Q4 revenue 480-330=150; capex Q2 25-10=15, Q3 45-25=20, Q4 70-45=25;
     FY2024 Q2 capex 30-12=18. TTM revenue CY2023Q4 480, CY2024Q1 510, CY2024Q2 540.
WMT (FYE 0131; FY2024 = 2023-02-01..2024-01-31)
  WM-23-Q1  10-Q   revenue 120; capex 8
  WM-23-Q2  10-Q   revenue 3M 125, 6M 245; capex 6M 17
  WM-23-Q3  10-Q   revenue 3M 125, 9M 370; capex 9M 27
  WM-24-K   10-K   FY2024 revenue 500, capex 40
  WM-24-KA  10-K/A FY2024 capex 41 (no revenue: partial XBRL)
  WM-24-Q1  10-Q   FY2025 Q1 revenue 125 (FY2024 Q1 comparative 120); capex 11
  (no FY2025 Q2 10-Q: the missing quarter)
  WM-24-Q3  10-Q   FY2025 Q3 revenue 3M 135, 9M 390; capex 9M 36
  WM-25-K   10-K   FY2025 revenue 530, capex 50, finance leases 6, OCF 90, proceeds 2;
                   FY2024 revenue 500, capex 41, finance leases 5, OCF 80, proceeds 1
  => FY2024 Q4 revenue 500-370=130, capex Q2 9, Q3 10, Q4 41-27=14;
     FY2025 Q4 revenue 530-390=140, capex 50-36=14; FY2025 Q2 (both) and Q3 capex missing.
     TTM revenue CY2023Q4 500, CY2024Q1 125+125+130+125=505.
RETL (52/53-week year near Jan 31; FY2024 = 2023-01-29..2024-02-03, 53 weeks, 371 days)
  R-23-Q1/Q2/Q3 10-Q, R-24-K 10-K: revenue Q1 1000, Q2 1100 (6M 2100), Q3 1200 (9M 3300),
  FY 4,700,750,001 USD; capex YTD 50 / 120 / 200 / 300.
  => Q4 revenue 1,400,750,001 (98 days); capex Q2 70, Q3 80, Q4 100.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.edgar.catalog import CATALOG_SCHEMA
from pipeline.parquet_io import write_parquet_atomically
from pipeline.xbrl.datasets import filing_file, filing_metadata
from pipeline.xbrl.schema import FILING_FACT_SCHEMA, LINE_ITEM_SCHEMA

M = Decimal(1_000_000)
CIKS = {"AMZN": "0001018724", "WMT": "0000104169", "RETL": "0000000042"}
FYES = {"AMZN": "1231", "WMT": "0131", "RETL": "0131"}


D = date.fromisoformat


@dataclass
class Filing:
    """One fixture filing: its catalog facts and (line_item, start, end, value) rows."""

    ticker: str
    accession: str
    form: str
    filed: str
    period_of_report: str
    values: list[tuple[str, str, str, Decimal]] = field(default_factory=list)


def _m(n: int | str) -> Decimal:
    return Decimal(n) * M


def base_filings() -> list[Filing]:
    """The fixture filings described in the module docstring."""
    a, w, r = "AMZN", "WMT", "RETL"
    return [
        Filing(
            a,
            "AM-23-K",
            "10-K",
            "2023-02-03",
            "2022-12-31",
            [
                ("revenue", "2022-01-01", "2022-12-31", _m(400)),
                ("capex", "2022-01-01", "2022-12-31", _m(50)),
            ],
        ),
        Filing(
            a,
            "AM-23-Q1",
            "10-Q",
            "2023-04-28",
            "2023-03-31",
            [
                ("revenue", "2023-01-01", "2023-03-31", _m(100)),
                ("capex", "2023-01-01", "2023-03-31", _m(10)),
            ],
        ),
        Filing(
            a,
            "AM-23-Q2",
            "10-Q",
            "2023-08-04",
            "2023-06-30",
            [
                ("revenue", "2023-04-01", "2023-06-30", _m(110)),
                ("revenue", "2023-01-01", "2023-06-30", _m(210)),
                ("revenue", "2022-07-01", "2023-06-30", _m(9999)),  # trailing twelve months
                ("capex", "2023-01-01", "2023-06-30", _m(25)),
                ("capex", "2022-07-01", "2023-06-30", _m(999)),  # trailing twelve months
            ],
        ),
        Filing(
            a,
            "AM-23-Q3",
            "10-Q",
            "2023-10-27",
            "2023-09-30",
            [
                ("revenue", "2023-07-01", "2023-09-30", _m(120)),
                ("revenue", "2023-01-01", "2023-09-30", _m(330)),
                ("capex", "2023-01-01", "2023-09-30", _m(45)),
            ],
        ),
        Filing(
            a,
            "AM-24-K",
            "10-K",
            "2024-02-02",
            "2023-12-31",
            [
                ("revenue", "2023-01-01", "2023-12-31", _m(480)),
                ("capex", "2023-01-01", "2023-12-31", _m(70)),
                ("revenue", "2022-01-01", "2022-12-31", _m(405)),  # restated
                ("capex", "2022-01-01", "2022-12-31", _m(50)),
            ],
        ),
        Filing(
            a,
            "AM-24-Q1",
            "10-Q",
            "2024-04-30",
            "2024-03-31",
            [
                ("revenue", "2024-01-01", "2024-03-31", _m(130)),
                ("revenue", "2023-01-01", "2023-03-31", _m(100)),
                ("capex", "2024-01-01", "2024-03-31", _m(12)),
            ],
        ),
        Filing(
            a,
            "AM-24-Q2",
            "10-Q",
            "2024-08-02",
            "2024-06-30",
            [
                ("revenue", "2024-04-01", "2024-06-30", _m(140)),
                ("revenue", "2024-01-01", "2024-06-30", _m(270)),
                ("capex", "2024-01-01", "2024-06-30", _m(30)),
            ],
        ),
        Filing(
            w,
            "WM-23-Q1",
            "10-Q",
            "2023-05-31",
            "2023-04-30",
            [
                ("revenue", "2023-02-01", "2023-04-30", _m(120)),
                ("capex", "2023-02-01", "2023-04-30", _m(8)),
            ],
        ),
        Filing(
            w,
            "WM-23-Q2",
            "10-Q",
            "2023-08-31",
            "2023-07-31",
            [
                ("revenue", "2023-05-01", "2023-07-31", _m(125)),
                ("revenue", "2023-02-01", "2023-07-31", _m(245)),
                ("capex", "2023-02-01", "2023-07-31", _m(17)),
            ],
        ),
        Filing(
            w,
            "WM-23-Q3",
            "10-Q",
            "2023-11-30",
            "2023-10-31",
            [
                ("revenue", "2023-08-01", "2023-10-31", _m(125)),
                ("revenue", "2023-02-01", "2023-10-31", _m(370)),
                ("capex", "2023-02-01", "2023-10-31", _m(27)),
            ],
        ),
        Filing(
            w,
            "WM-24-K",
            "10-K",
            "2024-03-15",
            "2024-01-31",
            [
                ("revenue", "2023-02-01", "2024-01-31", _m(500)),
                ("capex", "2023-02-01", "2024-01-31", _m(40)),
            ],
        ),
        Filing(
            w,
            "WM-24-KA",
            "10-K/A",
            "2024-04-10",
            "2024-01-31",
            [
                ("capex", "2023-02-01", "2024-01-31", _m(41)),
            ],
        ),
        Filing(
            w,
            "WM-24-Q1",
            "10-Q",
            "2024-05-31",
            "2024-04-30",
            [
                ("revenue", "2024-02-01", "2024-04-30", _m(125)),
                ("revenue", "2023-02-01", "2023-04-30", _m(120)),
                ("capex", "2024-02-01", "2024-04-30", _m(11)),
            ],
        ),
        Filing(
            w,
            "WM-24-Q3",
            "10-Q",
            "2024-11-27",
            "2024-10-31",
            [
                ("revenue", "2024-08-01", "2024-10-31", _m(135)),
                ("revenue", "2024-02-01", "2024-10-31", _m(390)),
                ("capex", "2024-02-01", "2024-10-31", _m(36)),
            ],
        ),
        Filing(
            w,
            "WM-25-K",
            "10-K",
            "2025-03-14",
            "2025-01-31",
            [
                ("revenue", "2024-02-01", "2025-01-31", _m(530)),
                ("capex", "2024-02-01", "2025-01-31", _m(50)),
                ("finance_lease_principal_repayments", "2024-02-01", "2025-01-31", _m(6)),
                ("operating_cash_flow", "2024-02-01", "2025-01-31", _m(90)),
                ("proceeds_from_property_sales_and_incentives", "2024-02-01", "2025-01-31", _m(2)),
                ("revenue", "2023-02-01", "2024-01-31", _m(500)),
                ("capex", "2023-02-01", "2024-01-31", _m(41)),
                ("finance_lease_principal_repayments", "2023-02-01", "2024-01-31", _m(5)),
                ("operating_cash_flow", "2023-02-01", "2024-01-31", _m(80)),
                ("proceeds_from_property_sales_and_incentives", "2023-02-01", "2024-01-31", _m(1)),
            ],
        ),
        Filing(
            r,
            "R-23-Q1",
            "10-Q",
            "2023-06-01",
            "2023-04-29",
            [
                ("revenue", "2023-01-29", "2023-04-29", _m(1000)),
                ("capex", "2023-01-29", "2023-04-29", _m(50)),
            ],
        ),
        Filing(
            r,
            "R-23-Q2",
            "10-Q",
            "2023-08-31",
            "2023-07-29",
            [
                ("revenue", "2023-04-30", "2023-07-29", _m(1100)),
                ("revenue", "2023-01-29", "2023-07-29", _m(2100)),
                ("capex", "2023-01-29", "2023-07-29", _m(120)),
            ],
        ),
        Filing(
            r,
            "R-23-Q3",
            "10-Q",
            "2023-11-30",
            "2023-10-28",
            [
                ("revenue", "2023-07-30", "2023-10-28", _m(1200)),
                ("revenue", "2023-01-29", "2023-10-28", _m(3300)),
                ("capex", "2023-01-29", "2023-10-28", _m(200)),
            ],
        ),
        Filing(
            r,
            "R-24-K",
            "10-K",
            "2024-03-20",
            "2024-02-03",
            [
                ("revenue", "2023-01-29", "2024-02-03", Decimal("4700750001")),
                ("capex", "2023-01-29", "2024-02-03", _m(300)),
            ],
        ),
    ]


def amzn_q3_2024() -> Filing:
    """An extra filing used as 'new data' by the re-load tests (capex 9M 48 -> Q3 18)."""
    return Filing(
        "AMZN",
        "AM-24-Q3",
        "10-Q",
        "2024-11-01",
        "2024-09-30",
        [
            ("revenue", "2024-07-01", "2024-09-30", _m(150)),
            ("revenue", "2024-01-01", "2024-09-30", _m(420)),
            ("capex", "2024-01-01", "2024-09-30", _m(48)),
        ],
    )


def _catalog_row(f: Filing) -> dict:
    return {
        "ticker": f.ticker,
        "cik": CIKS[f.ticker],
        "accession_number": f.accession,
        "form": f.form,
        "is_amendment": f.form.endswith("/A"),
        "filing_date": D(f.filed),
        "period_of_report": D(f.period_of_report),
        "fiscal_year_end": FYES[f.ticker],
        "path": f"sec-edgar-filings/{f.ticker}/{f.form}/{f.accession}/full-submission.txt",
        "size_bytes": 1000,
        "sha256": hashlib.sha256(f.accession.encode()).hexdigest(),  # the files carry it
        "status": "landed",
        "error": None,
    }


def _line_item_rows(f: Filing) -> list[dict]:
    return [
        {
            "ticker": f.ticker,
            "cik": CIKS[f.ticker],
            "accession_number": f.accession,
            "form": f.form,
            "filing_date": D(f.filed),
            "line_item": item,
            "concept": "us-gaap:Revenues" if item == "revenue" else f"us-gaap:{item}",
            "value": value,
            "unit": "USD",
            "decimals": -6,
            "period_start": D(start),
            "period_end": D(end),
            "fact_id": f"f{i}",
            "context_id": f"c{i}",
        }
        for i, (item, start, end, value) in enumerate(f.values)
    ]


def _fact_rows(f: Filing) -> list[dict]:
    rows = []
    for li in _line_item_rows(f):
        base = {k: li[k] for k in ("ticker", "cik", "accession_number", "form", "filing_date")}
        for dims in ("", "srt:SegmentAxis=amzn:NorthAmericaMember"):
            rows.append(
                {
                    **base,
                    "concept": li["concept"],
                    "namespace": "http://fasb.org/us-gaap/2023",
                    "value": li["value"] if not dims else li["value"] / 2,
                    "unit": "USD",
                    "decimals": -6,
                    "period_type": "duration",
                    "period_start": li["period_start"],
                    "period_end": li["period_end"],
                    "dimensions": dims,
                    "context_id": li["context_id"] + ("d" if dims else ""),
                    "fact_id": li["fact_id"] + ("d" if dims else ""),
                    "is_hidden": False,
                    "is_nil": False,
                    "is_conflict": False,
                    "flags": "",
                    "source_document": "doc.htm",
                    "source_format": "inline",
                }
            )
    return rows


@dataclass(frozen=True)
class FixturePaths:
    """Where a fixture's datasets were written."""

    catalog_path: Path
    facts_dir: Path
    line_items_dir: Path


def write_catalog(path: Path, rows: list[dict]) -> None:
    """Write catalog rows with the pipeline's own CATALOG_SCHEMA."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=CATALOG_SCHEMA), path)


def write_fixture(root: Path, filings: list[Filing]) -> FixturePaths:
    """Write catalog, facts and line items Parquet for ``filings`` under ``root``.

    Each per-filing file carries the key-value metadata the pipeline writes (accession,
    source sha256, ...), matching its catalog row, so the load verifies and stages it.
    """
    paths = FixturePaths(root / "catalog" / "filings.parquet", root / "facts", root / "line_items")
    write_catalog(paths.catalog_path, [_catalog_row(f) for f in filings])
    for f in filings:
        for dataset, directory, rows, schema in (
            ("line_items", paths.line_items_dir, _line_item_rows(f), LINE_ITEM_SCHEMA),
            ("facts", paths.facts_dir, _fact_rows(f), FILING_FACT_SCHEMA),
        ):
            write_parquet_atomically(
                pa.Table.from_pylist(rows, schema=schema),
                filing_file(directory, f.ticker, f.accession),
                filing_metadata(dataset, _catalog_row(f)),
            )
    return paths
