"""Benchmark how raw facts reach DuckDB: full build, one new filing, nothing new, facts as a view.

Run: ``.venv/bin/python benchmarks/bench_warehouse.py [--scales 1 10 100] [--years 15]
[--repeat 3] [--json FILE]`` (the default run takes about 5 minutes on 2 cores).

The 1x base is shaped like the real corpus: AMZN (FYE 1231) and WMT (FYE 0131), ``--years``
fiscal years of three 10-Qs and a 10-K each, ~1,000 facts per filing (the real filings hold
~1,060), line items as the parser emits them (10-K: three years; 10-Q: three-month current
and prior, year-to-date current and prior, cash flow year-to-date only, a trailing-twelve-
month capex in AMZN-like 10-Qs). Scale k clones the two companies k times under fake tickers
and fake accessions (100x: 12,000 filings, 12M facts). Data is written first (not timed).

Each load runs ``load_warehouse`` (served snapshots, ``pipeline/warehouse/snapshots.py``) in
a fresh process, so its peak RSS (Linux ``VmHWM``, which ``exec`` resets) is its own:

a) full build from empty (``full_refresh=True``);
b) ONE new filing (one more synthetic filing and catalog row), taken in incrementally, in
   parts: the check before it (lock, stamp, is anything new?), copy+hash of the served
   snapshot, raw staging, core, marts, commit, checkpoint, the publish hash and the rest
   of publishing (``--repeat`` filings, the median);
c) a load with nothing new (the served snapshot is kept: no copy, no build);
d) the alternative, prototyped here only (pipeline code untouched, patched in the child):
   ``raw.facts`` as a VIEW over the lake's Parquet (``read_parquet`` of ``facts/*/*.parquet``,
   ``hive_partitioning = true``), everything else as today. Its build for the same new
   filing, its file size, and three reader queries on ``raw.facts`` (``QUERIES``) against
   both snapshots, each on a fresh read-only connection (median of ``QUERY_RUNS``); the two
   snapshots must give identical rows;
e) the snapshot file size (in a, b and d).

Prints one table per scenario with ratios vs the first scale.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.edgar.catalog import CATALOG_SCHEMA  # noqa: E402
from pipeline.periods import fiscal_periods  # noqa: E402
from pipeline.warehouse.company_scope import MERGED_STEP  # noqa: E402
from pipeline.warehouse.sql import CORE, MARTS, sql_literal  # noqa: E402
from pipeline.xbrl.datasets import filing_metadata  # noqa: E402
from pipeline.xbrl.schema import FILING_FACT_SCHEMA, LINE_ITEM_SCHEMA  # noqa: E402

FACTS_PER_FILING = 1_000
FIRST_NEW_YEAR = 2026  # history covers the ``--years`` fiscal years before it
INCOME = ("revenue", "net_sales", "membership_and_other_income", "operating_income", "net_income")
CASH = (
    "capex",
    "proceeds_from_property_sales_and_incentives",
    "finance_lease_principal_repayments",
    "operating_cash_flow",
)
BASE = {item: 10_000_000_000 * (i + 1) for i, item in enumerate(INCOME + CASH)}
COMPANIES = (("AMZN", "1231"), ("WMT", "0131"))
QUERY_RUNS = 3
QUERIES = {  # reader queries on raw.facts; {ticker} {accession} are picked from the catalog
    "company by concept": (
        "SELECT concept, count(*) AS facts, sum(value) AS total FROM raw.facts "
        "WHERE ticker = {ticker} GROUP BY concept ORDER BY concept"
    ),
    "one filing": "SELECT * FROM raw.facts WHERE accession_number = {accession} ORDER BY fact_id",
    "concept, all cos": (
        "SELECT ticker, period_end, sum(value) AS total FROM raw.facts "
        "WHERE concept = 'us-gaap:Concept7' AND dimensions = '' "
        "GROUP BY ticker, period_end ORDER BY ticker, period_end"
    ),
}


# -- synthetic data ---------------------------------------------------------------------


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


def _tables(ticker: str, cik: str, filing: tuple) -> dict[str, pa.Table]:
    """The line items and facts tables of one synthetic filing."""
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
    return {"line_items": line_items, "facts": facts}


def _rekeyed(table: pa.Table, ticker: str, cik: str, accession: str) -> pa.Table:
    """A clone's copy of a base company's table: same rows, its own keys."""
    for name, value in (("ticker", ticker), ("cik", cik), ("accession_number", accession)):
        i = table.schema.get_field_index(name)
        table = table.set_column(i, table.schema.field(i), pa.array([value] * table.num_rows))
    return table


def _sha(accession: str) -> str:
    """The catalog's (made-up) source sha256 of a generated filing."""
    return hashlib.sha256(accession.encode()).hexdigest()


def _catalog_row(ticker: str, cik: str, fye: str, filing: tuple) -> dict[str, Any]:
    accession, form, filed, por, _ = filing
    return {
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


def _write(root: Path, row: dict[str, Any], tables: dict[str, pa.Table]) -> None:
    """Write a filing's files with the key-value metadata the load verifies and records."""
    for name, table in tables.items():
        path = root / name / f"ticker={row['ticker']}" / f"{row['accession_number']}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.replace_schema_metadata(filing_metadata(name, row)), path)


def _write_catalog(root: Path, rows: list[dict[str, Any]]) -> None:
    (root / "catalog").mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=CATALOG_SCHEMA)
    pq.write_table(table, root / "catalog" / "filings.parquet")


def generate(root: Path, scale: int, years: int) -> dict[str, int]:
    """Write catalog, facts and line items for ``scale`` copies of the two companies."""
    catalog, n_items, n_facts = [], 0, 0
    span = range(FIRST_NEW_YEAR - years, FIRST_NEW_YEAR)
    for base, fye in COMPANIES:
        filings = _filings(base, fye, span)
        originals = [_tables(base, _cik(0, base), f) for f in filings]
        for copy in range(scale):
            ticker, cik = _ticker(copy, base), _cik(copy, base)
            for filing, tables in zip(filings, originals, strict=True):
                accession = filing[0].replace(base, ticker, 1)
                row = _catalog_row(ticker, cik, fye, (accession, *filing[1:]))
                if copy:
                    tables = {k: _rekeyed(t, ticker, cik, accession) for k, t in tables.items()}
                _write(root, row, tables)
                catalog.append(row)
                n_items += tables["line_items"].num_rows
                n_facts += tables["facts"].num_rows
    _write_catalog(root, catalog)
    return {"filings": len(catalog), "facts": n_facts, "line_items": n_items}


def _ticker(copy: int, base: str) -> str:
    return base if copy == 0 else f"{base[0]}{copy:04d}"


def _cik(copy: int, base: str) -> str:
    return f"{copy:05d}{len(base):05d}"


def add_filing(root: Path, n: int) -> str:
    """Write the ``n``-th filing after the history of the first company, and its catalog row."""
    base, fye = COMPANIES[0]
    year = FIRST_NEW_YEAR + n // 4
    filing = _filings(base, fye, range(year, year + 1))[n % 4]
    row = _catalog_row(base, _cik(0, base), fye, filing)
    _write(root, row, _tables(base, row["cik"], filing))
    catalog = pq.read_table(root / "catalog" / "filings.parquet").to_pylist()
    _write_catalog(root, [*catalog, row])
    return row["accession_number"]


# -- children: one load, or the reader queries, in a fresh process ---------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: reset by exec, unlike ``ru_maxrss``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


class Clock:
    """Marks (seconds since start) and summed spans of wrapped functions."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.marks: dict[str, float] = {}
        self.spans: dict[str, float] = {}

    def mark(self, name: str) -> None:
        self.marks[name] = time.perf_counter() - self.start

    def wrap(self, owner: object, attribute: str, name: str) -> None:
        """Replace ``owner.attribute`` by a wrapper marking ``name>``/``name<`` and its span."""
        original: Callable[..., Any] = getattr(owner, attribute)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            self.marks[f"{name}>"] = t0 - self.start
            try:
                return original(*args, **kwargs)
            finally:
                t1 = time.perf_counter()
                self.marks[f"{name}<"] = t1 - self.start
                self.spans[name] = self.spans.get(name, 0.0) + t1 - t0

        setattr(owner, attribute, timed)


def facts_view_sql(facts_dir: Path) -> str:
    """The prototype's ``raw.facts``: a view over every facts file, columns as staged."""
    glob = sql_literal(str(facts_dir.resolve() / "*" / "*.parquet"))
    return (
        "CREATE OR REPLACE VIEW raw.facts AS SELECT ticker, cik, accession_number, form, "
        "filing_date, concept, namespace, CAST(value AS DECIMAL(38, 10)) AS value, unit, "
        "decimals, period_type, period_start, period_end, dimensions, context_id, fact_id, "
        "is_hidden, is_nil, is_conflict, flags, source_document, source_format "
        f"FROM read_parquet({glob}, hive_partitioning = true)"
    )


def _facts_as_view(facts_dir: Path) -> Callable[[Any], None]:
    """Patch the raw load to stage line items only; return what turns raw.facts into a view."""
    import pipeline.warehouse.raw as raw

    raw.DATASETS = ("line_items",)
    raw.RAW_TABLES = tuple(t for t in raw.RAW_TABLES if t != "raw.facts")

    def make_view(con: Any) -> None:
        (tables,) = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'raw' AND table_name = 'facts'"
        ).fetchone()
        if tables:  # a build from empty: schema.sql created the table
            con.execute("DROP TABLE raw.facts")
        con.execute(facts_view_sql(facts_dir))

    return make_view


def child_load(root: Path, warehouse: Path, *, full: bool, view: bool) -> dict[str, Any]:
    """One ``load_warehouse`` of ``root`` into ``warehouse``: its parts, RSS, file size."""
    import pipeline.warehouse.load as load_module
    import pipeline.warehouse.snapshots as snapshots
    from pipeline.warehouse import ParquetInputs, load_warehouse

    clock = Clock()
    inputs = ParquetInputs(
        root / "catalog" / "filings.parquet", root / "facts", root / "line_items"
    )
    make_view = _facts_as_view(inputs.facts_dir) if view else None
    clock.wrap(snapshots.SnapshotStore, "start_from", "copy")
    clock.wrap(snapshots.SnapshotStore, "publish", "publish")
    clock.wrap(snapshots, "file_sha256", "hash")
    clock.wrap(load_module, "row_counts", "counts")

    def on_step(step: str, con: Any) -> None:
        if make_view is not None and step == "raw.line_items":
            make_view(con)
        clock.mark(step)

    result = load_warehouse(warehouse, inputs, full_refresh=full, on_step=on_step)
    total = time.perf_counter() - clock.start
    m, s = clock.marks, clock.spans

    def between(first: str, last: str) -> float:  # 0 for a step that did not run
        return m[last] - m[first] if first in m and last in m else 0.0

    core_end = MERGED_STEP if MERGED_STEP in m else CORE[-1]  # core per changed company

    return {
        "total_s": total,
        "check_s": m.get("copy>", 0.0),  # lock, tidying, stamp, the nothing-new check
        "copy_s": s.get("copy", 0.0),
        "raw_s": between("copy<", "raw.line_items"),
        "raw_catalog_s": between("copy<", "raw.catalog"),  # connect, schema, catalog
        "raw_facts_s": between("raw.catalog", "raw.facts"),
        "core_s": between("raw.line_items", core_end),
        "marts_s": between(core_end, MARTS[-1]),
        "commit_s": between(MARTS[-1], "counts>"),
        "checkpoint_s": between("counts<", "publish>"),
        "hash_s": s.get("hash", 0.0),
        "publish_s": s.get("publish", 0.0) - s.get("hash", 0.0),
        "peak_rss_mb": peak_rss_mb(),
        "db_mb": result.snapshot.stat().st_size / 2**20,
        "incremental": result.incremental,
        "unchanged": result.unchanged,  # nothing new: the served snapshot was kept
        "staged": result.accessions_staged,
        "financials": result.row_counts["core.financials"],
    }


def child_query(root: Path, warehouse: Path) -> dict[str, Any]:
    """Each of ``QUERIES`` on a fresh read-only connection: median seconds, rows, digest."""
    from pipeline.warehouse import read_connection

    catalog = pq.read_table(root / "catalog" / "filings.parquet").to_pylist()
    middle = sorted(catalog, key=lambda r: r["accession_number"])[len(catalog) // 2]
    params = {
        k: sql_literal(middle[c])
        for k, c in (("ticker", "ticker"), ("accession", "accession_number"))
    }
    out: dict[str, Any] = {}
    for name, template in QUERIES.items():
        sql = template.format(**params)
        times, rows = [], []
        for _ in range(QUERY_RUNS):
            t0 = time.perf_counter()
            with read_connection(warehouse) as con:
                rows = con.execute(sql).fetchall()
            times.append(time.perf_counter() - t0)
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        out[name] = {"s": statistics.median(times), "rows": len(rows), "digest": digest}
    out["peak_rss_mb"] = peak_rss_mb()
    return out


# -- parent: scenarios and tables -------------------------------------------------------------


def _child(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"benchmark child {' '.join(args)} failed:\n{out.stderr}")
    return json.loads(out.stdout.splitlines()[-1])


def _load(root: Path, warehouse: Path, *, full: bool = False, view: bool = False) -> dict:
    args = ["load", str(root), str(warehouse)] + ["--full"] * full + ["--view"] * view
    return _child(*args)


def _expect(result: dict, staged: int, what: str, *, view: bool = False) -> None:
    """Fail loudly when a load did not do what its scenario (full, one, nothing) measures."""
    datasets = ("line_items",) if view else ("facts", "line_items")
    got = {d: result["staged"][d] for d in datasets}
    kind = "full" if not result["incremental"] else "nothing" if result["unchanged"] else "one"
    if any(n != staged for n in got.values()) or kind != what:
        raise SystemExit(
            f"{what} load staged {got} (a {kind} load), expected {staged} per dataset: the "
            "benchmark would not measure what it says (did the warehouse code change during "
            "the run? its snapshots then build from empty)"
        )


def _median_run(runs: list[dict]) -> dict:
    """Per key, the median of numeric values over runs (others from the first run)."""
    out = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, float):
            out[key] = statistics.median(r[key] for r in runs)
    return out


def measure(root: Path, scale: int, years: int, repeat: int) -> dict[str, Any]:
    """All scenarios at one scale (data in ``root``); (b), (c) and (d) ``repeat`` times."""
    t0 = time.perf_counter()
    sizes = generate(root, scale, years)
    row: dict[str, Any] = {"scale": scale, "gen_s": time.perf_counter() - t0, **sizes}
    row["lake_facts_mb"] = sum(p.stat().st_size for p in (root / "facts").rglob("*")) / 2**20
    table, view = root / "table" / "warehouse.duckdb", root / "view" / "warehouse.duckdb"
    row["full"] = _load(root, table, full=True)
    _expect(row["full"], sizes["filings"], "full")
    row["view_full"] = _load(root, view, full=True, view=True)
    _expect(row["view_full"], sizes["filings"], "full", view=True)
    runs: dict[str, list[dict]] = {"nothing": [], "one": [], "view_one": []}
    for n in range(repeat):
        runs["nothing"].append(_load(root, table))
        _expect(runs["nothing"][-1], 0, "nothing")
        add_filing(root, n)
        runs["one"].append(_load(root, table))
        _expect(runs["one"][-1], 1, "one")
        runs["view_one"].append(_load(root, view, view=True))
        _expect(runs["view_one"][-1], 1, "one", view=True)
    row.update({name: _median_run(done) for name, done in runs.items()})
    row["q_table"] = _child("query", str(root), str(table))
    row["q_view"] = _child("query", str(root), str(view))
    for name in QUERIES:
        if row["q_table"][name]["digest"] != row["q_view"][name]["digest"]:
            raise SystemExit(f"query {name!r}: the view gives other rows than the table")
    return row


Getter = Callable[[dict], float]
Column = tuple[str, str, Getter]  # header, format, value
Ratio = tuple[str, Getter]  # header, value divided by the first row's


def print_grid(title: str, heads: list[str], lines: list[list[str]]) -> None:
    """A title, then right-aligned columns."""
    widths = [max(len(h), *(len(c[i]) for c in lines)) for i, h in enumerate(heads)]
    print(f"\n{title}")
    for cells in [heads, ["-" * w for w in widths], *lines]:
        print(" ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)))


def print_table(title: str, rows: list[dict], columns: list[Column], ratios: list[Ratio]) -> None:
    """One scenario: a row per scale, then each ratio against the first row."""
    heads = ["scale", "filings", *(h for h, _, _ in columns), *(h for h, _ in ratios)]
    lines = [
        [
            str(r["scale"]),
            f"{r['filings']:,}",
            *(fmt.format(get(r)) for _, fmt, get in columns),
            *(f"{get(r) / get(rows[0]):.1f}" for _, get in ratios),
        ]
        for r in rows
    ]
    print_grid(title, heads, lines)


def _of(scenario: str, key: str) -> Getter:
    return lambda r: r[scenario][key]


PARTS = (
    "check_s",
    "copy_s",
    "raw_s",
    "core_s",
    "marts_s",
    "commit_s",
    "checkpoint_s",
    "hash_s",
    "publish_s",
)


def scenario_table(
    title: str, rows: list[dict], scenario: str, first: list[Column], parts: tuple = PARTS
) -> None:
    """Total, parts, peak RSS and file size of one load scenario."""
    columns = [*first, ("total s", "{:.2f}", _of(scenario, "total_s"))]
    columns += [(p.removesuffix("_s"), "{:.2f}", _of(scenario, p)) for p in parts]
    columns += [
        ("RSS MB", "{:.0f}", _of(scenario, "peak_rss_mb")),
        ("db MB", "{:.1f}", _of(scenario, "db_mb")),
    ]
    ratios = [("time x", _of(scenario, "total_s")), ("RSS x", _of(scenario, "peak_rss_mb"))]
    print_table(title, rows, columns, ratios)


def query_table(rows: list[dict]) -> None:
    """Each reader query: table-backed vs view-backed snapshot, per scale."""
    heads = ["scale", "filings", "query", "rows", "table ms", "view ms", "view/table"]
    lines = []
    for name in QUERIES:
        for r in rows:
            t, v = r["q_table"][name], r["q_view"][name]
            t0, v0 = rows[0]["q_table"][name]["s"], rows[0]["q_view"][name]["s"]
            lines.append(
                [
                    str(r["scale"]),
                    f"{r['filings']:,}",
                    name,
                    f"{t['rows']:,}",
                    f"{1000 * t['s']:.0f}",
                    f"{1000 * v['s']:.0f}",
                    f"{v['s'] / t['s']:.1f}",
                    f"{t['s'] / t0:.1f}",
                    f"{v['s'] / v0:.1f}",
                ]
            )
    title = f"d) reader queries on raw.facts: fresh read-only connection, median of {QUERY_RUNS}"
    print_grid(title, [*heads, "table x", "view x"], lines)


def report(rows: list[dict]) -> None:
    """Print one table per scenario."""
    scenario_table(
        "a) full build from empty: load_warehouse(full_refresh=True), seconds",
        rows,
        "full",
        [("facts", "{:,}", lambda r: r["facts"]), ("fin rows", "{:,}", _of("full", "financials"))],
        tuple(p for p in PARTS if p != "copy_s"),  # nothing to copy
    )
    scenario_table(
        "b) ONE new filing, incremental (median of the runs), seconds",
        rows,
        "one",
        [("full/one", "{:.1f}", lambda r: r["full"]["total_s"] / r["one"]["total_s"])],
    )
    scenario_table(
        "c) nothing new: the served snapshot is kept (median of the runs), seconds",
        rows,
        "nothing",
        [],
        (),
    )
    scenario_table(
        "d) raw.facts as a VIEW over the lake (prototype): ONE new filing, seconds",
        rows,
        "view_one",
        [("table-backed total s", "{:.2f}", _of("one", "total_s"))],
    )
    query_table(rows)
    print_table(
        "e) snapshot file size, MB",
        rows,
        [
            ("lake facts", "{:.1f}", lambda r: r["lake_facts_mb"]),
            ("table, full build", "{:.1f}", _of("full", "db_mb")),
            ("table, after incremental", "{:.1f}", _of("one", "db_mb")),
            ("view, full build", "{:.1f}", _of("view_full", "db_mb")),
            ("view, after incremental", "{:.1f}", _of("view_one", "db_mb")),
        ],
        [("table x", _of("one", "db_mb")), ("view x", _of("view_one", "db_mb"))],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--years", type=int, default=15)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of (b), (c), (d): one new filing each"
    )
    parser.add_argument("--json", type=Path, help="also write every measurement to this file")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--full", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--view", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, root, warehouse = args.child[0], Path(args.child[1]), Path(args.child[2])
        if mode == "load":
            print(json.dumps(child_load(root, warehouse, full=args.full, view=args.view)))
        else:
            print(json.dumps(child_query(root, warehouse)))
        return
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_warehouse_") as tmp:
        for scale in args.scales:
            rows.append(measure(Path(tmp) / f"x{scale}", scale, args.years, args.repeat))
            print(f"x{scale} done after {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=str) + "\n")
    report(rows)
    print(
        f"\n{os.cpu_count()} CPUs; load average (1 min) {load_before:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end (other work on the machine inflates the times)"
    )
    sys.stdout.flush()
    print(f"\n(whole run {time.perf_counter() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
