"""The landing folder: where each filing lands, and the manifest recorded when it lands.

Layout (sec-edgar-downloader's, plus our manifest)::

    <landing>/sec-edgar-filings/<TICKER or CIK>/<BASE FORM>/<ACCESSION>/full-submission.txt
                                                                      /landing.json

``landing.json`` is written (atomically) into the staged folder before the folder is
renamed into place, so a landed filing always arrives with it. It records the sha256 and
size of ``full-submission.txt`` and the facts of its verified SEC header; a file that no
longer matches it has changed since it landed. It also records the file's stat (inode,
mtime, ctime) when its sha256 was verified: a file whose stat is still that is known
unchanged without hashing it again (a write, a rename over it or ``touch`` changes its
ctime, which no user can set back). Each company folder holds ``.generation``, a token
replaced whenever a filing lands there (removed while a landing is under way), so the
catalog can tell that nothing landed since it was built without reading every manifest.
Every path is built from checked identifiers and verified to stay inside the landing
folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from stat import S_ISREG

from pipeline.atomic_write import write_atomically
from pipeline.identifiers import (
    UnsafeIdentifierError,
    check_accession,
    check_cik,
    check_form,
    check_ticker,
    contained_path,
)

log = logging.getLogger(__name__)

ROOT_FOLDER = "sec-edgar-filings"
SUBMISSION_FILE = "full-submission.txt"
MANIFEST_FILE = "landing.json"
GENERATION_FILE = ".generation"
# A stat is recorded after a re-hash only if the file's last change is older than this, so
# a write in the same clock tick as the stat cannot hide behind it (as git's "racy" rule).
SETTLED_NS = 2_000_000_000

FileStat = tuple[int, int, int]  # (inode, mtime ns, ctime ns)


def stat_key(stat: os.stat_result) -> FileStat:
    """What :attr:`LandingManifest.file_stat` records of a file's stat."""
    return stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns


def company_folder(company: str, source: str = "") -> str:
    """A company's folder name: a ticker (as SEC spells it) or a 10-digit CIK; else refused."""
    if company.isdigit():
        if check_cik(company, source) != company:
            raise UnsafeIdentifierError(f"company folder {company!r} is not a 10-digit CIK")
        return company
    if check_ticker(company, source) != company:
        raise UnsafeIdentifierError(f"company folder {company!r} is not an upper-case ticker")
    return company


def filing_dir(landing_dir: Path, company: str, base_form: str, accession: str) -> Path:
    """The folder of one landed filing, checked to stay inside ``landing_dir``."""
    form = check_form(base_form, "a landing path")
    if "/" in form or " " in form:
        raise UnsafeIdentifierError(f"form {base_form!r} cannot be a folder name")
    return contained_path(
        landing_dir,
        ROOT_FOLDER,
        company_folder(company, "a landing path"),
        form,
        check_accession(accession, "a landing path"),
        source="the landing folder",
    )


def filing_path(landing_dir: Path, company: str, base_form: str, accession: str) -> Path:
    """Where the downloader's layout puts one filing's full-submission.txt."""
    return filing_dir(landing_dir, company, base_form, accession) / SUBMISSION_FILE


def _generation_path(landing_dir: Path, company: str) -> Path:
    return contained_path(
        landing_dir,
        ROOT_FOLDER,
        company_folder(company, "a landing path"),
        GENERATION_FILE,
        source="the landing folder",
    )


def read_generation(landing_dir: Path, company: str) -> str | None:
    """The company folder's landing generation, a token replaced whenever a filing lands
    there; None while a landing is under way, or before the first download."""
    try:
        return _generation_path(landing_dir, company).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def forget_generation(landing_dir: Path, company: str) -> None:
    """Remove the company folder's generation: a filing is about to land there."""
    _generation_path(landing_dir, company).unlink(missing_ok=True)


def new_generation(landing_dir: Path, company: str) -> None:
    """Give the company folder a new generation (creating the folder if needed)."""
    path = _generation_path(landing_dir, company)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, uuid.uuid4().hex + "\n")


@dataclass(frozen=True)
class LandingManifest:
    """What was verified when a filing landed: its file's digest and its SEC header facts."""

    accession_number: str
    sha256: str
    size_bytes: int
    landed_at: str  # ISO 8601, UTC
    cik: str
    form: str
    filing_date: date
    period_of_report: date | None
    fiscal_year_end: str | None
    company_name: str
    # The file's stat when its sha256 was last verified (None in manifests written before).
    file_stat: FileStat | None = None

    def to_json(self) -> str:
        """The manifest as JSON text (dates as YYYY-MM-DD)."""
        return json.dumps(asdict(self), default=date.isoformat, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str) -> LandingManifest:
        """Parse and check a manifest; raises ``ValueError`` naming ``where``."""
        try:
            raw = json.loads(text)
            period = raw["period_of_report"]
            manifest = cls(
                accession_number=check_accession(raw["accession_number"], where),
                sha256=str(raw["sha256"]),
                size_bytes=int(raw["size_bytes"]),
                landed_at=str(raw["landed_at"]),
                cik=check_cik(raw["cik"], where),
                form=check_form(raw["form"], where),
                filing_date=date.fromisoformat(raw["filing_date"]),
                period_of_report=date.fromisoformat(period) if period else None,
                fiscal_year_end=raw["fiscal_year_end"],
                company_name=str(raw["company_name"]),
                file_stat=_file_stat(raw.get("file_stat")),
            )
        except UnsafeIdentifierError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{where}: unreadable landing manifest ({exc!r})") from exc
        if len(manifest.sha256) != 64 or manifest.size_bytes < 0:
            raise ValueError(f"{where}: landing manifest has no valid sha256 and size")
        return manifest


def _file_stat(value: object) -> FileStat | None:
    """A recorded file stat, or None when absent or not three whole numbers (then hashed)."""
    if isinstance(value, list) and len(value) == 3 and all(type(v) is int for v in value):
        return value[0], value[1], value[2]
    return None


def file_digest(path: Path) -> tuple[str, int]:
    """(sha256 hex, size in bytes) of the file at ``path``."""
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256")
        return digest.hexdigest(), handle.tell()


def utc_now() -> str:
    """Now, in UTC, as ISO 8601 seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_manifest(folder: Path, manifest: LandingManifest) -> None:
    """Record ``manifest`` as ``folder/landing.json`` (atomically)."""
    write_atomically(folder / MANIFEST_FILE, manifest.to_json())


def read_manifest(folder: Path) -> LandingManifest | None:
    """The manifest of a landed filing's folder, or None when it has none.

    Raises ``ValueError`` (naming the file) for a manifest that cannot be trusted.
    """
    path = folder / MANIFEST_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    manifest = LandingManifest.from_json(text, str(path))
    if manifest.accession_number != folder.name:
        raise ValueError(f"{path}: names accession {manifest.accession_number}, not {folder.name}")
    return manifest


def landed_problem(folder: Path) -> str | None:
    """Why the filing in ``folder`` does not count as landed whole, or None when it does.

    Whole means: ``full-submission.txt`` has exactly the sha256 and size its manifest
    recorded when it landed. A file whose stat is the one the manifest recorded when its
    sha256 was verified is not read; any other is hashed whole, and when it matches (a
    manifest from before stats were recorded, a folder restored from a copy) its stat is
    recorded, so the next call reads only the manifest.
    """
    path = folder / SUBMISSION_FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        return "not downloaded"
    if not S_ISREG(stat.st_mode):
        return "not downloaded"
    try:
        manifest = read_manifest(folder)
    except ValueError as exc:
        return str(exc)
    if manifest is None:
        return f"{path} has no {MANIFEST_FILE} (landed before manifests, or not by us)"
    if manifest.file_stat == stat_key(stat) and stat.st_size == manifest.size_bytes:
        return None
    sha256, size = file_digest(path)
    if (sha256, size) != (manifest.sha256, manifest.size_bytes):
        return (
            f"{path} changed since it landed (sha256 {manifest.sha256[:12]}... and "
            f"{manifest.size_bytes} bytes recorded, {sha256[:12]}... and {size} bytes now)"
        )
    if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > SETTLED_NS:
        try:
            write_manifest(folder, replace(manifest, file_stat=stat_key(stat)))
        except OSError as exc:  # read-only or full: verified all the same, hashed again next time
            log.warning("%s: stat not recorded (%s); it is hashed again next run", path, exc)
    return None
