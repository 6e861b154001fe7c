"""Fault matrix, disk full: a run on a full disk fails in one line and loses nothing.

The data folder lives on a small tmpfs of its own. After one good run, the disk is filled
(nothing left, or a little left so that some writes of the next run succeed and others
hit ENOSPC part-way). That run must fail with one clear line and leave the previous
Parquet files, warehouse and Dagster storage intact; once space is freed, the next run
succeeds with the same figures.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.faults.runner import cli_env, run_cli
from tests.faults.test_crash_recovery import AMZN_FY2024, amzn_fy2024, warehouse_dump

TMPFS_SIZE = "96m"


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 96 MiB tmpfs mounted at tmp_path/disk (skips where mounting is not allowed)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path, leave_bytes: int) -> Path:
    """Fill ``disk`` until at most ``leave_bytes`` remain free; return the filler file."""
    filler = disk / "filler"
    with filler.open("wb") as handle:
        chunk = b"\0" * (1 << 20)
        try:
            while True:
                free = _free(disk)
                if free <= leave_bytes:
                    break
                handle.write(chunk[: min(len(chunk), free - leave_bytes)])
                handle.flush()
        except OSError:
            pass
    return filler


def _free(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


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
    full = run_cli(["run"], env)
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
    assert amzn_fy2024(warehouse) == AMZN_FY2024
    assert warehouse_dump(warehouse) == before_dump
