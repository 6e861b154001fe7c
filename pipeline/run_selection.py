"""``edgar-pipeline run --select``: an asset selection and its filing partitions, checked first.

Everything a Dagster run would only discover after it started (or never: a reversed range
runs nothing and succeeds) is refused here, in one line, before anything runs: an unknown
asset, filing-partitioned assets without ``--partition``/``--partition-range``, a partition
option for assets without partitions, an unknown partition key, a reversed range.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.automation.partition_ranges import partition_range_tags, range_problem


class SelectionError(ValueError):
    """A selection or partition option that cannot run, in one line (the CLI exits 2)."""


@dataclass(frozen=True)
class SelectedRun:
    """What ``run --select`` materializes: a job of just the selection, and its range tags."""

    job: Any  # a dagster JobDefinition: the implicit asset job, subset to the selection
    added: list[str]  # assets made by the same steps as selected ones, so run with them
    tags: dict[str, str]
    partitions: int  # filing partitions in the range (0: no partitioned asset selected)


def parse_partition_range(text: str) -> tuple[str, str]:
    """``FIRST...LAST`` -> (first, last); SelectionError for any other shape."""
    parts = text.split("...")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise SelectionError(
            f"--partition-range {text!r} is not FIRST...LAST (two partition keys, "
            "i.e. accession numbers, joined by three dots)"
        )
    return parts[0].strip(), parts[1].strip()


def plan_selected_run(
    defs: Any,
    keys: Sequence[str],
    select: str | None,
    partition: str | None = None,
    partition_range: str | None = None,
) -> SelectedRun:
    """Resolve ``select`` (Dagster's asset selection syntax) against ``defs`` and check the
    partition options against ``keys``, the filing partitions in registration order."""
    from dagster import AssetSelection, BetaWarning
    from dagster._core.errors import DagsterError

    if not select:
        raise SelectionError(
            "--partition and --partition-range need --select (the assets to materialize), "
            "e.g. --select 'xbrl/facts+'"
        )
    graph = defs.resolve_asset_graph()
    try:
        with warnings.catch_warnings():  # `group:` selections warn of a beta parameter
            warnings.simplefilter("ignore", BetaWarning)
            asset_keys = AssetSelection.from_coercible(select.split(",")).resolve(graph)
    except (DagsterError, ValueError) as exc:
        raise SelectionError(f"--select {select!r}: {_first_line(exc)}") from None
    if not asset_keys:
        raise SelectionError(f"--select {select!r} selects no asset: see the UI's asset list")
    partitioned = sorted(
        k.to_user_string() for k in asset_keys if graph.get(k).partitions_def is not None
    )
    option = "--partition" if partition else "--partition-range" if partition_range else None
    if not partitioned:
        if option:
            raise SelectionError(
                f"{option} given, but none of the assets --select {select!r} selects is "
                "partitioned by filing: leave it out"
            )
        return SelectedRun(*_job(defs, asset_keys), {}, 0)
    if option is None:
        example = f" (e.g. {keys[0]}...{keys[-1]}, all {len(keys)} filings)" if keys else ""
        raise SelectionError(
            f"--select {select!r} includes assets partitioned by filing ({', '.join(partitioned)}):"
            f" add --partition <accession> or --partition-range <first>...<last>{example}"
        )
    first, last = (partition, partition) if partition else parse_partition_range(partition_range)
    if problem := range_problem(keys, first, last):
        raise SelectionError(f"{option}: {problem}")
    count = keys.index(last) - keys.index(first) + 1
    return SelectedRun(*_job(defs, asset_keys), partition_range_tags(first, last), count)


def _job(defs: Any, asset_keys: set[Any]) -> tuple[Any, list[str]]:
    """The implicit asset job subset to ``asset_keys``, widened to whole steps; the added keys.

    A step that makes several assets at once (the parse makes ``xbrl/facts`` and
    ``xbrl/line_items``) cannot run for only some of them: Dagster would refuse the subset
    with a traceback, so the selection takes the step's other assets too, and says so.
    """
    widened = set(asset_keys)
    for key in asset_keys:
        step = defs.resolve_assets_def(key)
        if not step.can_subset:
            widened |= step.keys
    job = defs.get_repository_def().get_implicit_job_def_for_assets(widened)
    if job is None:  # Dagster runs assets of different partitionings in separate jobs
        raise SelectionError(
            "the selection mixes assets partitioned by filing with assets partitioned "
            "otherwise: select them in separate runs"
        )
    added = sorted(k.to_user_string() for k in widened - asset_keys)
    return job.get_subset(asset_selection=widened), added


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
