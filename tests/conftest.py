"""Shared fixtures: the real filings corpus (../shared/edgar) and the EDGAR stand-in."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# The companies a test run tracks unless a test says otherwise (make_settings).
TEST_COMPANIES = ("AMZN", "WMT")


def corpus_dir() -> Path:
    """The offline corpus of real filings; EDGAR_CORPUS overrides ../shared/edgar."""
    return Path(os.environ.get("EDGAR_CORPUS", REPO_ROOT.parent / "shared" / "edgar")).resolve()


@pytest.fixture(scope="session")
def corpus() -> Path:
    path = corpus_dir()
    if not (path / "filings.csv").is_file():
        pytest.fail(f"no filings corpus at {path}: set EDGAR_CORPUS to ../shared/edgar")
    return path


@pytest.fixture(scope="session")
def corpus_rows(corpus: Path) -> list[dict[str, str]]:
    """filings.csv as dicts, read independently of the code under test."""
    with (corpus / "filings.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def tracked_rows(corpus_rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows of filings.csv for TEST_COMPANIES, the companies make_settings tracks."""
    return rows_for(corpus_rows, TEST_COMPANIES)


def rows_for(rows: list[dict[str, str]], tickers: Iterable[str]) -> list[dict[str, str]]:
    """The rows of ``tickers``, in file order; fails if a ticker has no filing in the corpus."""
    wanted = list(tickers)
    if missing := [t for t in wanted if not any(r["ticker"] == t for r in rows)]:
        pytest.fail(f"filings.csv has no filings of {missing}: the test needs them")
    return [r for r in rows if r["ticker"] in wanted]


def tickers_of(rows: list[dict[str, str]]) -> tuple[str, ...]:
    """The tickers of ``rows``, each once, in file order."""
    return tuple(dict.fromkeys(r["ticker"] for r in rows))


def filing_order(row: dict[str, str]) -> tuple[str, str]:
    """Sort key of the filings partitions: filing date, then accession number."""
    return row["filing_date"], row["accession_number"]


def newest(rows: list[dict[str, str]]) -> dict[str, str]:
    """The most recently filed of ``rows``."""
    return max(rows, key=filing_order)


def oldest(rows: list[dict[str, str]]) -> dict[str, str]:
    """The earliest filed of ``rows``."""
    return min(rows, key=filing_order)


@pytest.fixture
def standin(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """A running EDGAR stand-in; requests (and so the downloader) go through it."""
    from pipeline.edgar.standin import EdgarStandIn

    with EdgarStandIn(corpus) as server:
        for key, value in server.client_env().items():
            monkeypatch.setenv(key, value)
        yield server


def make_settings(tmp_path: Path, **overrides):
    """Settings for a test run: data under tmp_path, a contact identity, short timeouts."""
    from pipeline.config import Settings

    values = {
        "data_dir": tmp_path / "data",
        "companies": TEST_COMPANIES,
        "contact_company": "edgar-warehouse tests",
        "contact_email": "tests@example.com",
        "request_timeout_s": 1.0,
        "max_retries": 2,
    }
    values.update(overrides)
    return Settings(**values)


def execute_job(defs, job_name: str, instance, tags: dict[str, str] | None = None):
    """Execute a job of ``defs`` in process on ``instance``; never raises on step failure."""
    return defs.resolve_job_def(job_name).execute_in_process(
        instance=instance, raise_on_error=False, tags=tags or {}
    )


def step_failures(result) -> list[str]:
    """The error messages of a run's failed steps."""
    return [e.step_failure_data.error.message for e in result.all_events if e.is_step_failure]


def failed_checks(result) -> dict[str, tuple[int, str]]:
    """A run's failed ERROR-severity checks: "asset/check" -> (failing rows, their table)."""
    from dagster import AssetCheckSeverity

    return {
        f"{e.asset_key.to_user_string()}/{e.check_name}": (
            e.metadata["failing_rows"].value,
            e.metadata["rows"].value,
        )
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.severity == AssetCheckSeverity.ERROR
    }


def catalog_row(
    csv_row: dict[str, str],
    *,
    path: str | None,
    size_bytes: int | None,
    sha256: str | None,
    status: str = "landed",
    error: str | None = None,
) -> dict:
    """A filings-catalog row for a filings.csv row (the file facts as the test chooses)."""
    return {
        "ticker": csv_row["ticker"],
        "cik": csv_row["cik"],
        "accession_number": csv_row["accession_number"],
        "form": csv_row["form"],
        "is_amendment": csv_row["form"].endswith("/A"),
        "filing_date": date.fromisoformat(csv_row["filing_date"]),
        "period_of_report": date.fromisoformat(csv_row["report_date"]),
        "fiscal_year_end": csv_row["fiscal_year_end"],
        "company_name": csv_row["company"],
        "path": path,
        "size_bytes": size_bytes,
        "sha256": sha256,
        "status": status,
        "error": error,
    }
