"""Run tags that make one run cover a range of filing partitions."""

from __future__ import annotations

from collections.abc import Sequence

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def partition_range_tags(first: str, last: str) -> dict[str, str]:
    """Tags for a single run over the partitions ``first`` through ``last`` (inclusive)."""
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}


def all_partitions_tags(keys: Sequence[str]) -> dict[str, str]:
    """Tags for a single run over every partition in ``keys`` (in registration order)."""
    return partition_range_tags(keys[0], keys[-1])
