"""The DuckDB warehouse: served snapshots built from the Parquet lake (no Dagster here).

SQL lives in ``warehouse/`` at the repository root; this package runs it.
"""

from pipeline.warehouse.connection import (
    WarehouseBusyError,
    WarehouseCorruptError,
    WarehouseDiskFullError,
    query_error_line,
    read_connection,
    sandboxed_read_connection,
    transaction,
)
from pipeline.warehouse.core import build_core, fiscal_year_ends
from pipeline.warehouse.inputs import ParquetInputs
from pipeline.warehouse.load import LoadResult, load_from_settings, load_warehouse
from pipeline.warehouse.lock import WarehouseLockTimeout
from pipeline.warehouse.marts import MART_TABLES, build_marts
from pipeline.warehouse.raw import RAW_TABLES, RawLoad, SkippedFile, create_schema, load_raw
from pipeline.warehouse.snapshots import NoSnapshotError, SnapshotStore
from pipeline.warehouse.stats import markdown_preview, row_counts

__all__ = [
    "MART_TABLES",
    "RAW_TABLES",
    "LoadResult",
    "NoSnapshotError",
    "ParquetInputs",
    "RawLoad",
    "SkippedFile",
    "SnapshotStore",
    "WarehouseBusyError",
    "WarehouseCorruptError",
    "WarehouseDiskFullError",
    "WarehouseLockTimeout",
    "build_core",
    "build_marts",
    "create_schema",
    "fiscal_year_ends",
    "load_from_settings",
    "load_raw",
    "load_warehouse",
    "markdown_preview",
    "query_error_line",
    "read_connection",
    "row_counts",
    "sandboxed_read_connection",
    "transaction",
]
