"""The download assets through the real sec-edgar-downloader and the EDGAR stand-in."""

from __future__ import annotations

import hashlib
import time
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from dagster import materialize

from assets.edgar import build_edgar_assets
from pipeline.config import ConfigError, Settings
from pipeline.edgar.download import filing_path
from pipeline.resources import PipelineSettings
from tests.conftest import failed_checks, make_settings, step_failures, tickers_of


def run_edgar_assets(settings: Settings):
    return materialize(
        build_edgar_assets(settings.companies),
        resources={"settings": PipelineSettings.from_settings(settings)},
        raise_on_error=False,
    )


def landed(settings: Settings, row: dict[str, str]) -> Path:
    base_form = row["form"].removesuffix("/A")
    return filing_path(settings.landing_dir, row["ticker"], base_form, row["accession_number"])


def named_failure(result, row: dict[str, str]) -> str:
    """The one failure of a download run: ``row``'s company's all_filings_landed check.

    A filing that cannot be downloaded fails no step (the others flow on); its company's
    ERROR-severity check names it, and only it. Returns the reason table of that check.
    """
    assert step_failures(result) == []
    failures = failed_checks(result)
    check = f"edgar/filings_{row['ticker'].lower()}/all_filings_landed"
    assert list(failures) == [check], failures
    count, rows = failures[check]
    assert count == 1 and row["accession_number"] in rows, rows
    return rows


def snapshot(settings: Settings) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(settings.landing_dir)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in settings.landing_dir.rglob("*")
        if p.is_file()
    }


def test_first_run_lands_every_filing_and_catalogs_it(standin, corpus_rows, tmp_path):
    settings = make_settings(tmp_path, companies=tickers_of(corpus_rows))  # every company
    result = run_edgar_assets(settings)
    assert result.success, step_failures(result)
    for row in corpus_rows:
        path = landed(settings, row)
        assert path.is_file(), f"{row['accession_number']} missing at {path}"
        assert path.read_bytes().rstrip().endswith(b"</SEC-DOCUMENT>")

    catalog = pq.read_table(settings.catalog_path).to_pylist()
    assert len(catalog) == len(corpus_rows)
    by_accession = {r["accession_number"]: r for r in catalog}
    for row in corpus_rows:
        got = by_accession[row["accession_number"]]
        assert got["ticker"] == row["ticker"]
        assert got["cik"] == row["cik"]
        assert got["form"] == row["form"]
        assert got["is_amendment"] is row["form"].endswith("/A")
        assert got["filing_date"] == date.fromisoformat(row["filing_date"])
        assert got["period_of_report"] == date.fromisoformat(row["report_date"])
        assert got["fiscal_year_end"] == row["fiscal_year_end"]
        path = Path(got["path"])
        assert got["size_bytes"] == path.stat().st_size
        assert got["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # SEC's fair-access limit: never more than 10 requests in any one-second window
    # (CONNECTs open proxy tunnels; SEC itself only sees the GETs).
    stamps = sorted(r.timestamp for r in standin.requests.records() if r.method == "GET")
    assert len(stamps) > 10
    assert max(sum(1 for t in stamps if s <= t < s + 1.0) for s in stamps) <= 10


def test_second_run_downloads_nothing_and_changes_nothing(standin, tmp_path):
    settings = make_settings(tmp_path)
    assert run_edgar_assets(settings).success
    before = snapshot(settings)
    archives_before = standin.requests.count("/Archives/")

    result = run_edgar_assets(settings)
    assert result.success
    assert snapshot(settings) == before
    assert standin.requests.count("/Archives/") == archives_before
    for ticker in settings.companies:
        mat = result.asset_materializations_for_node(f"edgar__filings_{ticker.lower()}")[0]
        assert mat.metadata["downloaded"].value == 0
        assert mat.metadata["already_complete"].value > 0


def test_a_429_then_success_is_retried(standin, tracked_rows, tmp_path):
    target = tracked_rows[0]["accession_number"]
    standin.faults.add(f"{target}.txt", 429, times=1)
    settings = make_settings(tmp_path)
    result = run_edgar_assets(settings)
    assert result.success, step_failures(result)
    assert landed(settings, tracked_rows[0]).is_file()
    assert standin.requests.count(f"{target}.txt", status=429) == 1
    assert standin.requests.count(f"{target}.txt", status=200) == 1


@pytest.mark.parametrize("kind", [503, "silent"])
def test_persistent_failure_ends_in_bounded_time_naming_the_accession(
    standin, tracked_rows, tmp_path, kind
):
    bad = next(r for r in tracked_rows if r["ticker"] == "WMT")
    standin.faults.add(f"{bad['accession_number']}.txt", kind, times=None)
    settings = make_settings(tmp_path)
    started = time.monotonic()
    result = run_edgar_assets(settings)
    elapsed = time.monotonic() - started

    named_failure(result, bad)
    # 3 attempts of at most 1 s each plus backoff, well under a minute.
    assert elapsed < 30
    assert not landed(settings, bad).exists()
    # The other filings, including the same company's, landed.
    assert sum(r["ticker"] == bad["ticker"] for r in tracked_rows) > 1
    for row in tracked_rows:
        if row is not bad:
            assert landed(settings, row).is_file(), row["accession_number"]


def test_a_body_that_trickles_in_is_cut_off_by_the_deadline(standin, tracked_rows, tmp_path):
    bad = next(r for r in tracked_rows if r["ticker"] == "AMZN")
    # Each piece arrives well within the 1 s read timeout; the whole takes 60 s.
    standin.faults.add(f"{bad['accession_number']}.txt", "trickle", times=None, delay=60)
    settings = make_settings(tmp_path, request_deadline_s=1.5, max_retries=1)
    started = time.monotonic()
    result = run_edgar_assets(settings)
    assert time.monotonic() - started < 20
    assert "deadline" in named_failure(result, bad)
    assert not landed(settings, bad).exists()
    assert standin.requests.count(f"{bad['accession_number']}.txt") == 2  # tried, retried


@pytest.mark.parametrize("kind", ["truncated", "truncated-close"])
def test_a_truncated_body_is_never_left_as_a_complete_filing(standin, tracked_rows, tmp_path, kind):
    bad = tracked_rows[1]
    standin.faults.add(f"{bad['accession_number']}.txt", kind, times=None)
    settings = make_settings(tmp_path)
    result = run_edgar_assets(settings)
    named_failure(result, bad)
    assert not landed(settings, bad).exists()
    assert not list(settings.landing_dir.glob(".staging/*"))

    # Once the server behaves, the next run fetches just that filing.
    standin.faults.clear()
    archives_before = standin.requests.count("/Archives/")
    healed = run_edgar_assets(settings)
    assert healed.success and failed_checks(healed) == {}
    assert landed(settings, bad).is_file()
    assert standin.requests.count("/Archives/") == archives_before + 1


def test_paging_files_of_the_submissions_index_are_followed(
    corpus, tracked_rows, tmp_path, monkeypatch
):
    from pipeline.edgar.standin import EdgarStandIn

    with EdgarStandIn(corpus, recent_limit=2) as server:
        for key, value in server.client_env().items():
            monkeypatch.setenv(key, value)
        settings = make_settings(tmp_path)
        assert run_edgar_assets(settings).success
        assert server.requests.count("-submissions-001.json") >= 1
    for row in tracked_rows:
        assert landed(settings, row).is_file(), row["accession_number"]


def test_live_mode_without_contact_identity_is_a_clear_error(standin, tmp_path):
    settings = make_settings(tmp_path, contact_company="", contact_email="")
    with pytest.raises(ConfigError, match="SEC_CONTACT_EMAIL"):
        settings.contact()
    result = run_edgar_assets(settings)
    assert not result.success
    assert any("SEC_CONTACT_COMPANY and SEC_CONTACT_EMAIL" in m for m in step_failures(result))
    assert len(standin.requests) == 0


@pytest.mark.parametrize("bad", ["../x", "AMZN/../../etc", "WMT'; DROP TABLE x", 'A"B', "a\\b"])
def test_unsafe_tickers_are_refused(bad, tmp_path):
    with pytest.raises(ConfigError, match="refused"):
        make_settings(tmp_path, companies=(bad,))
    with pytest.raises(ConfigError):
        Settings.from_env({"EDGAR_COMPANIES": f"AMZN,{bad}"})


def test_ciks_are_accepted_and_padded():
    assert Settings(companies=("1018724", "wmt")).companies == ("0001018724", "WMT")
