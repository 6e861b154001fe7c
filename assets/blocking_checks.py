"""Blocking checks: evaluated inside the warehouse build, on the snapshot not yet served.

The warehouse, core and marts are one step that builds a new DuckDB snapshot and swaps it
in (``assets/warehouse.py``), so Dagster's own ``blocking=True`` (which skips *downstream
steps* after a failed check) cannot keep the marts of that same step from being served.
The step therefore runs these checks on the finished build before the swap: if one fails,
the build is discarded (the served snapshot stays), every check result is still reported,
and the step fails with one line naming the check and its first rows. The specs carry
``blocking=True`` so the UI shows them as blocking and Dagster skips the chart too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
from dagster import AssetCheckResult, AssetCheckSpec, AssetKey

from assets.check_results import no_rows_check

_ROWS_IN_MESSAGE = 3


@dataclass(frozen=True)
class BlockingCheck:
    """A check that passes when ``sql`` returns no rows (the failing rows otherwise)."""

    name: str
    asset: AssetKey
    description: str
    sql: str

    def spec(self) -> AssetCheckSpec:
        return AssetCheckSpec(
            self.name, asset=self.asset, description=self.description, blocking=True
        )

    def evaluate(self, con: duckdb.DuckDBPyConnection) -> AssetCheckResult:
        return no_rows_check(
            con,
            self.sql,
            asset_key=self.asset,
            check_name=self.name,
            evaluated_on="the build before it was served (blocking)",
        )

    def first_rows(self, con: duckdb.DuckDBPyConnection) -> str:
        rows = con.execute(f"SELECT * FROM ({self.sql}) LIMIT {_ROWS_IN_MESSAGE}").fetchall()
        return "; ".join(", ".join(str(v) for v in row) for row in rows)


class BlockingCheckFailed(Exception):
    """A blocking check failed on the build: it was not served. Carries every result."""

    def __init__(self, message: str, results: Sequence[AssetCheckResult]) -> None:
        super().__init__(message)
        self.results = list(results)


def specs(checks: Iterable[BlockingCheck]) -> list[AssetCheckSpec]:
    """The checks' specs, for the multi-asset's ``check_specs``."""
    return [check.spec() for check in checks]


def evaluate(
    con: duckdb.DuckDBPyConnection, checks: Sequence[BlockingCheck]
) -> list[AssetCheckResult]:
    """Every check's result on the build behind ``con``; raises :class:`BlockingCheckFailed`
    (with all results) when one fails, which discards the build."""
    results = [check.evaluate(con) for check in checks]
    failed = [(c, r) for c, r in zip(checks, results, strict=True) if not r.passed]
    if failed:
        parts = [
            f"{c.asset.to_user_string()}:{c.name} ({_count(r)} row(s): {c.first_rows(con)})"
            for c, r in failed
        ]
        raise BlockingCheckFailed(
            "blocking check failed, the new warehouse snapshot is not served (the previous "
            "one stays): " + "; ".join(parts),
            results,
        )
    return results


def _count(result: AssetCheckResult) -> int:
    value = result.metadata["failing_rows"]
    return getattr(value, "value", value)
