"""Fault matrix, bad filings and companies: one of them fails by name, the rest reach the marts.

A damaged document (a fact whose contextRef names no context) and an unknown ticker are
each tried through the real CLI and the stand-in. The run exits 1 naming the culprit and
its cause; every other filing is parsed and loaded in the same run, with exact figures;
the culprit's own figures are absent, never guessed. The next run tries it again.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.faults.runner import cli_env, run_cli

B = 1_000_000


def fy_values(warehouse: Path, ticker: str, fiscal_year: int) -> dict[str, Decimal]:
    """Reported FY revenue and capex of one company in core.financials."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT line_item, value FROM core.financials WHERE ticker = ? AND fiscal_year = ? "
            "AND fiscal_period = 'FY' AND line_item IN ('revenue', 'capex')",
            [ticker, fiscal_year],
        ).fetchall()
    return {item: Decimal(value) for item, value in rows}


def newest_inline_10k(corpus: Path, ticker: str) -> dict[str, str]:
    """filings.csv's newest inline-XBRL 10-K of ``ticker``."""
    with (corpus / "filings.csv").open(newline="") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["ticker"] == ticker and r["form"] == "10-K" and r["xbrl_format"] == "inline"
        ]
    return max(rows, key=lambda r: r["filing_date"])


@pytest.fixture
def damaged_corpus(corpus: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the corpus whose newest AMZN inline 10-K has one fact on an undefined context."""
    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy)
    row = newest_inline_10k(copy, "AMZN")
    document = copy / row["ticker"] / row["accession_number"] / row["primary_document"]
    text = document.read_text(encoding="utf-8")
    damaged, count = re.subn(
        r'(<ix:nonFraction\b[^>]*?contextRef=")[^"]+"', r'\1c-undefined"', text, count=1
    )
    assert count == 1
    document.chmod(0o644)
    document.write_text(damaged, encoding="utf-8")
    return copy, row


def test_undefined_context_fails_one_filing_by_name_and_the_rest_reach_the_marts(
    damaged_corpus, corpus, tmp_path
):
    damaged, row = damaged_corpus
    data = tmp_path / "data"
    done = run_cli(["run"], cli_env(data, damaged))

    assert done.returncode == 1, done.output[-4000:]
    failed_lines = [line for line in done.output.splitlines() if "FAILED filing" in line]
    assert len(failed_lines) == 1, done.output[-4000:]
    assert row["accession_number"] in failed_lines[0]
    assert "c-undefined" in failed_lines[0] and "parse_failed" in failed_lines[0]
    assert "every_filing_parsed FAILED" in done.output
    assert "Traceback" not in done.output

    warehouse = data / "warehouse.duckdb"
    # Walmart's 10-K for FY2025 and Amazon's for FY2023 went through: exact figures.
    assert fy_values(warehouse, "WMT", 2025) == {
        "revenue": Decimal(680_985 * B),
        "capex": Decimal(23_783 * B),
    }
    assert fy_values(warehouse, "AMZN", 2023) == {
        "revenue": Decimal(574_785 * B),
        "capex": Decimal(52_729 * B),
    }
    # Amazon's FY2024 is only in the damaged filing: absent, not guessed.
    assert fy_values(warehouse, "AMZN", 2024) == {}

    status = run_cli(["status"], cli_env(data, damaged))
    assert row["accession_number"] in status.output and "parse_failed" in status.output

    # The next run retries the filing (and fails it again, by name, while it stays damaged).
    again = run_cli(["run"], cli_env(data, damaged))
    assert again.returncode == 1
    assert row["accession_number"] in "".join(
        line for line in again.output.splitlines() if "FAILED filing" in line
    )


def test_unknown_ticker_fails_by_name_without_blocking_the_others(corpus, tmp_path):
    data = tmp_path / "data"
    done = run_cli(["run"], cli_env(data, corpus, EDGAR_COMPANIES="AMZN,ZZZZ,WMT"))

    assert done.returncode == 1, done.output[-4000:]
    assert "ZZZZ" in done.output and "all_filings_landed FAILED" in done.output
    assert "Traceback" not in done.output
    warehouse = data / "warehouse.duckdb"
    assert fy_values(warehouse, "AMZN", 2024) == {
        "revenue": Decimal(637_959 * B),
        "capex": Decimal(82_999 * B),
    }
    assert fy_values(warehouse, "WMT", 2025)["revenue"] == Decimal(680_985 * B)


def test_a_503_that_never_clears_fails_one_filing_and_the_rest_reach_the_marts(corpus, tmp_path):
    victim = newest_inline_10k(corpus, "WMT")
    acc = victim["accession_number"]
    faults = [{"match": f"{acc}.txt", "kind": 503, "times": None}]
    data = tmp_path / "data"
    env = cli_env(data, corpus, EDGAR_STANDIN_FAULTS=json.dumps(faults), EDGAR_MAX_RETRIES="1")
    done = run_cli(["run"], env)

    assert done.returncode == 1, done.output[-4000:]
    failed_lines = [line for line in done.output.splitlines() if "FAILED filing" in line]
    assert len(failed_lines) == 1 and acc in failed_lines[0], done.output[-4000:]
    assert "download_failed" in failed_lines[0] and "503" in failed_lines[0]
    assert "Traceback" not in done.output
    warehouse = data / "warehouse.duckdb"
    # The rest went through, the other company too, with exact figures; WMT FY2025 is absent.
    assert fy_values(warehouse, "AMZN", 2024) == {
        "revenue": Decimal(637_959 * B),
        "capex": Decimal(82_999 * B),
    }
    assert fy_values(warehouse, "WMT", 2024)["revenue"] == Decimal(648_125 * B)
    assert fy_values(warehouse, "WMT", 2025) == {}

    # SEC answers again: the next run fetches just that filing and completes.
    healed = run_cli(["run"], cli_env(data, corpus))
    assert healed.returncode == 0, healed.output[-4000:]
    assert fy_values(warehouse, "WMT", 2025) == {
        "revenue": Decimal(680_985 * B),
        "capex": Decimal(23_783 * B),
    }


def test_an_error_check_failure_fails_the_run_naming_the_check_and_its_rows(corpus, tmp_path):
    """A filing whose total revenues carry a wrong sign: revenue_positive (ERROR) fails."""
    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy)
    row = newest_inline_10k(copy, "WMT")
    document = copy / row["ticker"] / row["accession_number"] / row["primary_document"]
    text = document.read_text(encoding="utf-8")
    negated, count = re.subn(
        r'(<ix:nonFraction\b)(?=[^>]*name="us-gaap:Revenues")', r'\1 sign="-"', text
    )
    assert count > 0
    document.chmod(0o644)
    document.write_text(negated, encoding="utf-8")

    done = run_cli(["run"], cli_env(tmp_path / "data", copy))
    assert done.returncode == 1, done.output[-4000:]
    check_lines = [line for line in done.output.splitlines() if "revenue_positive FAILED" in line]
    assert check_lines and "(error)" in check_lines[0], done.output[-4000:]
    rows = done.output.split(check_lines[0], 1)[1]
    assert "WMT" in rows and "FY2025" in rows  # the failing rows are shown under the check
    assert "edgar-pipeline run: FAILED" in done.output
