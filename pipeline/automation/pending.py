"""Which filing partitions a run must cover: those not yet parsed as they are now.

``edgar-pipeline run`` covers only the range from the first to the last such partition
(new filings are registered last, so usually just the new ones), never the whole history:
Dagster writes events for every partition of a run's range, parsed or not.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.config import Settings
from pipeline.xbrl.datasets import current_by, present_files, read_catalog


def pending_partitions(settings: Settings, keys: Sequence[str]) -> list[str]:
    """The keys (in ``keys``' order) whose filing is not known current from the catalog:
    new, changed, parsed by another parser version, failed, or missing a Parquet file."""
    catalog = read_catalog(settings)
    exists = present_files(settings)
    pending = []
    for key in keys:
        filing = catalog.get(key)
        try:
            if filing is None or current_by(settings, filing, exists) is None:
                pending.append(key)
        except ValueError:  # an unsafe path: the parse step names it
            pending.append(key)
    return pending


def covering_range(keys: Sequence[str], pending: Sequence[str]) -> tuple[str, str]:
    """(first, last) of the smallest range of ``keys`` holding every ``pending`` key; with
    nothing pending, the last key alone (the run then parses nothing and loads)."""
    if not pending:
        return keys[-1], keys[-1]
    wanted = set(pending)
    positions = [i for i, key in enumerate(keys) if key in wanted]
    return keys[positions[0]], keys[positions[-1]]
