"""Shared fixtures: where the real EDGAR corpus lives (env EDGAR_CORPUS)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def corpus_dir() -> Path:
    """The read-only corpus of real filings (EDGAR_CORPUS, default <repo>/../shared/edgar)."""
    return Path(os.environ.get("EDGAR_CORPUS", REPO.parent / "shared" / "edgar"))


def filing_file(ticker: str, accession: str, name: str) -> Path:
    """Path of one real document; skips the test when the corpus is not on this machine."""
    path = corpus_dir() / ticker / accession / name
    if not path.is_file():
        pytest.skip(f"EDGAR corpus file not present: {path}")
    return path
