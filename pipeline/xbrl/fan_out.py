"""Each filing of a parse run: skipped, parsed or failed, in one process or a pool.

Parsing is per filing and independent (each filing's two Parquet files are written whole or
not at all), so a run with many filings to parse spreads them over a pool of processes
(``EDGAR_PARSE_WORKERS``, default the cores this process may use, up to 8). Which filings
need parsing is decided here first (cheap: the catalog's parse record and a stat); only those
go to the pool. A pool starts fresh interpreters (``spawn``: no Dagster threads forked) that
import the parser, about a second, so it is used only from :data:`POOL_FROM` filings to
parse, where it pays: measured 1.9x on 2 cores (``benchmarks/bench_scale.py``). One new
filing, a lake on an object store, and a step running in a daemon process (a Celery worker,
which may not start children) parse in the step's own process. A worker that dies (killed,
out of memory) does not lose the run: the filings it had not returned are parsed one at a
time in a single worker, so a filing that kills its parser fails by name and the others go
through. A worker dies with the step's process (Linux), so a killed run leaves none behind.
Results come back in order.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any

from pipeline import lake
from pipeline.config import Settings
from pipeline.xbrl import datasets
from pipeline.xbrl.datasets import FileCheck, current_by, parse_filing

log = logging.getLogger(__name__)

POOL_FROM = 100  # filings to parse in a run from which a pool's start-up (about 1 s) pays
CHUNK = 8  # filings handed to a worker at a time
PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h): a signal for when the parent dies

Outcome = tuple[dict[str, Any], dict[str, Any]]  # the facts and line-items metadata
Parse = Callable[..., Outcome]  # outcome(settings, filing, forced=...)


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


def pool_size(settings: Settings, to_parse: int) -> int:
    """How many processes parse ``to_parse`` filings: 1 (the step's own) unless a pool pays."""
    if to_parse < POOL_FROM or not settings.lake_is_local:
        return 1
    if multiprocessing.current_process().daemon:  # a Celery worker: no children allowed
        return 1
    return min(settings.parse_workers, to_parse)


def outcomes(
    settings: Settings,
    filings: Iterable[dict | None],
    forced: bool,
    exists: FileCheck,
    on_pool: Callable[[int, int], None] | None = None,
) -> Iterator[Outcome]:
    """:func:`outcome` of each filing, in order: in this process, or in a pool where it pays
    (then ``on_pool(filings to parse, workers)`` is called first)."""
    rows = list(filings)
    skipped = {i: _settled(settings, row, forced, exists) for i, row in enumerate(rows)}
    to_parse = [i for i, known in skipped.items() if known is None]
    workers = pool_size(settings, len(to_parse))
    if workers == 1:
        for i, row in enumerate(rows):
            yield skipped[i] or outcome(settings, row, True, exists)
        return
    if on_pool is not None:
        on_pool(len(to_parse), workers)
    parsed = _in_pool(settings, [rows[i] for i in to_parse], workers)
    for i, _row in enumerate(rows):
        yield skipped[i] or next(parsed)


def _settled(
    settings: Settings, filing: dict | None, forced: bool, exists: FileCheck
) -> Outcome | None:
    """A filing's outcome when no parse is needed (failed before it, or unchanged), else None."""
    if filing is None or filing.get("status") == "download_failed":
        return outcome(settings, filing, forced, exists)
    if forced:
        return None
    try:
        how = current_by(settings, filing, exists)
    except (ValueError, OSError) as exc:
        return failed(str(exc).splitlines()[0])
    if how is None:
        return None
    return {"outcome": "unchanged", "current_by": how}, {"outcome": "unchanged"}


def die_with_parent(parent: int) -> None:
    """Pool worker initializer: on Linux the kernel kills the worker when the step's process
    dies (``PR_SET_PDEATHSIG``), so a killed run leaves no parse worker behind."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        log.warning("parse worker %d: prctl failed (errno %d)", os.getpid(), ctypes.get_errno())
    if os.getppid() != parent:  # the step's process died before prctl took effect
        os._exit(1)


def _in_pool(
    settings: Settings, filings: list[dict], workers: int, parse: Parse = outcome
) -> Iterator[Outcome]:
    """Parse ``filings`` in a pool, in order. After a worker died, the rest one at a time in
    a single worker, so a filing that kills its process fails by name and the others go on."""
    one = partial(parse, settings, forced=True)
    done, chunk = 0, CHUNK
    spawn = multiprocessing.get_context("spawn")
    while done < len(filings):
        try:
            with ProcessPoolExecutor(
                workers, mp_context=spawn, initializer=die_with_parent, initargs=(os.getpid(),)
            ) as pool:
                for result in pool.map(one, filings[done:], chunksize=chunk):
                    done += 1
                    yield result
        except BrokenProcessPool as exc:
            if (workers, chunk) == (1, 1):  # one filing at a time: it was the next one
                yield failed(f"the process parsing it died (killed, or out of memory): {exc}")
                done += 1
            else:
                log.warning(
                    "a parse worker died (%s): the %d filings left are parsed one at a time",
                    exc,
                    len(filings) - done,
                )
                workers, chunk = 1, 1
