"""The result of a check that passes when its SQL returns no rows."""

from __future__ import annotations

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, MetadataValue

from pipeline.warehouse import markdown_preview

PREVIEW_ROWS = 20


def no_rows_check(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    *,
    warn: bool = False,
    asset_key: AssetKey | None = None,
    check_name: str | None = None,
    **metadata: object,
) -> AssetCheckResult:
    """Pass when ``sql`` returns no rows; otherwise show how many and the first ones."""
    ((n,),) = con.execute(f"SELECT count(*) FROM ({sql})").fetchall()
    return AssetCheckResult(
        asset_key=asset_key,
        check_name=check_name,
        passed=n == 0,
        severity=AssetCheckSeverity.WARN if warn else AssetCheckSeverity.ERROR,
        metadata={
            "failing_rows": n,
            "rows": MetadataValue.md(markdown_preview(con, sql, limit=PREVIEW_ROWS)),
            **metadata,
        },
    )
