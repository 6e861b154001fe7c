"""Helpers for the UI tests: a real ``edgar-pipeline dev`` in a subprocess, its GraphQL API,
and the processes it started."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "pipeline.cli"]


def free_port() -> int:
    from pipeline.dev_server import free_port as free

    return free()


def graphql(base: str, query: str, variables: dict | None = None, timeout_s: float = 30) -> dict:
    """POST a GraphQL query to the webserver; its ``data`` (fails the test on errors)."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        f"{base}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        answer = json.load(response)
    assert not answer.get("errors"), answer["errors"]
    return answer["data"]


LOCATIONS = """{ workspaceOrError { ... on Workspace { locationEntries {
    name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def wait_for_location(base: str, process: subprocess.Popen, timeout_s: float = 180) -> dict:
    """Wait until the webserver answers and its code location has loaded; the entries."""
    deadline = time.monotonic() + timeout_s
    while True:
        assert process.poll() is None, f"edgar-pipeline dev exited ({process.returncode})"
        try:
            entries = graphql(base, LOCATIONS, timeout_s=5)["workspaceOrError"]["locationEntries"]
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                return {e["name"]: e for e in entries}
        except OSError:
            pass
        assert time.monotonic() < deadline, f"the UI at {base} did not load within {timeout_s} s"
        time.sleep(0.5)


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` now, and every member of their process groups."""
    parents: dict[int, int] = {}
    groups: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        parents[int(entry.name)] = int(fields[1])
        groups[int(entry.name)] = int(fields[2])
    found = {pid}
    while True:
        more = {p for p, parent in parents.items() if parent in found} - found
        if not more:
            break
        found |= more
    found.discard(pid)
    own_groups = {groups[p] for p in found if p in groups} - {groups.get(pid)}
    return found | {p for p, g in groups.items() if g in own_groups}


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (zombies count as gone)."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.add(pid)
    return running


@contextmanager
def dev_server(env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """``edgar-pipeline dev`` on a free port, in a session of its own (as a terminal starts
    it); yields the UI's base URL and the process. Stopped (SIGINT to its group) on exit."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [*CLI, "dev", "--port", str(port)],
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield f"http://127.0.0.1:{port}", process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, 2)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, 9)
                    process.wait()


def prepare_without(data_dir: Path, corpus: Path, withheld: str) -> None:
    """The data folder as ``edgar-pipeline run`` leaves it when EDGAR held back ``withheld``
    (every other tracked filing parsed, loaded, in the marts); then that filing downloaded
    and registered as a partition, not yet parsed (what the sensor's sync does)."""
    from dagster import DagsterInstance

    from assets.partitions import FILINGS
    from pipeline.automation.partition_ranges import all_partitions_tags
    from pipeline.cli import prepare_dagster_home
    from pipeline.definitions import BUILD_JOB, SYNC_JOB, build_definitions
    from pipeline.edgar.standin import EdgarStandIn
    from tests.conftest import execute_job, make_settings, step_failures

    settings = make_settings(data_dir.parent, data_dir=data_dir)
    saved = dict(os.environ)
    try:
        prepare_dagster_home(settings)
        defs = build_definitions(settings)
        with DagsterInstance.get() as instance:
            with EdgarStandIn(corpus, exclude_accessions={withheld}) as server:
                os.environ.update(server.client_env())
                assert execute_job(defs, SYNC_JOB, instance).success
                tags = all_partitions_tags(instance.get_dynamic_partitions(FILINGS.name))
                built = execute_job(defs, BUILD_JOB, instance, tags)
                assert built.success, step_failures(built)
            with EdgarStandIn(corpus) as server:
                os.environ.update(server.client_env())
                assert execute_job(defs, SYNC_JOB, instance).success
            assert withheld in instance.get_dynamic_partitions(FILINGS.name)
    finally:
        os.environ.clear()
        os.environ.update(saved)
