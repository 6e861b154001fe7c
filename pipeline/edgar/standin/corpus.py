"""The filings the stand-in serves: rows of ``filings.csv`` plus their files.

A corpus folder is laid out like ``shared/edgar``: ``filings.csv`` (one row per filing)
and ``<TICKER>/<ACCESSION>/<file>``. :class:`Corpus` indexes the rows in memory, lets
callers add filings at run time, and renders what EDGAR would answer: the ticker map,
the submissions JSON (with paging files), the full-submission ``<accession>.txt`` and
EDGAR's daily index (``daily-index/<year>/QTR<n>/index.json`` and ``master.<YYYYMMDD>.idx``).

The daily index lists a filing under the day it was disseminated: its filing date for the
rows of ``filings.csv``, the day it was added or published for filings added at run time.
Unlike SEC, which publishes a day's index nightly, the stand-in serves today's as it grows.
"""

from __future__ import annotations

import csv
import dataclasses
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.edgar.submission_file import (
    SubmissionDocument,
    SubmissionHeader,
    build_submission,
)

# filings.csv has no exchange column; an optional ``exchange`` column overrides these.
# (Walmart moved its listing from the NYSE to Nasdaq in December 2025.)
DEFAULT_EXCHANGES = {"AMZN": "Nasdaq", "WMT": "Nasdaq"}

_SUFFIX_TYPES = (
    ("_htm.xml", "EX-101.INS", "XBRL INSTANCE DOCUMENT"),
    (".xsd", "EX-101.SCH", "XBRL TAXONOMY EXTENSION SCHEMA DOCUMENT"),
    ("_cal.xml", "EX-101.CAL", "XBRL TAXONOMY EXTENSION CALCULATION LINKBASE DOCUMENT"),
    ("_def.xml", "EX-101.DEF", "XBRL TAXONOMY EXTENSION DEFINITION LINKBASE DOCUMENT"),
    ("_lab.xml", "EX-101.LAB", "XBRL TAXONOMY EXTENSION LABEL LINKBASE DOCUMENT"),
    ("_pre.xml", "EX-101.PRE", "XBRL TAXONOMY EXTENSION PRESENTATION LINKBASE DOCUMENT"),
)
_GRAPHIC = (".jpg", ".jpeg", ".gif", ".png")


@dataclass(frozen=True)
class FilingRow:
    """One row of ``filings.csv``: what an EDGAR submissions index says of a filing."""

    ticker: str
    cik: str  # ten digits, zero-padded
    company: str
    fiscal_year_end: str
    form: str
    accession_number: str
    filing_date: date
    report_date: date | None
    primary_document: str
    xbrl_format: str = ""
    files: tuple[str, ...] = ()
    exchange: str = ""

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> FilingRow:
        """Build from a ``filings.csv`` dict (``files`` may be ``a;b`` or a sequence)."""
        files = row.get("files") or ()
        if isinstance(files, str):
            files = [f for f in files.split(";") if f]
        report = row.get("report_date") or None
        ticker = str(row["ticker"]).upper()
        return cls(
            ticker=ticker,
            cik=str(row["cik"]).zfill(10),
            company=str(row["company"]),
            fiscal_year_end=str(row.get("fiscal_year_end") or "").zfill(4),
            form=str(row["form"]),
            accession_number=str(row["accession_number"]),
            filing_date=_as_date(row["filing_date"]),
            report_date=_as_date(report) if report else None,
            primary_document=str(row.get("primary_document") or ""),
            xbrl_format=str(row.get("xbrl_format") or ""),
            files=tuple(files),
            exchange=str(row.get("exchange") or DEFAULT_EXCHANGES.get(ticker, "")),
        )

    @property
    def cik_int(self) -> int:
        return int(self.cik)

    @property
    def accession_no_dashes(self) -> str:
        return self.accession_number.replace("-", "")


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def load_rows(corpus_dir: Path | str) -> list[FilingRow]:
    """Read ``<corpus_dir>/filings.csv``."""
    with (Path(corpus_dir) / "filings.csv").open(newline="", encoding="utf-8") as fh:
        return [FilingRow.from_mapping(r) for r in csv.DictReader(fh)]


def document_type(row: FilingRow, filename: str) -> tuple[str, str]:
    """EDGAR ``<TYPE>`` and ``<DESCRIPTION>`` of one file of a filing."""
    lower = filename.lower()
    if filename == row.primary_document:
        return row.form, row.form
    for suffix, doc_type, description in _SUFFIX_TYPES:
        if lower.endswith(suffix):
            return doc_type, description
    if lower.endswith(_GRAPHIC):
        return "GRAPHIC", ""
    return "EX-99", ""


@dataclass
class _Entry:
    row: FilingRow
    files: dict[str, bytes] | None = None  # in-memory files (added at run time)
    disseminated: date | None = None  # the daily index it is listed in (None: its filing date)
    submission: bytes | None = field(default=None, repr=False)  # cached envelope


class Corpus:
    """Thread-safe in-memory index of filings, backed by a corpus folder."""

    def __init__(
        self,
        corpus_dir: Path | str,
        *,
        exclude_accessions: Iterable[str] = (),
        recent_limit: int = 1000,
        page_size: int | None = None,
    ) -> None:
        if recent_limit < 1:
            raise ValueError("recent_limit must be at least 1")
        self.corpus_dir = Path(corpus_dir)
        self.recent_limit = recent_limit
        self.page_size = page_size or recent_limit
        self._lock = threading.RLock()
        self._entries: dict[str, _Entry] = {}
        self._held_back: dict[str, FilingRow] = {}
        excluded = set(exclude_accessions)
        for row in load_rows(self.corpus_dir):
            if row.accession_number in excluded:
                self._held_back[row.accession_number] = row
            else:
                self._entries[row.accession_number] = _Entry(row)
        if unknown := excluded - set(self._held_back):
            raise ValueError(f"exclude_accessions not in filings.csv: {sorted(unknown)}")

    # -- changing the index ------------------------------------------------------------

    def add_filing(
        self, row: FilingRow | Mapping[str, Any], files: Mapping[str, bytes] | None = None
    ) -> FilingRow:
        """Add (or replace) a filing.

        Without ``files`` the documents are read from ``<corpus>/<TICKER>/<ACCESSION>/``
        (the names in ``row["files"]``, or every file of that folder).
        """
        filing = row if isinstance(row, FilingRow) else FilingRow.from_mapping(row)
        if not filing.files:
            folder = self.corpus_dir / filing.ticker / filing.accession_number
            if files is not None:
                names = tuple(files)
            elif folder.is_dir():
                names = tuple(sorted(p.name for p in folder.iterdir() if p.is_file()))
            else:
                names = ()
            filing = dataclasses.replace(filing, files=names)
        with self._lock:
            self._held_back.pop(filing.accession_number, None)
            self._entries[filing.accession_number] = _Entry(
                filing,
                dict(files) if files is not None else None,
                disseminated=max(date.today(), filing.filing_date),
            )
        return filing

    def publish(self, accession_number: str) -> FilingRow:
        """Make a row held back by ``exclude_accessions`` visible, as if newly filed."""
        with self._lock:
            row = self._held_back.get(accession_number)
            if row is None:
                raise KeyError(f"{accession_number} is not held back")
            return self.add_filing(row)

    def rows(self) -> list[FilingRow]:
        """Visible filings, newest first (filing date, then accession number)."""
        with self._lock:
            rows = [e.row for e in self._entries.values()]
        return sorted(rows, key=lambda r: (r.filing_date, r.accession_number), reverse=True)

    # -- rendering ---------------------------------------------------------------------

    def ticker_map(self) -> dict[str, Any]:
        """``company_tickers_exchange.json``."""
        seen: dict[str, FilingRow] = {}
        for row in self.rows():
            seen.setdefault(row.ticker, row)
        data = [[r.cik_int, r.company, r.ticker, r.exchange] for r in seen.values()]
        return {"fields": ["cik", "name", "ticker", "exchange"], "data": data}

    def _company_rows(self, cik: int) -> list[FilingRow]:
        return [r for r in self.rows() if r.cik_int == cik]

    def submissions(self, cik: int) -> dict[str, Any] | None:
        """``CIK##########.json``: the newest ``recent_limit`` filings plus paging files."""
        rows = self._company_rows(cik)
        if not rows:
            return None
        recent, older = rows[: self.recent_limit], rows[self.recent_limit :]
        files = []
        for number, start in enumerate(range(0, len(older), self.page_size), start=1):
            page = older[start : start + self.page_size]
            files.append(
                {
                    "name": _page_name(cik, number),
                    "filingCount": len(page),
                    "filingFrom": page[-1].filing_date.isoformat(),
                    "filingTo": page[0].filing_date.isoformat(),
                }
            )
        first = rows[0]
        return {
            "cik": str(cik),
            "entityType": "operating",
            "name": first.company,
            "tickers": sorted({r.ticker for r in rows}),
            "exchanges": sorted({r.exchange for r in rows if r.exchange}),
            "fiscalYearEnd": first.fiscal_year_end,
            "filings": {"recent": self._columns(recent), "files": files},
        }

    def submissions_page(self, cik: int, number: int) -> dict[str, Any] | None:
        """Paging file ``CIK##########-submissions-NNN.json`` (1-based), or None."""
        older = self._company_rows(cik)[self.recent_limit :]
        start = (number - 1) * self.page_size
        if number < 1 or start >= len(older):
            return None
        return self._columns(older[start : start + self.page_size])

    def _columns(self, rows: list[FilingRow]) -> dict[str, list[Any]]:
        return {
            "accessionNumber": [r.accession_number for r in rows],
            "filingDate": [r.filing_date.isoformat() for r in rows],
            "reportDate": [r.report_date.isoformat() if r.report_date else "" for r in rows],
            "acceptanceDateTime": [f"{r.filing_date.isoformat()}T16:05:00.000Z" for r in rows],
            "act": ["34" for _ in rows],
            "form": [r.form for r in rows],
            "fileNumber": ["" for _ in rows],
            "filmNumber": ["" for _ in rows],
            "items": ["" for _ in rows],
            "size": [self._size(r) for r in rows],
            "isXBRL": [1 if r.xbrl_format else 0 for r in rows],
            "isInlineXBRL": [1 if r.xbrl_format == "inline" else 0 for r in rows],
            "primaryDocument": [r.primary_document for r in rows],
            "primaryDocDescription": [r.form for r in rows],
        }

    def _size(self, row: FilingRow) -> int:
        with self._lock:
            entry = self._entries.get(row.accession_number)
        if entry is not None and entry.files is not None:
            return sum(len(b) for b in entry.files.values())
        folder = self.corpus_dir / row.ticker / row.accession_number
        return sum((folder / f).stat().st_size for f in row.files if (folder / f).is_file())

    def _entry(self, cik: int, accession_no_dashes: str) -> _Entry | None:
        with self._lock:
            for entry in self._entries.values():
                row = entry.row
                if row.cik_int == cik and row.accession_no_dashes == accession_no_dashes:
                    return entry
        return None

    def _file(self, entry: _Entry, name: str) -> bytes | None:
        if entry.files is not None:
            return entry.files.get(name)
        if name not in entry.row.files:
            return None
        path = self.corpus_dir / entry.row.ticker / entry.row.accession_number / name
        return path.read_bytes() if path.is_file() else None

    def archive_file(self, cik: int, accession_no_dashes: str, name: str) -> bytes | None:
        """A file under ``Archives/edgar/data/<cik>/<acc>/``: the envelope or a document."""
        entry = self._entry(cik, accession_no_dashes)
        if entry is None:
            return None
        if name == f"{entry.row.accession_number}.txt":
            return self._submission(entry)
        return self._file(entry, name)

    def _submission(self, entry: _Entry) -> bytes:
        if entry.submission is None:
            row = entry.row
            names = list(entry.files) if entry.files is not None else list(row.files)
            names.sort(key=lambda n: n != row.primary_document)  # primary document first
            bodies = [(n, b) for n in names if (b := self._file(entry, n)) is not None]
            documents = []
            for sequence, (name, body) in enumerate(bodies, start=1):
                doc_type, description = document_type(row, name)
                documents.append(SubmissionDocument(doc_type, sequence, name, description, body))
            header = SubmissionHeader(
                accession_number=row.accession_number,
                form=row.form,
                period_of_report=row.report_date,
                filing_date=row.filing_date,
                cik=row.cik,
                company_name=row.company,
                fiscal_year_end=row.fiscal_year_end or None,
            )
            entry.submission = build_submission(header, documents)
        return entry.submission

    # -- EDGAR's daily index ------------------------------------------------------------

    def _by_day(self) -> dict[date, list[FilingRow]]:
        with self._lock:
            entries = list(self._entries.values())
        days: dict[date, list[FilingRow]] = {}
        for entry in entries:
            days.setdefault(entry.disseminated or entry.row.filing_date, []).append(entry.row)
        return days

    def daily_index_listing(self, year: int, quarter: int) -> dict[str, Any] | None:
        """``daily-index/<year>/QTR<quarter>/index.json``: the quarter's master files (an
        empty folder for a past or current quarter without filings, None for a future one)."""
        if (year, quarter) > (date.today().year, (date.today().month - 1) // 3 + 1):
            return None
        days = sorted(
            d for d in self._by_day() if (d.year, (d.month - 1) // 3 + 1) == (year, quarter)
        )
        items = [
            {"name": f"master.{d:%Y%m%d}.idx", "type": "file", "href": f"master.{d:%Y%m%d}.idx"}
            for d in days
        ]
        return {"directory": {"item": items, "name": f"daily-index/{year}/QTR{quarter}/"}}

    def daily_master_index(self, day: date) -> bytes | None:
        """``master.<YYYYMMDD>.idx``: SEC's pipe-separated daily index of ``day``."""
        rows = self._by_day().get(day)
        if not rows:
            return None
        lines = [
            "Description:           Daily Index of EDGAR Dissemination Feed by Company Name",
            f"Last Data Received:    {day:%B} {day.day}, {day.year}",
            "Comments:              webmaster@sec.gov",
            "Anonymous FTP:         ftp://ftp.sec.gov/edgar/",
            "",
            "CIK|Company Name|Form Type|Date Filed|File Name",
            "-" * 80,
        ]
        for r in sorted(rows, key=lambda r: (r.company, r.accession_number)):
            lines.append(
                f"{r.cik_int}|{r.company}|{r.form}|{r.filing_date:%Y%m%d}|"
                f"edgar/data/{r.cik_int}/{r.accession_number}.txt"
            )
        return ("\n".join(lines) + "\n").encode()


def _page_name(cik: int, number: int) -> str:
    return f"CIK{cik:010d}-submissions-{number:03d}.json"
