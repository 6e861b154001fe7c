"""Fault matrix, EDGAR layer: tampered identifiers, changed files, failed downloads, aliases.

Each case goes through the real sec-edgar-downloader and the EDGAR stand-in (faults and
tampered bodies injected per URL), then the real catalog build. Expectations follow
``filings.csv``, never a fixed list of filings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import time
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.config import Settings
from pipeline.edgar.catalog import build_catalog, write_catalog
from pipeline.edgar.download import (
    DownloadResult,
    UnknownCompanyError,
    filing_path,
)
from pipeline.edgar.download import download_with_settings as download
from pipeline.edgar.landing import MANIFEST_FILE, ROOT_FOLDER, read_manifest
from pipeline.edgar.staging import STAGING_FOLDER, host_label
from tests.conftest import make_settings, rows_for, tickers_of
from tests.faults.runner import cli_env, run_cli

ESCAPE = "../../../../escape/pwned"


def download_all(settings: Settings) -> dict[str, DownloadResult]:
    return {company: download(settings, company) for company in settings.companies}


def catalog(settings: Settings) -> dict[str, dict]:
    """Build and write the catalog as the pipeline does; its rows by accession."""
    table = build_catalog(settings.landing_dir, settings.companies)
    write_catalog(table, settings.catalog_path)
    rows = pq.read_table(settings.catalog_path).to_pylist()
    assert len(rows) == len({r["accession_number"] for r in rows}), "one row per accession"
    return {r["accession_number"]: r for r in rows}


def landed(settings: Settings, row: dict[str, str]) -> Path:
    base_form = row["form"].removesuffix("/A")
    return filing_path(settings.landing_dir, row["ticker"], base_form, row["accession_number"])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def escaped(root: Path) -> list[Path]:
    """Anything named after the escape target anywhere under ``root``."""
    return [p for p in root.rglob("*") if p.name in ("escape", "pwned") or "pwned" in p.name]


def assert_landed(settings: Settings, rows: list[dict[str, str]], by_acc: dict[str, dict]):
    for row in rows:
        path = landed(settings, row)
        assert path.is_file(), row["accession_number"]
        got = by_acc[row["accession_number"]]
        assert got["status"] == "landed" and got["error"] is None
        assert got["ticker"] == row["ticker"]
        assert got["sha256"] == sha256(path) and got["size_bytes"] == path.stat().st_size


def test_path_escaping_accession_in_the_index_is_refused_by_name(standin, tracked_rows, tmp_path):
    victim = tracked_rows[0]
    others = [r for r in tracked_rows if r is not victim]
    standin.faults.add(
        f"CIK{victim['cik']}.json",
        "replace",
        times=None,
        old=victim["accession_number"],
        new=ESCAPE,
    )
    settings = make_settings(tmp_path)
    results = download_all(settings)

    result = results[victim["ticker"]]
    assert len(result.rejected) == 1
    assert repr(ESCAPE) in result.rejected[0] and "accession number" in result.rejected[0]
    assert "\n" not in result.rejected[0]
    assert not result.failed
    # The downloader was never asked for it, and nothing was written for it anywhere.
    assert not [r for r in standin.requests.records() if "pwned" in r.url or "escape" in r.url]
    assert escaped(tmp_path) == []
    by_acc = catalog(settings)
    assert set(by_acc) == {r["accession_number"] for r in others}
    assert_landed(settings, others, by_acc)
    state = json.loads(
        (settings.data_dir / "state/downloads" / f"{victim['cik']}.json").read_text()
    )
    assert state["rejected"] == result.rejected


def test_path_escaping_accession_in_the_header_fails_the_filing_by_name(
    standin, tracked_rows, tmp_path
):
    victim = tracked_rows[-1]
    others = [r for r in tracked_rows if r is not victim]
    acc = victim["accession_number"]
    standin.faults.add(
        f"{acc}.txt",
        "replace",
        times=None,
        old=f"ACCESSION NUMBER:\t\t{acc}",
        new=f"ACCESSION NUMBER:\t\t{ESCAPE}",
    )
    settings = make_settings(tmp_path)
    results = download_all(settings)

    reason = results[victim["ticker"]].failed[acc]
    assert "accession number" in reason and repr(ESCAPE) in reason and "refused" in reason
    assert list(results[victim["ticker"]].failed) == [acc]
    assert not landed(settings, victim).exists()
    assert escaped(tmp_path) == []
    by_acc = catalog(settings)
    failed = by_acc[acc]
    assert failed["status"] == "download_failed" and failed["error"] == reason
    assert_landed(settings, others, by_acc)


def test_escapes_served_to_the_cli_run_fail_by_name_and_the_rest_land(
    corpus, corpus_rows, tmp_path
):
    """Through ``edgar-pipeline run`` (EDGAR_STANDIN_FAULTS): one escape in AMZN's index, one
    in a WMT header. Exit 1 naming both; nothing escapes; every other filing lands."""
    tracked = rows_for(corpus_rows, ["AMZN", "WMT"])
    in_index = rows_for(corpus_rows, ["AMZN"])[0]
    in_header = rows_for(corpus_rows, ["WMT"])[0]
    acc = in_header["accession_number"]
    faults = [
        {
            "match": f"CIK{in_index['cik']}.json",
            "kind": "replace",
            "times": None,
            "old": in_index["accession_number"],
            "new": ESCAPE,
        },
        {
            "match": f"{acc}.txt",
            "kind": "replace",
            "times": None,
            "old": f"ACCESSION NUMBER:\t\t{acc}",
            "new": f"ACCESSION NUMBER:\t\t{ESCAPE}",
        },
    ]
    data = tmp_path / "a" / "b" / "c" / "data"  # room for the '../' to climb inside tmp_path
    done = run_cli(["run"], cli_env(data, corpus, EDGAR_STANDIN_FAULTS=json.dumps(faults)))
    assert done.returncode == 1, done.output[-4000:]
    assert acc in done.output and repr(ESCAPE) in done.output and "refused" in done.output
    assert "Traceback" not in done.output
    assert escaped(tmp_path) == []
    rows = {
        r["accession_number"]: r
        for r in pq.read_table(data / "parquet/catalog/filings.parquet").to_pylist()
    }
    assert rows[acc]["status"] == "download_failed" and "refused" in rows[acc]["error"]
    others = [r for r in tracked if r not in (in_index, in_header)]
    assert {a for a, r in rows.items() if r["status"] == "landed"} == {
        r["accession_number"] for r in others
    }
    assert in_index["accession_number"] not in rows


def test_a_bad_standin_faults_setting_is_one_line_and_exit_2(corpus, tmp_path):
    done = run_cli(["run"], cli_env(tmp_path / "data", corpus, EDGAR_STANDIN_FAULTS="[{oops"))
    assert done.returncode == 2, done.output[-4000:]
    assert "EDGAR_STANDIN_FAULTS" in done.output and "not valid JSON" in done.output
    assert "Traceback" not in done.output


def _change_one_digit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    at = data.index(b"</SEC-HEADER>")
    while not chr(data[at]).isdigit():
        at += 1
    data[at] = ord(str((int(chr(data[at])) + 1) % 10))
    path.chmod(0o644)
    path.write_bytes(bytes(data))


def test_a_landed_file_changed_after_landing_is_downloaded_again(
    standin, tracked_rows, tmp_path, caplog
):
    settings = make_settings(tmp_path)
    download_all(settings)
    victim = tracked_rows[len(tracked_rows) // 2]
    acc = victim["accession_number"]
    path = landed(settings, victim)
    original, landed_sha = path.read_bytes(), sha256(path)
    assert read_manifest(path.parent).sha256 == landed_sha

    _change_one_digit(path)
    changed_sha = sha256(path)
    assert changed_sha != landed_sha and path.stat().st_size == len(original)
    # The catalog does not re-hash: it keeps the landing-time sha256 (the parse step checks).
    assert catalog(settings)[acc]["sha256"] == landed_sha

    archives = standin.requests.count("/Archives/")
    with caplog.at_level(logging.WARNING, logger="pipeline.edgar.download"):
        result = download(settings, victim["ticker"])
    assert result.redownloaded == [acc] and result.downloaded == [acc]
    assert standin.requests.count("/Archives/") == archives + 1
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING]  # not the INFO lines
    [line] = [r.getMessage() for r in warned if acc in r.getMessage()]
    assert "changed since it landed" in line and "downloading it again" in line
    assert landed_sha[:12] in line and changed_sha[:12] in line
    assert path.read_bytes() == original
    row = catalog(settings)[acc]
    assert row["sha256"] == landed_sha and row["status"] == "landed"


def test_a_landed_file_without_manifest_is_downloaded_again(standin, tracked_rows, tmp_path):
    settings = make_settings(tmp_path)
    download_all(settings)
    victim = tracked_rows[0]
    (landed(settings, victim).parent / MANIFEST_FILE).unlink()
    assert victim["accession_number"] not in catalog(settings)  # not trusted, not catalogued
    result = download(settings, victim["ticker"])
    assert result.downloaded == [victim["accession_number"]]
    assert catalog(settings)[victim["accession_number"]]["status"] == "landed"


def test_a_filing_that_never_downloads_is_a_download_failed_row_until_it_lands(
    standin, tracked_rows, tmp_path
):
    victim = tracked_rows[1]
    acc = victim["accession_number"]
    others = [r for r in tracked_rows if r is not victim]
    standin.faults.add(f"{acc}.txt", 503, times=None)
    settings = make_settings(tmp_path, max_retries=1)
    results = download_all(settings)
    assert list(results[victim["ticker"]].failed) == [acc]

    by_acc = catalog(settings)
    assert set(by_acc) == {r["accession_number"] for r in tracked_rows}
    row = by_acc[acc]
    assert row["status"] == "download_failed" and "503" in row["error"]
    assert "\n" not in row["error"]
    assert row["path"] is None and row["size_bytes"] is None and row["sha256"] is None
    assert row["ticker"] == victim["ticker"] and row["cik"] == victim["cik"]
    assert row["form"] == victim["form"]
    assert row["filing_date"] == date.fromisoformat(victim["filing_date"])
    assert row["period_of_report"] == date.fromisoformat(victim["report_date"])
    assert_landed(settings, others, by_acc)

    # Once EDGAR answers, the retry lands it and the failure is gone.
    standin.faults.clear()
    assert not download(settings, victim["ticker"]).failed
    assert_landed(settings, tracked_rows, catalog(settings))


def test_an_unknown_ticker_raises_unknown_company_error_by_name(standin, corpus_rows, tmp_path):
    unknown = "ZZZZ"
    assert unknown not in tickers_of(corpus_rows)
    settings = make_settings(tmp_path, companies=(unknown,))
    with pytest.raises(UnknownCompanyError) as caught:
        download(settings, unknown)
    assert str(caught.value).startswith("ticker 'ZZZZ' is not in SEC's ticker map")
    assert "EDGAR_COMPANIES" in str(caught.value)
    assert not (settings.landing_dir / ROOT_FOLDER / unknown).exists()
    assert standin.requests.count("/Archives/") == 0


def test_a_cik_alias_lands_and_catalogs_each_filing_once(standin, corpus_rows, tmp_path, caplog):
    amzn = rows_for(corpus_rows, ["AMZN"])
    cik = amzn[0]["cik"]
    tracked = rows_for(corpus_rows, ["AMZN", "WMT"])
    settings = make_settings(tmp_path, companies=("AMZN", str(int(cik)), "WMT"))
    alias = settings.companies[1]

    with caplog.at_level(logging.INFO, logger="pipeline.edgar.download"):
        results = download_all(settings)
    assert results[alias].ticker == "AMZN" and results[alias].cik == cik
    assert results[alias].downloaded == []
    assert sorted(results[alias].already_complete) == sorted(r["accession_number"] for r in amzn)
    assert f"{alias} is AMZN (CIK {cik}), already tracked" in caplog.text
    assert not (settings.landing_dir / ROOT_FOLDER / alias).exists()

    by_acc = catalog(settings)
    assert set(by_acc) == {r["accession_number"] for r in tracked}
    assert {by_acc[r["accession_number"]]["ticker"] for r in amzn} == {"AMZN"}
    assert_landed(settings, tracked, by_acc)

    # Switching back to AMZN,WMT downloads nothing and changes nothing in the catalog.
    back = make_settings(tmp_path, companies=("AMZN", "WMT"))
    archives = standin.requests.count("/Archives/")
    assert all(not r.downloaded for r in download_all(back).values())
    assert standin.requests.count("/Archives/") == archives
    assert catalog(back) == by_acc

    # Configured by its CIK alone, the company is the same: same folder, same rows.
    only_cik = make_settings(tmp_path, companies=(cik,))
    assert download(only_cik, cik).ticker == "AMZN"
    assert catalog(only_cik) == {r["accession_number"]: by_acc[r["accession_number"]] for r in amzn}


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_staging_folders_of_dead_runs_are_removed_and_live_ones_kept(
    standin, tracked_rows, tmp_path, caplog
):
    settings = make_settings(tmp_path)
    root = settings.landing_dir / STAGING_FOLDER
    dead = root / f"{host_label()}_{_dead_pid()}_{'a' * 32}"
    partial = dead / ROOT_FOLDER / "AMZN" / "10-K" / tracked_rows[0]["accession_number"]
    partial.mkdir(parents=True)
    (partial / "full-submission.txt").write_bytes(b"<SEC-DOCUMENT>half a filing")
    legacy = root / ("b" * 32)  # named by an older version, untouched for two hours
    legacy.mkdir()
    old = time.time() - 7200
    os.utime(legacy, (old, old))
    other_host = root / f"elsewhere_{os.getpid()}_{'c' * 32}"
    other_host.mkdir()

    from pipeline.edgar.staging import staging_folder

    with (
        staging_folder(settings.landing_dir) as live,
        caplog.at_level(logging.INFO, logger="pipeline.edgar.staging"),
    ):
        download(settings, tracked_rows[0]["ticker"])
        assert live.is_dir(), "a folder in use is never removed"
    assert not dead.exists() and not legacy.exists()
    assert other_host.is_dir()
    assert dead.name in caplog.text and legacy.name in caplog.text
    assert sorted(p.name for p in root.iterdir()) == [other_host.name]
