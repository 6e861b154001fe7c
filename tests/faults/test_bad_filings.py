"""Fault matrix, bad filings and companies: one of them fails by name, the rest reach the marts.

A damaged document (a fact whose contextRef names no context) and an unknown ticker are
each tried through the real CLI and the stand-in. The run exits 1 naming the culprit and
its cause; every other filing is parsed and loaded in the same run, with exact figures;
the culprit's own figures are absent, never guessed. The next run tries it again.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import newest, rows_for
from tests.faults.figures import (
    AMZN_FY2023,
    AMZN_FY2024,
    WMT_FY2024_REVENUE,
    WMT_FY2025,
    fy_values,
)
from tests.faults.runner import cli_env, run_cli


def newest_inline_10k(rows: list[dict[str, str]], ticker: str) -> dict[str, str]:
    """filings.csv's newest inline-XBRL 10-K of ``ticker``."""
    inline_10ks = [r for r in rows_for(rows, [ticker]) if r["form"] == "10-K"]
    return newest([r for r in inline_10ks if r["xbrl_format"] == "inline"])


def edited_copy(
    corpus: Path, dest: Path, row: dict[str, str], pattern: str, repl: str, count: int = 0
) -> Path:
    """A copy of ``corpus`` at ``dest`` whose primary document of ``row`` has the first
    ``count`` matches of ``pattern`` (all when 0; at least one) replaced by ``repl``."""
    shutil.copytree(corpus, dest)
    document = dest / row["ticker"] / row["accession_number"] / row["primary_document"]
    text, replaced = re.subn(pattern, repl, document.read_text(encoding="utf-8"), count=count)
    assert replaced > 0, f"{pattern!r} not in {document}"
    document.chmod(0o644)
    document.write_text(text, encoding="utf-8")
    return dest


@pytest.fixture
def damaged_corpus(corpus: Path, corpus_rows, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the corpus whose newest AMZN inline 10-K has one fact on an undefined context."""
    row = newest_inline_10k(corpus_rows, "AMZN")
    pattern = r'(<ix:nonFraction\b[^>]*?contextRef=")[^"]+"'
    copy = edited_copy(corpus, tmp_path / "corpus", row, pattern, r'\1c-undefined"', count=1)
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
    assert fy_values(warehouse, "WMT", 2025) == WMT_FY2025
    assert fy_values(warehouse, "AMZN", 2023) == AMZN_FY2023
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
    assert "FAILED company ZZZZ: UnknownCompanyError: ticker 'ZZZZ'" in done.output
    assert "Traceback" not in done.output
    warehouse = data / "warehouse.duckdb"
    assert fy_values(warehouse, "AMZN", 2024) == AMZN_FY2024
    assert fy_values(warehouse, "WMT", 2025)["revenue"] == WMT_FY2025["revenue"]
    status = run_cli(["status"], cli_env(data, corpus, EDGAR_COMPANIES="AMZN,ZZZZ,WMT"))
    assert status.returncode == 1 and "FAILED company ZZZZ" in status.output
    # Without the unknown ticker, nothing is failed any more.
    assert run_cli(["run"], cli_env(data, corpus)).returncode == 0


def test_a_503_that_never_clears_fails_one_filing_and_the_rest_reach_the_marts(
    corpus, corpus_rows, tmp_path
):
    victim = newest_inline_10k(corpus_rows, "WMT")
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
    assert fy_values(warehouse, "AMZN", 2024) == AMZN_FY2024
    assert fy_values(warehouse, "WMT", 2024)["revenue"] == WMT_FY2024_REVENUE
    assert fy_values(warehouse, "WMT", 2025) == {}

    # SEC answers again: the next run fetches just that filing and completes.
    healed = run_cli(["run"], cli_env(data, corpus))
    assert healed.returncode == 0, healed.output[-4000:]
    assert fy_values(warehouse, "WMT", 2025) == WMT_FY2025


def test_an_error_check_failure_fails_the_run_naming_the_check_and_its_rows(
    corpus, corpus_rows, tmp_path
):
    """A filing whose total revenues carry a wrong sign: revenue_positive (ERROR) fails."""
    row = newest_inline_10k(corpus_rows, "WMT")
    pattern = r'(<ix:nonFraction\b)(?=[^>]*name="us-gaap:Revenues")'
    copy = edited_copy(corpus, tmp_path / "corpus", row, pattern, r'\1 sign="-"')

    done = run_cli(["run"], cli_env(tmp_path / "data", copy))
    assert done.returncode == 1, done.output[-4000:]
    check_lines = [line for line in done.output.splitlines() if "revenue_positive FAILED" in line]
    assert check_lines and "(error)" in check_lines[0], done.output[-4000:]
    rows = done.output.split(check_lines[0], 1)[1]
    assert "WMT" in rows and "FY2025" in rows  # the failing rows are shown under the check
    assert "edgar-pipeline run: FAILED" in done.output
