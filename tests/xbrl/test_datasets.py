"""Per-filing datasets: the landed file is verified, Parquet files say what they are, writes
are all or nothing, and paths stay inside their folder."""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.identifiers import UnsafeIdentifierError
from pipeline.parquet_io import DiskFullError, write_parquet_files_atomically
from pipeline.xbrl.datasets import (
    IntegrityError,
    filing_file,
    filing_metadata,
    read_landed,
    verify_filing_file,
)

DATA = b"<SEC-DOCUMENT>a landed filing</SEC-DOCUMENT>\n"


def landed(tmp_path: Path, **overrides: object) -> dict:
    """A catalog row for a small landed file, as recorded when it landed."""
    path = tmp_path / "full-submission.txt"
    path.write_bytes(DATA)
    row = {
        "ticker": "AMZN",
        "form": "10-K",
        "accession_number": "0001018724-25-000004",
        "path": str(path),
        "size_bytes": len(DATA),
        "sha256": hashlib.sha256(DATA).hexdigest(),
        "status": "landed",
        "error": None,
    }
    return {**row, **overrides}


def test_an_unchanged_landed_file_is_read_once_and_returned(tmp_path: Path) -> None:
    assert read_landed(landed(tmp_path)) == DATA


def test_a_landed_file_that_grew_is_refused_naming_both_sizes(tmp_path: Path) -> None:
    row = landed(tmp_path)
    Path(row["path"]).write_bytes(DATA + b"x")
    with pytest.raises(IntegrityError) as raised:
        read_landed(row)
    message = str(raised.value)
    assert message.startswith("AMZN 10-K 0001018724-25-000004: full-submission.txt changed")
    assert f"size {len(DATA)} bytes recorded, {len(DATA) + 1} now" in message
    assert message.endswith("not parsed; the next run downloads it again")


def test_a_missing_landed_file_and_a_filing_never_downloaded_are_named(tmp_path: Path) -> None:
    row = landed(tmp_path)
    Path(row["path"]).unlink()
    with pytest.raises(IntegrityError, match=r"full-submission\.txt is missing since it landed"):
        read_landed(row)
    failed = landed(tmp_path, status="download_failed", path=None, error="HTTP 503 (5 tries)")
    with pytest.raises(ValueError, match=r"0001018724-25-000004: not downloaded \(HTTP 503"):
        read_landed(failed)


def test_a_path_escaping_accession_is_refused_before_any_write(tmp_path: Path) -> None:
    with pytest.raises(UnsafeIdentifierError, match="does not stay inside"):
        filing_file(tmp_path / "facts", "AMZN", "../../../../escape/pwned")
    assert not (tmp_path / "escape").exists()


def _table(n: int) -> pa.Table:
    return pa.table({"n": list(range(n))})


def test_both_files_are_replaced_or_neither(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "facts" / "a.parquet", tmp_path / "line_items" / "a.parquet"
    write_parquet_files_atomically([(_table(1), first, None), (_table(1), second, None)])
    calls, real_write = [], pq.write_table

    def write_then_fail(table: pa.Table, where: object) -> None:
        calls.append(where)
        if len(calls) == 2:  # the second file hits a full disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(table, where)

    monkeypatch.setattr("pipeline.parquet_io.pq.write_table", write_then_fail)
    with pytest.raises(DiskFullError) as raised:
        write_parquet_files_atomically([(_table(5), first, None), (_table(5), second, None)])
    assert str(raised.value).startswith(f"{second}: disk full while writing Parquet")
    assert pq.read_table(first).num_rows == 1  # not replaced: its pair could not be written
    assert pq.read_table(second).num_rows == 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == [
        "a.parquet",
        "a.parquet",
        "facts",
        "line_items",
    ]


def test_temp_files_of_dead_writers_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "a.parquet"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = tmp_path / f".a.parquet.{dead.stdout.strip()}.tmp"
    stale.write_bytes(b"half a file")
    alive = tmp_path / f".a.parquet.{os.getppid()}.tmp"  # a running process: left alone
    alive.write_bytes(b"being written")
    write_parquet_files_atomically([(_table(1), target, None)])
    assert not stale.exists() and alive.exists()


def test_a_file_verifies_only_against_its_own_catalog_row(tmp_path: Path) -> None:
    row = landed(tmp_path)
    path = tmp_path / "facts.parquet"
    write_parquet_files_atomically([(_table(1), path, filing_metadata("facts", row))])
    assert verify_filing_file(path, "facts", row) is None
    other = {**row, "accession_number": "0001018724-24-000008"}
    assert verify_filing_file(path, "facts", other) == (
        "its metadata names accession 0001018724-25-000004, not 0001018724-24-000008"
    )
    assert "names dataset facts, not line_items" in verify_filing_file(path, "line_items", row)
    newer_source = {**row, "sha256": "f" * 64}
    assert verify_filing_file(path, "facts", newer_source) == (
        f"parsed from a source with sha256 {row['sha256'][:12]}, but the catalog records "
        "ffffffffffff"
    )
    pq.write_table(_table(1), path)  # no metadata at all (written by something else)
    assert "names accession none recorded" in verify_filing_file(path, "facts", row)
    path.write_bytes(b"not Parquet")
    assert verify_filing_file(path, "facts", row).startswith("not a readable Parquet file")
