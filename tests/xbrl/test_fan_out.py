"""Parsing fans out over a pool of processes where that pays, with the same files as one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.config import ConfigError, Settings
from pipeline.xbrl import fan_out
from pipeline.xbrl.datasets import DATASETS, dataset_dir, filing_file
from tests.conftest import REPO_ROOT, make_settings, rows_for, tickers_of
from tests.faults.test_lake_and_warehouse_faults import land_and_parse


def dies_on_the_second(settings, filing, forced):
    """A parse that kills its worker process for one filing (run in spawned workers)."""
    if filing["accession_number"].endswith("2"):
        os._exit(1)
    return {"outcome": "parsed", "filing": filing["accession_number"]}, {}


def test_a_worker_that_dies_fails_its_filing_by_name_and_the_others_go_through(tmp_path):
    settings = make_settings(tmp_path)
    filings = [{"accession_number": f"0000000001-24-00000{n}"} for n in range(1, 6)]
    results = list(fan_out._in_pool(settings, filings, 2, parse=dies_on_the_second))
    assert [facts.get("filing") or facts["outcome"] for facts, _ in results] == [
        "0000000001-24-000001",
        "failed",
        "0000000001-24-000003",
        "0000000001-24-000004",
        "0000000001-24-000005",
    ]
    assert "the process parsing it died" in results[1][0]["error"]


def sleeps_after_saying_its_pid(settings, filing, forced):
    """A parse that records its worker's pid, then hangs (run in spawned workers)."""
    Path(filing["pid_file"]).write_text(str(os.getpid()))
    time.sleep(120)
    return {}, {}


KILLED_STEP = """
import sys
from pipeline.config import Settings
from pipeline.xbrl import fan_out
from tests.xbrl.test_fan_out import sleeps_after_saying_its_pid

folder = sys.argv[1]
filings = [{"pid_file": f"{folder}/{n}.pid"} for n in range(2 * fan_out.CHUNK)]  # 2 chunks
list(fan_out._in_pool(Settings(), filings, 2, parse=sleeps_after_saying_its_pid))
"""


def running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a reaper has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_step_leaves_no_parse_worker_behind(tmp_path: Path):
    step = subprocess.Popen([sys.executable, "-c", KILLED_STEP, str(tmp_path)], cwd=REPO_ROOT)
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("*.pid"))) < 2:
            assert time.monotonic() < deadline, "the workers did not start within 60 s"
            assert step.poll() is None, "the step process ended early"
            time.sleep(0.1)
        workers = [int(p.read_text()) for p in tmp_path.glob("*.pid")]
        step.kill()  # SIGKILL: no cleanup of its own runs
        step.wait()
        deadline = time.monotonic() + 10
        while any(running(pid) for pid in workers):
            assert time.monotonic() < deadline, f"parse workers {workers} outlived the step"
            time.sleep(0.1)
    finally:
        step.kill()


def test_a_daemon_process_parses_alone(tmp_path: Path, monkeypatch):
    """A Celery worker is a daemon process, which may not start children."""
    settings = make_settings(tmp_path, parse_workers=4)
    monkeypatch.setattr(fan_out.multiprocessing.current_process(), "daemon", True)
    assert fan_out.pool_size(settings, 10_000) == 1


def test_a_pool_only_where_it_pays(tmp_path: Path):
    settings = make_settings(tmp_path, parse_workers=4)
    assert fan_out.pool_size(settings, 1) == 1  # one new filing: the step's own process
    assert fan_out.pool_size(settings, fan_out.POOL_FROM - 1) == 1
    assert fan_out.pool_size(settings, fan_out.POOL_FROM) == 4
    assert fan_out.pool_size(replace(settings, parse_workers=1), 10_000) == 1
    remote = make_settings(tmp_path, parse_workers=4, lake="s3://bucket/lake")
    assert fan_out.pool_size(remote, 10_000) == 1  # its file check is the step's listing


def test_the_number_of_workers_is_checked():
    assert Settings.from_env({"EDGAR_PARSE_WORKERS": "3"}).parse_workers == 3
    for bad in ("0", "65", "two"):
        with pytest.raises(ConfigError, match="EDGAR_PARSE_WORKERS"):
            Settings.from_env({"EDGAR_PARSE_WORKERS": bad})


def test_a_pool_writes_the_files_one_process_writes(
    tmp_path: Path, corpus: Path, corpus_rows, monkeypatch
):
    rows = rows_for(corpus_rows, tickers_of(corpus_rows))
    one = make_settings(tmp_path / "one", companies=tickers_of(corpus_rows))
    catalog = land_and_parse(one, corpus, rows)  # parsed in this process
    pooled = replace(one, lake=str(tmp_path / "pooled-lake"), parse_workers=2)
    pools = []

    class CountedPool(fan_out.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(fan_out, "ProcessPoolExecutor", CountedPool)
    monkeypatch.setattr(fan_out, "POOL_FROM", 2)
    results = list(fan_out.outcomes(pooled, [*catalog, None], True, fan_out.lake.is_file))
    assert pools == [(2,)]
    assert [facts["outcome"] for facts, _ in results] == ["parsed"] * len(catalog) + ["failed"]
    pools.clear()  # now every filing is current: checked here, no pool started
    unchanged = list(fan_out.outcomes(pooled, catalog, False, fan_out.lake.is_file))
    assert pools == [] and {facts["outcome"] for facts, _ in unchanged} == {"unchanged"}
    for filing in catalog:
        for dataset in DATASETS:
            paths = [
                filing_file(dataset_dir(s, dataset), filing["ticker"], filing["accession_number"])
                for s in (one, pooled)
            ]
            first, second = (pq.read_table(p) for p in paths)
            assert first.equals(second) and first.schema.metadata == second.schema.metadata
