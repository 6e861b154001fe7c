"""Load the Parquet datasets into the raw schema, replacing rows by accession."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from pipeline.warehouse.inputs import PARTITION_GLOB, ParquetInputs
from pipeline.warehouse.sql import SCHEMA, STAGING, run_sql_file, sql_literal

StepHook = Callable[[str, duckdb.DuckDBPyConnection], None]

RAW_TABLES = ("raw.filings", "raw.facts", "raw.line_items")


def _noop(_step: str, _con: duckdb.DuckDBPyConnection) -> None:
    return None


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw, core and marts schemas and the raw tables if absent."""
    for name in SCHEMA:
        run_sql_file(con, name)


def _stage(con: duckdb.DuckDBPyConnection, view: str, source: str) -> None:
    # hive_partitioning=false: ticker is a column inside each file as well as in the path.
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM read_parquet("
        f"{sql_literal(source)}, hive_partitioning = false, union_by_name = true)"
    )


def load_raw(
    con: duckdb.DuckDBPyConnection,
    inputs: ParquetInputs,
    *,
    full_refresh: bool = False,
    on_step: StepHook = _noop,
) -> dict[str, int]:
    """Replace raw rows of every accession present in the inputs; return accessions staged.

    A dataset that is absent (no file yet) is skipped and its raw table left as it is.
    With ``full_refresh`` the raw tables are emptied first. Runs in the caller's transaction.
    """
    create_schema(con)
    if full_refresh:
        for table in RAW_TABLES:
            con.execute(f"DELETE FROM {table}")
    sources = {
        "catalog": (inputs.catalog_present(), str(inputs.catalog_path)),
        "facts": (inputs.facts_present(), str(inputs.facts_dir / PARTITION_GLOB)),
        "line_items": (inputs.line_items_present(), str(inputs.line_items_dir / PARTITION_GLOB)),
    }
    staged: dict[str, int] = {}
    for dataset, (present, source) in sources.items():
        if not present:
            staged[dataset] = 0
            continue
        view = f"stage_{dataset}"
        _stage(con, view, source)
        run_sql_file(con, STAGING[dataset])
        (staged[dataset],) = con.execute(
            f"SELECT count(DISTINCT accession_number) FROM {view}"
        ).fetchall()[0]
        con.execute(f"DROP VIEW {view}")
        on_step(f"raw.{dataset}", con)
    return staged
