"""Benchmark parse_facts against a bare lxml parse of the same bytes, for every real filing.

Run: ``.venv/bin/python benchmarks/bench_parse.py [--runs N]`` (corpus: env EDGAR_CORPUS,
default <repo>/../shared/edgar). Prints, per filing: median ms of N runs of parse_facts and
of ``lxml.etree.fromstring`` on the same bytes (the two alternate run by run), their ratio,
the fact count, and the tracemalloc peak of each (one extra run each, traced separately).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.xbrl import parse_facts  # noqa: E402

PARSER = etree.XMLParser(huge_tree=True)


def _median_ms(fns: list[Callable[[], object]], runs: int) -> list[float]:
    """Median ms of each fn; the fns alternate run by run, so load swings hit all alike."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, out in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
    return [statistics.median(t) for t in times]


def _peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _filings(corpus: Path) -> list[tuple[str, str, Path]]:
    out = []
    with (corpus / "filings.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            names = row["files"].split(";")
            doc = next((n for n in names if n.endswith((".htm", "_htm.xml"))), names[0])
            out.append(
                (
                    row["ticker"],
                    f"{row['form']} {row['report_date']}",
                    corpus / row["ticker"] / row["accession_number"] / doc,
                )
            )
    return out


def main() -> None:
    """Print the benchmark table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    corpus = Path(os.environ.get("EDGAR_CORPUS", REPO.parent / "shared" / "edgar"))
    header = (
        f"{'filing':<30} {'MB':>5} {'facts':>6} {'parse ms':>9} {'lxml ms':>8} "
        f"{'ratio':>6} {'parse MiB':>10} {'lxml MiB':>9}"
    )
    print(header)
    print("-" * len(header))
    for ticker, label, path in _filings(corpus):
        data = path.read_bytes()
        parse_facts(data)  # warm-up (imports, config, caches)
        parse, bare = _median_ms(
            [lambda d=data: parse_facts(d), lambda d=data: etree.fromstring(d, PARSER)], args.runs
        )
        facts = parse_facts(data).num_rows
        parse_peak = _peak_mib(lambda d=data: parse_facts(d))
        bare_peak = _peak_mib(lambda d=data: etree.fromstring(d, PARSER))
        name = f"{ticker} {label} ({path.suffix[1:]})"
        print(
            f"{name:<30} {len(data) / 1e6:>5.2f} {facts:>6} {parse:>9.1f} {bare:>8.1f} "
            f"{parse / bare:>6.2f} {parse_peak:>10.2f} {bare_peak:>9.2f}"
        )


if __name__ == "__main__":
    main()
