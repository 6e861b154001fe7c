"""Pipeline settings: what to track, where data lives, and who is asking SEC.

Every setting has an environment variable (documented in the README); nothing here
imports Dagster. Paths of generated data all live under one data folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

DEFAULT_COMPANIES = ("AMZN", "WMT")
DEFAULT_FORMS = ("10-K", "10-Q")  # amendments (10-K/A, 10-Q/A) are always included
DEFAULT_EARLIEST_FILING_DATE = date(2009, 1, 1)

_TICKER = re.compile(r"^[A-Z][A-Z0-9.\-]{0,9}$")
_CIK = re.compile(r"^\d{1,10}$")


class ConfigError(ValueError):
    """A setting that is missing or malformed; the message says how to fix it."""


def validate_company(value: str) -> str:
    """Return a ticker (upper-cased) or a 10-digit CIK, refusing anything path- or SQL-unsafe.

    Tickers are 1-10 characters of letters, digits, '.' and '-', starting with a letter
    and never '..'; CIKs are 1-10 digits (zero-padded to 10).
    """
    text = value.strip()
    if _CIK.fullmatch(text):
        return text.zfill(10)
    upper = text.upper()
    if not _TICKER.fullmatch(upper) or ".." in upper:
        raise ConfigError(
            f"company {value!r} is not a ticker (letters, digits, '.', '-') or a CIK (digits): "
            "path separators, quotes and other characters are refused"
        )
    return upper


def _split_list(raw: str) -> list[str]:
    return [item for item in re.split(r"[,\s]+", raw) if item]


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
    """Resolved settings. Build with :meth:`from_env`; every field has a default."""

    data_dir: Path = field(default_factory=lambda: REPO_ROOT / "data")
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "companies", tuple(validate_company(c) for c in self.companies))
        for form in self.forms:
            if form not in ("10-K", "10-Q"):
                raise ConfigError(f"form {form!r} is not supported; choose from 10-K, 10-Q")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read settings from environment variables (see README, 'Configuration')."""
        env = dict(os.environ if env is None else env)
        kwargs: dict = {}
        if env.get("EDGAR_DATA_DIR"):
            kwargs["data_dir"] = Path(env["EDGAR_DATA_DIR"]).expanduser().resolve()
        if env.get("EDGAR_COMPANIES"):
            kwargs["companies"] = tuple(_split_list(env["EDGAR_COMPANIES"]))
        if env.get("EDGAR_FORMS"):
            kwargs["forms"] = tuple(_split_list(env["EDGAR_FORMS"]))
        if env.get("EDGAR_EARLIEST_FILING_DATE"):
            try:
                kwargs["earliest_filing_date"] = date.fromisoformat(
                    env["EDGAR_EARLIEST_FILING_DATE"]
                )
            except ValueError as exc:
                raise ConfigError(
                    f"EDGAR_EARLIEST_FILING_DATE={env['EDGAR_EARLIEST_FILING_DATE']!r} "
                    "is not a YYYY-MM-DD date"
                ) from exc
        if env.get("EDGAR_MIRROR"):
            mirror = Path(env["EDGAR_MIRROR"]).expanduser().resolve()
            if not (mirror / "filings.csv").is_file():
                raise ConfigError(f"EDGAR_MIRROR={mirror} has no filings.csv")
            kwargs["edgar_mirror"] = mirror
        kwargs["contact_company"] = env.get("SEC_CONTACT_COMPANY", "")
        kwargs["contact_email"] = env.get("SEC_CONTACT_EMAIL", "")
        for name, key, cast in (
            ("request_timeout_s", "EDGAR_REQUEST_TIMEOUT", float),
            ("request_deadline_s", "EDGAR_REQUEST_DEADLINE", float),
            ("max_retries", "EDGAR_MAX_RETRIES", int),
            ("requests_per_second", "EDGAR_REQUESTS_PER_SECOND", int),
        ):
            if env.get(key):
                kwargs[name] = cast(env[key])
        return cls(**kwargs)

    def contact(self) -> ContactIdentity:
        """The SEC contact identity; offline mirror runs get a placeholder of their own."""
        if self.edgar_mirror is not None and not (self.contact_company and self.contact_email):
            return ContactIdentity("edgar-warehouse offline mirror", "offline@localhost.invalid")
        return ContactIdentity(self.contact_company, self.contact_email)

    # Locations of generated data, all under data_dir.
    @property
    def landing_dir(self) -> Path:
        """Where sec-edgar-downloader's ``sec-edgar-filings/`` tree lives."""
        return self.data_dir / "landing"

    @property
    def parquet_dir(self) -> Path:
        """Root of the Parquet datasets (catalog, facts, line items)."""
        return self.data_dir / "parquet"

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
    def catalog_path(self) -> Path:
        """The filings catalog: one row per downloaded filing."""
        return self.parquet_dir / "catalog" / "filings.parquet"

    @property
    def facts_dir(self) -> Path:
        """Facts dataset: ``ticker=<T>/<accession>.parquet``, one file per filing."""
        return self.parquet_dir / "facts"

    @property
    def line_items_dir(self) -> Path:
        """Line-items dataset: ``ticker=<T>/<accession>.parquet``, one file per filing."""
        return self.parquet_dir / "line_items"
