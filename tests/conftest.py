"""Shared fixtures: the real filings corpus (../shared/edgar) and the EDGAR stand-in."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


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


@pytest.fixture
def standin(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """A running EDGAR stand-in; requests (and so the downloader) go through it."""
    from pipeline.edgar.standin import EdgarStandIn

    with EdgarStandIn(corpus) as server:
        for key, value in server.client_env().items():
            monkeypatch.setenv(key, value)
        yield server
