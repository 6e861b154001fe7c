"""Benchmark the warehouse load (raw + core + marts) at 1x, 10x and 100x synthetic data.

Run: ``.venv/bin/python benchmarks/bench_warehouse.py [--scales 1 10 100] [--years 15]``.

The 1x base is shaped like the real corpus: AMZN (FYE 1231) and WMT (FYE 0131), ``--years``
fiscal years of three 10-Qs and a 10-K each, ~1,000 facts per filing (the real filings hold
~1,060), line items as the parser emits them (10-K: three years; 10-Q: three-month current
and prior, year-to-date current and prior, cash flow year-to-date only, a trailing-twelve-
month capex in AMZN-like 10-Qs). Scale k clones the two companies k times under fake tickers
and fake accessions. Data is written first (not timed); each load then runs in a fresh
process so its peak RSS (``ru_maxrss``) is its own. Prints a table with ratios vs 1x.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.edgar.catalog import CATALOG_SCHEMA  # noqa: E402
from pipeline.periods import fiscal_periods  # noqa: E402
from pipeline.xbrl.schema import FILING_FACT_SCHEMA, LINE_ITEM_SCHEMA  # noqa: E402

FACTS_PER_FILING = 1_000
INCOME = ("revenue", "net_sales", "membership_and_other_income", "operating_income", "net_income")
CASH = (
    "capex",
    "proceeds_from_property_sales_and_incentives",
    "finance_lease_principal_repayments",
    "operating_cash_flow",
)
BASE = {item: 10_000_000_000 * (i + 1) for i, item in enumerate(INCOME + CASH)}


def _value(item: str, year: int, days: int) -> Decimal:
    return Decimal(int(BASE[item] * (1 + 0.05 * (year - 2000)) * days / 365))


def _filings(ticker: str, fye: str, years: range) -> list[tuple[str, str, object, object, list]]:
    """(accession, form, filed, period_of_report, [(item, start, end, value)]) per filing."""
    out = []
    for year in years:
        cur = {p.fiscal_period: p for p in fiscal_periods(ticker, fye, year)}
        prev = {p.fiscal_period: p for p in fiscal_periods(ticker, fye, year - 1)}
        older = {p.fiscal_period: p for p in fiscal_periods(ticker, fye, year - 2)}
        plan = {
            "Q1": (["Q1"], ["Q1"]),
            "Q2": (["Q2", "H1"], ["H1"]),
            "Q3": (["Q3", "M9"], ["M9"]),
            "FY": (["FY"], ["FY"]),
        }
        for n, (fp, (income_periods, cash_periods)) in enumerate(plan.items()):
            rows = []
            sets = [cur, prev] + ([older] if fp == "FY" else [])
            for cal in sets:
                for item in INCOME:
                    for name in income_periods:
                        p = cal[name]
                        rows.append((item, p.period_start, p.period_end, p.fiscal_year))
                for item in CASH:
                    for name in cash_periods:
                        p = cal[name]
                        rows.append((item, p.period_start, p.period_end, p.fiscal_year))
            if fp == "Q2" and fye == "1231":  # trailing twelve months, as AMZN tags them
                end = cur["H1"].period_end
                rows.append(("capex", prev["Q3"].period_start, end, year))
            values = [(item, s, e, _value(item, fy, (e - s).days + 1)) for item, s, e, fy in rows]
            period_end = cur[fp].period_end
            form = "10-K" if fp == "FY" else "10-Q"
            accession = f"{ticker}-{year}-{n}"
            out.append((accession, form, period_end + timedelta(days=40), period_end, values))
    return out


def _write_filing(root: Path, ticker: str, cik: str, filing: tuple) -> tuple[int, int]:
    accession, form, filed, _, values = filing
    n = len(values)
    common = {
        "ticker": [ticker] * n,
        "cik": [cik] * n,
        "accession_number": [accession] * n,
        "form": [form] * n,
        "filing_date": [filed] * n,
    }
    line_items = pa.table(
        {
            **common,
            "line_item": [v[0] for v in values],
            "concept": [f"us-gaap:{v[0]}" for v in values],
            "value": [v[3] for v in values],
            "unit": ["USD"] * n,
            "decimals": [-6] * n,
            "period_start": [v[1] for v in values],
            "period_end": [v[2] for v in values],
            "fact_id": [f"f{i}" for i in range(n)],
            "context_id": [f"c{i}" for i in range(n)],
        },
        schema=LINE_ITEM_SCHEMA,
    )
    m = FACTS_PER_FILING
    filler = [values[i % n] for i in range(m)]
    facts = pa.table(
        {
            "ticker": [ticker] * m,
            "cik": [cik] * m,
            "accession_number": [accession] * m,
            "form": [form] * m,
            "filing_date": [filed] * m,
            "concept": [f"us-gaap:Concept{i % 300}" for i in range(m)],
            "namespace": ["http://fasb.org/us-gaap/2024"] * m,
            "value": [v[3] + i for i, v in enumerate(filler)],
            "unit": ["USD"] * m,
            "decimals": [-6] * m,
            "period_type": ["duration"] * m,
            "period_start": [v[1] for v in filler],
            "period_end": [v[2] for v in filler],
            "dimensions": ["" if i % 3 else f"srt:SegmentAxis=x:M{i % 7}" for i in range(m)],
            "context_id": [f"c{i}" for i in range(m)],
            "fact_id": [f"f{i}" for i in range(m)],
            "is_hidden": [False] * m,
            "is_nil": [False] * m,
            "is_conflict": [False] * m,
            "flags": [""] * m,
            "source_document": ["doc.htm"] * m,
            "source_format": ["inline"] * m,
        },
        schema=FILING_FACT_SCHEMA,
    )
    for name, table in (("line_items", line_items), ("facts", facts)):
        path = root / name / f"ticker={ticker}" / f"{accession}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        # the key-value metadata the load verifies against the catalog row
        meta = {"dataset": name, "accession_number": accession, "source_sha256": _sha(accession)}
        pq.write_table(table.replace_schema_metadata(meta), path)
    return n, m


def _sha(accession: str) -> str:
    """The catalog's (made-up) source sha256 of a generated filing."""
    return hashlib.sha256(accession.encode()).hexdigest()


def generate(root: Path, scale: int, years: int) -> dict[str, int]:
    """Write catalog, facts and line items for ``scale`` copies of the two companies."""
    catalog, n_items, n_facts = [], 0, 0
    span = range(2026 - years, 2026)
    for copy in range(scale):
        for base, fye in (("AMZN", "1231"), ("WMT", "0131")):
            ticker = base if copy == 0 else f"{base[0]}{copy:04d}"
            cik = f"{copy:05d}{len(base):05d}"
            for filing in _filings(ticker, fye, span):
                li, fa = _write_filing(root, ticker, cik, filing)
                n_items, n_facts = n_items + li, n_facts + fa
                accession, form, filed, por, _ = filing
                catalog.append(
                    {
                        "ticker": ticker,
                        "cik": cik,
                        "accession_number": accession,
                        "form": form,
                        "is_amendment": False,
                        "filing_date": filed,
                        "period_of_report": por,
                        "fiscal_year_end": fye,
                        "path": "",
                        "size_bytes": 0,
                        "sha256": _sha(accession),
                        "status": "landed",
                    }
                )
    (root / "catalog").mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist(catalog, schema=CATALOG_SCHEMA),
        root / "catalog" / "filings.parquet",
    )
    return {"filings": len(catalog), "facts": n_facts, "line_items": n_items}


def child(root: Path) -> None:
    """Load ``root`` into a fresh warehouse; print timings and peak RSS as JSON."""
    from pipeline.warehouse import ParquetInputs, load_warehouse

    marks: dict[str, float] = {}
    start = time.perf_counter()

    def mark(step: str, _con: object) -> None:
        marks[step] = time.perf_counter() - start

    warehouse = root / "warehouse.duckdb"
    inputs = ParquetInputs(
        root / "catalog" / "filings.parquet", root / "facts", root / "line_items"
    )
    result = load_warehouse(warehouse, inputs, on_step=mark)
    total = time.perf_counter() - start
    raw_done = marks["raw.line_items"]
    core_done = marks["core/quarter_gaps.sql"]
    print(
        json.dumps(
            {
                "total_s": total,
                "raw_s": raw_done,
                "core_s": core_done - raw_done,
                "marts_s": marks["marts/capex_intensity.sql"] - core_done,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "db_mb": warehouse.stat().st_size / 2**20,
                "financials": result.row_counts["core.financials"],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--years", type=int, default=15)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_warehouse_") as tmp:
        for scale in args.scales:
            root = Path(tmp) / f"x{scale}"
            t0 = time.perf_counter()
            sizes = generate(root, scale, args.years)
            gen_s = time.perf_counter() - t0
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(root)],
                capture_output=True,
                text=True,
            )
            if out.returncode != 0:
                raise SystemExit(f"x{scale} load failed:\n{out.stderr}")
            rows.append({"scale": scale, "gen_s": gen_s, **sizes, **json.loads(out.stdout)})
            print(f"x{scale}: {rows[-1]}", file=sys.stderr)
    base = rows[0]
    header = (
        f"{'scale':>5} {'filings':>8} {'facts':>11} {'items':>9} {'fin rows':>9} "
        f"{'load s':>8} {'raw s':>7} {'core s':>7} {'marts s':>7} {'RSS MB':>8} "
        f"{'db MB':>7} {'time x':>7} {'RSS x':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['scale']:>5} {r['filings']:>8,} {r['facts']:>11,} {r['line_items']:>9,} "
            f"{r['financials']:>9,} {r['total_s']:>8.2f} {r['raw_s']:>7.2f} {r['core_s']:>7.2f} "
            f"{r['marts_s']:>7.2f} {r['peak_rss_mb']:>8.0f} {r['db_mb']:>7.1f} "
            f"{r['total_s'] / base['total_s']:>7.1f} {r['peak_rss_mb'] / base['peak_rss_mb']:>6.1f}"
        )


if __name__ == "__main__":
    main()
