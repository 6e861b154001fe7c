"""Shared fixtures: the hand-written filings loaded into a fresh warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipeline.warehouse import ParquetInputs, load_warehouse
from tests.warehouse.fixtures import FixturePaths, base_filings, write_fixture


@dataclass(frozen=True)
class Loaded:
    """A warehouse loaded from fixture Parquet."""

    warehouse: Path
    inputs: ParquetInputs
    fixture: FixturePaths


def inputs_for(paths: FixturePaths) -> ParquetInputs:
    return ParquetInputs(paths.catalog_path, paths.facts_dir, paths.line_items_dir)


@pytest.fixture
def loaded(tmp_path: Path) -> Loaded:
    paths = write_fixture(tmp_path / "parquet", base_filings())
    warehouse = tmp_path / "warehouse.duckdb"
    load_warehouse(warehouse, inputs_for(paths))
    return Loaded(warehouse, inputs_for(paths), paths)


@pytest.fixture
def con(loaded: Loaded) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(loaded.warehouse), read_only=True)
    yield connection
    connection.close()
