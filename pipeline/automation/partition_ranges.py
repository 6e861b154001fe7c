"""Run tags: the range of filing partitions a run covers, and whether it re-parses them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
BACKFILL_TAG = "dagster/backfill"  # Dagster sets it on every run of a backfill
REPARSE_TAG = "edgar/reparse"  # "true": re-parse every filing of the range, even if unchanged
REBUILD_TAG = "edgar/rebuild"  # "true": reload the warehouse's raw tables from the lake


def partition_range_tags(first: str, last: str) -> dict[str, str]:
    """Tags for a single run over the partitions ``first`` through ``last`` (inclusive)."""
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}


def all_partitions_tags(keys: Sequence[str]) -> dict[str, str]:
    """Tags for a single run over every partition in ``keys`` (in registration order)."""
    return partition_range_tags(keys[0], keys[-1])


def reparse_forced(tags: Mapping[str, str]) -> bool:
    """Whether a run with ``tags`` re-parses every filing of its range (a backfill, or
    ``edgar/reparse=true``) instead of only those whose source or parser version changed."""
    return BACKFILL_TAG in tags or tags.get(REPARSE_TAG, "").lower() == "true"


def rebuild_forced(tags: Mapping[str, str]) -> bool:
    """Whether a run with ``tags`` reloads the warehouse's raw tables from the lake, from empty."""
    return tags.get(REBUILD_TAG, "").lower() == "true"


def rebuild_tags() -> dict[str, str]:
    """Tags of a full rebuild: re-parse every filing, reload the warehouse from the lake."""
    return {REPARSE_TAG: "true", REBUILD_TAG: "true"}


def range_problem(keys: Sequence[str], first: str, last: str) -> str | None:
    """Why ``first...last`` is not a range of ``keys`` (registration order), or None.

    Dagster runs a reversed range as an empty one that succeeds having done nothing; this
    names an unknown key, or both keys and their order.
    """
    for key in dict.fromkeys((first, last)):
        if key not in keys:
            return f"{key} is not a filing partition (accession numbers of catalogued filings)"
    start, end = keys.index(first), keys.index(last)
    if start > end:
        return (
            f"the range {first}...{last} is reversed: {first} is filing partition "
            f"{start + 1} of {len(keys)}, after {last} ({end + 1} of {len(keys)}); "
            f"write it {last}...{first}"
        )
    return None
