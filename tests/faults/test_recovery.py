"""Fault matrix, recovery: a damaged catalog, an empty warehouse, a run stopped while it
waits for the warehouse lock."""

from __future__ import annotations

import fcntl
import os
import signal

import duckdb

from tests.faults.figures import AMZN_FY2024, fy_values
from tests.faults.runner import cli_env, run_cli, run_until


def test_a_damaged_catalog_is_one_line_for_status_and_rebuilt_by_the_next_run(corpus, tmp_path):
    data = tmp_path / "data"
    env = cli_env(data, corpus)
    assert run_cli(["run"], env).returncode == 0
    catalog = data / "parquet" / "catalog" / "filings.parquet"
    catalog.write_bytes(os.urandom(3000))

    status = run_cli(["status"], env)
    assert status.returncode == 1 and "Traceback" not in status.output
    assert f"filings catalog {catalog} cannot be read" in status.output

    again = run_cli(["run"], env)
    assert again.returncode == 0, again.output[-4000:]
    assert fy_values(data / "warehouse.duckdb", "AMZN", 2024) == AMZN_FY2024
    assert run_cli(["status"], env).returncode == 0


def test_status_on_an_empty_warehouse_file_says_so(corpus, tmp_path):
    """A first load that never committed (a full disk, say) can leave an empty file."""
    data = tmp_path / "data"
    data.mkdir()
    duckdb.connect(str(data / "warehouse.duckdb")).close()
    status = run_cli(["status"], cli_env(data, corpus))
    assert status.returncode == 0, status.output
    assert "the warehouse holds no tables yet" in status.output
    assert "Traceback" not in status.output


def test_sigterm_while_waiting_for_the_warehouse_lock_stops_the_run(corpus, tmp_path):
    data = tmp_path / "data"
    env = cli_env(data, corpus)
    assert run_cli(["run"], env).returncode == 0
    lock = os.open(data / "warehouse.duckdb.lock", os.O_RDWR)
    fcntl.flock(lock, fcntl.LOCK_EX)  # another writer holds the warehouse
    try:
        stopped = run_until("building the next snapshot", env, sig=signal.SIGTERM, delay=2.0)
    finally:
        os.close(lock)
    assert stopped.returncode == 130, stopped.output[-3000:]
    assert stopped.seconds < 60
    assert "interrupted" in stopped.output
    assert run_cli(["run"], env).returncode == 0
