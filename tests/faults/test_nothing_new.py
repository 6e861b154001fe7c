"""A run with nothing new does no per-filing file work; taking in one filing writes its alone.

Real filings through the EDGAR stand-in, run in process as ``edgar-pipeline run`` does (the
sync job, then the parse-and-load job over every filing partition). The kernel reports each
open and write under the watched folders (inotify, read through watchdog, which Dagster
depends on), so pyarrow's and DuckDB's opens count as well as Python's. One lake per
module, built with one filing withheld from the mirror; every test leaves every filing
current, so they run in any order.
"""

from __future__ import annotations

import os
import select
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from dagster import AssetKey, DagsterInstance
from lxml import etree
from watchdog.observers.inotify_c import Inotify, InotifyConstants

from assets.partitions import FILINGS
from pipeline.automation.partition_ranges import all_partitions_tags
from pipeline.config import Settings
from pipeline.definitions import BUILD_JOB, SYNC_JOB, build_definitions
from pipeline.edgar.landing import GENERATION_FILE, MANIFEST_FILE, SUBMISSION_FILE
from pipeline.edgar.standin import EdgarStandIn
from pipeline.warehouse import read_connection
from pipeline.xbrl import datasets
from pipeline.xbrl.datasets import DATASETS, dataset_dir, filing_file
from tests.conftest import execute_job, make_settings, newest, step_failures

FACTS = AssetKey(["xbrl", "facts"])
# What the kernel reports: an open, and every kind of change to a file.
WATCHED = (
    InotifyConstants.IN_OPEN
    | InotifyConstants.IN_CREATE
    | InotifyConstants.IN_MODIFY
    | InotifyConstants.IN_CLOSE_WRITE
    | InotifyConstants.IN_MOVED_FROM
    | InotifyConstants.IN_MOVED_TO
    | InotifyConstants.IN_DELETE
    | InotifyConstants.IN_ATTRIB
)
# The revenue concepts, in the order line_items.toml tries them for total revenue.
REVENUE = ("us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax", "us-gaap:Revenues")


@dataclass
class Touched:
    """Files (not folders) opened (how many times), and files created, written, renamed,
    deleted or touched."""

    opened: Counter[Path] = field(default_factory=Counter)
    written: set[Path] = field(default_factory=set)


@contextmanager
def watching(*folders: Path) -> Iterator[Touched]:
    """What happened to the files under ``folders`` (recursively) inside the block."""
    watches = [Inotify(os.fsencode(f), recursive=True, event_mask=WATCHED) for f in folders]
    touched = Touched()
    try:
        yield touched
    finally:
        for watch in watches:
            while select.select([watch.fd], [], [], 0)[0]:
                for event in watch.read_events():
                    if event.is_directory or event.is_ignored:
                        continue
                    path = Path(os.fsdecode(event.src_path))
                    if event.is_open:
                        touched.opened[path] += 1
                    else:
                        touched.written.add(path)
            watch.close()


@dataclass
class Lake:
    """The shared state: stand-in, settings, definitions, Dagster instance, withheld filing."""

    standin: EdgarStandIn
    settings: Settings
    defs: object
    instance: DagsterInstance
    withheld: dict[str, str]  # its filings.csv row

    def partitions(self) -> list[str]:
        return self.instance.get_dynamic_partitions(FILINGS.name)

    def run(self):
        """As ``edgar-pipeline run``: sync, then parse and load every filing partition."""
        synced = execute_job(self.defs, SYNC_JOB, self.instance)
        assert synced.success, step_failures(synced)
        result = execute_job(
            self.defs, BUILD_JOB, self.instance, all_partitions_tags(self.partitions())
        )
        assert result.success, step_failures(result)
        return result

    def parquet_folders(self) -> list[Path]:
        return [dataset_dir(self.settings, d) for d in DATASETS]

    def watched(self) -> list[Path]:
        """The per-filing Parquet folders and the landed filings' folder."""
        return [*self.parquet_folders(), self.settings.landing_dir / "sec-edgar-filings"]

    def catalog(self) -> dict[str, dict]:
        return datasets.read_catalog(self.settings)


def parquet_files(lake: Lake) -> dict[Path, tuple[int, int]]:
    """Every per-filing Parquet file: (inode, mtime ns)."""
    return {
        path: (path.stat().st_ino, path.stat().st_mtime_ns)
        for folder in lake.parquet_folders()
        for path in folder.rglob("*.parquet")
    }


def files_of(lake: Lake, ticker: str, accession: str) -> set[Path]:
    return {filing_file(dataset_dir(lake.settings, d), ticker, accession) for d in DATASETS}


def parse_counts(result) -> dict[str, int]:
    """The parse step's run-wide parsed/unchanged/failed counts."""
    event = result.asset_materializations_for_node("parsed_filings")[0]
    return event.metadata["filing_counts"].value


def catalog_file(lake: Lake) -> tuple[int, int]:
    stat = lake.settings.catalog_path.stat()
    return stat.st_ino, stat.st_mtime_ns


def under(paths: set[Path], folders: list[Path]) -> set[Path]:
    return {p for p in paths if any(p.is_relative_to(f) for f in folders)}


@pytest.fixture(scope="module")
def lake(corpus, tracked_rows, tmp_path_factory) -> Iterator[Lake]:
    """Every tracked filing but one landed, parsed and loaded by one run.

    The withheld filing is the newest tracked one stored as a classic XBRL instance, whose
    values the tests read straight from the document.
    """
    instances = [r for r in tracked_rows if r["xbrl_format"] == "instance"]
    if not instances:
        pytest.fail("filings.csv has no XBRL instance filing of the tracked companies")
    withheld = newest(instances)
    with (
        EdgarStandIn(corpus, exclude_accessions={withheld["accession_number"]}) as server,
        pytest.MonkeyPatch.context() as env,
    ):
        for key, value in server.client_env().items():
            env.setenv(key, value)
        settings = make_settings(tmp_path_factory.mktemp("nothing-new"))
        defs = build_definitions(settings)
        lake = Lake(server, settings, defs, DagsterInstance.ephemeral(), withheld)
        lake.run()
        yield lake


def test_a_run_with_nothing_new_opens_and_writes_no_per_filing_file(lake):
    keys = lake.partitions()
    files, catalog = parquet_files(lake), catalog_file(lake)
    assert len(files) == len(DATASETS) * len(keys)

    with watching(*lake.watched()) as touched:
        result = lake.run()

    assert parse_counts(result) == {"parsed": 0, "unchanged": len(keys), "failed": 0}
    folders = lake.parquet_folders()
    assert under(set(touched.opened), folders) == set()
    assert under(touched.written, folders) == set()
    assert parquet_files(lake) == files
    assert catalog_file(lake) == catalog  # not rewritten: same inode, same mtime
    # The landed filings are neither re-hashed nor re-read, and no manifest is rewritten:
    # the download step reads each manifest once (its file's recorded stat), the catalog
    # none (nothing landed since it was built).
    assert {p for p in touched.opened if p.name == SUBMISSION_FILE} == set()
    assert touched.written == set()
    manifests = {p: n for p, n in touched.opened.items() if p.name == MANIFEST_FILE}
    assert len(manifests) == len(keys) and set(manifests.values()) == {1}
    assert {p.name for p in touched.opened} <= {MANIFEST_FILE, GENERATION_FILE}


def revenue_in_document(corpus: Path, row: dict[str, str]) -> tuple[str, dict[str, Decimal]]:
    """The filing's revenue facts as its XBRL instance states them: (concept, {context: value})."""
    (instance,) = [f for f in row["files"].split(";") if f.endswith("_htm.xml")]
    root = etree.parse(corpus / row["ticker"] / row["accession_number"] / instance).getroot()
    for concept in REVENUE:
        prefix, name = concept.split(":")
        values = {
            e.get("contextRef"): Decimal(e.text.strip())
            for e in root
            if isinstance(e.tag, str)
            and e.prefix == prefix
            and etree.QName(e).localname == name
            and (e.text or "").strip()
        }
        if values:
            return concept, values
    pytest.fail(f"{instance} states none of {REVENUE}")


def test_taking_in_a_withheld_filing_writes_its_two_files_alone(lake, corpus):
    new, ticker = lake.withheld["accession_number"], lake.withheld["ticker"]
    assert new not in lake.partitions()
    before = parquet_files(lake)
    lake.standin.publish(new)

    with watching(*lake.parquet_folders()) as touched:
        result = lake.run()

    keys = lake.partitions()
    assert new in keys
    assert parse_counts(result) == {"parsed": 1, "unchanged": len(keys) - 1, "failed": 0}
    after = parquet_files(lake)
    mine = files_of(lake, ticker, new)
    assert set(after) - set(before) == mine
    assert {p: s for p, s in after.items() if p not in mine} == before  # same inode and mtime
    assert {p for p in touched.written if not p.name.startswith(".")} == mine
    assert all(new in p.name for p in touched.written)  # temporary files included

    concept, stated = revenue_in_document(corpus, lake.withheld)
    with read_connection(lake.settings.warehouse_path) as con:
        loaded = dict(
            con.execute(
                "SELECT context_id, value FROM raw.facts "
                "WHERE accession_number = ? AND concept = ? AND value IS NOT NULL",
                [new, concept],
            ).fetchall()
        )
    assert loaded == stated  # every revenue fact of the filing, exact to the dollar


def test_a_parser_version_bump_reparses_every_filing_and_is_recorded(lake, monkeypatch):
    keys = lake.partitions()
    before = parquet_files(lake)
    monkeypatch.setattr(datasets, "PARSER_VERSION", "bumped-for-test")
    result = lake.run()
    assert parse_counts(result) == {"parsed": len(keys), "unchanged": 0, "failed": 0}
    bumped = parquet_files(lake)
    assert set(bumped) == set(before)
    assert all(bumped[p][0] != before[p][0] for p in before)  # each file replaced
    records = {
        (r["parsed_sha256"] == r["sha256"], r["parser_version"]) for r in lake.catalog().values()
    }
    assert records == {(True, "bumped-for-test")}

    monkeypatch.undo()  # the real version again: every filing is re-parsed once more
    again = lake.run()
    assert parse_counts(again) == {"parsed": len(keys), "unchanged": 0, "failed": 0}
    records = {
        (r["parsed_sha256"] == r["sha256"], r["parser_version"]) for r in lake.catalog().values()
    }
    assert records == {(True, datasets.PARSER_VERSION)}


def test_a_catalog_without_parse_records_is_checked_by_footers_once(lake):
    keys = lake.partitions()
    path = lake.settings.catalog_path
    old = pq.read_table(path).drop_columns(["parsed_sha256", "parser_version"])
    pq.write_table(old, path)  # as written before the catalog kept parse records
    files = parquet_files(lake)

    with watching(*lake.parquet_folders()) as touched:
        result = lake.run()
    assert parse_counts(result) == {"parsed": 0, "unchanged": len(keys), "failed": 0}
    assert touched.written == set() and parquet_files(lake) == files
    assert set(touched.opened) == set(files)  # each footer read, this once
    catalog = lake.catalog()
    assert {(r["parsed_sha256"], r["parser_version"]) for r in catalog.values()} == {
        (r["sha256"], datasets.PARSER_VERSION) for r in catalog.values()
    }
    assert set(pq.read_schema(path).names) >= {"parsed_sha256", "parser_version"}

    with watching(*lake.parquet_folders()) as touched:
        lake.run()
    assert not touched.opened and not touched.written
