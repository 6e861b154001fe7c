"""Loading: idempotent re-runs, replace by accession, atomic failure, killed load, one builder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import duckdb
import pytest

from pipeline.config import REPO_ROOT
from pipeline.warehouse import (
    SnapshotStore,
    WarehouseLockTimeout,
    load_warehouse,
    read_connection,
    row_counts,
)
from pipeline.warehouse.lock import warehouse_lock
from tests.warehouse.conftest import Loaded
from tests.warehouse.fixtures import amzn_q3_2024, base_filings, write_fixture
from tests.warehouse.helpers import M


def dump(warehouse: Path) -> dict[str, list[tuple]]:
    """Every row of every table in raw, core and marts, in a stable order (without the
    load's own bookkeeping, raw.loaded_files, whose paths and times differ by design)."""
    with read_connection(warehouse) as con:
        return {
            name: con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()
            for name in row_counts(con)
            if name != "raw.loaded_files"
        }


def add_new_filing(loaded: Loaded) -> None:
    """Write the extra AM-24-Q3 filing (and its catalog row) into the fixture datasets."""
    write_fixture(loaded.fixture.catalog_path.parents[1], [*base_filings(), amzn_q3_2024()])


def test_load_twice_leaves_the_warehouse_identical(loaded: Loaded) -> None:
    before = dump(loaded.warehouse)
    result = load_warehouse(loaded.warehouse, loaded.inputs)
    assert dump(loaded.warehouse) == before
    assert result.row_counts["raw.line_items"] == 59
    assert result.row_counts["raw.filings"] == 19
    assert result.row_counts["raw.facts"] == 2 * 59  # a total and a dimensional fact each


def test_reload_replaces_by_accession(loaded: Loaded) -> None:
    add_new_filing(loaded)
    load_warehouse(loaded.warehouse, loaded.inputs)
    with read_connection(loaded.warehouse) as con:
        n = con.execute(
            "SELECT count(*) FROM raw.line_items WHERE accession_number = 'AM-24-Q3'"
        ).fetchall()[0][0]
        assert n == 3
        q3 = con.execute(
            "SELECT value, derivation FROM core.financials "
            "WHERE ticker = 'AMZN' AND line_item = 'capex' AND fiscal_label = 'FY2024Q3'"
        ).fetchall()
        assert q3 == [((48 - 30) * M, "nine_months_ytd - six_months_ytd")]
    once = dump(loaded.warehouse)
    load_warehouse(loaded.warehouse, loaded.inputs)
    assert dump(loaded.warehouse) == once


def test_accessions_that_leave_the_catalog_are_dropped(tmp_path: Path) -> None:
    first = write_fixture(tmp_path / "a", [*base_filings(), amzn_q3_2024()])
    second = write_fixture(tmp_path / "b", base_filings())
    warehouse = tmp_path / "w.duckdb"
    from tests.warehouse.conftest import inputs_for

    def rows_of(accession: str) -> list[tuple]:
        with read_connection(warehouse) as con:
            return [
                con.execute(
                    f"SELECT count(*) FROM {t} WHERE accession_number = ?", [accession]
                ).fetchall()[0][0]
                for t in ("raw.filings", "raw.facts", "raw.line_items")
            ]

    load_warehouse(warehouse, inputs_for(first))
    assert rows_of("AM-24-Q3") == [1, 6, 3]
    load_warehouse(warehouse, inputs_for(second))  # AM-24-Q3 is no longer in the catalog
    assert rows_of("AM-24-Q3") == [0, 0, 0]
    incremental = dump(warehouse)
    load_warehouse(warehouse, inputs_for(second), full_refresh=True)
    assert dump(warehouse) == incremental


def test_a_catalog_accession_without_its_files_keeps_its_rows(loaded: Loaded) -> None:
    add_new_filing(loaded)
    for directory in (loaded.fixture.facts_dir, loaded.fixture.line_items_dir):
        (directory / "ticker=WMT" / "WM-25-K.parquet").unlink()  # loaded before: kept
        (directory / "ticker=AMZN" / "AM-24-Q3.parquet").unlink()  # never loaded: missing
    before = dump(loaded.warehouse)
    result = load_warehouse(loaded.warehouse, loaded.inputs)
    after = dump(loaded.warehouse)
    assert after["raw.line_items"] == before["raw.line_items"]  # WM-25-K's rows are kept
    assert {(m.dataset, m.accession_number) for m in result.missing} == {
        ("facts", "AM-24-Q3"),
        ("line_items", "AM-24-Q3"),
    }
    assert result.rejected == ()
    assert result.accessions_staged == {"catalog": 20, "facts": 0, "line_items": 0}


def test_a_load_with_nothing_new_stages_no_file(loaded: Loaded) -> None:
    """Recorded accessions are not read again: the files may even be gone."""
    for directory in (loaded.fixture.facts_dir, loaded.fixture.line_items_dir):
        for path in directory.rglob("*.parquet"):
            path.unlink()
    result = load_warehouse(loaded.warehouse, loaded.inputs)
    assert result.unchanged  # the served snapshot is kept: nothing copied, nothing built
    assert result.accessions_staged == {"catalog": 0, "facts": 0, "line_items": 0}
    assert result.missing == () and result.row_counts["raw.line_items"] == 59


def test_a_file_that_does_not_verify_is_reported_and_not_loaded(
    loaded: Loaded, caplog: pytest.LogCaptureFixture
) -> None:
    add_new_filing(loaded)
    target = loaded.fixture.line_items_dir / "ticker=AMZN" / "AM-24-Q3.parquet"
    other = loaded.fixture.line_items_dir / "ticker=AMZN" / "AM-24-Q1.parquet"
    good = target.read_bytes()
    target.write_bytes(other.read_bytes())  # another filing's rows under this name
    with caplog.at_level("WARNING", logger="pipeline.warehouse"):
        result = load_warehouse(loaded.warehouse, loaded.inputs)
    rejected = [(r.dataset, r.accession_number) for r in result.rejected]
    assert rejected == [("line_items", "AM-24-Q3")]
    assert "names accession AM-24-Q1, not AM-24-Q3" in result.rejected[0].reason
    lines = [r.getMessage() for r in caplog.records if "AM-24-Q3" in r.getMessage()]
    assert len(lines) == 1 and str(target) in lines[0] and "\n" not in lines[0]
    with read_connection(loaded.warehouse) as con:
        per_table = [
            con.execute(f"SELECT count(*) FROM {t} WHERE accession_number = 'AM-24-Q3'").fetchall()
            for t in ("raw.facts", "raw.line_items")
        ]
    assert per_table == [[(6,)], [(0,)]]  # nothing doubled, nothing of AM-24-Q1 under Q3
    target.write_bytes(good)  # the next load takes in the good file (not recorded yet)
    again = load_warehouse(loaded.warehouse, loaded.inputs)
    assert again.accessions_staged["line_items"] == 1 and again.rejected == ()


@pytest.mark.parametrize(
    "failing_step", ["raw.line_items", "core/financials.sql", "marts/ttm_comparison.sql"]
)
def test_failing_statement_midway_leaves_previous_state(loaded: Loaded, failing_step: str) -> None:
    before = dump(loaded.warehouse)
    add_new_filing(loaded)

    def inject(step: str, con: duckdb.DuckDBPyConnection) -> None:
        if step == failing_step:
            con.execute("SELECT * FROM no_such_table")  # a failing SQL statement

    with pytest.raises(duckdb.CatalogException):
        load_warehouse(loaded.warehouse, loaded.inputs, on_step=inject)
    assert dump(loaded.warehouse) == before
    assert list(SnapshotStore(loaded.warehouse).directory.glob("*.building*")) == []
    load_warehouse(loaded.warehouse, loaded.inputs)  # and the next load works
    assert dump(loaded.warehouse) != before


KILLED_LOAD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from pipeline.warehouse import ParquetInputs, load_warehouse

    def pause(step, con):
        if step == "core/financials.sql":
            print("PAUSED", flush=True)
            time.sleep(120)

    warehouse, catalog, facts, line_items = map(Path, sys.argv[1:])
    load_warehouse(warehouse, ParquetInputs(catalog, facts, line_items), on_step=pause)
    """
)


def test_load_killed_midway_leaves_previous_state(loaded: Loaded) -> None:
    before = dump(loaded.warehouse)
    add_new_filing(loaded)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLED_LOAD,
            str(loaded.warehouse),
            str(loaded.inputs.catalog_path),
            str(loaded.inputs.facts_dir),
            str(loaded.inputs.line_items_dir),
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "PAUSED"  # raw loaded, core half rebuilt
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert dump(loaded.warehouse) == before
    store = SnapshotStore(loaded.warehouse)
    assert len(list(store.directory.glob("*.building"))) == 1  # what the killed build left
    load_warehouse(loaded.warehouse, loaded.inputs, lock_timeout_s=10)  # lock was released
    assert list(store.directory.glob("*.building*")) == []  # and the leftover is gone
    with read_connection(loaded.warehouse) as con:
        assert con.execute(
            "SELECT count(*) FROM raw.filings WHERE accession_number = 'AM-24-Q3'"
        ).fetchall() == [(1,)]


def test_one_builder_at_a_time(loaded: Loaded) -> None:
    hold_lock = warehouse_lock(loaded.warehouse, exclusive=True, timeout_s=5)
    with hold_lock, pytest.raises(WarehouseLockTimeout):
        load_warehouse(loaded.warehouse, loaded.inputs, lock_timeout_s=0.2)

    errors: list[BaseException] = []
    release = threading.Event()

    def hold() -> None:
        try:
            with warehouse_lock(loaded.warehouse, exclusive=True, timeout_s=5):
                release.wait(5)
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    holder = threading.Thread(target=hold)
    holder.start()
    threading.Timer(0.3, release.set).start()
    load_warehouse(loaded.warehouse, loaded.inputs, lock_timeout_s=10)  # waits, then runs
    holder.join()
    assert errors == []


def test_readers_are_read_only(loaded: Loaded) -> None:
    with read_connection(loaded.warehouse) as con, pytest.raises(duckdb.Error):
        con.execute("DELETE FROM raw.filings")


HOLD_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from pipeline.warehouse.lock import warehouse_lock

    with warehouse_lock(Path(sys.argv[1]), exclusive=True):
        print("HOLDING", flush=True)
        time.sleep(120)
    """
)


def test_a_lock_timeout_names_the_writer_and_how_to_clear_it(loaded: Loaded) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER, str(loaded.warehouse)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "HOLDING"
        lock_file = loaded.warehouse.with_name(loaded.warehouse.name + ".lock")
        assert lock_file.read_text().strip() == str(holder.pid)  # the holder is recorded
        with pytest.raises(WarehouseLockTimeout) as raised:
            load_warehouse(loaded.warehouse, loaded.inputs, lock_timeout_s=0.5)
        assert str(raised.value) == (
            f"warehouse {loaded.warehouse} is locked by another writer (pid {holder.pid}) "
            "for more than 0.5s; wait for it or stop that process"
        )
    finally:
        holder.kill()
        holder.wait(timeout=30)
    load_warehouse(loaded.warehouse, loaded.inputs, lock_timeout_s=10)  # killed: lock freed
    assert lock_file.read_text() == ""  # a writer clears its pid when it is done


def test_a_wait_announces_what_it_waits_for(caplog):
    """No wait is silent: each notice interval logs what is waited for and the limit."""
    import logging
    import time

    from pipeline.warehouse.lock import WaitNotices

    caplog.set_level(logging.WARNING, logger="pipeline.warehouse.lock")
    notices = WaitNotices("the warehouse lock w.lock", timeout_s=600, every_s=0.05)
    notices.tick()
    assert caplog.records == []  # not due yet
    time.sleep(0.06)
    notices.tick()
    notices.tick()  # the next one is again an interval away
    (record,) = caplog.records
    assert record.getMessage().startswith("still waiting for the warehouse lock w.lock (")
    assert record.getMessage().endswith("giving up after 600s)")
