"""Read EDGAR's daily index: every company's new filings of a day in one request.

SEC publishes, for each business day, ``Archives/edgar/daily-index/<year>/QTR<n>/
master.<YYYYMMDD>.idx`` (CIK, company, form, date filed and file name of every filing
disseminated that day) and lists a quarter's files in that folder's ``index.json``. A day's
index appears after SEC's nightly update (from about 10 p.m. ET). Reading the days since a
company's submissions index was last read tells which companies filed since, at one
request per day for all companies together, instead of one per company.

A day is final once two UTC days have passed (SEC's nightly update has run, whatever the
time zone); final days' rows (of the tracked forms only) are kept under
``<state>/daily-index/`` and never read again; the quarter listings of past quarters too.
Every value is checked (:mod:`pipeline.identifiers`) before use; a row that fails a check
is returned as refused with its CIK when that parses, so its company can be read in full.
Call inside :func:`pipeline.edgar.transport.sec_transport`.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pipeline.atomic_write import write_atomically
from pipeline.edgar.submissions import EdgarIndexError, response_json, sec_get
from pipeline.identifiers import (
    UnsafeIdentifierError,
    check_accession,
    check_cik,
    check_form,
    contained_path,
)

log = logging.getLogger(__name__)

DAILY_INDEX_URL = "https://www.sec.gov/Archives/edgar/daily-index/{year}/QTR{quarter}/{name}"
CACHE_FOLDER = "daily-index"
CACHE_VERSION = 1
FINAL_AFTER_DAYS = 2  # a day's index is final once this many UTC days have passed
NEW_QUARTER_DAYS = 7  # a quarter folder may not exist yet in its first days
_MASTER_NAME = re.compile(r"master\.(\d{4})(\d{2})(\d{2})\.idx")
_FILE_NAME = re.compile(r"edgar/data/(\d{1,10})/(\d{10}-\d{2}-\d{6})\.txt")


@dataclass(frozen=True)
class IndexedFiling:
    """One row of a daily index, of a tracked form."""

    cik: str
    form: str
    filing_date: date
    accession_number: str
    day: date  # the daily index that listed it


@dataclass
class DailyScan:
    """What a scan of the daily indexes found."""

    filings: list[IndexedFiling] = field(default_factory=list)
    refused: dict[str, tuple[date, str]] = field(default_factory=dict)  # CIK -> (day, why)
    days_read: list[date] = field(default_factory=list)  # fetched from EDGAR
    days_cached: list[date] = field(default_factory=list)  # final days read from the cache
    requests: int = 0  # GETs made (listings and days)


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter) of ``day``'s daily-index folder."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> date:
    """The first day of a quarter."""
    return date(year, quarter * 3 - 2, 1)


def utc_today() -> date:
    """Today's date in UTC."""
    return datetime.now(UTC).date()


def is_final(day: date, today: date) -> bool:
    """Whether SEC's index of ``day`` can no longer change (its nightly update has run)."""
    return day <= today - timedelta(days=FINAL_AFTER_DAYS)


def _get_text(url: str, user_agent: str) -> str:
    return sec_get(url, user_agent).text


def _listing(url: str, user_agent: str) -> list[date] | None:
    """The days a quarter folder lists, or None when it answers 404."""
    response = sec_get(url, user_agent, missing_ok=True)
    return None if response is None else parse_listing(response_json(response, url), url)


def parse_listing(data: object, url: str) -> list[date]:
    """The days a quarter folder's ``index.json`` lists a master index for."""
    try:
        items = data["directory"]["item"]  # type: ignore[index]
        names = [item["name"] for item in items]
    except (KeyError, TypeError) as exc:
        raise EdgarIndexError(f"{url} is malformed: {exc!r}") from exc
    days = []
    for name in names:
        if isinstance(name, str) and (m := _MASTER_NAME.fullmatch(name)):
            try:
                days.append(date(int(m[1]), int(m[2]), int(m[3])))
            except ValueError:
                log.warning("%s lists %r: not a date, skipped", url, name)
    return sorted(days)


def parse_master(
    text: str, day: date, forms: set[str], url: str
) -> tuple[list[IndexedFiling], dict[str, str]]:
    """The rows of ``forms`` in a daily ``master.idx``, and the CIKs of rows refused -> why."""
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("-----")) + 1
    except StopIteration as exc:
        raise EdgarIndexError(f"{url} is malformed: no header separator line") from exc
    filings: list[IndexedFiling] = []
    refused: dict[str, str] = {}
    for number, line in enumerate(lines[start:], start=start + 1):
        parts = line.split("|")
        if len(parts) < 5:
            if line.strip():
                log.warning("%s line %d: not CIK|Company|Form|Date|File, skipped", url, number)
            continue
        cik_text, form, filed, file_name = parts[0], parts[-3], parts[-2], parts[-1]
        if form not in forms:
            continue
        where = f"{url} line {number}"
        try:
            cik = check_cik(cik_text, where)
        except UnsafeIdentifierError as exc:
            log.error("%s", exc)
            continue  # no company to attribute it to
        try:
            match = _FILE_NAME.fullmatch(file_name.strip())
            if match is None or check_cik(match[1], where) != cik:
                raise UnsafeIdentifierError(
                    f"file name {file_name[:80]!r} from {where} is refused: expected "
                    "edgar/data/<its CIK>/<accession>.txt"
                )
            filed_on = _filed_date(filed, where)
            filings.append(
                IndexedFiling(
                    cik, check_form(form, where), filed_on, check_accession(match[2]), day
                )
            )
        except UnsafeIdentifierError as exc:
            refused[cik] = str(exc)
    return filings, refused


def _filed_date(text: str, where: str) -> date:
    value = text.strip()
    try:
        if len(value) == 8 and value.isdigit():
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        return date.fromisoformat(value)
    except ValueError as exc:
        raise UnsafeIdentifierError(
            f"date filed {value[:20]!r} from {where} is refused: expected YYYYMMDD"
        ) from exc


class DailyIndexCache:
    """Final days' rows and past quarters' listings under ``<state>/daily-index/``."""

    def __init__(self, state_dir: Path, forms: set[str]) -> None:
        self.folder = state_dir / CACHE_FOLDER
        self.forms = sorted(forms)

    def _path(self, name: str) -> Path:
        return contained_path(self.folder, name, source="the daily-index cache")

    def _read(self, name: str) -> dict | None:
        try:
            data = json.loads(self._path(name).read_text(encoding="utf-8"))
            if data.get("version") != CACHE_VERSION or not set(self.forms) <= set(data["forms"]):
                return None
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("%s: unreadable, read again from EDGAR: %s", self._path(name), exc)
            return None
        return data

    def _write(self, name: str, payload: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"version": CACHE_VERSION, "forms": self.forms, **payload}
        write_atomically(self._path(name), json.dumps(data, default=date.isoformat) + "\n")

    def listing(self, year: int, quarter: int) -> list[date] | None:
        data = self._read(f"{year}-QTR{quarter}.json")
        try:
            return None if data is None else [date.fromisoformat(d) for d in data["days"]]
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("daily-index cache %s-QTR%s: unreadable: %s", year, quarter, exc)
            return None

    def save_listing(self, year: int, quarter: int, days: list[date]) -> None:
        self._write(f"{year}-QTR{quarter}.json", {"days": days})

    def day(self, day: date) -> tuple[list[IndexedFiling], dict[str, str]] | None:
        data = self._read(f"{day:%Y%m%d}.json")
        if data is None:
            return None
        wanted = set(self.forms)
        try:
            rows = [
                IndexedFiling(
                    check_cik(r["cik"]),
                    check_form(r["form"]),
                    date.fromisoformat(r["filing_date"]),
                    check_accession(r["accession_number"]),
                    day,
                )
                for r in data["rows"]
                if r["form"] in wanted
            ]
            refused = {check_cik(cik): str(why) for cik, why in data["refused"].items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("daily-index cache of %s: unreadable, read again: %s", day, exc)
            return None
        return rows, refused

    def save_day(self, day: date, rows: list[IndexedFiling], refused: dict[str, str]) -> None:
        self._write(f"{day:%Y%m%d}.json", {"rows": [asdict(r) for r in rows], "refused": refused})

    def prune(self, before: date) -> None:
        """Remove cached days older than ``before`` (they are never asked for again)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.glob("[0-9]" * 8 + ".json"):
            if path.stem < f"{before:%Y%m%d}":
                path.unlink(missing_ok=True)


def _quarters(start: date, end: date) -> list[tuple[int, int]]:
    quarters, (year, quarter) = [], quarter_of(start)
    while (year, quarter) <= quarter_of(end):
        quarters.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return quarters


def scan(
    start: date,
    *,
    user_agent: str,
    forms: tuple[str, ...],
    state_dir: Path,
    today: date | None = None,
) -> DailyScan:
    """Every filing of ``forms`` (amendments included) in the daily indexes from ``start``
    through today. Raises :class:`EdgarIndexError` (or a requests error) when a listing or a
    listed day cannot be read: the caller then reads the companies' own indexes."""
    today = today or utc_today()
    wanted = set(forms) | {f"{f}/A" for f in forms}
    cache = DailyIndexCache(state_dir, wanted)
    result = DailyScan()
    for year, quarter in _quarters(start, today):
        days = cache.listing(year, quarter)
        if days is None:
            url = DAILY_INDEX_URL.format(year=year, quarter=quarter, name="index.json")
            result.requests += 1
            days = _listing(url, user_agent)
            if days is None:  # 404: a new quarter's folder appears with its first index
                if today - quarter_start(year, quarter) >= timedelta(days=NEW_QUARTER_DAYS):
                    raise EdgarIndexError(f"{url} answered HTTP 404")
                days = []
            if is_final(quarter_start(year + quarter // 4, quarter % 4 + 1), today):
                cache.save_listing(year, quarter, days)
        for day in days:
            if day < start or day > today:
                continue
            cached = cache.day(day)
            if cached is not None:
                rows, refused = cached
                result.days_cached.append(day)
            else:
                name = f"master.{day:%Y%m%d}.idx"
                url = DAILY_INDEX_URL.format(year=year, quarter=quarter, name=name)
                result.requests += 1
                rows, refused = parse_master(_get_text(url, user_agent), day, wanted, url)
                result.days_read.append(day)
                if is_final(day, today):
                    cache.save_day(day, rows, refused)
            result.filings += rows
            result.refused.update({cik: (day, why) for cik, why in refused.items()})
    return result
