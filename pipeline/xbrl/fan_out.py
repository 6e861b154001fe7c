"""Each filing of a parse run: skipped, parsed or failed, in one process or a pool.

Parsing is per filing and independent (each filing's two Parquet files are written whole or
not at all), so a run with many filings to look at spreads them over a pool of processes
(``EDGAR_PARSE_WORKERS``, default the machine's cores up to 8). A pool starts fresh
interpreters (``spawn``: no Dagster threads forked) that import the parser, about a second,
so it is used only from :data:`POOL_FROM` filings on, where it pays: measured 1.9x on 2
cores (``benchmarks/bench_scale.py``); one new filing is parsed in the step's own process.
A lake on an object store is parsed in the step's process too (its file check is a
listing made in the step). Results come back in the order of the filings.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any

from pipeline import lake
from pipeline.config import Settings
from pipeline.xbrl import datasets
from pipeline.xbrl.datasets import FileCheck, current_by, parse_filing

POOL_FROM = 100  # filings in a run from which a pool's start-up (about 1 s) pays
CHUNK = 8  # filings handed to a worker at a time

Outcome = tuple[dict[str, Any], dict[str, Any]]  # the facts and line-items metadata


def outcome(
    settings: Settings, filing: dict | None, forced: bool, exists: FileCheck = lake.is_file
) -> Outcome:
    """Skip, parse or fail one filing; the metadata of its facts and line-items partitions.

    Both carry ``outcome`` (parsed, unchanged or failed); failed ones carry ``error``.
    """
    if filing is None:
        return failed("not in the filings catalog (not downloaded?)")
    if filing.get("status") == "download_failed":
        return failed(f"not downloaded: {filing.get('error')}")
    try:
        how = None if forced else current_by(settings, filing, exists)
        if how is not None:
            return {"outcome": "unchanged", "current_by": how}, {"outcome": "unchanged"}
        done = parse_filing(settings, filing)
    except (ValueError, OSError) as exc:
        return failed(str(exc).splitlines()[0])
    source = {
        "outcome": "parsed",
        "source_sha256": filing["sha256"],
        "parser_version": datasets.PARSER_VERSION,
    }
    return (
        {
            **source,
            "dagster/row_count": done.facts,
            "source_document": done.source_document,
            "source_format": done.source_format,
        },
        {**source, "dagster/row_count": done.line_items},
    )


def failed(reason: str) -> Outcome:
    """The metadata of a filing that was not parsed, and why."""
    meta = {"outcome": "failed", "error": reason}
    return meta, meta


def pool_size(settings: Settings, filings: int) -> int:
    """How many processes parse ``filings`` filings: 1 (the step's own) unless a pool pays."""
    if filings < POOL_FROM or not settings.lake_is_local:
        return 1
    return min(settings.parse_workers, filings)


def outcomes(
    settings: Settings, filings: Iterable[dict | None], forced: bool, exists: FileCheck
) -> Iterator[Outcome]:
    """:func:`outcome` of each filing, in order: in this process, or in a pool where it pays."""
    rows = list(filings)
    workers = pool_size(settings, len(rows))
    if workers == 1:
        yield from (outcome(settings, filing, forced, exists) for filing in rows)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield from pool.map(partial(outcome, settings, forced=forced), rows, chunksize=CHUNK)
