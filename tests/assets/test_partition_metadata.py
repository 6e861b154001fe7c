"""Readable partitions and tables: each filing partition's materialization names its filing
and carries its own row counts; table assets carry dagster/table_name and a column schema
with DuckDB's type names and a description for every column.

One build of every tracked filing through the EDGAR stand-in is shared by the module.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from dagster import AssetKey, DagsterInstance

from assets.partitions import FILINGS
from pipeline.automation.partition_ranges import all_partitions_tags
from pipeline.config import Settings
from pipeline.definitions import BUILD_JOB, SYNC_JOB, build_definitions
from pipeline.edgar.standin import EdgarStandIn
from pipeline.xbrl.datasets import dataset_dir, filing_file
from tests.conftest import execute_job, make_settings, step_failures

FACTS = AssetKey(["xbrl", "facts"])
LINE_ITEMS = AssetKey(["xbrl", "line_items"])


@dataclass
class Built:
    settings: Settings
    defs: object
    instance: DagsterInstance
    first: object  # the build run's result: every filing parsed
    second: object  # the same range again: every filing unchanged


@pytest.fixture(scope="module")
def built(corpus: Path, tmp_path_factory) -> Iterator[Built]:
    with EdgarStandIn(corpus) as server, pytest.MonkeyPatch.context() as env:
        for key, value in server.client_env().items():
            env.setenv(key, value)
        settings = make_settings(tmp_path_factory.mktemp("partition_metadata"))
        defs = build_definitions(settings)
        instance = DagsterInstance.ephemeral()
        assert execute_job(defs, SYNC_JOB, instance).success
        tags = all_partitions_tags(instance.get_dynamic_partitions(FILINGS.name))
        first = execute_job(defs, BUILD_JOB, instance, tags)
        assert first.success, step_failures(first)
        second = execute_job(defs, BUILD_JOB, instance, tags)
        assert second.success, step_failures(second)
        yield Built(settings, defs, instance, first, second)


def _partitions(result, key: AssetKey) -> dict[str, dict]:
    """Each partition's materialization metadata (values unwrapped)."""
    return {
        m.partition: {name: value.value for name, value in m.metadata.items()}
        for m in result.asset_materializations_for_node("parsed_filings")
        if m.asset_key == key
    }


def _parquet_rows(settings: Settings, dataset: str, ticker: str, accession: str) -> int:
    return pq.read_metadata(
        str(filing_file(dataset_dir(settings, dataset), ticker, accession))
    ).num_rows


def test_each_partition_carries_its_own_filing_and_row_counts(built: Built, tracked_rows) -> None:
    facts = _partitions(built.first, FACTS)
    items = _partitions(built.first, LINE_ITEMS)
    assert set(facts) == set(items) == {r["accession_number"] for r in tracked_rows}
    for row in tracked_rows:
        accession, ticker = row["accession_number"], row["ticker"]
        own = facts[accession]
        # The filing, as filings.csv names it.
        assert own["form"] == row["form"]
        assert own["period_of_report"] == row["report_date"]
        assert own["filing_date"] == row["filing_date"]
        assert own["company"].startswith(f"{ticker} (")
        assert own["filing"] == (
            f"{ticker} {row['form']} for {row['report_date']}, filed {row['filing_date']}"
        )
        assert own["outcome"] == "parsed"
        # Its own row counts: what its Parquet files hold, not the run's total.
        assert own["dagster/row_count"] == _parquet_rows(built.settings, "facts", ticker, accession)
        assert items[accession]["dagster/row_count"] == _parquet_rows(
            built.settings, "line_items", ticker, accession
        )
        assert items[accession]["filing"] == own["filing"]
    counts = [m["dagster/row_count"] for m in facts.values()]
    assert len(set(counts)) > 1, "every partition shows the same row count"
    assert sum(counts) not in counts


def test_an_unchanged_partition_still_names_its_filing(built: Built, tracked_rows) -> None:
    facts = _partitions(built.second, FACTS)
    for row in tracked_rows:
        own = facts[row["accession_number"]]
        assert own["outcome"] == "unchanged"
        assert (own["form"], own["period_of_report"]) == (row["form"], row["report_date"])
        assert "dagster/row_count" not in own  # its files were not opened: no guess


def test_partition_metadata_is_set_through_dagster_s_accumulator() -> None:
    """The fast path of add_partition_metadata exists in the installed Dagster (else the
    public, quadratic call is used: a Dagster upgrade that removes it shows here)."""
    from dagster._core.execution.context.metadata_logging import (
        AssetMetadataHandle,
        OutputMetadataAccumulator,
    )

    handle = AssetMetadataHandle(asset_key=FACTS, partition_key="x")
    acc = OutputMetadataAccumulator(per_output_metadata={handle: {"a": 1}})
    assert acc.get_asset_metadata(FACTS, "x") == {"a": 1}


def _table_materializations(result) -> dict[str, dict]:
    found = {}
    for event in result.get_asset_materialization_events():
        m = event.step_materialization_data.materialization
        if "dagster/table_name" in m.metadata:
            found[m.metadata["dagster/table_name"].value] = m.metadata
    return found


def test_tables_carry_their_name_duckdb_types_and_column_descriptions(built: Built) -> None:
    tables = _table_materializations(built.first)
    with duckdb.connect(str(built.settings.warehouse_path), read_only=True) as con:
        expected = {
            f"warehouse.{schema}.{table}": dict(
                con.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() "
                    "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
                    [schema, table],
                ).fetchall()
            )
            for schema, table in con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() "
                "WHERE schema_name IN ('raw', 'core', 'marts')"
            ).fetchall()
        }
    for name in ("warehouse.raw.facts", "warehouse.core.financials"):
        assert name in tables
    assert any(name.startswith("warehouse.marts.") for name in tables)
    for name, metadata in tables.items():
        columns = metadata["dagster/column_schema"].value.columns
        assert {c.name: c.type for c in columns} == expected[name], name
        assert all(c.description for c in columns), [c.name for c in columns if not c.description]


def test_parquet_assets_show_duckdb_type_names(built: Built, tracked_rows) -> None:
    row = tracked_rows[0]
    path = filing_file(dataset_dir(built.settings, "facts"), row["ticker"], row["accession_number"])
    with duckdb.connect() as con:
        sql = f"DESCRIBE SELECT * FROM read_parquet('{path}', hive_partitioning = false)"
        described = {name: type_name for name, type_name, *_ in con.execute(sql).fetchall()}
    spec = built.defs.resolve_assets_def(FACTS).specs_by_key[FACTS]
    columns = spec.metadata["dagster/column_schema"].columns
    assert {c.name: c.type for c in columns} == described
    assert all(c.description for c in columns)
    assert not any("128" in c.type or c.type.islower() for c in columns)


def test_the_backfill_job_holds_exactly_the_filing_partitioned_assets(tmp_path: Path) -> None:
    """Its backfill preview lists each asset with its partitions, none 'No partitions'."""
    from pipeline.definitions import BACKFILL_JOB

    defs = build_definitions(make_settings(tmp_path))
    graph = defs.resolve_asset_graph()
    partitioned = {k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def}
    assert {graph.get(k).partitions_def for k in partitioned} == {FILINGS}
    selected = defs.resolve_job_def(BACKFILL_JOB).asset_layer.selected_asset_keys
    assert selected == partitioned == {FACTS, LINE_ITEMS}
