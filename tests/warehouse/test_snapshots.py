"""Served snapshots: readers never wait for a load, loads never wait for readers, rollback."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.config import REPO_ROOT
from pipeline.warehouse import (
    NoSnapshotError,
    SnapshotStore,
    WarehouseBusyError,
    load_warehouse,
    read_connection,
)
from tests.warehouse.conftest import Loaded
from tests.warehouse.fixtures import amzn_q3_2024, base_filings, write_fixture

Q3 = "SELECT count(*) FROM raw.filings WHERE accession_number = 'AM-24-Q3'"

# A user's idle `duckdb` session: opens the path read-write, then runs what stdin says.
SESSION = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
    print(con.execute("SELECT count(*) FROM raw.filings").fetchone()[0], flush=True)
    for line in sys.stdin:
        try:
            print(con.execute(line).fetchall(), flush=True)
        except duckdb.Error as exc:
            print("ERROR", exc, flush=True)
    con.close()
    """
)


class Session:
    """Another process holding the warehouse open, as a `duckdb` CLI or a notebook would."""

    def __init__(self, path: Path, mode: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SESSION, str(path), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.filings = int(self.proc.stdout.readline())

    def run(self, sql: str) -> str:
        self.proc.stdin.write(sql + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def add_new_filing(loaded: Loaded) -> None:
    write_fixture(loaded.fixture.catalog_path.parents[1], [*base_filings(), amzn_q3_2024()])


def q3_rows(path: Path) -> int:
    with read_connection(path) as con:
        return con.execute(Q3).fetchone()[0]


def test_the_served_path_links_to_a_generation_and_the_previous_one_is_kept(loaded: Loaded):
    store = SnapshotStore(loaded.warehouse)
    first = store.served()
    assert loaded.warehouse.is_symlink() and first.parent == store.directory
    assert store.previous() is None
    add_new_filing(loaded)
    result = load_warehouse(loaded.warehouse, loaded.inputs)
    assert result.incremental and result.snapshot == store.served() != first
    assert result.accessions_staged == {"catalog": 20, "facts": 1, "line_items": 1}
    assert store.previous() == first
    assert store.stamp(result.snapshot).row_counts["raw.filings"] == 20


@pytest.mark.parametrize("mode", ["ro", "rw"])
def test_a_load_neither_waits_for_nor_disturbs_an_open_session(loaded: Loaded, mode: str):
    """A read-only reader and an idle read-write `duckdb` session: the load goes through at
    once, the session keeps its snapshot, and a new reader sees the new data."""
    session = Session(loaded.warehouse, mode)
    try:
        add_new_filing(loaded)
        started = time.monotonic()
        load_warehouse(loaded.warehouse, loaded.inputs, lock_timeout_s=5)
        assert time.monotonic() - started < 30
        assert session.run(Q3) == "[(0,)]"  # its snapshot, consistent until it reconnects
        assert q3_rows(loaded.warehouse) == 1  # a new reader sees the new load
    finally:
        session.close()


def test_an_old_session_that_writes_leaves_its_wal_beside_its_own_generation(loaded: Loaded):
    """DuckDB resolves the served link: the WAL of a session on an old generation never sits
    beside the served path, where the next reader would try to replay it."""
    session = Session(loaded.warehouse, "rw")
    store = SnapshotStore(loaded.warehouse)
    old = store.served()
    try:
        add_new_filing(loaded)
        load_warehouse(loaded.warehouse, loaded.inputs)
        assert session.run("CREATE TABLE main.scratch AS SELECT 42 AS answer") == "[(1,)]"
        assert old.with_name(old.name + ".wal").exists()  # beside the old generation
        assert not loaded.warehouse.with_name(loaded.warehouse.name + ".wal").exists()
        assert q3_rows(loaded.warehouse) == 1  # the served snapshot opens and reads
        load_warehouse(loaded.warehouse, loaded.inputs, full_refresh=True)
        assert old.exists() and old not in (store.served(), store.previous())  # held: kept
    finally:
        session.close()
    load_warehouse(loaded.warehouse, loaded.inputs, full_refresh=True)
    assert not old.exists()  # once free, neither served nor previous: pruned


def test_a_session_holding_the_served_snapshot_read_write_is_one_line_for_readers(
    loaded: Loaded,
):
    session = Session(loaded.warehouse, "rw")
    try:
        with pytest.raises(WarehouseBusyError) as raised, read_connection(loaded.warehouse):
            pass
        message = str(raised.value)
        assert "\n" not in message and f"pid {session.proc.pid}" in message
        assert "read-only" in message
        add_new_filing(loaded)
        load_warehouse(loaded.warehouse, loaded.inputs, lock_timeout_s=5)  # not blocked
        assert q3_rows(loaded.warehouse) == 1
    finally:
        session.close()


def test_a_snapshot_changed_by_a_user_is_not_built_upon(loaded: Loaded):
    with duckdb.connect(str(loaded.warehouse)) as con:  # a user writes into the served file
        con.execute("CREATE TABLE main.notes AS SELECT 'mine' AS note")
        con.execute("DELETE FROM raw.line_items")
    result = load_warehouse(loaded.warehouse, loaded.inputs)
    assert not result.incremental  # rebuilt from the lake
    assert result.row_counts["raw.line_items"] == 59
    with read_connection(loaded.warehouse) as con:
        names = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "notes" not in names


def test_a_damaged_served_snapshot_is_rebuilt_from_the_lake(loaded: Loaded):
    store = SnapshotStore(loaded.warehouse)
    served = store.served()
    stat = served.stat()
    with served.open("r+b") as handle:  # damage every block after the headers, same size
        handle.seek(3 * 4096)
        handle.write(os.urandom(stat.st_size - 3 * 4096))
    os.utime(served, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as if bits rotted
    assert store.pristine_base() == served
    result = load_warehouse(loaded.warehouse, loaded.inputs)
    assert not result.incremental and result.row_counts["raw.line_items"] == 59
    assert store.previous() != served  # a damaged snapshot is no rollback target


def test_rollback_serves_the_previous_snapshot_and_again_rolls_forward(loaded: Loaded):
    store = SnapshotStore(loaded.warehouse)
    with pytest.raises(NoSnapshotError, match="no previous snapshot"):
        store.rollback()
    add_new_filing(loaded)
    load_warehouse(loaded.warehouse, loaded.inputs)
    assert q3_rows(loaded.warehouse) == 1
    store.rollback()
    assert q3_rows(loaded.warehouse) == 0
    store.rollback()
    assert q3_rows(loaded.warehouse) == 1
    store.rollback()
    result = load_warehouse(loaded.warehouse, loaded.inputs)  # builds on what is served
    assert result.incremental and result.accessions_staged["line_items"] == 1
    assert q3_rows(loaded.warehouse) == 1


def test_the_rollback_command(tmp_path: Path, loaded: Loaded):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("EDGAR_")},
        "EDGAR_DATA_DIR": str(loaded.warehouse.parent),
    }
    command = [sys.executable, "-m", "pipeline", "rollback", "--timeout", "5"]
    refused = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert refused.returncode == 1 and "no previous snapshot" in refused.stderr
    assert refused.stderr.count("\n") == 1
    add_new_filing(loaded)
    load_warehouse(loaded.warehouse, loaded.inputs)
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("serving ") and q3_rows(loaded.warehouse) == 0


def test_a_warehouse_from_before_snapshots_is_adopted_as_the_previous(tmp_path: Path):
    paths = write_fixture(tmp_path / "parquet", base_filings())
    from tests.warehouse.conftest import inputs_for

    plain = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(plain)) as con:
        con.execute("CREATE TABLE main.legacy AS SELECT 1 AS x")
    load_warehouse(plain, inputs_for(paths))
    store = SnapshotStore(plain)
    assert plain.is_symlink() and store.previous() is not None
    with duckdb.connect(str(store.previous()), read_only=True) as con:
        assert con.execute("SELECT x FROM main.legacy").fetchall() == [(1,)]


def test_a_reader_before_the_first_load_is_told_to_run_it(tmp_path: Path):
    missing = tmp_path / "warehouse.duckdb"
    with (
        pytest.raises(NoSnapshotError, match="run `edgar-pipeline run` first"),
        read_connection(missing),
    ):
        pass


def test_a_load_with_nothing_new_keeps_the_served_snapshot_and_the_rollback_target(
    loaded: Loaded,
):
    store = SnapshotStore(loaded.warehouse)
    first = store.served()
    add_new_filing(loaded)
    second = load_warehouse(loaded.warehouse, loaded.inputs).snapshot
    again = load_warehouse(loaded.warehouse, loaded.inputs)
    assert again.unchanged and again.snapshot == second == store.served()
    assert store.previous() == first  # still the snapshot before the new filing
    assert again.row_counts["raw.filings"] == 20


def test_a_change_in_the_warehouse_code_builds_even_with_nothing_new(loaded: Loaded, monkeypatch):
    from pipeline.warehouse import load as load_module

    current = load_module.code_versions()
    monkeypatch.setattr(load_module, "code_versions", lambda: {**current, "build": "other"})
    marts_changed = load_warehouse(loaded.warehouse, loaded.inputs)
    assert not marts_changed.unchanged and marts_changed.incremental
    monkeypatch.setattr(load_module, "code_versions", lambda: {"raw": "other", "build": "x"})
    raw_changed = load_warehouse(loaded.warehouse, loaded.inputs)
    assert not raw_changed.incremental  # copied raw rows may not fit: built from the lake
    assert raw_changed.row_counts == marts_changed.row_counts


def test_a_reparsed_filing_with_no_rows_loses_its_old_rows(loaded: Loaded):
    """An empty file replaces the accession's rows (an incremental load equals a rebuild)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.edgar.catalog import CATALOG_SCHEMA
    from pipeline.parquet_io import write_parquet_atomically

    catalog = pq.read_table(loaded.inputs.catalog_path).to_pylist()
    row = next(r for r in catalog if r["accession_number"] == "AM-24-Q1")
    row["sha256"] = "1" * 64  # landed again with new bytes
    write_parquet_atomically(
        pa.Table.from_pylist(catalog, schema=CATALOG_SCHEMA), loaded.inputs.catalog_path
    )
    path = loaded.fixture.line_items_dir / "ticker=AMZN" / "AM-24-Q1.parquet"
    old = pq.read_table(path)
    metadata = {**old.schema.metadata, b"source_sha256": row["sha256"].encode()}
    pq.write_table(old.slice(0, 0).replace_schema_metadata(metadata), path)
    facts = loaded.fixture.facts_dir / "ticker=AMZN" / "AM-24-Q1.parquet"
    old_facts = pq.read_table(facts)
    pq.write_table(
        old_facts.replace_schema_metadata(
            {**old_facts.schema.metadata, b"source_sha256": row["sha256"].encode()}
        ),
        facts,
    )
    result = load_warehouse(loaded.warehouse, loaded.inputs)
    assert result.incremental and result.accessions_staged["line_items"] == 1
    with read_connection(loaded.warehouse) as con:
        n = con.execute(
            "SELECT count(*) FROM raw.line_items WHERE accession_number = 'AM-24-Q1'"
        ).fetchone()[0]
        incremental = con.execute("SELECT * FROM core.financials ORDER BY ALL").fetchall()
    assert n == 0
    load_warehouse(loaded.warehouse, loaded.inputs, full_refresh=True)
    with read_connection(loaded.warehouse) as con:
        assert con.execute("SELECT * FROM core.financials ORDER BY ALL").fetchall() == incremental


def test_a_damaged_parquet_page_is_rejected_by_name(loaded: Loaded):
    add_new_filing(loaded)
    path = loaded.fixture.facts_dir / "ticker=AMZN" / "AM-24-Q3.parquet"
    data = bytearray(path.read_bytes())
    for at in range(4, min(len(data) // 2, 400)):  # the first data pages; the footer intact
        data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    result = load_warehouse(loaded.warehouse, loaded.inputs)
    (rejected,) = result.rejected
    assert (rejected.dataset, rejected.accession_number) == ("facts", "AM-24-Q3")
    assert rejected.reason.startswith("cannot be read (") and "\n" not in rejected.reason
    assert result.accessions_staged["line_items"] == 1  # the rest of the filing went through


def test_a_killed_session_that_left_a_wal_is_set_aside_with_it(loaded: Loaded):
    store = SnapshotStore(loaded.warehouse)
    served = store.served()
    session = Session(loaded.warehouse, "rw")
    session.run("DELETE FROM raw.line_items")
    session.proc.kill()  # no checkpoint: the WAL stays beside the served generation
    session.proc.wait(timeout=30)
    assert served.with_name(served.name + ".wal").exists()
    result = load_warehouse(loaded.warehouse, loaded.inputs)
    assert not result.incremental and result.row_counts["raw.line_items"] == 59
    aside = sorted(store.directory.glob(f"{served.name}.set-aside-*"))
    assert aside == [aside[0], aside[0].with_name(aside[0].name + ".wal")]  # WAL moved with it
    assert [p for p in store.directory.iterdir() if p.name.endswith(".wal")] == [aside[1]]


def test_a_touched_snapshot_is_still_built_upon(loaded: Loaded):
    served = SnapshotStore(loaded.warehouse).served()
    os.utime(served)  # a new mtime, not a byte changed
    add_new_filing(loaded)
    assert load_warehouse(loaded.warehouse, loaded.inputs).incremental


def test_a_filing_whose_reparse_keeps_failing_is_not_read_on_every_load(loaded: Loaded):
    """Its old files (an older parser's) stay, and the catalog records what they are."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.edgar.catalog import CATALOG_SCHEMA
    from pipeline.parquet_io import write_parquet_atomically

    for directory in (loaded.fixture.facts_dir, loaded.fixture.line_items_dir):
        path = directory / "ticker=AMZN" / "AM-24-Q1.parquet"
        table = pq.read_table(path)
        old = {**table.schema.metadata, b"parser_version": b"0"}
        pq.write_table(table.replace_schema_metadata(old), path)
    catalog = pq.read_table(loaded.inputs.catalog_path).to_pylist()
    for row in catalog:
        if row["accession_number"] == "AM-24-Q1":
            row.update(status="parse_failed", error="boom", parsed_sha256=row["sha256"])
            row["parser_version"] = "0"
    write_parquet_atomically(
        pa.Table.from_pylist(catalog, schema=CATALOG_SCHEMA), loaded.inputs.catalog_path
    )
    first = load_warehouse(loaded.warehouse, loaded.inputs)
    assert first.accessions_staged["facts"] == 1  # its recorded key changed: read once
    again = load_warehouse(loaded.warehouse, loaded.inputs)
    assert again.unchanged and again.accessions_staged["facts"] == 0
