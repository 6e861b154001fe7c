"""The filings catalog: one row per in-scope filing, landed or not, with its status.

Landed filings come from their landing manifests (the sha256, size and SEC header facts
recorded when they landed: nothing is re-hashed, so a file changed since keeps its
landing-time sha256 here and the parse step notices); filings whose latest download
failed come from the download state, with the submissions index's facts and the reason.
The catalog file records the landing generation of each company folder it was built from
(in its key-value metadata): for each folder whose generation is unchanged and whose landed
files are all still there, the next build reuses its rows instead of reading the folder's
manifests again; download failures always come from the latest attempts.
The parse step marks its outcomes with :func:`record_parse_outcomes`, and records what each
filing's Parquet files were parsed from (``parsed_sha256``, ``parser_version``), so the
next run decides "unchanged" from the catalog alone. Every write of the catalog file holds
a local file lock (beside it, or in the data folder when the lake is on an object store),
so concurrent runs do not lose each other's updates, and happens only when the rows change:
a run with nothing new leaves the file as it was. The file is read and written through
:mod:`pipeline.lake`, so the catalog can live on an object store.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyarrow as pa
from filelock import FileLock, Timeout

from pipeline import lake
from pipeline.edgar.landing import (
    ROOT_FOLDER,
    SUBMISSION_FILE,
    LandingManifest,
    company_folder,
    read_generation,
    read_manifest,
)
from pipeline.edgar.outcomes import (
    DownloadOutcome,
    default_state_dir,
    load_outcomes,
    outcome_for,
)
from pipeline.identifiers import UnsafeIdentifierError, check_accession, contained_path
from pipeline.lake import LakePath

log = logging.getLogger(__name__)

STATUS_LANDED = "landed"
STATUS_DOWNLOAD_FAILED = "download_failed"
STATUS_PARSE_FAILED = "parse_failed"
STATUSES = (STATUS_LANDED, STATUS_DOWNLOAD_FAILED, STATUS_PARSE_FAILED)

CATALOG_SCHEMA = pa.schema(
    [
        pa.field("ticker", pa.string(), nullable=False),  # canonical: SEC's ticker, else CIK
        pa.field("cik", pa.string(), nullable=False),
        pa.field("accession_number", pa.string(), nullable=False),
        pa.field("form", pa.string(), nullable=False),  # as filed, e.g. 10-K/A
        pa.field("is_amendment", pa.bool_(), nullable=False),
        pa.field("filing_date", pa.date32(), nullable=False),
        pa.field("period_of_report", pa.date32()),
        pa.field("fiscal_year_end", pa.string()),  # MMDD
        pa.field("company_name", pa.string()),
        pa.field("path", pa.string()),  # null unless landed
        pa.field("size_bytes", pa.int64()),  # at landing; null unless landed
        pa.field("sha256", pa.string()),  # at landing; null unless landed
        pa.field("status", pa.string(), nullable=False),  # landed, download_failed, parse_failed
        pa.field("error", pa.string()),  # the one-line reason, when not landed or not parsed
        # What the filing's current Parquet files were parsed from: the landed sha256 and the
        # PARSER_VERSION; null until a parse (or a check of the files) records them.
        pa.field("parsed_sha256", pa.string()),
        pa.field("parser_version", pa.string()),
    ]
)
# Columns a catalog written before they existed reads as (read_catalog_rows).
_DEFAULTS = {"status": STATUS_LANDED, "error": None, "parsed_sha256": None, "parser_version": None}
_PARSE_RECORD = ("parsed_sha256", "parser_version")
# Key-value metadata of the catalog file: the landing generations it was built from (JSON).
GENERATIONS_KEY = b"edgar.landing_generations"

LOCK_TIMEOUT_S = 60.0


class CatalogLockTimeout(RuntimeError):
    """Another process held the catalog's lock for longer than the bound."""


def _landed_row(ticker: str, path: Path, manifest: LandingManifest) -> dict:
    return {
        "ticker": ticker,
        "cik": manifest.cik,
        "accession_number": manifest.accession_number,
        "form": manifest.form,
        "is_amendment": manifest.form.endswith("/A"),
        "filing_date": manifest.filing_date,
        "period_of_report": manifest.period_of_report,
        "fiscal_year_end": manifest.fiscal_year_end,
        "company_name": manifest.company_name,
        "path": str(path),
        "size_bytes": manifest.size_bytes,
        "sha256": manifest.sha256,
        "status": STATUS_LANDED,
        "error": None,
        "parsed_sha256": None,
        "parser_version": None,
    }


def _submission_files(landing_dir: Path, ticker: str) -> list[str]:
    """The submission files a company folder lists (``<form>/<accession>/``), sorted."""
    folder = contained_path(landing_dir, ROOT_FOLDER, ticker, source="the catalog")
    return sorted(str(path) for path in folder.glob(f"*/*/{SUBMISSION_FILE}"))


def _landed_rows(landing_dir: Path, ticker: str) -> Iterable[dict]:
    for path in map(Path, _submission_files(landing_dir, ticker)):
        try:
            check_accession(path.parent.name, f"the landing folder of {ticker}")
            contained_path(landing_dir, str(path.relative_to(landing_dir)), source="the catalog")
            manifest = read_manifest(path.parent)
        except ValueError as exc:
            log.error("not catalogued: %s", exc)
            continue
        if manifest is None:
            log.warning(
                "not catalogued: %s has no landing manifest; the next download lands it again",
                path,
            )
            continue
        yield _landed_row(ticker, path, manifest)


def _failed_rows(outcome: DownloadOutcome) -> Iterable[dict]:
    for acc, failure in outcome.failed.items():
        yield {
            "ticker": outcome.ticker,
            "cik": outcome.cik,
            "accession_number": acc,
            "form": failure.form,
            "is_amendment": failure.form.endswith("/A"),
            "filing_date": failure.filing_date,
            "period_of_report": failure.report_date,
            "fiscal_year_end": None,
            "company_name": None,
            "path": None,
            "size_bytes": None,
            "sha256": None,
            "status": STATUS_DOWNLOAD_FAILED,
            "error": failure.reason,
            "parsed_sha256": None,
            "parser_version": None,
        }


def _generations(landing_dir: Path, folders: Iterable[str]) -> str:
    """The landing generation of each company folder, as recorded with the catalog."""
    generations = {f: read_generation(landing_dir, f) for f in folders}
    return json.dumps({"landing": str(landing_dir), "folders": generations}, sort_keys=True)


def _as_built(row: dict) -> dict:
    """A catalog row as a build gives it: what the parse step recorded left to write_catalog."""
    if row["status"] == STATUS_DOWNLOAD_FAILED:
        return row
    return {
        **row,
        "status": STATUS_LANDED,
        "error": None,
        "parsed_sha256": None,
        "parser_version": None,
    }


def _reusable_landed_rows(
    previous: LakePath, generations: str, landing_dir: Path
) -> dict[str, list[dict]]:
    """Per company folder, the landed rows of the catalog at ``previous`` that a build now
    would give the same, read from it instead of from the folder's manifests.

    A folder's rows are reusable when the catalog was built from the same landing folder,
    the folder's generation is unchanged (nothing landed there since, and no landing is
    under way), and its rows name exactly the submission files the folder lists now (a
    directory listing; no manifest is read): a file removed by hand, or one the previous
    catalog did not hold as landed there (a download that failed after it landed, a filing
    shared with another company's folder) makes the folder be read again. Download failures
    are not taken from it: they come from the latest attempts.
    """
    current = json.loads(generations)
    try:
        rows, recorded = _read(previous)
    except CatalogUnreadableError:
        return {}
    if recorded is None:
        return {}
    before = json.loads(recorded)
    if before.get("landing") != current["landing"]:
        return {}
    unchanged = {
        folder
        for folder, generation in current["folders"].items()
        if generation is not None and before.get("folders", {}).get(folder) == generation
    }
    by_folder: dict[str, list[dict]] = {folder: [] for folder in unchanged}
    for row in rows:
        if row["status"] != STATUS_DOWNLOAD_FAILED and row["ticker"] in by_folder:
            by_folder[row["ticker"]].append(_as_built(row))
    return {
        folder: landed
        for folder, landed in by_folder.items()
        if {r["path"] for r in landed} == set(_submission_files(landing_dir, folder))
    }


def build_catalog(
    landing_dir: Path,
    companies: tuple[str, ...],
    state_dir: Path | None = None,
    previous: LakePath | None = None,
) -> pa.Table:
    """Catalog every filing of ``companies`` (as configured), newest first, one row each.

    Aliases of one company (its ticker and its CIK) share one canonical folder and give
    its rows once. ``state_dir`` defaults to ``<data>/state/downloads``. With ``previous``
    (the catalog file), the landed rows of each company folder where nothing landed since
    are taken from it (:func:`_reusable_landed_rows`); only the other folders' manifests
    are read, so one new filing costs its company's manifests, not every company's.
    """
    outcomes = load_outcomes(state_dir or default_state_dir(landing_dir))
    folders: dict[str, DownloadOutcome | None] = {}
    for company in companies:
        outcome = outcome_for(outcomes, company)
        try:
            folder = outcome.ticker if outcome else company_folder(company, "the catalog")
        except UnsafeIdentifierError as exc:
            log.error("not catalogued: %s", exc)
            continue
        folders.setdefault(folder, outcome)
    generations = _generations(landing_dir, folders)  # before any folder is read
    schema = CATALOG_SCHEMA.with_metadata({GENERATIONS_KEY: generations})
    reusable = (
        _reusable_landed_rows(previous, generations, landing_dir) if previous is not None else {}
    )
    rows: dict[str, dict] = {}
    for folder, outcome in folders.items():
        landed = reusable.get(folder)
        for row in landed if landed is not None else _landed_rows(landing_dir, folder):
            rows.setdefault(row["accession_number"], row)
        if outcome is not None:  # the latest attempt's failures win over an older copy
            rows.update((row["accession_number"], row) for row in _failed_rows(outcome))
    if reusable:
        log.info(
            "catalog: %d company folder(s) unchanged since the last build (rows reused), %d read",
            sum(1 for f in folders if f in reusable),
            sum(1 for f in folders if f not in reusable),
        )
    ordered = sorted(
        rows.values(),
        key=lambda r: (r["ticker"], r["filing_date"], r["accession_number"]),
        reverse=True,
    )
    return pa.Table.from_pylist(ordered, schema=schema)


def _lock(catalog_path: LakePath, timeout_s: float, lock_path: Path | None):
    """The catalog's lock: ``lock_path``, by default beside a local catalog file."""
    if lock_path is None:
        if not isinstance(catalog_path, Path):
            raise ValueError(
                f"{catalog_path}: a catalog on an object store needs a local lock_path"
            )
        lock_path = catalog_path.with_name(f"{catalog_path.name}.lock")
    path = lock_path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return FileLock(path).acquire(timeout=timeout_s)
    except Timeout as exc:
        raise CatalogLockTimeout(
            f"another process held {path} for over {timeout_s:.0f} s: wait for that run to "
            "finish (the lock is freed when its process exits)"
        ) from exc


def _write_if_changed(
    rows: list[dict],
    previous: tuple[list[dict], str | None] | None,
    catalog_path: LakePath,
    generations: str | None,
) -> bool:
    """Write ``rows`` (with the landing ``generations`` they were built from) unless the
    file holds them already (``previous``: what was read, None when unreadable); True when
    written."""
    if previous == (rows, generations) and lake.is_file(catalog_path):
        return False
    metadata = {GENERATIONS_KEY: generations} if generations else None
    schema = CATALOG_SCHEMA.with_metadata(metadata) if metadata else CATALOG_SCHEMA
    lake.write_table(pa.Table.from_pylist(rows, schema=schema), catalog_path)
    return True


class CatalogUnreadableError(ValueError):
    """The catalog file exists but cannot be read (damaged); the next sync rebuilds it."""


def _read(catalog_path: LakePath) -> tuple[list[dict], str | None]:
    """The catalog's rows (see :func:`read_catalog_rows`) and its recorded generations."""
    if not lake.is_file(catalog_path):
        return [], None
    try:
        table = lake.read_table(catalog_path)
    except (pa.ArrowException, OSError) as exc:
        raise CatalogUnreadableError(
            f"filings catalog {catalog_path} cannot be read ({str(exc).splitlines()[0]}): "
            "the next `edgar-pipeline run` rebuilds it from the landed filings"
        ) from None
    generations = (table.schema.metadata or {}).get(GENERATIONS_KEY)
    rows = [{**_DEFAULTS, **row} for row in table.to_pylist()]
    return rows, generations.decode() if generations else None


def read_catalog_rows(catalog_path: LakePath) -> list[dict]:
    """The catalog's rows (empty when it does not exist yet).

    A catalog written before the ``status`` column existed reads as all ``landed``, one
    written before ``parsed_sha256`` and ``parser_version`` existed as null in them. A
    damaged one raises :class:`CatalogUnreadableError` (one line, saying what fixes it).
    """
    return _read(catalog_path)[0]


def write_catalog(
    table: pa.Table,
    catalog_path: LakePath,
    lock_timeout_s: float = LOCK_TIMEOUT_S,
    *,
    lock_path: Path | None = None,
) -> bool:
    """Replace the catalog file with ``table`` (from :func:`build_catalog`), under the lock.

    What the previous catalog knew of a filing still landed with the same sha256 carries
    over: ``parse_failed`` and its reason (until a parse records otherwise), and
    ``parsed_sha256`` and ``parser_version``; a changed sha256 clears them. The file is
    written only when its rows (or the landing generations they were built from) change;
    returns whether it was written. ``lock_path``: the local lock (by default beside a local
    catalog; required for a catalog on an object store, ``Settings.catalog_lock_path``).
    """
    generations = (table.schema.metadata or {}).get(GENERATIONS_KEY)
    with _lock(catalog_path, lock_timeout_s, lock_path):
        try:
            previous = _read(catalog_path)
        except CatalogUnreadableError as exc:  # derived data: rebuilt from the manifests
            log.warning("%s; rebuilding it now", exc)
            previous = None
        before = {r["accession_number"]: r for r in previous[0]} if previous else {}
        rows = [{**_DEFAULTS, **row} for row in table.to_pylist()]
        for row in rows:
            old = before.get(row["accession_number"])
            if not old or row["status"] != STATUS_LANDED or old["sha256"] != row["sha256"]:
                continue
            row.update((k, old[k]) for k in _PARSE_RECORD)
            if old["status"] == STATUS_PARSE_FAILED:
                row["status"], row["error"] = STATUS_PARSE_FAILED, old["error"]
        return _write_if_changed(
            rows, previous, catalog_path, generations.decode() if generations else None
        )


def record_parse_outcomes(
    catalog_path: LakePath,
    failures: Mapping[str, str],
    parsed: Mapping[str, str],
    *,
    parser_version: str,
    lock_timeout_s: float = LOCK_TIMEOUT_S,
    lock_path: Path | None = None,
) -> bool:
    """Mark ``failures`` (accession -> reason) ``parse_failed`` and ``parsed`` ``landed``.

    ``parsed`` maps each accession whose Parquet files are now current to the landed
    sha256 they were parsed from, recorded as ``parsed_sha256`` with ``parser_version``
    (the PARSER_VERSION that wrote them). A failed filing keeps its record (its previous
    files stay). Updates the catalog file atomically and under its lock, only when a row
    changes; returns whether it was written. Rows whose download failed keep that status;
    accessions not in the catalog are ignored (logged). ``lock_path`` as for
    :func:`write_catalog`.
    """
    with _lock(catalog_path, lock_timeout_s, lock_path):
        previous, generations = _read(catalog_path)
        known = {r["accession_number"] for r in previous}
        if unknown := (set(failures) | set(parsed)) - known:
            log.warning("parse outcomes of filings not in the catalog ignored: %s", sorted(unknown))
        rows = [dict(row) for row in previous]
        for row in rows:
            acc = row["accession_number"]
            if row["status"] == STATUS_DOWNLOAD_FAILED:
                continue
            if acc in failures:
                row["status"] = STATUS_PARSE_FAILED
                row["error"] = str(failures[acc]).splitlines()[0] if failures[acc] else "failed"
            elif acc in parsed:
                row["status"], row["error"] = STATUS_LANDED, None
                row["parsed_sha256"], row["parser_version"] = parsed[acc], parser_version
        return _write_if_changed(rows, (previous, generations), catalog_path, generations)
