"""The parse step takes in only what changed: real filings through the EDGAR stand-in.

One lake is built per module (the newest AMZN filing held back at first); every test
snapshots the Parquet files (inode, mtime, sha256) before its runs and asserts which files
its runs rewrote. Each test leaves every filing's files current, so they run in any order.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, materialize

from assets.partitions import FILINGS
from assets.xbrl import parsed_filings
from pipeline.automation.partition_ranges import (
    BACKFILL_TAG,
    REBUILD_TAG,
    REPARSE_TAG,
    all_partitions_tags,
    partition_range_tags,
    rebuild_forced,
    reparse_forced,
)
from pipeline.config import Settings
from pipeline.definitions import BUILD_JOB, SYNC_JOB, build_definitions
from pipeline.edgar.standin import EdgarStandIn
from pipeline.resources import PipelineSettings
from pipeline.warehouse import read_connection
from pipeline.xbrl import datasets, fan_out
from pipeline.xbrl.datasets import DATASETS, dataset_dir, filing_file, read_filing_metadata
from tests.conftest import (
    REPO_ROOT,
    TEST_COMPANIES,
    execute_job,
    failed_checks,
    make_settings,
    newest,
    step_failures,
)

FACTS = AssetKey(["xbrl", "facts"])
ACCESSION = re.compile(r"\d{10}-\d{2}-\d{6}")


@dataclass
class Lake:
    """The shared state: stand-in, settings, definitions and Dagster instance."""

    standin: EdgarStandIn
    settings: Settings
    defs: object
    instance: DagsterInstance
    withheld: str

    def partitions(self) -> list[str]:
        return self.instance.get_dynamic_partitions(FILINGS.name)

    def catalog(self) -> dict[str, dict]:
        return datasets.read_catalog(self.settings)

    def sync(self) -> None:
        result = execute_job(self.defs, SYNC_JOB, self.instance)
        assert result.success, step_failures(result)

    def parse(
        self,
        tags: dict[str, str] | None = None,
        run_config: dict | None = None,
        settings: Settings | None = None,
    ):
        """Materialize only the parse assets over every partition (or the tags' range)."""
        return materialize(
            [parsed_filings],
            instance=self.instance,
            resources={"settings": PipelineSettings.from_settings(settings or self.settings)},
            tags=tags or all_partitions_tags(self.partitions()),
            run_config=run_config,
            raise_on_error=False,
        )


@pytest.fixture(scope="module")
def lake(corpus, tracked_rows, tmp_path_factory) -> Iterator[Lake]:
    """Every tracked filing but AMZN's newest downloaded, parsed and loaded, as `run` does."""
    withheld = newest([r for r in tracked_rows if r["ticker"] == "AMZN"])["accession_number"]
    with (
        EdgarStandIn(corpus, exclude_accessions={withheld}) as server,
        pytest.MonkeyPatch.context() as env,
    ):
        for key, value in server.client_env().items():
            env.setenv(key, value)
        settings = make_settings(tmp_path_factory.mktemp("incremental"))
        defs = build_definitions(settings)
        lake = Lake(server, settings, defs, DagsterInstance.ephemeral(), withheld)
        lake.sync()
        result = execute_job(defs, BUILD_JOB, lake.instance, all_partitions_tags(lake.partitions()))
        assert result.success, step_failures(result)
        yield lake


def snapshot(settings: Settings) -> dict[str, tuple[int, int, str]]:
    """Every Parquet file of the per-filing datasets: (inode, mtime ns, sha256)."""
    files = {}
    for dataset in DATASETS:
        for path in sorted(dataset_dir(settings, dataset).rglob("*.parquet")):
            stat = path.stat()
            files[str(path)] = (stat.st_ino, stat.st_mtime_ns, _sha256(path))
    return files


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rewritten(before: dict, after: dict) -> set[str]:
    """Accessions whose files were written (new, replaced or touched) between snapshots."""
    changed = {path for path, state in after.items() if before.get(path) != state}
    assert set(before) <= set(after), "a Parquet file disappeared"
    return {ACCESSION.search(Path(path).name)[0] for path in changed}


def files_of(settings: Settings, accession: str, ticker: str) -> set[str]:
    return {str(filing_file(dataset_dir(settings, d), ticker, accession)) for d in DATASETS}


def outcomes(result) -> dict[str, str]:
    """The ``outcome`` of each facts partition's materialization event."""
    return {
        m.partition: m.metadata["outcome"].value
        for m in result.asset_materializations_for_node("parsed_filings")
        if m.asset_key == FACTS
    }


def counts(result) -> dict[str, int]:
    """The run-wide parsed/unchanged/failed counts (the same on every event)."""
    values = {
        str(m.metadata["filing_counts"].value)
        for m in result.asset_materializations_for_node("parsed_filings")
    }
    assert len(values) == 1, values
    return (
        result.asset_materializations_for_node("parsed_filings")[0].metadata["filing_counts"].value
    )


def summary_lines(instance: DagsterInstance, result) -> list[str]:
    return [
        entry.user_message
        for entry in instance.all_logs(result.run_id)
        if re.match(r"parsed \d+, unchanged \d+, failed \d+", entry.user_message or "")
    ]


def test_a_second_run_writes_no_parquet_and_reports_every_filing_unchanged(lake):
    keys = lake.partitions()
    before = snapshot(lake.settings)
    assert len(before) == 2 * len(keys)
    catalog_before = lake.settings.catalog_path.stat().st_mtime_ns

    result = execute_job(lake.defs, BUILD_JOB, lake.instance, all_partitions_tags(keys))
    assert result.success, step_failures(result)

    assert snapshot(lake.settings) == before
    assert lake.settings.catalog_path.stat().st_mtime_ns == catalog_before
    assert outcomes(result) == dict.fromkeys(keys, "unchanged")
    assert counts(result) == {"parsed": 0, "unchanged": len(keys), "failed": 0}
    assert summary_lines(lake.instance, result) == [
        f"parsed 0, unchanged {len(keys)}, failed 0 (of {len(keys)} filings)"
    ]
    # The warehouse still holds every filing (their rows were loaded by the first run).
    with read_connection(lake.settings.warehouse_path) as con:
        (loaded,) = con.execute(
            "SELECT count(DISTINCT accession_number) FROM raw.line_items"
        ).fetchone()
    assert loaded == len(keys)


def test_the_run_that_takes_in_a_withheld_filing_writes_parquet_for_it_alone(lake):
    new = lake.withheld
    assert new not in lake.partitions()
    before = snapshot(lake.settings)
    lake.standin.publish(new)
    lake.sync()  # as `edgar-pipeline run`: sync, then parse and load every partition
    keys = lake.partitions()
    assert new in keys

    result = execute_job(lake.defs, BUILD_JOB, lake.instance, all_partitions_tags(keys))
    assert result.success, step_failures(result)

    after = snapshot(lake.settings)
    assert rewritten(before, after) == {new}
    assert set(after) - set(before) == files_of(lake.settings, new, "AMZN")
    assert outcomes(result) == {k: "parsed" if k == new else "unchanged" for k in keys}
    assert counts(result) == {"parsed": 1, "unchanged": len(keys) - 1, "failed": 0}
    # The new filing's event carries its own metadata, and names no other filing.
    for event in result.asset_materializations_for_node("parsed_filings"):
        text = " ".join(str(v.value) for v in event.metadata.values())
        assert set(ACCESSION.findall(text)) <= {event.partition}, (event.partition, text)
        if event.partition == new and event.asset_key == FACTS:
            assert event.metadata["dagster/row_count"].value > 1000
            assert event.metadata["source_sha256"].value == lake.catalog()[new]["sha256"]
            assert event.metadata["parser_version"].value == datasets.PARSER_VERSION
    with read_connection(lake.settings.warehouse_path) as con:
        (loaded,) = con.execute(
            "SELECT count(DISTINCT accession_number) FROM raw.line_items"
        ).fetchone()
    assert loaded == len(keys)


def test_a_parser_version_bump_reparses_everything(lake, monkeypatch):
    keys = lake.partitions()
    before = snapshot(lake.settings)
    monkeypatch.setattr(datasets, "PARSER_VERSION", "bumped-for-test")
    result = lake.parse()
    assert result.success, step_failures(result)
    bumped = snapshot(lake.settings)
    assert rewritten(before, bumped) == set(keys)
    assert counts(result) == {"parsed": len(keys), "unchanged": 0, "failed": 0}
    for path in bumped:
        assert read_filing_metadata(Path(path))["parser_version"] == "bumped-for-test"

    monkeypatch.undo()  # back to the real version: everything is re-parsed again
    again = lake.parse()
    assert counts(again) == {"parsed": len(keys), "unchanged": 0, "failed": 0}
    assert rewritten(bumped, snapshot(lake.settings)) == set(keys)


def test_a_run_with_enough_filings_parses_them_in_a_pool_of_processes(lake, monkeypatch):
    """The same files, outcomes and catalog record as one process, and the step says so."""
    keys = lake.partitions()
    monkeypatch.setattr(fan_out, "POOL_FROM", 2)  # the corpus is smaller than the real bar
    before = snapshot(lake.settings)
    pooled = replace(lake.settings, parse_workers=2)
    result = lake.parse({**all_partitions_tags(keys), REPARSE_TAG: "true"}, settings=pooled)
    assert result.success, step_failures(result)
    assert counts(result) == {"parsed": len(keys), "unchanged": 0, "failed": 0}
    after = snapshot(lake.settings)
    assert rewritten(before, after) == set(keys)
    assert {path: sha for path, (_, _, sha) in after.items()} == {
        path: sha for path, (_, _, sha) in before.items()
    }  # byte for byte what one process wrote
    logs = [entry.user_message or "" for entry in lake.instance.all_logs(result.run_id)]
    assert f"parsing {len(keys)} filings in 2 processes" in logs


REPARSE_CONFIG = {"ops": {"parsed_filings": {"config": {"reparse": True}}}}


@pytest.mark.parametrize(
    ("tags", "run_config"),
    [({REPARSE_TAG: "true"}, None), ({BACKFILL_TAG: "testbackfill"}, None), ({}, REPARSE_CONFIG)],
    ids=["reparse-tag", "backfill-tag", "run-config"],
)
def test_a_forced_run_reparses_every_filing_of_its_range_and_only_it(lake, tags, run_config):
    keys = lake.partitions()
    first, last = keys[1], keys[3]
    before = snapshot(lake.settings)
    result = lake.parse({**partition_range_tags(first, last), **tags}, run_config)
    assert result.success, step_failures(result)
    assert rewritten(before, snapshot(lake.settings)) == set(keys[1:4])
    assert outcomes(result) == dict.fromkeys(keys[1:4], "parsed")
    assert counts(result) == {"parsed": 3, "unchanged": 0, "failed": 0}


def test_the_run_tags_that_force_work():
    assert reparse_forced({BACKFILL_TAG: "abc"})
    assert reparse_forced({REPARSE_TAG: "true"}) and reparse_forced({REPARSE_TAG: "TRUE"})
    assert not reparse_forced({REPARSE_TAG: "false"}) and not reparse_forced({})
    assert rebuild_forced({REBUILD_TAG: "true"}) and not rebuild_forced({REPARSE_TAG: "true"})


def test_a_filing_downloaded_again_with_a_new_sha256_is_reparsed_alone(lake):
    catalog = lake.catalog()
    target = next(r for r in catalog.values() if r["ticker"] == "WMT")
    accession, landed = target["accession_number"], Path(target["path"])
    fact = re.search(rb"(<ix:nonFraction\b[^>]*>)(\d)([\d,]*<)", landed.read_bytes())
    assert fact, "no numeric fact in the filing"
    digit = b"8" if fact[2] == b"9" else b"9"
    # EDGAR now serves a new version of the filing (one fact's value differs); the landed
    # copy is gone, so the next sync downloads it with a new sha256.
    fault = lake.standin.faults.add(
        f"{accession}.txt",
        "replace",
        times=None,
        old=fact[0],
        new=fact[1] + digit + fact[3],
    )
    try:
        shutil.rmtree(landed.parent)
        lake.sync()
    finally:
        lake.standin.faults.remove(fault)
    new_sha = lake.catalog()[accession]["sha256"]
    assert new_sha != target["sha256"]

    before = snapshot(lake.settings)
    result = lake.parse()
    assert result.success, step_failures(result)
    assert rewritten(before, snapshot(lake.settings)) == {accession}
    for path in files_of(lake.settings, accession, "WMT"):
        assert read_filing_metadata(Path(path))["source_sha256"] == new_sha
    assert counts(result)["parsed"] == 1


def test_a_filing_that_failed_to_parse_is_retried_on_the_next_run(lake, monkeypatch):
    keys = lake.partitions()
    victim = keys[0]
    real_write = datasets.lake.write_tables

    def failing_write(files):
        if any(victim in str(path) for _, path, _ in files):
            raise OSError(f"injected failure writing {victim}")
        return real_write(files)

    # A forced re-parse of the victim fails: its files (still current) stay, and the
    # catalog says parse_failed.
    before = snapshot(lake.settings)
    monkeypatch.setattr(datasets.lake, "write_tables", failing_write)
    result = lake.parse({**partition_range_tags(victim, victim), REPARSE_TAG: "true"})
    monkeypatch.undo()
    assert step_failures(result) == []
    count, rows = failed_checks(result)["xbrl/facts/every_filing_parsed"]
    assert count == 1 and victim in rows and "injected failure" in rows
    assert outcomes(result) == {victim: "failed"}
    assert snapshot(lake.settings) == before
    assert lake.catalog()[victim]["status"] == "parse_failed"

    # The next ordinary run parses it again (and only it), and the catalog says landed.
    again = lake.parse()
    assert again.success, step_failures(again)
    assert rewritten(before, snapshot(lake.settings)) == {victim}
    assert counts(again) == {"parsed": 1, "unchanged": len(keys) - 1, "failed": 0}
    assert lake.catalog()[victim]["status"] == "landed"
    assert summary_lines(lake.instance, again) == [
        f"parsed 1, unchanged {len(keys) - 1}, failed 0 (of {len(keys)} filings)"
    ]


def test_the_cli_run_parses_nothing_unchanged_and_rebuild_reparses_everything(corpus, tmp_path):
    """`edgar-pipeline run` twice writes Parquet once; `run --rebuild` rewrites all of it
    and rebuilds the same warehouse from the lake."""
    data_dir = tmp_path / "data"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("EDGAR_", "DAGSTER_"))},
        "EDGAR_DATA_DIR": str(data_dir),
        "EDGAR_MIRROR": str(corpus),
        "EDGAR_COMPANIES": ",".join(TEST_COMPANIES),
    }
    settings = make_settings(tmp_path)

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", "run", *args],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout + done.stderr

    run()
    first = snapshot(settings)
    with read_connection(settings.warehouse_path) as con:
        facts_first = con.execute("SELECT count(*), sum(value) FROM raw.facts").fetchone()
    keys = {ACCESSION.search(Path(p).name)[0] for p in first}

    again = run()
    assert snapshot(settings) == first
    # the run covers only what changed: nothing, so one partition, unchanged
    assert f"parsing what changed (0 of {len(keys)} filings)" in again
    assert "parsed 0, unchanged 1, failed 0 (of 1 filings)" in again

    rebuilt = run("--rebuild")
    assert f"parsed {len(keys)}, unchanged 0, failed 0" in rebuilt
    assert rewritten(first, snapshot(settings)) == keys
    with read_connection(settings.warehouse_path) as con:
        assert con.execute("SELECT count(*), sum(value) FROM raw.facts").fetchone() == facts_first
