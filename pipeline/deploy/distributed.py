"""A distributed ``edgar-pipeline run``: the same two stages, their steps on Celery workers.

1. ``sync_filings``: download (pool ``sec``, one step at a time behind the shared limiter)
   and the catalog, which registers the filing partitions.
2. The build, split so that parsing fans out: the pending part of the partition range is cut
   into contiguous chunks, one ``parse_filings`` run each, all submitted at once (each run's
   parse step goes to whichever worker is free); then one ``load_warehouse`` run, the single
   writer (pool ``duckdb``), builds the next snapshot from the whole lake.

This process coordinates the runs (as ``edgar-pipeline run`` does, it is each run's
process, tagged with its host and pid so a later run fails them if it dies); the workers
execute every step. Runs are recorded in the production instance, so they show in the UI.
"""

from __future__ import annotations

import multiprocessing
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from dagster import DagsterInstance, build_reconstructable_job, execute_job

from pipeline.automation.partition_ranges import partition_range_tags
from pipeline.automation.pending import covering_range, pending_partitions
from pipeline.config import Settings
from pipeline.dead_runs import owner_tags, reap_dead_runs
from pipeline.definitions import SYNC_JOB
from pipeline.deploy.definitions import LOAD_JOB, PARSE_JOB

CODE_LOCATION = "pipeline.deploy.definitions"


@dataclass(frozen=True)
class RunOutcome:
    """One run of the distributed build: its job, partition range, id and whether it passed."""

    job: str
    run_id: str
    success: bool
    partitions: tuple[str, str] | None = None

    def describe(self) -> str:
        """One line for the console."""
        span = f" {self.partitions[0]}..{self.partitions[1]}" if self.partitions else ""
        return f"Run {self.run_id} ({self.job}{span}): {'succeeded' if self.success else 'FAILED'}"


def split_range(keys: Sequence[str], first: str, last: str, chunks: int) -> list[tuple[str, str]]:
    """``first``..``last`` of ``keys`` cut into at most ``chunks`` contiguous, near-equal parts."""
    if chunks < 1:
        raise ValueError(f"chunks must be at least 1, not {chunks}")
    span = list(keys[keys.index(first) : keys.index(last) + 1])
    size, extra = divmod(len(span), chunks)
    parts, start = [], 0
    for part in range(min(chunks, len(span))):
        end = start + size + (1 if part < extra else 0)
        parts.append((span[start], span[end - 1]))
        start = end
    return parts


def _job(name: str):
    """Job ``name``, reconstructable by module and function (the Celery executor sends it
    to the workers by that pointer)."""
    return build_reconstructable_job(CODE_LOCATION, "production_job", reconstructable_args=(name,))


def run_job(name: str, tags: dict[str, str] | None = None) -> RunOutcome:
    """Execute job ``name`` of the production location; its steps go to the workers.

    Opens its own instance (``DAGSTER_HOME``). Parallel runs are coordinated from processes,
    not threads: the Celery executor's polling loop does not make progress in a second
    thread of one process (observed: the runs never sent a step).
    """
    # dagster-celery registers its task again for every step it sends: a harmless warning each
    warnings.filterwarnings("ignore", message="Task name 'execute_plan' is already registered")
    with DagsterInstance.get() as instance:
        run_tags = {**(tags or {}), **owner_tags()}
        with execute_job(_job(name), instance, tags=run_tags, raise_on_error=False) as result:
            span = None
            if tags and "dagster/asset_partition_range_start" in tags:
                span = (
                    tags["dagster/asset_partition_range_start"],
                    tags["dagster/asset_partition_range_end"],
                )
            return RunOutcome(name, result.run_id, result.success, span)


def run_distributed(
    settings: Settings, *, chunks: int, echo: Callable[[str], None] = print
) -> list[RunOutcome]:
    """Sync, parse the pending range in ``chunks`` parallel runs, then load; every run's outcome.

    A failed sync still lets the filings already landed be parsed and loaded (as
    ``edgar-pipeline run`` does); a failed parse run still loads what the others parsed.
    """
    from assets.partitions import FILINGS

    with DagsterInstance.get() as instance:
        for dead in reap_dead_runs(instance):
            echo(f"cleared {dead.describe()}: marked failed")
    outcomes = [run_job(SYNC_JOB)]
    echo(outcomes[-1].describe())
    with DagsterInstance.get() as instance:
        keys = instance.get_dynamic_partitions(FILINGS.name)
    if not keys:
        echo("no filings to process")
        return outcomes
    pending = pending_partitions(settings, keys)
    parts = split_range(keys, *covering_range(keys, pending), chunks) if pending else []
    echo(f"parsing {len(pending)} of {len(keys)} filings in {len(parts)} parallel run(s)")
    if parts:
        spawn = multiprocessing.get_context("spawn")  # a fresh interpreter per coordinator
        with ProcessPoolExecutor(max_workers=len(parts), mp_context=spawn) as pool:
            tags = [partition_range_tags(*part) for part in parts]
            runs = pool.map(run_job, [PARSE_JOB] * len(parts), tags)
            for outcome in runs:
                echo(outcome.describe())
                outcomes.append(outcome)
    outcomes.append(run_job(LOAD_JOB))
    echo(outcomes[-1].describe())
    return outcomes
