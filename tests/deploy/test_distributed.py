"""The production stack on this machine: PostgreSQL storage, two Celery workers, Redis.

A private PostgreSQL cluster and a Redis server start on loopback ports; two workers
(``python -m pipeline.deploy worker``) take the steps of ``python -m pipeline.deploy run``
against the real filings (EDGAR_MIRROR). The warehouse it builds must equal, table by
table and row by row, the one an in-process ``edgar-pipeline run`` builds; the parse runs
must have been shared by both workers. Then, on a fresh data folder, one worker is killed
(SIGKILL, its whole process group) while it runs a download step: the step is delivered
again to the other worker, the run completes, and a re-run completes too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import TEST_COMPANIES, newest
from tests.deploy.services import (
    REPO_ROOT,
    Postgres,
    Redis,
    ServiceUnavailable,
    start_worker,
    stop_process,
    wait_workers,
)

pytest.importorskip(
    "dagster_celery", reason="the deploy extras are not installed: pip install -e '.[deploy]'"
)
pytest.importorskip("dagster_postgres", reason="pip install -e '.[deploy]'")

RUN_TIMEOUT_S = 240
# A lost worker's step is delivered again after this; every step must be shorter, or a
# step still running is delivered twice (the slow download step takes SLOW_S plus a few s).
VISIBILITY_S = 30
SLOW_S = 5  # how long the stand-in holds the filing whose download step the test interrupts
WORKERS = ("w1", "w2")
# Columns that depend on where and when a load ran, not on the filings.
VOLATILE = {"loaded_at"}


@dataclass
class Services:
    postgres: Postgres
    redis: Redis


@pytest.fixture(scope="module")
def services() -> Iterator[Services]:
    """PostgreSQL and Redis, private to this module; skipped only if they cannot start."""
    started: list = []
    try:
        for service in (Postgres(), Redis()):
            try:
                started.append(service.start())
            except ServiceUnavailable as exc:
                pytest.skip(f"the production stack cannot start here: {exc}")
        yield Services(*started)
    finally:
        for service in reversed(started):
            service.stop()


@pytest.fixture(scope="module")
def local_warehouse(tmp_path_factory, corpus: Path) -> Iterator[Callable[[], Path]]:
    """The in-process run (README command 1), started first: it runs while services start."""
    data = tmp_path_factory.mktemp("local") / "data"
    env = {**_base_env(), "EDGAR_DATA_DIR": str(data), "EDGAR_MIRROR": str(corpus)}
    log = data.parent / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("edgar-pipeline")), "run"],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def finished() -> Path:
        assert process.wait(timeout=RUN_TIMEOUT_S) == 0, log.read_text()[-3000:]
        return data / "warehouse.duckdb"

    try:
        yield finished
    finally:
        stop_process(process)


def _base_env() -> dict[str, str]:
    """This environment without any pipeline or Dagster setting of the caller's."""
    prefixes = ("EDGAR_", "DAGSTER_", "SEC_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**env, "EDGAR_COMPANIES": ",".join(TEST_COMPANIES)}


@dataclass
class Cluster:
    """Two workers on one data folder, PostgreSQL database and Redis database."""

    name: str
    env: dict[str, str]
    data: Path
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipeline.deploy", "run", *args],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
        )

    @contextmanager
    def instance(self) -> Iterator:
        """The production instance this cluster's runs are recorded in."""
        from dagster import DagsterInstance

        with pytest.MonkeyPatch.context() as patch:
            for key, value in self.env.items():
                patch.setenv(key, value)
            with DagsterInstance.from_config(str(self.data / "dagster")) as instance:
                yield instance


@contextmanager
def cluster(
    services: Services, root: Path, name: str, number: int, corpus: Path, **extra: str
) -> Iterator[Cluster]:
    """Workers ``WORKERS`` for a fresh data folder; always stopped afterwards."""
    data = root / name / "data"
    data.mkdir(parents=True)
    env = {
        **_base_env(),
        **services.postgres.create_database(f"dagster_{name}"),
        "EDGAR_DAGSTER_PROFILE": "production",
        "EDGAR_CELERY_BROKER": services.redis.url[: -len("/0")] + f"/{number}",
        "EDGAR_CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_S),
        "EDGAR_DATA_DIR": str(data),
        "EDGAR_MIRROR": str(corpus),
        **extra,
    }
    found = Cluster(name, env, data)
    try:
        for worker in WORKERS:
            found.workers[worker] = start_worker(worker, env, data.parent / f"{worker}.log")
        wait_workers(env["EDGAR_CELERY_BROKER"], list(WORKERS))
        yield found
    finally:
        for process in found.workers.values():
            stop_process(process, group=True)
        shutil.rmtree(data.parent, ignore_errors=True)


def step_workers(instance, job: str) -> list[tuple[str, str, str]]:
    """(run id, step key, worker name) of every step a Celery worker began, in order."""
    from dagster import DagsterEventType, RunsFilter

    began = []
    for run in reversed(instance.get_runs(RunsFilter(job_name=job))):
        for entry in instance.all_logs(run.run_id, of_type=DagsterEventType.ENGINE_EVENT):
            metadata = entry.dagster_event.engine_event_data.metadata
            if "Celery worker" in metadata:
                worker = metadata["Celery worker"].value.split("@")[0]
                began.append((run.run_id, entry.dagster_event.step_key, worker))
    return began


def table_rows(path: Path, data_dir: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted; paths relative to the data folder, load times left out."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.sql(
            "SELECT table_schema, table_name FROM information_schema.tables ORDER BY ALL"
        ).fetchall()
        rows = {}
        for schema, table in tables:
            columns = [
                name
                for (name,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
                    "AND table_name = ? ORDER BY ordinal_position",
                    [schema, table],
                ).fetchall()
                if name not in VOLATILE
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            found = con.sql(f'SELECT {select} FROM "{schema}"."{table}" ORDER BY ALL').fetchall()
            rows[f"{schema}.{table}"] = [
                tuple(_relative(v, data_dir) for v in row) for row in found
            ]
    return rows


def _relative(value, data_dir: Path):
    return value.replace(str(data_dir), "<data>") if isinstance(value, str) else value


@pytest.fixture(scope="module")
def slow_filing(tracked_rows) -> dict[str, str]:
    """The filing the stand-in holds SLOW_S seconds: its download step is the one to kill."""
    return newest(tracked_rows)


@pytest.fixture(scope="module")
def production(services, tmp_path_factory, corpus: Path, slow_filing) -> Iterator[Cluster]:
    """Two workers on a fresh data folder (the stand-in of each download step holds the slow
    filing back, so a step is caught running)."""
    faults = [{"match": slow_filing["accession_number"], "kind": "slow", "delay": SLOW_S}]
    root = tmp_path_factory.mktemp("deploy")
    with cluster(
        services, root, "prod", 1, corpus, EDGAR_STANDIN_FAULTS=json.dumps(faults)
    ) as found:
        yield found


@dataclass
class DistributedRun:
    result: subprocess.CompletedProcess
    parse_steps: list[tuple[str, str, str]]
    storage: str
    statuses: list[str]


@pytest.fixture(scope="module")
def distributed(production: Cluster, local_warehouse) -> DistributedRun:
    """The first distributed run (its steps on two workers)."""
    from dagster import RunsFilter

    result = production.run("--chunks", "2")
    with production.instance() as instance:
        parse_steps = step_workers(instance, "parse_filings")
        storage = type(instance.run_storage).__name__
        statuses = [r.status.value for r in instance.get_runs(RunsFilter())]
    return DistributedRun(result, parse_steps, storage, statuses)


def test_distributed_warehouse_matches_in_process(distributed, production, local_warehouse):
    assert distributed.result.returncode == 0, distributed.result.stdout + distributed.result.stderr
    local = local_warehouse()
    expected = table_rows(local, local.parent)
    found = table_rows(production.data / "warehouse.duckdb", production.data)
    assert sorted(found) == sorted(expected)
    assert {"core.financials", "marts.annual_comparison", "raw.facts"} <= set(expected)
    for table, rows in expected.items():
        assert found[table] == rows, f"{table} differs from the in-process run"


def test_runs_recorded_in_postgres(distributed):
    assert distributed.storage == "PostgresRunStorage"
    # sync, the parse runs (one per chunk) and the load: all succeeded
    assert distributed.statuses and set(distributed.statuses) == {"SUCCESS"}
    assert len(distributed.statuses) == 2 + len({run for run, _, _ in distributed.parse_steps})


def test_two_workers_share_the_partition_range(distributed):
    runs = {run for run, _, _ in distributed.parse_steps}
    workers = {worker for _, _, worker in distributed.parse_steps}
    assert len(runs) == 2, distributed.parse_steps  # two chunks of the range, in parallel
    assert workers == set(WORKERS), distributed.parse_steps


def _began(found: Cluster, instance, step_key: str, after: set[str]) -> list[str]:
    """The workers that began ``step_key`` in sync runs not in ``after``, in order."""
    return [
        worker
        for run, step, worker in step_workers(instance, "sync_filings")
        if step == step_key and run not in after
    ]


def test_killed_worker_run_completes_on_the_other(
    distributed, production: Cluster, local_warehouse, slow_filing
):
    """A worker killed mid-step: its step runs again on the other worker; a re-run passes."""
    from dagster import RunsFilter

    from pipeline.edgar.landing import filing_dir

    step_key = f"edgar__filings_{slow_filing['ticker'].lower()}"
    landed = filing_dir(
        production.data / "landing",
        slow_filing["ticker"],
        slow_filing["form"].removesuffix("/A"),
        slow_filing["accession_number"],
    )
    assert landed.is_dir()
    shutil.rmtree(landed)  # removed by hand: the next sync downloads it again (slowly)
    with production.instance() as instance:
        earlier = {r.run_id for r in instance.get_runs(RunsFilter(job_name="sync_filings"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.deploy", "run"],
        cwd=REPO_ROOT,
        env=production.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        killed = None
        deadline = time.monotonic() + 120
        with production.instance() as instance:
            while killed is None and time.monotonic() < deadline:
                began = _began(production, instance, step_key, earlier)
                if began:  # SIGKILL the worker's whole process group, mid-download
                    killed = began[0]
                    os.killpg(production.workers[killed].pid, 9)
                    production.workers[killed].wait(timeout=20)
                time.sleep(0.2)
        assert killed, f"no worker began {step_key} in 120 s"
        output, _ = process.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        stop_process(process)
    assert process.returncode == 0, output
    with production.instance() as instance:
        began = _began(production, instance, step_key, earlier)
    survivor = next(w for w in WORKERS if w != killed)
    assert began == [killed, survivor], began  # begun on one, run again on the other
    assert landed.is_dir()

    again = production.run()
    assert again.returncode == 0, again.stdout + again.stderr
    assert "parsing 0 of" in again.stdout  # nothing new: the interrupted run did the work
    local = local_warehouse()
    found = table_rows(production.data / "warehouse.duckdb", production.data)
    assert found == table_rows(local, local.parent)
