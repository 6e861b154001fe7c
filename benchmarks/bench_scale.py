"""Scale benchmark: full runs, one new filing, and nothing new, at 10, 100 and 1,000 filings.

Run: ``.venv/bin/python benchmarks/bench_scale.py [--sizes 10 100 1000] [--repeats 1]
[--out FILE]`` (corpus: env EDGAR_CORPUS, default <repo>/../shared/edgar; scratch data in a
temporary folder, removed at the end unless ``--keep`` or a measurement failed). The default
takes about 10 minutes on 2 cores, 8 of them at 1,000 filings, mostly the full run's ~2,100
requests at SEC's 10/s (the report says where the time goes). ``--repeats 3`` gives
medians of three for the new-filing and nothing-new rows.

Per size N, a synthetic universe (``_scale_universe``): the corpus's real documents re-keyed
under synthetic companies (``SYN0001``... cloning the real companies round-robin, with their
fiscal year ends) and accession numbers, N filings served plus ``2 x repeats`` held back. The
script serves it with the EDGAR stand-in on 127.0.0.1 and runs everything as a real user
would, in fresh child processes (each with its own ``EDGAR_DATA_DIR``) that reach the stand-in
as SEC, through its proxy, with SEC's settings (``EDGAR_REQUESTS_PER_SECOND=10``):

1. ``edgar-pipeline run`` on the N filings (the full run).
2. The new-filings sensor ticks one full pass (its cursor then knows every filing).
3. Per repeat: (a) one held-back filing is published and the sensor's path is timed: the
   tick that finds it plus the run it requests, carried out as the daemon would (same job,
   same partition, same instance); (b) another is published and ``edgar-pipeline run`` takes
   it in; (c) ``edgar-pipeline run`` with nothing new; (d) Dagster's floor for (c): the same
   two jobs as (c) runs them (the catalog alone, the newest partition) over the same asset
   graph with no-op bodies (``_scale_floor``), same executor, same kind of instance.

Beside the times: peak RSS and CPU of each child (``_scale_spawn``), the HTTP GETs the
stand-in served (by kind), the bytes of the Dagster event log of the child's runs, and the
Parquet files written. Then the parse fan-out: ``parse_filing`` over a sample of landed
filings in one process and in a pool of ``nproc`` processes, with the 16-core arithmetic.
The markdown report (sizes as columns, ratios against the smallest size; the issue's goals;
requests at SEC's rate; where the time went) is printed at the end. Exit code 1 when any
child failed (each named with its log).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

from _scale_measure import (  # noqa: E402
    Child,
    Measure,
    SizeResult,
    get_kind,
    new_runs,
    parquet_written_since,
    run_child,
    run_ids,
)
from _scale_report import fan_out_note, goals, requests_note, table, time_note  # noqa: E402
from _scale_universe import Universe, build  # noqa: E402

from pipeline.edgar.standin import EdgarStandIn  # noqa: E402

SEC_RATE = 10  # requests per second: SEC's fair-access limit, and the pipeline's default
CHILD = [sys.executable, str(BENCH / "_scale_child.py")]
CLI_RUN = [sys.executable, "-m", "pipeline", "run"]
PARSE_ROUNDS = 3  # the fan-out's figures are the fastest of these (least disturbed) rounds


class Bench:
    """Runs the measurements of one size against its stand-in and data folders."""

    def __init__(self, root: Path, universe: Universe, server: EdgarStandIn, timeout_s: float):
        self.root = root
        self.universe = universe
        self.server = server
        self.timeout_s = timeout_s
        self.data = root / "data"
        self.floor_data = root / "floor-data"
        self.count = 0

    def env(self, data_dir: Path) -> dict[str, str]:
        """An ``edgar-pipeline`` environment: this data folder, the universe's companies,
        SEC's rate, the stand-in as SEC (its proxy and CA), nothing else from ours."""
        prefixes = ("EDGAR_", "SEC_", "DAGSTER_")
        proxies = {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "REQUESTS_CA_BUNDLE"}
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(prefixes) and k not in proxies
        }
        env.update(
            {
                "EDGAR_DATA_DIR": str(data_dir),
                "EDGAR_COMPANIES": ",".join(self.universe.tickers),
                "EDGAR_REQUESTS_PER_SECOND": str(SEC_RATE),
                "SEC_CONTACT_COMPANY": "edgar-warehouse bench_scale",
                "SEC_CONTACT_EMAIL": "bench@example.com",
                "PYTHONUNBUFFERED": "1",
                **self.server.client_env(),
            }
        )
        return env

    def measure(self, name: str, command: list[str], data_dir: Path | None = None) -> Measure:
        """Run ``command`` as a child on ``data_dir``; what it cost and what it did."""
        data_dir = data_dir or self.data
        home = data_dir / "dagster"
        before = run_ids(home)
        gets = len(self.server.requests.records(method="GET"))
        load = os.getloadavg()[0]
        since = time.time()
        self.count += 1
        log = self.root / "logs" / f"{self.count:02d}-{name}.log"
        child = run_child(name, command, self.env(data_dir), log, self.timeout_s)
        urls = [r.url for r in self.server.requests.records(method="GET")[gets:]]
        written = parquet_written_since(data_dir, since)
        measure = Measure(
            child=child,
            runs=new_runs(home, before) if (home / "dagster.yaml").is_file() else [],
            gets=len(urls),
            parquet_written=len(written),
            gets_by_kind=dict(Counter(get_kind(u) for u in urls)),
            load_before=load,
        )
        status = "ok" if child.ok else f"FAILED (exit {child.returncode}; log {log})"
        names = ", ".join(p.name for p in written[:4]) + (", ..." if len(written) > 4 else "")
        print(
            f"  N={len(self.universe.served)} {name}: {child.wall_s:.1f} s, "
            f"{child.peak_rss_mb:.0f} MB, {measure.gets} GETs {measure.gets_by_kind}, "
            f"{measure.event_kb:.0f} KB events, {len(written)} Parquet ({names}): {status}",
            file=sys.stderr,
            flush=True,
        )
        return measure

    def keys_file(self) -> Path:
        """The filing partitions of the measured instance, one a line (for the floor)."""
        from dagster import DagsterInstance

        from assets.partitions import FILINGS

        with DagsterInstance.from_config(str(self.data / "dagster")) as instance:
            keys = instance.get_dynamic_partitions(FILINGS.name)
        path = self.root / "partitions.txt"
        path.write_text("\n".join(keys) + "\n", encoding="utf-8")
        return path


def measure_size(size: int, corpus: Path, work: Path, repeats: int, timeout_s: float) -> SizeResult:
    """Build the universe of ``size`` filings and take every measurement of it."""
    root = work / f"n{size}"
    t0 = time.perf_counter()
    universe = build(corpus, root / "corpus", size, 2 * repeats)
    build_s = time.perf_counter() - t0
    print(
        f"N={size}: {len(universe.tickers)} synthetic companies, {len(universe.held_back)} "
        f"filings held back, built in {build_s:.1f} s ({root})",
        file=sys.stderr,
        flush=True,
    )
    with EdgarStandIn(universe.folder, exclude_accessions=universe.held_back) as server:
        bench = Bench(root, universe, server, timeout_s)
        full = bench.measure("full-run", CLI_RUN)
        state = root / "sensor-state.json"
        prime = bench.measure("sensor-full-pass", [*CHILD, "sensor-prime", str(state)])
        result = SizeResult(size, len(universe.tickers), build_s, full, prime)
        keys = bench.keys_file()
        bench.measure("floor-prep", [*CHILD, "floor-prep", str(keys)], bench.floor_data)
        for r in range(repeats):
            server.publish(universe.held_back[2 * r])
            result.sensor.append(
                bench.measure(f"sensor-new-{r + 1}", [*CHILD, "sensor-take", str(state)])
            )
            server.publish(universe.held_back[2 * r + 1])
            result.cli_new.append(bench.measure(f"run-new-{r + 1}", CLI_RUN))
            result.idle.append(bench.measure(f"run-nothing-new-{r + 1}", CLI_RUN))
            result.floor.append(
                bench.measure(f"floor-{r + 1}", [*CHILD, "floor"], bench.floor_data)
            )
    result.elapsed_s = time.perf_counter() - t0
    print(f"N={size}: measured in {result.elapsed_s / 60:.1f} min", file=sys.stderr, flush=True)
    return result


def measure_fan_out(result: SizeResult, work: Path, sample: int, timeout_s: float) -> Child:
    """``parse_filing`` over ``sample`` landed filings of ``result``'s full run, in one
    process and in a pool of one process per core, alternating for PARSE_ROUNDS rounds."""
    data = work / f"n{result.size}" / "data"
    count, workers = min(sample, result.size), os.cpu_count() or 1
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EDGAR_", "DAGSTER_"))}
    command = [*CHILD, "parse", str(data), str(work / "parse"), str(workers), str(count)]
    log = work / "logs" / "parse.log"
    child = run_child("parse", [*command, str(PARSE_ROUNDS)], env, log, timeout_s)
    print(f"  parse fan-out: {child.result or child.tail()}", file=sys.stderr, flush=True)
    return child


def _git_head() -> str:
    done = subprocess.run(
        ["git", "log", "-1", "--format=%h %s"], cwd=REPO, capture_output=True, text=True
    )
    return done.stdout.strip()[:72] or "unknown commit (not a git checkout)"


def report(results: list[SizeResult], fan: Child | None, corpus: Path, repeats: int) -> str:
    """The markdown report: conditions, the table, the goals and the arithmetic."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    loads = [m.load_before for r in results for m in r.measures()]
    lines = [
        f"bench_scale, {stamp}, at `{_git_head()}`, {os.cpu_count()} cores; corpus {corpus}; "
        f"medians of {repeats} repeat(s) for the new-filing and nothing-new rows; measuring "
        + ", ".join(f"{r.size:,} took {r.elapsed_s / 60:.1f} min" for r in results)
        + f". The machine's 1-minute load average as children started: {min(loads):.1f} to "
        f"{max(loads):.1f} (above {os.cpu_count()}, other work competed for the cores).",
        "",
        table(results),
        "",
        *goals(results),
        *requests_note(results),
        *time_note(results[-1]),
        *(fan_out_note(fan, results[-1]) if fan else []),
    ]
    failed = [m.child for r in results for m in r.measures() if not m.child.ok]
    failed += [fan] if fan and not fan.ok else []
    for child in failed:
        lines.append(f"- FAILED: {child.name} (exit {child.returncode}), log {child.log}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeats", type=int, default=1, help="new-filing/nothing-new repeats")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    parser.add_argument("--parse-sample", type=int, default=100, help="filings for fan-out")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per child process")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    if min(args.sizes) < 2 or args.repeats < 1 or args.parse_sample < 1 or args.timeout <= 0:
        parser.error(
            "give sizes of at least 2 filings, --repeats and --parse-sample of at least 1, "
            "and a --timeout above 0 seconds"
        )
    corpus = Path(os.environ.get("EDGAR_CORPUS", REPO.parent / "shared" / "edgar")).resolve()
    if not (corpus / "filings.csv").is_file():
        parser.error(f"no filings.csv in {corpus}: set EDGAR_CORPUS to a folder like shared/edgar")
    work = Path(tempfile.mkdtemp(prefix="bench_scale_"))
    print(f"bench_scale: scratch folder {work}", file=sys.stderr)
    results = [
        measure_size(size, corpus, work, args.repeats, args.timeout) for size in sorted(args.sizes)
    ]
    fan = measure_fan_out(results[-1], work, args.parse_sample, args.timeout)
    text = report(results, fan, corpus, args.repeats)
    print(text, end="")
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    ok = "FAILED:" not in text
    if ok and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"bench_scale: scratch folder kept: {work}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
