"""The warehouse as a Dagster resource: the DuckDB path and the Parquet inputs it loads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from pipeline.config import Settings
from pipeline.warehouse.connection import read_connection, write_connection
from pipeline.warehouse.inputs import ParquetInputs


class DuckDBWarehouse(ConfigurableResource):
    """Where the DuckDB warehouse lives and which Parquet datasets feed it.

    Writers go through :meth:`write` (file lock: one writer at a time); readers through
    :meth:`read` (``read_only=True``, waits while a writer holds the lock).
    """

    path: str
    catalog_path: str
    facts_dir: str
    line_items_dir: str
    lock_timeout_s: float = 600.0

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> DuckDBWarehouse:
        """Paths from :class:`pipeline.config.Settings` (default: from the environment)."""
        s = settings or Settings.from_env()
        return cls(
            path=str(s.warehouse_path),
            catalog_path=str(s.catalog_path),
            facts_dir=str(s.facts_dir),
            line_items_dir=str(s.line_items_dir),
        )

    @property
    def warehouse_path(self) -> Path:
        return Path(self.path)

    def inputs(self) -> ParquetInputs:
        """The Parquet datasets to load."""
        return ParquetInputs(
            Path(self.catalog_path), Path(self.facts_dir), Path(self.line_items_dir)
        )

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The single writer connection (exclusive lock held while open)."""
        with write_connection(self.warehouse_path, timeout_s=self.lock_timeout_s) as con:
            yield con

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection (shared lock held while open)."""
        with read_connection(self.warehouse_path, timeout_s=self.lock_timeout_s) as con:
            yield con
