"""Fault matrix, crashes: a run killed at any stage never blocks the next one.

Each case kills ``edgar-pipeline run`` (the whole process group, ``kill -9``) while it is in
one stage, then runs it again: the second run must finish in about the time of a clean
run, exit 0, say that it cleared the dead run, and leave the same warehouse as a run that
was never interrupted, with the filings' exact figures.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.faults.figures import AMZN_FY2024, fy_values, warehouse_dump
from tests.faults.runner import cli_env, run_cli, run_until

# Lines the run prints while it is inside each stage.
STAGE_MARKERS = {
    "download": "fetching",  # pipeline.edgar.download: '<T>: fetching N 10-K filing(s)'
    "parse": "parsed ",  # 'parsed N/N filings' (the wedge of issue 8 was right after it)
    "load": "building the next snapshot",
    "checks": "serving snapshot",  # the snapshot is served; checks run next
}


@pytest.fixture(scope="module")
def clean_run(corpus: Path, tmp_path_factory: pytest.TempPathFactory):
    """A run that nobody interrupted: its time and its warehouse are the yardstick."""
    data = tmp_path_factory.mktemp("clean") / "data"
    done = run_cli(["run"], cli_env(data, corpus))
    assert done.returncode == 0, done.output[-4000:]
    assert fy_values(data / "warehouse.duckdb", "AMZN", 2024) == AMZN_FY2024
    return done.seconds, warehouse_dump(data / "warehouse.duckdb")


@pytest.mark.parametrize("stage", list(STAGE_MARKERS))
def test_kill_9_then_next_run_finishes_in_normal_time(stage, clean_run, corpus, tmp_path):
    clean_seconds, clean_dump = clean_run
    env = cli_env(tmp_path / "data", corpus)
    killed = run_until(STAGE_MARKERS[stage], env, sig=signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL

    again = run_cli(["run"], env, timeout=max(120, 4 * clean_seconds))
    assert again.returncode == 0, again.output[-4000:]
    assert "Traceback" not in again.output
    assert "cleared run" in again.output and "is gone" in again.output
    assert again.seconds < 2 * clean_seconds + 15, (again.seconds, clean_seconds)
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    assert fy_values(warehouse, "AMZN", 2024) == AMZN_FY2024
    assert warehouse_dump(warehouse) == clean_dump


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_stops_the_run_promptly_and_the_next_run_finishes(sig, corpus, tmp_path):
    env = cli_env(tmp_path / "data", corpus)
    stopped = run_until(STAGE_MARKERS["parse"], env, sig=sig, timeout=120)
    assert stopped.seconds < 120
    assert stopped.returncode != 0
    assert "Traceback" not in stopped.output.split("interrupted")[-1]

    again = run_cli(["run"], env)
    assert again.returncode == 0, again.output[-4000:]
    assert fy_values(tmp_path / "data" / "warehouse.duckdb", "AMZN", 2024) == AMZN_FY2024
