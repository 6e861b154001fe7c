"""Catalog status updates: record_parse_outcomes and write_catalog, atomic and under a lock."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.edgar.catalog import (
    CATALOG_SCHEMA,
    CatalogLockTimeout,
    read_catalog_rows,
    record_parse_outcomes,
    write_catalog,
)
from tests.conftest import catalog_row


def _row(csv_row: dict[str, str], status: str = "landed", error: str | None = None) -> dict:
    landed = status != "download_failed"
    acc = csv_row["accession_number"]
    return catalog_row(
        csv_row,
        path=f"/x/{acc}/full-submission.txt" if landed else None,
        size_bytes=1000 if landed else None,
        sha256=acc.replace("-", "").ljust(64, "0") if landed else None,
        status=status,
        error=error,
    )


@pytest.fixture
def catalog_path(tmp_path: Path, corpus_rows) -> Path:
    path = tmp_path / "parquet" / "catalog" / "filings.parquet"
    rows = [_row(r) for r in corpus_rows[:-1]]
    rows.append(_row(corpus_rows[-1], "download_failed", "HTTP 503"))
    write_catalog(pa.Table.from_pylist(rows, schema=CATALOG_SCHEMA), path)
    return path


def _status(path: Path) -> dict[str, tuple[str, str | None]]:
    return {r["accession_number"]: (r["status"], r["error"]) for r in read_catalog_rows(path)}


def test_parse_outcomes_set_and_clear_parse_failed(catalog_path, corpus_rows):
    first, second = corpus_rows[0]["accession_number"], corpus_rows[1]["accession_number"]
    download_failed = corpus_rows[-1]["accession_number"]
    record_parse_outcomes(
        catalog_path,
        {first: "undefined contextRef c-9\nsecond line", download_failed: "no file"},
        parsed={second: "b" * 64},
        parser_version="v-test",
    )
    status = _status(catalog_path)
    assert status[first] == ("parse_failed", "undefined contextRef c-9")
    assert status[second] == ("landed", None)
    assert status[download_failed] == ("download_failed", "HTTP 503")  # not overwritten
    assert pq.read_schema(catalog_path).equals(CATALOG_SCHEMA, check_metadata=False)

    record_parse_outcomes(catalog_path, {}, {first: "a" * 64}, parser_version="v-test")
    assert _status(catalog_path)[first] == ("landed", None)
    assert not list(catalog_path.parent.glob(".*.tmp"))


def test_a_rebuilt_catalog_keeps_parse_failed_while_the_file_is_unchanged(
    catalog_path, corpus_rows
):
    acc = corpus_rows[0]["accession_number"]
    record_parse_outcomes(catalog_path, {acc: "bad document"}, {}, parser_version="v-test")
    rebuilt = [_row(r) for r in corpus_rows]  # every filing landed, as build_catalog gives
    write_catalog(pa.Table.from_pylist(rebuilt, schema=CATALOG_SCHEMA), catalog_path)
    assert _status(catalog_path)[acc] == ("parse_failed", "bad document")

    rebuilt[0]["sha256"] = "f" * 64  # downloaded again: a different file
    write_catalog(pa.Table.from_pylist(rebuilt, schema=CATALOG_SCHEMA), catalog_path)
    assert _status(catalog_path)[acc] == ("landed", None)


def _mark(path: str, accession: str, rounds: int) -> None:
    for _ in range(rounds):
        record_parse_outcomes(
            Path(path), {accession: f"failed in {accession}"}, {}, parser_version="v-test"
        )


def test_concurrent_updates_are_not_lost(catalog_path, corpus_rows):
    accessions = [r["accession_number"] for r in corpus_rows[:-1]][:4]
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_mark, args=(str(catalog_path), a, 5)) for a in accessions]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    status = _status(catalog_path)
    assert {a: status[a] for a in accessions} == {
        a: ("parse_failed", f"failed in {a}") for a in accessions
    }


def test_a_held_lock_is_a_bounded_wait_naming_the_lock(catalog_path, corpus_rows):
    from filelock import FileLock

    lock = catalog_path.with_name(f"{catalog_path.name}.lock")
    holder = multiprocessing.get_context("fork")
    started, release = holder.Event(), holder.Event()

    def hold() -> None:
        with FileLock(lock):
            started.set()
            release.wait(30)

    proc = holder.Process(target=hold)
    proc.start()
    try:
        assert started.wait(10)
        with pytest.raises(CatalogLockTimeout, match=str(lock)):
            record_parse_outcomes(catalog_path, {}, {}, parser_version="v", lock_timeout_s=0.2)
    finally:
        release.set()
        proc.join(10)


def test_an_old_catalog_without_status_reads_as_landed(tmp_path, corpus_rows):
    path = tmp_path / "filings.parquet"
    old_schema = pa.schema([f for f in CATALOG_SCHEMA if f.name not in ("status", "error")])
    rows = [{k: v for k, v in _row(r).items() if k in old_schema.names} for r in corpus_rows]
    pq.write_table(pa.Table.from_pylist(rows, schema=old_schema), path)
    record_parse_outcomes(
        path, {corpus_rows[0]["accession_number"]: "bad"}, {}, parser_version="v-test"
    )
    status = _status(path)
    assert status[corpus_rows[0]["accession_number"]] == ("parse_failed", "bad")
    assert status[corpus_rows[1]["accession_number"]] == ("landed", None)


def _record(path: Path) -> dict[str, tuple[str | None, str | None]]:
    return {
        r["accession_number"]: (r["parsed_sha256"], r["parser_version"])
        for r in read_catalog_rows(path)
    }


def _file_state(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def test_parse_records_are_set_kept_through_rebuilds_and_cleared_by_a_new_sha256(
    catalog_path, corpus_rows
):
    rebuilt = [_row(r) for r in corpus_rows]  # every filing landed, as build_catalog gives
    first, second = (r["accession_number"] for r in rebuilt[:2])
    assert set(_record(catalog_path).values()) == {(None, None)}  # nothing parsed yet
    parsed = {first: rebuilt[0]["sha256"], second: rebuilt[1]["sha256"]}
    record_parse_outcomes(catalog_path, {}, parsed, parser_version="v-test")
    assert _record(catalog_path)[first] == (rebuilt[0]["sha256"], "v-test")

    # A failed re-parse keeps the record (its previous files stay); status says failed.
    record_parse_outcomes(catalog_path, {second: "bad document"}, {}, parser_version="v-2")
    assert _record(catalog_path)[second] == (rebuilt[1]["sha256"], "v-test")
    assert _status(catalog_path)[second] == ("parse_failed", "bad document")

    write_catalog(pa.Table.from_pylist(rebuilt, schema=CATALOG_SCHEMA), catalog_path)
    assert _record(catalog_path)[first] == (rebuilt[0]["sha256"], "v-test")
    assert _record(catalog_path)[second] == (rebuilt[1]["sha256"], "v-test")

    rebuilt[0]["sha256"] = "f" * 64  # downloaded again: a different file
    write_catalog(pa.Table.from_pylist(rebuilt, schema=CATALOG_SCHEMA), catalog_path)
    assert _record(catalog_path)[first] == (None, None)
    assert _record(catalog_path)[second] == (rebuilt[1]["sha256"], "v-test")


def test_the_catalog_file_is_written_only_when_its_rows_change(catalog_path, corpus_rows):
    acc = corpus_rows[0]["accession_number"]
    rows = read_catalog_rows(catalog_path)
    before = _file_state(catalog_path)
    assert not write_catalog(pa.Table.from_pylist(rows, schema=CATALOG_SCHEMA), catalog_path)
    assert not record_parse_outcomes(catalog_path, {}, {}, parser_version="v-test")
    assert _file_state(catalog_path) == before

    assert record_parse_outcomes(catalog_path, {acc: "bad"}, {}, parser_version="v-test")
    changed = _file_state(catalog_path)
    assert changed != before
    # The same failure again (a filing that fails every run) changes nothing.
    assert not record_parse_outcomes(catalog_path, {acc: "bad"}, {}, parser_version="v-test")
    assert _file_state(catalog_path) == changed


def test_a_catalog_without_parse_records_reads_as_null_and_gains_them(tmp_path, corpus_rows):
    path = tmp_path / "filings.parquet"
    old_schema = pa.schema(
        [f for f in CATALOG_SCHEMA if f.name not in ("parsed_sha256", "parser_version")]
    )
    rows = [{k: v for k, v in _row(r).items() if k in old_schema.names} for r in corpus_rows]
    pq.write_table(pa.Table.from_pylist(rows, schema=old_schema), path)
    assert set(_record(path).values()) == {(None, None)}
    before = _file_state(path)
    rebuilt = pa.Table.from_pylist([_row(r) for r in corpus_rows], schema=CATALOG_SCHEMA)
    assert not write_catalog(rebuilt, path)  # the same rows: the old file stays
    assert _file_state(path) == before

    acc, sha256 = rows[0]["accession_number"], rows[0]["sha256"]
    assert record_parse_outcomes(path, {}, {acc: sha256}, parser_version="v-test")
    assert pq.read_schema(path).equals(CATALOG_SCHEMA, check_metadata=False)
    assert _record(path)[acc] == (sha256, "v-test")
