"""Pipeline settings: what to track, where data lives, and who is asking SEC.

Every setting has an environment variable (README, "Configuration", with its accepted
range) and is checked here, in one place: :meth:`Settings.from_env` parses each variable's
text (:func:`parse_setting`) and ``Settings.__post_init__`` checks every value, so settings
built any other way (the Dagster resource, tests) get the same checks. A bad value raises
:class:`ConfigError`, one line naming the variable, the value and what is accepted.
Nothing here imports Dagster. Generated data lives under one local data folder, except the
Parquet lake, which ``EDGAR_LAKE`` may put elsewhere (a local path, or an object store URI:
:mod:`pipeline.lake`).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.identifiers import UnsafeIdentifierError, check_cik, check_ticker
from pipeline.lake import (
    LakePath,
    LakeUriError,
    location_text,
    mask_uri,
    parse_lake,
    parse_location,
)

REPO_ROOT = Path(__file__).resolve().parents[1]

DEFAULT_COMPANIES = ("AMZN", "WMT")
SUPPORTED_FORMS = ("10-K", "10-Q")  # amendments (10-K/A, 10-Q/A) are always included
DEFAULT_FORMS = SUPPORTED_FORMS
DEFAULT_EARLIEST_FILING_DATE = date(2009, 1, 1)
FIRST_EDGAR_DATE = date(1993, 1, 1)  # EDGAR's electronic filings start in 1993
SEC_MAX_REQUESTS_PER_SECOND = 10  # SEC's fair-access limit; exceeding it gets an address blocked

# Settings field -> its environment variable (the name every error message uses).
ENV_VARS = {
    "data_dir": "EDGAR_DATA_DIR",
    "lake": "EDGAR_LAKE",
    "companies": "EDGAR_COMPANIES",
    "forms": "EDGAR_FORMS",
    "earliest_filing_date": "EDGAR_EARLIEST_FILING_DATE",
    "contact_company": "SEC_CONTACT_COMPANY",
    "contact_email": "SEC_CONTACT_EMAIL",
    "edgar_mirror": "EDGAR_MIRROR",
    "request_timeout_s": "EDGAR_REQUEST_TIMEOUT",
    "request_deadline_s": "EDGAR_REQUEST_DEADLINE",
    "max_retries": "EDGAR_MAX_RETRIES",
    "requests_per_second": "EDGAR_REQUESTS_PER_SECOND",
    "sensor_batch_size": "EDGAR_SENSOR_BATCH",
    "parse_workers": "EDGAR_PARSE_WORKERS",
    "compare": "EDGAR_COMPARE",
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HEADER_TEXT = re.compile(r"^[\x20-\x7e]*$")  # printable ASCII: safe in a User-Agent header
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def default_parse_workers() -> int:
    """``EDGAR_PARSE_WORKERS``' default: the cores this process may run on, at most 8."""
    try:
        cores = len(os.sched_getaffinity(0))  # a container's CPU set, not the host's
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


class ConfigError(ValueError):
    """A setting that is missing or malformed; the message says how to fix it."""


@dataclass(frozen=True)
class _Number:
    """The accepted values of a numeric setting: a (whole) number in (or from) min to max."""

    whole: bool
    minimum: float
    maximum: float
    min_exclusive: bool
    accepted: str  # the sentence every error for this setting ends with


_NUMBERS = {
    "request_timeout_s": _Number(
        False, 0, 600, True, "give seconds, more than 0 and at most 600 (default 30)"
    ),
    "request_deadline_s": _Number(
        False, 0, 3600, True, "give seconds, more than 0 and at most 3600 (default 300)"
    ),
    "max_retries": _Number(
        True, 0, 20, False, "give a whole number from 0 (no retries) to 20 (default 5)"
    ),
    "requests_per_second": _Number(
        True,
        1,
        1000,
        False,
        f"give a whole number from 1 to {SEC_MAX_REQUESTS_PER_SECOND} (SEC's fair-access "
        "limit; up to 1000 with EDGAR_MIRROR) (default 10)",
    ),
    "sensor_batch_size": _Number(
        True,
        1,
        1000,
        False,
        "give a whole number of companies from 1 to 1000: how many submissions indexes the "
        "new-filings sensor reads per tick (default 10)",
    ),
    "parse_workers": _Number(
        True,
        1,
        64,
        False,
        "give a whole number of processes from 1 (parse in the step's own process) to 64 "
        "(default: the machine's cores, at most 8)",
    ),
}


def validate_company(value: str) -> str:
    """Return a ticker (upper-cased) or a 10-digit CIK, refusing anything path- or SQL-unsafe.

    The patterns are :mod:`pipeline.identifiers`' (the same ones applied to what EDGAR
    sends): tickers are 1-10 characters of letters, digits, '.' and '-', starting with a
    letter and never '..'; CIKs are 1-10 digits, not all zero (zero-padded to 10).
    """
    text = value.strip()
    try:
        if text.isdigit():
            cik = check_cik(text, source="EDGAR_COMPANIES")
            if int(cik) > 0:
                return cik
            raise UnsafeIdentifierError("a CIK of all zeros")
        return check_ticker(text, source="EDGAR_COMPANIES")
    except UnsafeIdentifierError:
        raise ConfigError(
            f"company {value!r} is not a ticker (letters, digits, '.', '-') or a CIK (digits, "
            "not all zero): path separators, quotes and other characters are refused"
        ) from None


def _split_list(raw: str) -> list[str]:
    return [item for item in re.split(r"[,\s]+", raw) if item]


def _parse_list(name: str, text: str) -> tuple[str, ...]:
    items = tuple(_split_list(text))
    if not items:
        what, example = {
            "companies": ("company", "AMZN,WMT"),
            "compare": ("company", "AMZN,WMT"),
        }.get(name, ("form", "10-K,10-Q"))
        raise ConfigError(
            f"{ENV_VARS[name]}={text!r} names no {what}: give them separated by commas, "
            f"like {example}"
        )
    return items


# Plain ASCII numbers only: Python's int()/float() also take "1_0" and other scripts' digits.
_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(
    r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?(nan|inf(inity)?)", re.I
)


def _parse_number(name: str, text: str) -> float | int:
    spec = _NUMBERS[name]
    try:
        if not (_WHOLE if spec.whole else _DECIMAL).fullmatch(text.strip()):
            raise ValueError(text)
        return int(text) if spec.whole else float(text)
    except ValueError:
        kind = "a whole number" if spec.whole else "a number"
        raise ConfigError(f"{ENV_VARS[name]}={text!r} is not {kind}: {spec.accepted}") from None


def _parse_date(name: str, text: str) -> date:
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"{ENV_VARS[name]}={text!r} is not a YYYY-MM-DD date: give one like 2009-01-01"
        ) from None


def _parse_path(name: str, text: str) -> Path:
    return Path(text).expanduser().resolve()


_PARSERS: dict[str, Callable[[str, str], object]] = {
    "data_dir": _parse_path,
    "lake": lambda name, text: text,  # a path or a URI: checked by Settings (_check_lake)
    "companies": _parse_list,
    "forms": _parse_list,
    "earliest_filing_date": _parse_date,
    "contact_company": lambda name, text: text,
    "contact_email": lambda name, text: text,
    "edgar_mirror": _parse_path,
    "compare": _parse_list,
    **dict.fromkeys(_NUMBERS, _parse_number),
}


def parse_setting(name: str, text: str) -> object:
    """One setting's value from the text of its environment variable (type errors only;
    ranges are checked by :class:`Settings`)."""
    return _PARSERS[name](name, text.strip())


def _check_number(name: str, value: object) -> None:
    spec, var = _NUMBERS[name], ENV_VARS[name]
    kinds = (int,) if spec.whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        kind = "a whole number" if spec.whole else "a number"
        raise ConfigError(f"{var}={value!r} is not {kind}: {spec.accepted}")
    if not math.isfinite(value):
        raise ConfigError(f"{var}={value!r} is not a finite number: {spec.accepted}")
    too_low = value <= spec.minimum if spec.min_exclusive else value < spec.minimum
    if too_low or value > spec.maximum:
        raise ConfigError(f"{var}={value!r} is out of range: {spec.accepted}")


def _check_data_dir(path: Path, var: str = ENV_VARS["data_dir"]) -> None:
    """The data folder (or a local lake), or its nearest existing parent, must be a folder
    (it is created later)."""
    try:
        for candidate in (path, *path.parents):
            if candidate.exists():
                if not candidate.is_dir():
                    where = "is a file" if candidate == path else f"is inside a file ({candidate})"
                    raise ConfigError(
                        f"{var}={str(path)!r} {where}, not a folder: point {var} at a folder "
                        "(it is created if missing)"
                    )
                return
    except OSError as exc:
        raise ConfigError(
            f"{var}={str(path)!r} cannot be checked ({exc.strerror}): point {var} at a folder "
            "you can read"
        ) from None


def _check_lake(value: object) -> str | None:
    """The lake setting normalised (a resolved local path, or a URI checked without network),
    or None for the default (``<data>/parquet``)."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    var = ENV_VARS["lake"]
    try:
        root = parse_lake(text)
    except LakeUriError as exc:
        raise ConfigError(f"{var}={mask_uri(text)!r} {exc}") from None
    if isinstance(root, Path):
        _check_data_dir(root, var)
    return location_text(root)


@dataclass(frozen=True)
class ContactIdentity:
    """The company name and email that SEC requires in every request's User-Agent."""

    company: str
    email: str

    def __post_init__(self) -> None:
        if not self.company.strip() or "@" not in self.email:
            raise ConfigError(
                "SEC requires a contact identity (company name and email) in the User-Agent: "
                "set SEC_CONTACT_COMPANY and SEC_CONTACT_EMAIL (e.g. 'Acme Research' and "
                "'data@acme.example')"
            )

    @property
    def user_agent(self) -> str:
        """The User-Agent string SEC expects: ``Company email``."""
        return f"{self.company} {self.email}"


@dataclass(frozen=True)
class Settings:
    """Resolved, validated settings. Build with :meth:`from_env`; every field has a default.

    Companies and forms are normalised (upper case, CIKs zero-padded) and de-duplicated,
    keeping first-seen order.
    """

    data_dir: Path = field(default_factory=lambda: REPO_ROOT / "data")
    # The Parquet lake's root: a local path or an object store URI; None: <data_dir>/parquet.
    lake: str | None = None
    companies: tuple[str, ...] = DEFAULT_COMPANIES
    forms: tuple[str, ...] = DEFAULT_FORMS
    earliest_filing_date: date = DEFAULT_EARLIEST_FILING_DATE
    contact_company: str = ""
    contact_email: str = ""
    edgar_mirror: Path | None = None  # serve filings from a local corpus via the stand-in
    request_timeout_s: float = 30.0
    request_deadline_s: float = 300.0
    max_retries: int = 5
    requests_per_second: int = 10
    sensor_batch_size: int = 10  # companies the new-filings sensor reads per tick
    # Processes that parse a run's filings when there are enough of them to pay (xbrl/fan_out.py)
    parse_workers: int = field(default_factory=default_parse_workers)
    # EDGAR_COMPARE: the compare set (2+ tracked companies; the first two are the pair);
    # None: every tracked company, the pair being the first two of EDGAR_COMPANIES.
    compare: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        self._set("companies", self._companies())
        self._set("forms", self._forms())
        self._set("compare", self._compare())
        self._check_date()
        self._check_contact()
        if self.edgar_mirror is not None:
            self._set("edgar_mirror", Path(self.edgar_mirror))
            if not (self.edgar_mirror / "filings.csv").is_file():
                raise ConfigError(
                    f"EDGAR_MIRROR={str(self.edgar_mirror)!r} has no filings.csv: point it at a "
                    "folder laid out like ../shared/edgar, or unset it to use SEC"
                )
        for name in _NUMBERS:
            _check_number(name, getattr(self, name))
        if self.request_deadline_s < self.request_timeout_s:
            raise ConfigError(
                f"EDGAR_REQUEST_DEADLINE={self.request_deadline_s!r} is shorter than "
                f"EDGAR_REQUEST_TIMEOUT={self.request_timeout_s!r}: the deadline bounds a whole "
                "attempt, so give at least the timeout"
            )
        if self.edgar_mirror is None and self.requests_per_second > SEC_MAX_REQUESTS_PER_SECOND:
            raise ConfigError(
                f"EDGAR_REQUESTS_PER_SECOND={self.requests_per_second!r} is above SEC's "
                f"fair-access limit of {SEC_MAX_REQUESTS_PER_SECOND}/s (SEC blocks addresses "
                f"that exceed it): give 1 to {SEC_MAX_REQUESTS_PER_SECOND}, or use EDGAR_MIRROR"
            )
        self._set("data_dir", Path(self.data_dir))
        _check_data_dir(self.data_dir)
        self._set("lake", _check_lake(self.lake))

    def _set(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)

    def _companies(self) -> tuple[str, ...]:
        try:
            normalised = [validate_company(c) for c in self.companies]
        except ConfigError as exc:
            raise ConfigError(f"EDGAR_COMPANIES: {exc}") from None
        if not normalised:
            raise ConfigError(
                "EDGAR_COMPANIES names no company: give tickers or CIKs separated by commas, "
                "like AMZN,WMT"
            )
        return tuple(dict.fromkeys(normalised))  # AMZN,amzn and 1018724,0001018724: one each

    def _compare(self) -> tuple[str, ...] | None:
        """EDGAR_COMPARE normalised like the companies; each must be a tracked company."""
        if self.compare is None:
            return None
        try:
            chosen = tuple(dict.fromkeys(validate_company(c) for c in self.compare))
        except ConfigError as exc:
            raise ConfigError(f"EDGAR_COMPARE: {exc}") from None
        tracked = ",".join(self.companies)
        if len(chosen) < 2:
            raise ConfigError(
                f"EDGAR_COMPARE={','.join(chosen)!r} names fewer than two companies: give two or "
                "more of EDGAR_COMPANIES (the first two are the pair), or unset it to compare "
                "every tracked company"
            )
        if untracked := [c for c in chosen if c not in self.companies]:
            raise ConfigError(
                f"EDGAR_COMPARE names {','.join(untracked)}, not tracked (EDGAR_COMPANIES="
                f"{tracked}): compare only tracked companies, spelled as in EDGAR_COMPANIES"
            )
        return chosen

    @property
    def compare_pair(self) -> tuple[str, ...]:
        """Where the pair of ``marts.pair_comparison`` comes from: EDGAR_COMPARE, else
        EDGAR_COMPANIES; the marts take its first two distinct companies (a ticker and its
        CIK are one), one when only one is tracked."""
        return self.compare or self.companies

    def _forms(self) -> tuple[str, ...]:
        forms = [form.strip().upper() for form in self.forms]
        for form in forms:
            if form not in SUPPORTED_FORMS:
                raise ConfigError(
                    f"EDGAR_FORMS: form {form!r} is not supported: choose from "
                    f"{', '.join(SUPPORTED_FORMS)} (their amendments, 10-K/A and 10-Q/A, are "
                    "always included)"
                )
        if not forms:
            raise ConfigError("EDGAR_FORMS names no form: give 10-K, 10-Q or 10-K,10-Q")
        return tuple(dict.fromkeys(forms))

    def _check_date(self) -> None:
        value, today = self.earliest_filing_date, date.today()
        if not isinstance(value, date) or not FIRST_EDGAR_DATE <= value <= today:
            raise ConfigError(
                f"EDGAR_EARLIEST_FILING_DATE={str(value)!r} is out of range: give a YYYY-MM-DD "
                f"date from {FIRST_EDGAR_DATE} (EDGAR's first filings) to today ({today})"
            )

    def _check_contact(self) -> None:
        for name in ("contact_company", "contact_email"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _HEADER_TEXT.fullmatch(value):
                raise ConfigError(
                    f"{ENV_VARS[name]}={value!r} cannot go in the User-Agent header SEC reads: "
                    "give printable ASCII, like 'Acme Research' and data@acme.example"
                )
        if self.contact_email and not _EMAIL.fullmatch(self.contact_email):
            raise ConfigError(
                f"SEC_CONTACT_EMAIL={self.contact_email!r} is not an email address: give one "
                "SEC can reach, like data@acme.example"
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from environment variables (see README, 'Configuration').

        A variable that is unset or blank takes its default.
        """
        env = os.environ if env is None else env
        values = {}
        for name, var in ENV_VARS.items():
            text = env.get(var, "").strip()
            if text:
                values[name] = parse_setting(name, text)
        return cls(**values)

    def contact(self) -> ContactIdentity:
        """The SEC contact identity; offline mirror runs get a placeholder of their own."""
        if self.edgar_mirror is not None and not (self.contact_company and self.contact_email):
            return ContactIdentity("edgar-warehouse offline mirror", "offline@localhost.invalid")
        return ContactIdentity(self.contact_company, self.contact_email)

    # Locations of generated data: under data_dir, except the Parquet lake (EDGAR_LAKE).
    @property
    def landing_dir(self) -> Path:
        """Where sec-edgar-downloader's ``sec-edgar-filings/`` tree lives."""
        return self.data_dir / "landing"

    @property
    def parquet_dir(self) -> LakePath:
        """Root of the Parquet lake (catalog, facts, line items): ``EDGAR_LAKE``, by default
        ``<data_dir>/parquet``; a :class:`pathlib.Path`, or an object store location."""
        return parse_location(self.lake) if self.lake else self.data_dir / "parquet"

    @property
    def lake_is_local(self) -> bool:
        """Whether the Parquet lake is on the local filesystem."""
        return isinstance(self.parquet_dir, Path)

    @property
    def warehouse_path(self) -> Path:
        """The DuckDB warehouse file."""
        return self.data_dir / "warehouse.duckdb"

    @property
    def dagster_home(self) -> Path:
        """Dagster's instance storage (runs, events, schedules, logs)."""
        return self.data_dir / "dagster"

    @property
    def charts_dir(self) -> Path:
        """Rendered charts."""
        return self.data_dir / "charts"

    @property
    def catalog_path(self) -> LakePath:
        """The filings catalog: one row per downloaded filing."""
        return self.parquet_dir / "catalog" / "filings.parquet"

    @property
    def catalog_lock_path(self) -> Path:
        """The local file lock every write of the catalog holds: beside a local catalog; in
        ``<data_dir>/state/`` for a lake on an object store (one deployment writes a lake)."""
        catalog = self.catalog_path
        if isinstance(catalog, Path):
            return catalog.with_name(f"{catalog.name}.lock")
        return self.data_dir / "state" / "lake-catalog.lock"

    @property
    def facts_dir(self) -> LakePath:
        """Facts dataset: ``ticker=<T>/<accession>.parquet``, one file per filing."""
        return self.parquet_dir / "facts"

    @property
    def line_items_dir(self) -> LakePath:
        """Line-items dataset: ``ticker=<T>/<accession>.parquet``, one file per filing."""
        return self.parquet_dir / "line_items"
