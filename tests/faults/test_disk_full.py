"""Fault matrix, disk full: a run on a full disk fails in one line and loses nothing.

The data folder lives on a small tmpfs of its own. After one good run, the disk is filled
(nothing left, or a little left so that some writes of the next run succeed and others
hit ENOSPC part-way). That run must fail with one clear line and leave the previous
Parquet files, warehouse and Dagster storage intact; once space is freed, the next run
succeeds with the same figures.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.disk import fill, tmpfs
from tests.faults.figures import AMZN_FY2024, fy_values, warehouse_dump
from tests.faults.runner import cli_env, run_cli

TMPFS_SIZE = "96m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 96 MiB tmpfs mounted at tmp_path/disk (skips where mounting is not allowed)."""
    with tmpfs(tmp_path / "disk", TMPFS_SIZE) as mounted:
        if not mounted:
            pytest.skip("cannot mount a tmpfs here (needs root, with mounts allowed)")
        yield tmp_path / "disk"


def lake_digest(data: Path) -> dict[str, str]:
    """sha256 of every Parquet file of the lake."""
    return {
        str(p.relative_to(data)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((data / "parquet").rglob("*.parquet"))
    }


def runs_in_storage(data: Path) -> int:
    """How many runs Dagster's SQLite run storage lists (it must still open)."""
    with sqlite3.connect(data / "dagster" / "history" / "runs.db") as db:
        return db.execute("SELECT count(*) FROM runs").fetchone()[0]


@pytest.mark.parametrize("leave_bytes", [0, 2 << 20], ids=["nothing-left", "2MiB-left"])
def test_disk_full_fails_cleanly_keeps_everything_and_next_run_succeeds(
    leave_bytes, small_disk, corpus
):
    data = small_disk / "data"
    env = cli_env(data, corpus)
    first = run_cli(["run"], env)
    assert first.returncode == 0, first.output[-4000:]
    warehouse = data / "warehouse.duckdb"
    before_dump, before_lake = warehouse_dump(warehouse), lake_digest(data)
    before_runs = runs_in_storage(data)

    filler = fill(small_disk, leave_bytes)
    # --rebuild: a run with nothing new writes next to nothing (no Parquet, no snapshot) and
    # may well succeed on 2 MiB; a rebuild re-parses and rebuilds, and must fail cleanly.
    full = run_cli(["run", "--rebuild"], env)
    assert full.returncode != 0, full.output[-4000:]
    assert "No space left on device" in full.output or "disk full" in full.output.lower()
    assert "Traceback" not in full.output
    summaries = [line for line in full.output.splitlines() if line.startswith("step ")]
    assert all("Error occurred while executing" not in line for line in summaries), summaries

    filler.unlink()
    # Nothing already there was lost: the served warehouse, the lake, Dagster's storage.
    assert warehouse_dump(warehouse) == before_dump
    assert lake_digest(data) == before_lake
    assert runs_in_storage(data) >= before_runs

    after = run_cli(["run"], env)
    assert after.returncode == 0, after.output[-4000:]
    assert fy_values(warehouse, "AMZN", 2024) == AMZN_FY2024
    assert warehouse_dump(warehouse) == before_dump
