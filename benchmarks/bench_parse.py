"""Benchmark parse_facts against a bare lxml parse of the same bytes, for every real filing.

Run: ``.venv/bin/python benchmarks/bench_parse.py [--runs N]`` (corpus: env EDGAR_CORPUS,
default <repo>/../shared/edgar). Prints, per filing: median ms of N runs of parse_facts and
of ``lxml.etree.fromstring`` on the same bytes (the two alternate run by run), their ratio,
the fact count, the tracemalloc peak of each (Python allocations only: lxml's tree lives
in C), and the peak resident memory each adds in a fresh process (Linux VmHWM, reset just
before the parse and after a warm-up on a tiny document, minus VmRSS then; same imports in
both arms), which counts lxml's memory.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
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


_RSS_PROBE = """
import sys
from pathlib import Path
from lxml import etree
from pipeline.xbrl import parse_facts

def status_kib(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])

data = Path(sys.argv[2]).read_bytes()
TINY = (b'<xbrli:xbrl xmlns:xbrli="http://www.xbrl.org/2003/instance" '
        b'xmlns:us-gaap="http://fasb.org/us-gaap/2024"><xbrli:context id="c"><xbrli:entity>'
        b'<xbrli:identifier scheme="http://www.sec.gov/CIK">1</xbrli:identifier></xbrli:entity>'
        b'<xbrli:period><xbrli:instant>2024-12-31</xbrli:instant></xbrli:period></xbrli:context>'
        b'<xbrli:unit id="u"><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unit>'
        b'<us-gaap:Assets contextRef="c" unitRef="u" decimals="0">1</us-gaap:Assets></xbrli:xbrl>')
def run(doc):
    if sys.argv[1] == "lxml":
        return etree.fromstring(doc, etree.XMLParser(huge_tree=True))
    return parse_facts(doc)
run(TINY)  # warm-up on a tiny document: lazy imports and allocator set-up are one-time costs
Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
before = status_kib("VmRSS")
run(data)
print((status_kib("VmHWM") - before) / 1024)
"""


def _rss_added_mib(arm: str, path: Path) -> float:
    """Peak RSS (MiB) that one parse adds in a fresh interpreter (Linux only)."""
    done = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE, arm, str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip())


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
        f"{'ratio':>6} {'parse MiB':>10} {'lxml MiB':>9} {'parse RSS':>10} {'lxml RSS':>9}"
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
        parse_rss, bare_rss = _rss_added_mib("parse", path), _rss_added_mib("lxml", path)
        name = f"{ticker} {label} ({path.suffix[1:]})"
        print(
            f"{name:<30} {len(data) / 1e6:>5.2f} {facts:>6} {parse:>9.1f} {bare:>8.1f} "
            f"{parse / bare:>6.2f} {parse_peak:>10.2f} {bare_peak:>9.2f} "
            f"{parse_rss:>10.1f} {bare_rss:>9.1f}"
        )


if __name__ == "__main__":
    main()
