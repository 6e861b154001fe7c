"""Turn one downloaded filing into its Parquet files: all numeric facts, and its line items.

Each filing has one file per dataset (``<dataset>/ticker=<T>/<accession>.parquet``), so
re-parsing a filing replaces exactly its rows, and a filing that fails leaves its
previous files (and every other filing's) untouched. The landed file is verified against
its catalog row (size and sha256 recorded at landing) before it is parsed, and every
Parquet file says in its key-value metadata what it is and what it was parsed from
(accession, source sha256 and size, parser version), so the warehouse load can verify it
against the catalog. The catalog records the same (``parsed_sha256``, ``parser_version``)
once a filing is parsed, so the parse step skips a filing whose files are already current
from the catalog alone (:func:`current_by`), without opening them: a file is written once
per key and never rewritten in place. Files are read and written through :mod:`pipeline.lake`
(a local folder, or an object store).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa

from pipeline import lake
from pipeline.config import Settings
from pipeline.edgar.catalog import read_catalog_rows
from pipeline.lake import LakePath
from pipeline.xbrl import PARSER_VERSION, NoXbrlError, parse_facts
from pipeline.xbrl.line_items import resolve_line_items, with_filing_fields
from pipeline.xbrl.schema import FACT_SCHEMA, FILING_FACT_SCHEMA, FILING_FIELDS

log = logging.getLogger(__name__)

DATASETS = ("facts", "line_items")
# Catalog statuses whose accession may have Parquet files (a failed re-parse keeps the last).
PARSEABLE_STATUSES = ("landed", "parse_failed")
SOURCE_NAME = "full-submission.txt"


class IntegrityError(ValueError):
    """A landed file no longer matches the size and sha256 recorded when it landed."""


@dataclass(frozen=True)
class ParsedFiling:
    """What parsing one filing produced."""

    accession_number: str
    ticker: str
    facts: int
    line_items: int
    source_document: str
    source_format: str


def filing_label(filing: dict) -> str:
    """``TICKER FORM ACCESSION`` of a catalog row, for messages."""
    return f"{filing['ticker']} {filing['form']} {filing['accession_number']}"


def dataset_dir(settings: Settings, dataset: str) -> LakePath:
    """The folder (prefix) of a per-filing dataset (``facts`` or ``line_items``)."""
    return {"facts": settings.facts_dir, "line_items": settings.line_items_dir}[dataset]


def filing_file(dataset_dir: LakePath, ticker: str, accession: str) -> LakePath:
    """The Parquet file of one filing in a per-filing dataset; refused (``ValueError``) if it
    would leave the dataset's folder or key prefix (:func:`pipeline.lake.join`)."""
    return lake.join(
        dataset_dir, f"ticker={ticker}", f"{accession}.parquet", source="the filings catalog"
    )


# Whether a lake file exists: lake.is_file, or membership in one listing (present_files).
FileCheck = Callable[[LakePath], bool]


def present_files(settings: Settings) -> FileCheck:
    """How the parse step and ``status`` tell whether a filing's file exists.

    Locally a stat per file (:func:`pipeline.lake.is_file`). On an object store, one listing
    of each dataset's prefix, made now (a request per 1,000 files), instead of a request per
    file per run.
    """
    if settings.lake_is_local:
        return lake.is_file
    listed = {f for d in DATASETS for f in lake.list_files(dataset_dir(settings, d))}
    return listed.__contains__


def filing_metadata(dataset: str, filing: dict) -> dict[str, str]:
    """The key-value metadata written into a filing's Parquet file of ``dataset``."""
    return {
        "dataset": dataset,
        "ticker": filing["ticker"],
        "accession_number": filing["accession_number"],
        "source_sha256": filing["sha256"],
        "source_size_bytes": str(filing["size_bytes"]),
        "parser_version": PARSER_VERSION,
    }


def read_filing_metadata(path: LakePath) -> dict[str, str]:
    """The key-value metadata of a Parquet file (footer only); ``{}`` when it has none."""
    return lake.read_metadata(path)


def verify_filing_file(path: LakePath, dataset: str, filing: dict) -> str | None:
    """Why ``path`` is not the ``dataset`` file of the catalog row ``filing``; None if it is."""
    try:
        meta = read_filing_metadata(path)
    except (OSError, pa.ArrowException, UnicodeDecodeError) as exc:
        return f"not a readable Parquet file ({str(exc).splitlines()[0]})"
    accession, sha256 = filing["accession_number"], filing["sha256"]
    if meta.get("accession_number") != accession:
        found = meta.get("accession_number", "none recorded")
        return f"its metadata names accession {found}, not {accession}"
    if meta.get("dataset") != dataset:
        return f"its metadata names dataset {meta.get('dataset', 'none recorded')}, not {dataset}"
    if not sha256 or meta.get("source_sha256") != sha256:
        found = meta.get("source_sha256", "none recorded")[:12]
        return (
            f"parsed from a source with sha256 {found}, but the catalog records "
            f"{(sha256 or 'none')[:12]}"
        )
    return None


# How current_by knows a filing's Parquet files are current.
CURRENT_BY_CATALOG = "catalog"  # the catalog's parse record; no file opened
CURRENT_BY_FOOTERS = "footers"  # no record yet (older catalog): both footers read


def footers_are_current(settings: Settings, filing: dict) -> bool:
    """Whether both Parquet files' key-value metadata is what :func:`filing_metadata` would
    write now (dataset, ticker, accession, the catalog's sha256 and size, the running
    ``PARSER_VERSION``). Reads the two footers, never the landed file."""
    for dataset in DATASETS:
        path = filing_file(
            dataset_dir(settings, dataset), filing["ticker"], filing["accession_number"]
        )
        try:
            meta = read_filing_metadata(path)
        except (OSError, pa.ArrowException, UnicodeDecodeError):  # missing or unreadable
            return False
        if any(meta.get(k) != v for k, v in filing_metadata(dataset, filing).items()):
            return False
    return True


def current_by(settings: Settings, filing: dict, exists: FileCheck = lake.is_file) -> str | None:
    """How a catalog row's two Parquet files are known to be current; None to parse it.

    None unless the row is ``landed`` (a ``parse_failed`` filing is always retried) with a
    sha256 and both files exist (``exists``: a stat each, to notice a deleted file, or
    :func:`present_files`). Then
    :data:`CURRENT_BY_CATALOG` when the catalog records them parsed from this sha256 by the
    running ``PARSER_VERSION`` (``parsed_sha256``, ``parser_version``; no file is opened),
    None when it records anything else, and for a row without a record (a catalog written
    before it kept one) :data:`CURRENT_BY_FOOTERS` when :func:`footers_are_current`: the
    caller records that, so the next run opens nothing. Raises ``UnsafeIdentifierError``
    (a ValueError) for a path that would leave the dataset folder.
    """
    if filing.get("status") != "landed" or not filing.get("sha256"):
        return None
    ticker, accession = filing["ticker"], filing["accession_number"]
    if not all(exists(filing_file(dataset_dir(settings, d), ticker, accession)) for d in DATASETS):
        return None
    recorded = filing.get("parsed_sha256"), filing.get("parser_version")
    if recorded != (None, None):
        return CURRENT_BY_CATALOG if recorded == (filing["sha256"], PARSER_VERSION) else None
    return CURRENT_BY_FOOTERS if footers_are_current(settings, filing) else None


def read_landed(filing: dict) -> bytes:
    """The landed full-submission.txt of a catalog row, read once and verified.

    Raises :class:`IntegrityError` when it is missing or its size or sha256 differ from
    those recorded when it landed, and ``ValueError`` when the row was never downloaded.
    """
    label = filing_label(filing)
    if filing.get("status") == "download_failed" or not filing.get("path"):
        raise ValueError(f"{label}: not downloaded ({filing.get('error') or 'no landed file'})")
    try:
        data = Path(filing["path"]).read_bytes()
    except FileNotFoundError:
        raise IntegrityError(
            f"{label}: {SOURCE_NAME} is missing since it landed ({filing['path']}): not parsed; "
            "the next run downloads it again"
        ) from None
    recorded_sha, recorded_size = filing.get("sha256") or "", filing.get("size_bytes")
    sha256 = hashlib.sha256(data).hexdigest()
    if sha256 != recorded_sha or len(data) != recorded_size:
        raise IntegrityError(
            f"{label}: {SOURCE_NAME} changed since it landed (sha256 "
            f"{recorded_sha[:12] or 'none'} recorded, {sha256[:12]} now; size "
            f"{recorded_size} bytes recorded, {len(data)} now): not parsed; "
            "the next run downloads it again"
        )
    return data


def _with_filing_columns(facts: pa.Table, filing: dict) -> pa.Table:
    n = facts.num_rows
    arrays = [pa.array([filing[f.name]] * n, type=f.type) for f in FILING_FIELDS]
    arrays += [facts.column(name) for name in facts.column_names]
    return pa.Table.from_arrays(arrays, schema=FILING_FACT_SCHEMA)


def _named(exc: Exception) -> str:
    # parse_facts names bytes "<bytes>"; say which file they were.
    return str(exc).replace("<bytes>", SOURCE_NAME)


def parse_filing(settings: Settings, filing: dict) -> ParsedFiling:
    """Verify, parse and write the facts and line items of the filing of a catalog row.

    The landed file is read once and checked against the catalog (:func:`read_landed`);
    both Parquet files are replaced together, or neither is (on an object store each is one
    upload, whole or not: see :func:`pipeline.lake.write_tables`). A filing that carries no
    XBRL at all (filed before XBRL was required) is written as empty datasets, with
    ``source_format`` "none". Raises ``ValueError`` naming the filing when it cannot be
    parsed (:class:`IntegrityError` when it changed since it landed), and
    :class:`pipeline.parquet_io.DiskFullError` when the disk is full.
    """
    accession, ticker = filing["accession_number"], filing["ticker"]
    paths = {d: filing_file(dataset_dir(settings, d), ticker, accession) for d in DATASETS}
    data = read_landed(filing)
    try:
        facts = parse_facts(data)
    except NoXbrlError as exc:
        log.warning("%s has no XBRL; no facts recorded: %s", filing_label(filing), _named(exc))
        facts = FACT_SCHEMA.empty_table()
    except ValueError as exc:
        raise ValueError(f"{filing_label(filing)}: {_named(exc)}") from exc
    try:
        resolved = resolve_line_items(facts, ticker)
    except ValueError as exc:
        raise ValueError(f"{filing_label(filing)}: {exc}") from exc
    items = with_filing_fields(
        resolved,
        ticker=ticker,
        cik=filing["cik"],
        accession_number=accession,
        form=filing["form"],
        filing_date=filing["filing_date"],
    )
    lake.write_tables(
        [
            (_with_filing_columns(facts, filing), paths["facts"], filing_metadata("facts", filing)),
            (items, paths["line_items"], filing_metadata("line_items", filing)),
        ]
    )
    documents = facts.column("source_document").unique().to_pylist()
    formats = facts.column("source_format").unique().to_pylist() or ["none"]
    return ParsedFiling(
        accession_number=accession,
        ticker=ticker,
        facts=facts.num_rows,
        line_items=items.num_rows,
        source_document=", ".join(documents),
        source_format=", ".join(formats),
    )


def read_catalog(settings: Settings) -> dict[str, dict]:
    """The filings catalog keyed by accession number (empty if not built yet)."""
    return {row["accession_number"]: row for row in read_catalog_rows(settings.catalog_path)}


def filings_in_date_order(catalog: dict[str, dict]) -> list[str]:
    """Accession numbers sorted by filing date, then accession (the partition order)."""
    return [
        acc
        for acc, _ in sorted(
            catalog.items(), key=lambda kv: (kv[1]["filing_date"] or date.min, kv[0])
        )
    ]
