"""The warehouse step names a Parquet file that does not verify, through an ERROR check."""

from __future__ import annotations

import shutil

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from dagster import AssetCheckSeverity, DagsterInstance, materialize

from assets.warehouse import FILES_VERIFIED_CHECK, warehouse_tables
from pipeline.config import Settings
from pipeline.edgar.catalog import CATALOG_SCHEMA
from pipeline.parquet_io import write_parquet_atomically
from pipeline.warehouse.resource import DuckDBWarehouse
from pipeline.xbrl.datasets import filing_file
from tests.faults.runner import cli_env, run_cli


def test_a_swapped_parquet_file_fails_the_check_by_name_and_keeps_the_rows(corpus, tmp_path):
    data = tmp_path / "data"
    assert run_cli(["run"], cli_env(data, corpus)).returncode == 0
    settings = Settings(data_dir=data, companies=("AMZN", "WMT"), edgar_mirror=corpus)
    catalog = pq.read_table(settings.catalog_path).to_pylist()
    victim, other = catalog[0], catalog[1]
    target = filing_file(settings.facts_dir, victim["ticker"], victim["accession_number"])
    source = filing_file(settings.facts_dir, other["ticker"], other["accession_number"])
    shutil.copyfile(source, target)  # another filing's facts under this filing's name
    # ... and the filing landed again with new bytes, so the next load stages it
    # (the catalog clears a filing's parse record when its landed sha256 changes)
    catalog[0] = {**victim, "sha256": "0" * 64, "parsed_sha256": None, "parser_version": None}
    write_parquet_atomically(
        pa.Table.from_pylist(catalog, schema=CATALOG_SCHEMA), settings.catalog_path
    )

    def facts_of(accession: str) -> int:
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
            query = "SELECT count(*) FROM raw.facts WHERE accession_number = ?"
            return con.execute(query, [accession]).fetchone()[0]

    before = facts_of(victim["accession_number"])
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [warehouse_tables],
            resources={"warehouse": DuckDBWarehouse.from_settings(settings)},
            instance=instance,
        )
    assert result.success
    (evaluation,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name == FILES_VERIFIED_CHECK
    ]
    assert not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR
    assert victim["accession_number"] in evaluation.metadata["rows"].value
    assert facts_of(victim["accession_number"]) == before > 0
