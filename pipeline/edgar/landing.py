"""The landing folder: where each filing lands, and the manifest recorded when it lands.

Layout (sec-edgar-downloader's, plus our manifest)::

    <landing>/sec-edgar-filings/<TICKER or CIK>/<BASE FORM>/<ACCESSION>/full-submission.txt
                                                                      /landing.json

``landing.json`` is written (atomically) into the staged folder before the folder is
renamed into place, so a landed filing always arrives with it. It records the sha256 and
size of ``full-submission.txt`` and the facts of its verified SEC header; a file that no
longer matches it has changed since it landed. Every path is built from checked
identifiers and verified to stay inside the landing folder.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from pipeline.atomic_write import write_atomically
from pipeline.identifiers import (
    UnsafeIdentifierError,
    check_accession,
    check_cik,
    check_form,
    check_ticker,
    contained_path,
)

ROOT_FOLDER = "sec-edgar-filings"
SUBMISSION_FILE = "full-submission.txt"
MANIFEST_FILE = "landing.json"


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
            )
        except UnsafeIdentifierError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{where}: unreadable landing manifest ({exc!r})") from exc
        if len(manifest.sha256) != 64 or manifest.size_bytes < 0:
            raise ValueError(f"{where}: landing manifest has no valid sha256 and size")
        return manifest


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
    recorded when it landed. The whole file is hashed.
    """
    path = folder / SUBMISSION_FILE
    if not path.is_file():
        return "not downloaded"
    try:
        manifest = read_manifest(folder)
    except ValueError as exc:
        return str(exc)
    if manifest is None:
        return f"{path} has no {MANIFEST_FILE} (landed before manifests, or not by us)"
    sha256, size = file_digest(path)
    if (sha256, size) != (manifest.sha256, manifest.size_bytes):
        return (
            f"{path} changed since it landed (sha256 {manifest.sha256[:12]}... and "
            f"{manifest.size_bytes} bytes recorded, {sha256[:12]}... and {size} bytes now)"
        )
    return None
