"""Company identity (one CIK, one folder), landing paths and manifests, header checks."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from datetime import date
from pathlib import Path

import pytest

from pipeline.edgar import landing
from pipeline.edgar.companies import UnknownCompanyError, resolve_company
from pipeline.edgar.landing import (
    SUBMISSION_FILE,
    LandingManifest,
    file_digest,
    filing_path,
    forget_generation,
    landed_problem,
    new_generation,
    read_manifest,
    stat_key,
    write_manifest,
)
from pipeline.edgar.submission_file import (
    SubmissionDocument,
    SubmissionFormatError,
    SubmissionHeader,
    build_submission,
    iter_documents,
    parse_header,
)
from pipeline.identifiers import UnsafeIdentifierError

# In map order, as SEC lists it: a company's main ticker first.
TICKER_MAP = {"GOOGL": "0001652044", "GOOG": "0001652044", "AMZN": "0001018724"}


@pytest.mark.parametrize(
    ("configured", "cik", "ticker"),
    [
        ("AMZN", "0001018724", "AMZN"),
        ("0001018724", "0001018724", "AMZN"),
        ("1018724", "0001018724", "AMZN"),
        ("GOOG", "0001652044", "GOOGL"),
        ("GOOGL", "0001652044", "GOOGL"),
        ("0000000042", "0000000042", "0000000042"),  # a CIK with no ticker: its own folder
    ],
)
def test_every_name_of_a_company_resolves_to_one_cik_and_folder(configured, cik, ticker):
    identity = resolve_company(configured, TICKER_MAP)
    assert (identity.cik, identity.ticker) == (cik, ticker)
    assert identity.is_alias == (configured != ticker)


def test_an_unknown_ticker_is_named():
    with pytest.raises(UnknownCompanyError, match=r"^ticker 'ZZZZ' is not in SEC's ticker map"):
        resolve_company("ZZZZ", TICKER_MAP)


def test_a_map_ticker_that_fails_its_check_is_never_a_folder():
    identity = resolve_company("0000000007", {"../X": "0000000007", "OK-A": "0000000007"})
    assert identity.ticker == "OK-A"


@pytest.mark.parametrize(
    ("company", "form", "accession"),
    [
        ("AMZN", "10-K", "../../../../escape/pwned"),
        ("../AMZN", "10-K", "0001018724-24-000008"),
        ("amzn", "10-K", "0001018724-24-000008"),
        ("1018724", "10-K", "0001018724-24-000008"),  # CIK folders are 10 digits
        ("AMZN", "10-K/A", "0001018724-24-000008"),
        ("AMZN", "..", "0001018724-24-000008"),
    ],
)
def test_landing_paths_refuse_unsafe_parts(tmp_path, company, form, accession):
    with pytest.raises(UnsafeIdentifierError):
        filing_path(tmp_path, company, form, accession)


def _submission(acc: str = "0001018724-24-000008", cik: str = "0001018724") -> bytes:
    header = SubmissionHeader(acc, "10-K", date(2023, 12, 31), date(2024, 2, 2), cik, "X", "1231")
    return build_submission(header, [SubmissionDocument("10-K", 1, "a.htm", "10-K", b"<html/>")])


def test_a_manifest_matches_its_file_until_the_file_changes(tmp_path):
    path = filing_path(tmp_path, "AMZN", "10-K", "0001018724-24-000008")
    path.parent.mkdir(parents=True)
    assert landed_problem(path.parent) == "not downloaded"
    path.write_bytes(_submission())
    assert "no landing.json" in landed_problem(path.parent)
    manifest = _write_manifest_for(path)
    assert read_manifest(path.parent) == manifest
    assert landed_problem(path.parent) is None

    path.write_bytes(path.read_bytes().replace(b"<html/>", b"<html />"))
    problem = landed_problem(path.parent)
    assert "changed since it landed" in problem and manifest.sha256[:12] in problem
    assert str(path.parent / SUBMISSION_FILE) in problem


def _write_manifest_for(path: Path) -> LandingManifest:
    """Write (and return) the landing manifest of the landed file at ``path``, with no stat
    recorded (as manifests written before the stat was kept)."""
    sha256, size = file_digest(path)
    header = parse_header(path.read_bytes())
    manifest = LandingManifest(
        header.accession_number, sha256, size, "2026-01-01T00:00:00+00:00", header.cik,
        header.form, header.filing_date, header.period_of_report, header.fiscal_year_end,
        header.company_name,
    )  # fmt: skip
    write_manifest(path.parent, manifest)
    return manifest


def _landed_without_stat(tmp_path: Path) -> Path:
    """A landed filing whose manifest records no stat (as manifests written before did)."""
    path = filing_path(tmp_path, "AMZN", "10-K", "0001018724-24-000008")
    path.parent.mkdir(parents=True)
    path.write_bytes(_submission())
    _write_manifest_for(path)
    return path


def test_a_verified_file_is_not_hashed_again_until_its_stat_changes(tmp_path, monkeypatch):
    path = _landed_without_stat(tmp_path)
    hashed: list[Path] = []
    monkeypatch.setattr(landing, "file_digest", lambda p: hashed.append(p) or file_digest(p))
    # Just written: its stat is not trusted yet (a write in the same clock tick could hide).
    assert landed_problem(path.parent) is None and len(hashed) == 1
    assert read_manifest(path.parent).file_stat is None

    monkeypatch.setattr(landing, "SETTLED_NS", -1)  # as if written long ago
    assert landed_problem(path.parent) is None and len(hashed) == 2
    recorded = read_manifest(path.parent)
    assert recorded.file_stat == stat_key(path.stat())
    assert landed_problem(path.parent) is None and len(hashed) == 2  # not hashed again

    # Changed in place, same size, its mtime set back: the ctime changed, so it is hashed.
    time.sleep(0.05)
    before = path.stat()
    path.write_bytes(path.read_bytes().replace(b"<html/>", b"<html!>"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == recorded.size_bytes
    problem = landed_problem(path.parent)
    assert len(hashed) == 3
    assert "changed since it landed" in problem and recorded.sha256[:12] in problem


def test_a_manifest_with_a_malformed_stat_is_hashed(tmp_path):
    path = _landed_without_stat(tmp_path)
    manifest = path.parent / "landing.json"
    raw = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**raw, "file_stat": ["x", 1, 2]}))
    assert read_manifest(path.parent).file_stat is None
    assert landed_problem(path.parent) is None
    path.write_bytes(path.read_bytes() + b"x")
    assert "changed since it landed" in landed_problem(path.parent)


def test_a_manifest_for_another_folder_is_not_trusted(tmp_path):
    folder = tmp_path / "0001018724-24-000009"
    folder.mkdir()
    manifest = LandingManifest(
        "0001018724-24-000008", "0" * 64, 1, "t", "0001018724", "10-K", date(2024, 2, 2),
        None, None, "X",
    )  # fmt: skip
    write_manifest(folder, manifest)
    with pytest.raises(ValueError, match="names accession 0001018724-24-000008"):
        read_manifest(folder)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            b"ACCESSION NUMBER:\t\t0001018724-24-000008",
            b"ACCESSION NUMBER:\t\t../../x",
            "accession",
        ),
        (b"CENTRAL INDEX KEY:\t\t\t0001018724", b"CENTRAL INDEX KEY:\t\t\t../1", "CIK"),
        (b"CONFORMED SUBMISSION TYPE:\t10-K", b"CONFORMED SUBMISSION TYPE:\t../10-K", "form"),
    ],
)
def test_header_values_are_checked(old, new, says):
    data = _submission()
    assert old in data
    with pytest.raises(SubmissionFormatError, match=f"{says}.*SEC header of f.txt is refused"):
        parse_header(data.replace(old, new), where="f.txt")


def test_document_names_are_checked():
    data = _submission().replace(b"<FILENAME>a.htm", b"<FILENAME>../../a.htm")
    with pytest.raises(SubmissionFormatError, match=re.escape("document name '../../a.htm'")):
        list(iter_documents(data, where="f.txt"))


def test_the_corpus_headers_pass(corpus_rows, corpus: Path):
    from pipeline.edgar.standin import EdgarStandIn

    server = EdgarStandIn(corpus)
    for row in corpus_rows:
        data = server.corpus.archive_file(
            int(row["cik"]),
            row["accession_number"].replace("-", ""),
            f"{row['accession_number']}.txt",
        )
        header = parse_header(data)
        assert (header.accession_number, header.cik) == (row["accession_number"], row["cik"])
        assert [d.filename for d in iter_documents(data)]


def _land(folder: Path, acc: str) -> None:
    folder.mkdir(parents=True)
    path = folder / SUBMISSION_FILE
    path.write_bytes(_submission(acc))
    sha256, size = file_digest(path)
    write_manifest(
        folder,
        LandingManifest(
            acc, sha256, size, "t", "0001018724", "10-K", date(2024, 2, 2), None, "1231", "X"
        ),
    )


def test_the_catalog_never_follows_a_link_out_of_the_landing_folder(tmp_path):
    from pipeline.edgar.catalog import build_catalog

    landing = tmp_path / "data" / "landing"
    inside = filing_path(landing, "AMZN", "10-K", "0001018724-24-000008").parent
    _land(inside, "0001018724-24-000008")
    outside = tmp_path / "elsewhere" / "0001018724-24-000009"
    _land(outside, "0001018724-24-000009")
    (inside.parent / outside.name).symlink_to(outside, target_is_directory=True)

    rows = build_catalog(landing, ("AMZN",)).to_pylist()
    assert [r["accession_number"] for r in rows] == ["0001018724-24-000008"]
    assert rows[0]["status"] == "landed" and rows[0]["path"] == str(inside / SUBMISSION_FILE)


def test_the_catalog_reuses_its_rows_until_a_filing_lands_or_goes(tmp_path, monkeypatch):
    from pipeline.edgar import catalog
    from pipeline.edgar.catalog import build_catalog, read_catalog_rows, write_catalog

    landing, path = tmp_path / "data" / "landing", tmp_path / "catalog.parquet"
    first, second = "0001018724-24-000008", "0001018724-24-000009"
    _land(filing_path(landing, "AMZN", "10-K", first).parent, first)
    new_generation(landing, "AMZN")

    def build() -> list[str]:
        write_catalog(build_catalog(landing, ("AMZN",), previous=path), path)
        return [r["accession_number"] for r in read_catalog_rows(path)]

    assert build() == [first]
    before = path.stat().st_mtime_ns

    def no_manifest(folder):
        raise AssertionError(f"manifest read: {folder}")

    with monkeypatch.context() as patched:
        patched.setattr(catalog, "read_manifest", no_manifest)
        assert build() == [first]  # nothing landed: rows reused, no manifest read
        assert path.stat().st_mtime_ns == before  # and the file left alone
        forget_generation(landing, "AMZN")  # a landing under way: the manifests are read
        with pytest.raises(AssertionError, match="manifest read"):
            build()

    _land(filing_path(landing, "AMZN", "10-K", second).parent, second)
    new_generation(landing, "AMZN")
    assert build() == [second, first]
    # A landed folder removed by hand (no download since): its row goes all the same.
    shutil.rmtree(filing_path(landing, "AMZN", "10-K", second).parent)
    assert build() == [first]


def test_a_folder_is_read_again_when_its_files_are_not_the_catalogs(tmp_path):
    """A landed file the previous catalog did not hold as landed in its folder (a later
    download failed, or another folder held it) is catalogued once it counts again, though
    the folder's generation did not change."""
    from pipeline.edgar.catalog import build_catalog, read_catalog_rows, write_catalog

    landing, path = tmp_path / "data" / "landing", tmp_path / "catalog.parquet"
    first, second = "0001018724-24-000008", "0001018724-24-000009"
    _land(filing_path(landing, "AMZN", "10-K", first).parent, first)
    new_generation(landing, "AMZN")
    write_catalog(build_catalog(landing, ("AMZN",), previous=path), path)
    _land(filing_path(landing, "AMZN", "10-K", second).parent, second)  # no new generation
    write_catalog(build_catalog(landing, ("AMZN",), previous=path), path)
    assert [r["accession_number"] for r in read_catalog_rows(path)] == [second, first]


def test_a_new_filing_reads_the_manifests_of_its_company_folder_alone(tmp_path, monkeypatch):
    from pipeline.edgar import catalog
    from pipeline.edgar.catalog import build_catalog, read_catalog_rows, write_catalog

    landing, path = tmp_path / "data" / "landing", tmp_path / "catalog.parquet"
    amzn, wmt, new = "0001018724-24-000008", "0000104169-24-000005", "0000104169-24-000006"
    _land(filing_path(landing, "AMZN", "10-K", amzn).parent, amzn)
    _land(filing_path(landing, "WMT", "10-K", wmt).parent, wmt)
    for company in ("AMZN", "WMT"):
        new_generation(landing, company)

    def build() -> list[dict]:
        write_catalog(build_catalog(landing, ("AMZN", "WMT"), previous=path), path)
        return read_catalog_rows(path)

    before = build()
    _land(filing_path(landing, "WMT", "10-K", new).parent, new)
    new_generation(landing, "WMT")
    read = []
    real_read_manifest = catalog.read_manifest
    monkeypatch.setattr(
        catalog, "read_manifest", lambda f: read.append(f.name) or real_read_manifest(f)
    )
    after = build()
    assert sorted(read) == [wmt, new]  # WMT's folder only: AMZN's row is reused
    assert [r["accession_number"] for r in after] == [new, wmt, amzn]
    assert [r for r in after if r["ticker"] == "AMZN"] == [
        r for r in before if r["ticker"] == "AMZN"
    ]
    monkeypatch.setattr(catalog, "read_manifest", real_read_manifest)
    rebuilt = build_catalog(landing, ("AMZN", "WMT")).to_pylist()  # no previous: reads all
    assert rebuilt == build_catalog(landing, ("AMZN", "WMT"), previous=path).to_pylist()
    # AMZN's landed file removed by hand: its folder is read again, its row goes.
    shutil.rmtree(filing_path(landing, "AMZN", "10-K", amzn).parent)
    assert [r["accession_number"] for r in build()] == [new, wmt]
