"""Load the Parquet datasets into the raw schema: only what is new, verified against the catalog.

``raw.filings`` mirrors the filings catalog (status and error included). For facts and
line items, ``raw.loaded_files`` records, per dataset and accession, the source sha256 and
parser version of the file its rows came from. A load stages only the catalog accessions
that may have a file (status ``landed`` or ``parse_failed``) whose catalog sha256 and the
running ``PARSER_VERSION`` are not recorded yet: a new filing, a changed source, a parser
upgrade. Each such file is read at the path the catalog gives
(:func:`pipeline.xbrl.datasets.filing_file`) only after its key-value metadata matches its
catalog row (accession, source sha256). A run with nothing new opens no file. Raw rows of
accessions no longer in the catalog are deleted; a catalog accession whose file is missing
or does not verify keeps the rows it already has.

A local lake is read by DuckDB itself (``read_parquet`` of the explicit file list). A lake
on an object store is read through :mod:`pipeline.lake` (pyarrow, its credentials) and
inserted from Arrow, in batches of :data:`REMOTE_BATCH` files: DuckDB needs no httpfs and no
credentials, and a snapshot stays self-contained.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from pipeline import lake
from pipeline.edgar.catalog import CATALOG_SCHEMA, read_catalog_rows
from pipeline.lake import LakePath
from pipeline.warehouse.connection import first_line
from pipeline.warehouse.inputs import ParquetInputs
from pipeline.warehouse.sql import SCHEMA, STAGING, run_sql_file, sql_literal
from pipeline.xbrl import PARSER_VERSION
from pipeline.xbrl.datasets import (
    DATASETS,
    PARSEABLE_STATUSES,
    filing_file,
    read_filing_metadata,
    verify_filing_file,
)

log = logging.getLogger(__name__)

StepHook = Callable[[str, duckdb.DuckDBPyConnection], None]

RAW_TABLES = ("raw.filings", "raw.facts", "raw.line_items", "raw.loaded_files")
# Files of a lake on an object store read into memory and inserted at a time.
REMOTE_BATCH = 64


def _noop(_step: str, _con: duckdb.DuckDBPyConnection) -> None:
    return None


@dataclass(frozen=True)
class SkippedFile:
    """A per-filing Parquet file the catalog names that the load did not stage, and why."""

    dataset: str
    accession_number: str
    path: str
    reason: str

    def line(self) -> str:
        """One line for logs and run summaries."""
        return (
            f"{self.dataset} file of {self.accession_number} not loaded ({self.path}): "
            f"{self.reason}; the rows already loaded for it are kept"
        )


@dataclass(frozen=True)
class RawLoad:
    """What the raw load did: accessions staged per dataset, and files not staged.

    ``rejected`` files exist but did not verify against the catalog; ``missing`` files do
    not exist (a filing not parsed yet, or whose parse failed before it ever succeeded).
    ``raw_load[dataset]`` is ``staged[dataset]``.
    """

    staged: dict[str, int]
    rejected: tuple[SkippedFile, ...] = ()
    missing: tuple[SkippedFile, ...] = field(default=(), repr=False)

    def __getitem__(self, dataset: str) -> int:
        return self.staged[dataset]


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw, core and marts schemas and the raw tables if absent."""
    for name in SCHEMA:
        run_sql_file(con, name)


def read_catalog_table(catalog_path: LakePath) -> pa.Table:
    """The catalog as Arrow, through the catalog's own reader (old catalogs read as landed;
    a damaged one is one line, :class:`~pipeline.edgar.catalog.CatalogUnreadableError`)."""
    return pa.Table.from_pylist(read_catalog_rows(catalog_path), schema=CATALOG_SCHEMA)


@dataclass(frozen=True)
class StagedFile:
    """A verified per-filing file to load, and the key its rows are recorded under."""

    path: str  # as recorded in raw.loaded_files (an object store URI without its query)
    accession_number: str
    source_sha256: str
    parser_version: str
    location: LakePath


def _files_to_stage(
    con: duckdb.DuckDBPyConnection, dataset: str, dataset_dir: LakePath
) -> tuple[list[StagedFile], list[SkippedFile], list[SkippedFile]]:
    """(verified files, rejected, missing) of the staged catalog's new or changed accessions.

    Each file is read whole once before it is staged, so a damaged one is rejected by name
    rather than failing the load.
    """
    rows = _candidates(con, dataset)
    files: list[StagedFile] = []
    rejected: list[SkippedFile] = []
    missing: list[SkippedFile] = []
    for ticker, accession, sha256 in rows:
        try:
            path = filing_file(dataset_dir, ticker, accession)
        except ValueError as exc:  # UnsafeIdentifierError: the path would leave the folder
            rejected.append(SkippedFile(dataset, accession, str(dataset_dir), str(exc)))
            continue
        if not lake.is_file(path):
            missing.append(SkippedFile(dataset, accession, str(path), "no such file"))
            continue
        filing = {"accession_number": accession, "sha256": sha256}
        reason = verify_filing_file(path, dataset, filing) or _unreadable(path)
        if reason is None:
            version = read_filing_metadata(path).get("parser_version", "")
            files.append(StagedFile(str(path), accession, sha256, version, path))
        else:
            rejected.append(SkippedFile(dataset, accession, str(path), reason))
    return files, rejected, missing


def _candidates(con: duckdb.DuckDBPyConnection, dataset: str) -> list[tuple[str, str, str]]:
    """(ticker, accession, sha256) of stage_catalog accessions new or changed for ``dataset``.

    An accession is new or changed when ``raw.loaded_files`` has no row for it with the
    source sha256 and parser version its current Parquet files were written from: the
    catalog's parse record (``parsed_sha256``, ``parser_version``: kept for a filing whose
    re-parse failed, whose old files stay), else its landed sha256 and the running
    ``PARSER_VERSION``. So a filing that keeps failing is not read again on every load.
    """
    return con.execute(
        "SELECT c.ticker, c.accession_number, c.sha256 FROM stage_catalog AS c "
        "WHERE c.status IN (SELECT unnest(?::VARCHAR[])) AND NOT EXISTS ("
        "  SELECT 1 FROM raw.loaded_files AS l WHERE l.dataset = ? "
        "  AND l.accession_number = c.accession_number "
        "  AND l.source_sha256 = coalesce(c.parsed_sha256, c.sha256) "
        "  AND l.parser_version = coalesce(c.parser_version, ?)) "
        "ORDER BY c.accession_number",
        [list(PARSEABLE_STATUSES), dataset, PARSER_VERSION],
    ).fetchall()


def _unreadable(location: LakePath) -> str | None:
    """Why a Parquet file cannot be read whole (a damaged page), or None."""
    try:
        lake.read_table(location)
    except (OSError, pa.ArrowException) as exc:
        return f"cannot be read ({first_line(exc)})"
    return None


def _stage_catalog(con: duckdb.DuckDBPyConnection, inputs: ParquetInputs) -> None:
    """The catalog as the temp table stage_catalog (one row per accession)."""
    con.register("catalog_arrow", read_catalog_table(inputs.catalog_path))
    run_sql_file(con, STAGING["catalog_stage"])  # on error the caller discards the connection
    con.unregister("catalog_arrow")


FILINGS_COLUMNS = (
    "ticker, cik, accession_number, form, is_amendment, filing_date, period_of_report, "
    "fiscal_year_end, path, size_bytes, sha256, status, error"
)


def nothing_to_load(con: duckdb.DuckDBPyConnection, inputs: ParquetInputs) -> bool:
    """Whether a load into the snapshot behind ``con`` (read-only is enough) would change
    nothing: the catalog equals ``raw.filings`` row for row and no file is new or changed.
    Reads the catalog only, never a per-filing file."""
    if not inputs.catalog_present():
        return True
    _stage_catalog(con, inputs)
    try:
        (differing,) = con.execute(
            f"SELECT count(*) FROM ((SELECT {FILINGS_COLUMNS} FROM stage_catalog EXCEPT ALL "
            f"SELECT {FILINGS_COLUMNS} FROM raw.filings) UNION ALL (SELECT {FILINGS_COLUMNS} "
            f"FROM raw.filings EXCEPT ALL SELECT {FILINGS_COLUMNS} FROM stage_catalog))"
        ).fetchone()
        return differing == 0 and not any(_candidates(con, d) for d in DATASETS)
    finally:
        con.execute("DROP TABLE stage_catalog")


def _record_loaded(con: duckdb.DuckDBPyConnection, dataset: str, files: list[StagedFile]) -> None:
    """Replace ``raw.loaded_files`` rows of the staged accessions; drop those of the gone."""
    con.execute(
        "DELETE FROM raw.loaded_files WHERE dataset = ? AND (accession_number NOT IN "
        "(SELECT accession_number FROM stage_catalog) OR accession_number IN "
        "(SELECT unnest(?::VARCHAR[])))",
        [dataset, [f.accession_number for f in files]],
    )
    if not files:
        return
    con.executemany(
        "INSERT INTO raw.loaded_files VALUES (?, ?, ?, ?, ?, current_timestamp)",
        [(dataset, f.accession_number, f.source_sha256, f.parser_version, f.path) for f in files],
    )


def _batches(files: list[StagedFile]) -> Iterator[list[StagedFile]]:
    """``files`` in one batch when DuckDB reads them itself (local; an empty list too, so
    the staging SQL still drops accessions gone from the catalog), else REMOTE_BATCH each."""
    if all(lake.is_local(f.location) for f in files):
        yield files
        return
    for start in range(0, len(files), REMOTE_BATCH):
        yield files[start : start + REMOTE_BATCH]


def _stage_files(
    con: duckdb.DuckDBPyConnection, view: str, table: str, files: list[StagedFile]
) -> None:
    """A temp view over exactly ``files`` (an explicit list, never a glob).

    Local files are read by DuckDB; files on an object store are read with pyarrow
    (:func:`pipeline.lake.read_table`) and registered as ``<view>_arrow``
    (:func:`_unstage` drops both).
    """
    if not files:  # nothing to replace: an empty view with the raw table's columns
        con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {table} LIMIT 0")
        return
    if not all(lake.is_local(f.location) for f in files):
        tables = [lake.read_table(f.location) for f in files]
        con.register(f"{view}_arrow", pa.concat_tables(tables, promote_options="permissive"))
        con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {view}_arrow")
        return
    listed = ", ".join(sql_literal(f.path) for f in files)
    # hive_partitioning=false: ticker is a column inside each file as well as in the path.
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM read_parquet([{listed}], "
        "hive_partitioning = false, union_by_name = true)"
    )


def _unstage(con: duckdb.DuckDBPyConnection, view: str) -> None:
    """Drop the view :func:`_stage_files` made (and the Arrow table behind it, if any)."""
    con.execute(f"DROP VIEW {view}")
    con.unregister(f"{view}_arrow")  # a no-op when nothing was registered


def load_raw(
    con: duckdb.DuckDBPyConnection,
    inputs: ParquetInputs,
    *,
    full_refresh: bool = False,
    on_step: StepHook = _noop,
) -> RawLoad:
    """Load the catalog and the new or changed per-filing files it names (see module doc).

    Without a catalog nothing is named, and the raw tables are left as they are. With
    ``full_refresh`` the raw tables are emptied first (every file is staged again). Runs in
    the caller's transaction. Each rejected file is logged (one line each) and returned in
    ``RawLoad.rejected``.
    """
    create_schema(con)
    if full_refresh:
        for table in RAW_TABLES:
            con.execute(f"DELETE FROM {table}")
    if not inputs.catalog_present():
        return RawLoad(staged={"catalog": 0, **dict.fromkeys(DATASETS, 0)})
    _stage_catalog(con, inputs)
    run_sql_file(con, STAGING["catalog"])
    (staged_catalog,) = con.execute("SELECT count(*) FROM stage_catalog").fetchall()[0]
    staged = {"catalog": staged_catalog}
    on_step("raw.catalog", con)
    rejected: list[SkippedFile] = []
    missing: list[SkippedFile] = []
    for dataset in DATASETS:
        files, bad, absent = _files_to_stage(con, dataset, inputs.dataset_dir(dataset))
        for skipped in bad:
            log.warning(skipped.line())
        rejected += bad
        missing += absent
        view = f"stage_{dataset}"
        for batch in _batches(files):
            con.execute(
                "CREATE OR REPLACE TEMP TABLE stage_accessions AS "
                "SELECT unnest(?::VARCHAR[]) AS accession_number",
                [[f.accession_number for f in batch]],
            )
            _stage_files(con, view, f"raw.{dataset}", batch)
            run_sql_file(con, STAGING[dataset])
            _unstage(con, view)
        _record_loaded(con, dataset, files)
        staged[dataset] = len(files)
        on_step(f"raw.{dataset}", con)
    con.execute("DROP TABLE stage_catalog")
    con.execute("DROP TABLE IF EXISTS stage_accessions")
    return RawLoad(staged, tuple(rejected), tuple(missing))
