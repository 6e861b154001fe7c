"""The XBRL assets on real filings: per-filing partitions, replacement, and bad input."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from dagster import DagsterInstance

from assets.partitions import FILINGS
from pipeline.automation.partition_ranges import (
    REPARSE_TAG,
    all_partitions_tags,
    partition_range_tags,
)
from pipeline.definitions import MAIN_JOB, SYNC_JOB, build_definitions
from pipeline.xbrl.datasets import filing_file
from tests.conftest import (
    execute_job,
    failed_checks,
    filing_order,
    make_settings,
    step_failures,
)

AMZN_FY2024 = "0001018724-25-000004"
WMT_FY2025 = "0000104169-25-000021"


@pytest.fixture
def synced(standin, tmp_path):
    """Filings downloaded through the stand-in, catalogued and registered as partitions."""
    settings = make_settings(tmp_path)
    defs = build_definitions(settings)
    instance = DagsterInstance.ephemeral()
    result = execute_job(defs, SYNC_JOB, instance)
    assert result.success, step_failures(result)
    return settings, defs, instance


def _line_item(settings, ticker, accession, item, start, end):
    rows = pq.read_table(filing_file(settings.line_items_dir, ticker, accession)).to_pylist()
    found = [
        r
        for r in rows
        if r["line_item"] == item
        and str(r["period_start"]) == start
        and str(r["period_end"]) == end
    ]
    assert len(found) == 1, found
    return found[0]["value"]


def test_partitions_are_registered_in_filing_date_order(synced, tracked_rows):
    _, _, instance = synced
    keys = instance.get_dynamic_partitions(FILINGS.name)
    expected = [r["accession_number"] for r in sorted(tracked_rows, key=filing_order)]
    assert keys == expected


def test_one_filing_is_parsed_on_its_own(synced):
    settings, defs, instance = synced
    result = execute_job(defs, MAIN_JOB, instance, partition_range_tags(WMT_FY2025, WMT_FY2025))
    assert result.success, step_failures(result)
    files = sorted(p.name for p in settings.facts_dir.rglob("*.parquet"))
    assert files == [f"{WMT_FY2025}.parquet"]
    # Walmart FY2025 (Feb 2024 - Jan 2025): total revenues and capex, from its 10-K.
    assert _line_item(
        settings, "WMT", WMT_FY2025, "revenue", "2024-02-01", "2025-01-31"
    ) == Decimal("680985000000")
    assert _line_item(settings, "WMT", WMT_FY2025, "capex", "2024-02-01", "2025-01-31") == Decimal(
        "23783000000"
    )


def test_reparsing_replaces_a_filings_rows(synced):
    settings, defs, instance = synced
    tags = partition_range_tags(AMZN_FY2024, AMZN_FY2024)
    assert execute_job(defs, MAIN_JOB, instance, tags).success
    path = filing_file(settings.facts_dir, "AMZN", AMZN_FY2024)
    first, inode = pq.read_table(path), path.stat().st_ino
    # Unchanged filings are skipped; edgar/reparse=true forces the re-parse.
    assert execute_job(defs, MAIN_JOB, instance, {**tags, REPARSE_TAG: "true"}).success
    assert path.stat().st_ino != inode  # a new file, renamed over the old one
    again = pq.read_table(path)
    assert again.num_rows == first.num_rows > 1000
    assert again.equals(first)


def test_a_bad_filing_is_named_and_the_others_still_land(standin, synced):
    settings, defs, instance = synced
    keys = instance.get_dynamic_partitions(FILINGS.name)
    assert execute_job(defs, MAIN_JOB, instance, all_partitions_tags(keys)).success
    good_before = pq.read_table(filing_file(settings.facts_dir, "WMT", WMT_FY2025))

    # EDGAR now serves one filing damaged (its facts name a context that does not exist),
    # and the landed copy is gone, so the run downloads the damaged one. (A landed file
    # changed on disk would be noticed and downloaded again, so it cannot stand in here.)
    catalog = {r["accession_number"]: r for r in pq.read_table(settings.catalog_path).to_pylist()}
    landed = Path(catalog[AMZN_FY2024]["path"])
    context = re.search(rb'<ix:nonFraction\b[^>]*?(contextRef="[^"]+")', landed.read_bytes())
    assert context, "no numeric fact in the filing"
    standin.faults.add(
        f"{AMZN_FY2024}.txt", "replace", times=None, old=context[1], new=b'contextRef="c-none"'
    )
    shutil.rmtree(landed.parent)
    previous_bad = pq.read_table(filing_file(settings.facts_dir, "AMZN", AMZN_FY2024))
    for path in settings.facts_dir.rglob("*.parquet"):
        if AMZN_FY2024 not in path.name:
            path.unlink()

    result = execute_job(defs, MAIN_JOB, instance, all_partitions_tags(keys))
    # No step fails; the parse check (ERROR severity) names the bad filing, and only it.
    # Its Parquet files still hold the previous version's facts, which no longer match the
    # landed source: the load keeps the rows already loaded and its file check names them.
    assert step_failures(result) == []
    failures = failed_checks(result)
    assert sorted(failures) == [
        "warehouse/raw_facts/parquet_files_verified",
        "xbrl/facts/every_filing_parsed",
    ], failures
    count, rows = failures["xbrl/facts/every_filing_parsed"]
    assert count == 1 and AMZN_FY2024 in rows and "c-none" in rows, rows
    count, rows = failures["warehouse/raw_facts/parquet_files_verified"]
    assert count == 2 and rows.count(AMZN_FY2024) == 2, rows  # its facts and line items
    # Every other filing landed again; the bad one's previous rows were not lost.
    assert len(list(settings.facts_dir.rglob("*.parquet"))) == len(keys)
    assert pq.read_table(filing_file(settings.facts_dir, "WMT", WMT_FY2025)).equals(good_before)
    assert pq.read_table(filing_file(settings.facts_dir, "AMZN", AMZN_FY2024)).equals(previous_bad)


def test_a_filing_without_xbrl_is_recorded_with_no_facts(standin, tmp_path):
    """A 10-K filed before XBRL was required is not an error: it lands with no facts."""
    standin.add_filing(
        {
            "ticker": "AMZN",
            "cik": "0001018724",
            "company": "AMAZON COM INC",
            "fiscal_year_end": "1231",
            "form": "10-K",
            "accession_number": "0001193125-09-014406",
            "filing_date": "2009-01-30",
            "report_date": "2008-12-31",
            "primary_document": "d10k.htm",
            "xbrl_format": "",
            "files": "d10k.htm",
        },
        files={"d10k.htm": b"<html><body><p>Annual report for 2008</p></body></html>"},
    )
    settings = make_settings(tmp_path)
    defs = build_definitions(settings)
    instance = DagsterInstance.ephemeral()
    assert execute_job(defs, SYNC_JOB, instance).success
    keys = instance.get_dynamic_partitions(FILINGS.name)
    assert keys[0] == "0001193125-09-014406"  # the oldest filing comes first

    result = execute_job(defs, MAIN_JOB, instance, all_partitions_tags(keys))
    assert result.success, step_failures(result)
    empty = pq.read_table(filing_file(settings.facts_dir, "AMZN", "0001193125-09-014406"))
    assert empty.num_rows == 0
    facts = result.asset_materializations_for_node("parsed_filings")[0]
    assert facts.metadata["filings_without_xbrl"].value == ["0001193125-09-014406"]
