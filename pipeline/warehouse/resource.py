"""The warehouse as a Dagster resource: the DuckDB path and the Parquet inputs it loads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from pipeline.config import Settings
from pipeline.lake import location_text, parse_location
from pipeline.warehouse.connection import read_connection
from pipeline.warehouse.inputs import ParquetInputs
from pipeline.warehouse.load import Inspect, LoadResult, load_warehouse
from pipeline.warehouse.marts import CompareSet


class DuckDBWarehouse(ConfigurableResource):
    """Where the DuckDB warehouse lives and which Parquet datasets feed it.

    Loads go through :meth:`load` (builds the next snapshot and swaps it in; one builder at
    a time); readers through :meth:`read` (the served snapshot, read-only, never waiting).
    """

    path: str
    catalog_path: str
    facts_dir: str
    line_items_dir: str
    lock_timeout_s: float = 600.0
    # the marts' compare set (EDGAR_COMPARE; None: every company) and pair (marts.compare_set)
    compare: list[str] | None = None
    compare_pair: list[str] | None = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> DuckDBWarehouse:
        """Paths from :class:`pipeline.config.Settings` (default: from the environment)."""
        s = settings or Settings.from_env()
        return cls(
            path=str(s.warehouse_path),
            catalog_path=location_text(s.catalog_path),  # a path, or an object store URI
            facts_dir=location_text(s.facts_dir),
            line_items_dir=location_text(s.line_items_dir),
            compare=list(s.compare) if s.compare else None,
            compare_pair=list(s.compare_pair),
        )

    @property
    def warehouse_path(self) -> Path:
        return Path(self.path)

    def inputs(self) -> ParquetInputs:
        """The Parquet datasets to load."""
        return ParquetInputs(
            parse_location(self.catalog_path),
            parse_location(self.facts_dir),
            parse_location(self.line_items_dir),
        )

    def load(self, *, full_refresh: bool = False, inspect: Inspect | None = None) -> LoadResult:
        """Build and serve the next snapshot (:func:`~pipeline.warehouse.load.load_warehouse`)."""
        return load_warehouse(
            self.warehouse_path,
            self.inputs(),
            full_refresh=full_refresh,
            lock_timeout_s=self.lock_timeout_s,
            inspect=inspect,
            compare=CompareSet(
                tuple(self.compare) if self.compare else None,
                tuple(self.compare_pair) if self.compare_pair else CompareSet().pair,
            ),
        )

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the served snapshot (never waits for a load)."""
        with read_connection(self.warehouse_path) as con:
            yield con
