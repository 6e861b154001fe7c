"""The partition range `edgar-pipeline run` covers: from the first to the last pending filing."""

from __future__ import annotations

import pytest

from pipeline.automation.pending import covering_range

KEYS = ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize(
    ("pending", "expected"),
    [
        ([], ("e", "e")),  # nothing pending: the last partition alone
        (["e"], ("e", "e")),  # a new filing, registered last
        (["d", "e"], ("d", "e")),
        (["b", "e"], ("b", "e")),  # an old failure widens the range to it
        (["c"], ("c", "c")),
    ],
)
def test_the_covering_range(pending, expected):
    assert covering_range(KEYS, pending) == expected
