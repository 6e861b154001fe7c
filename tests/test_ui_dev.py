"""``edgar-pipeline dev``, for real in a subprocess: the code location is edgar_warehouse, the
instance is the data folder's, no deprecation warning, and Ctrl-C in the middle of a run
stops everything it started within 5 s, without a traceback."""

from __future__ import annotations

import os
import time
import tomllib
from pathlib import Path

from tests.ui_support import alive, descendants, dev_server, graphql, wait_for_location

LAUNCH = """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
    __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""
STATUS = """query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"""


def _launch(base: str, job: str) -> str:
    params = {
        "selector": {
            "repositoryLocationName": "edgar_warehouse",
            "repositoryName": "__repository__",
            "jobName": job,
        },
        "runConfigData": {},
    }
    launched = graphql(base, LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def _wait_status(base: str, run_id: str, wanted: set[str], timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while True:
        status = graphql(base, STATUS, {"id": run_id})["runOrError"]["status"]
        if status in wanted or time.monotonic() > deadline:
            return status
        time.sleep(0.3)


def test_dev_serves_edgar_warehouse_and_ctrl_c_stops_everything_within_5_s(
    tmp_path: Path, corpus: Path
) -> None:
    data = tmp_path / "data"
    env = {"EDGAR_DATA_DIR": str(data), "EDGAR_MIRROR": str(corpus), "DAGSTER_HOME": ""}
    log = tmp_path / "dev.log"
    with dev_server(env, log) as (base, process):
        locations = wait_for_location(base, process)
        assert list(locations) == ["edgar_warehouse"]
        # A run in progress (launched by the daemon: a run worker, compute-log tails) when
        # Ctrl-C comes, as after a working session.
        run_id = _launch(base, "sync_filings")
        assert _wait_status(base, run_id, {"STARTED", "SUCCESS"}, 120) in {"STARTED", "SUCCESS"}
        started = descendants(process.pid)
        assert len(started) >= 3, started  # code server, webserver, daemon (and what they ran)
        began = time.monotonic()
        os.killpg(process.pid, 2)  # what a terminal's Ctrl-C does: SIGINT to its group
        process.wait(timeout=30)
        deadline = began + 5
        while alive(started) and time.monotonic() < deadline:
            time.sleep(0.05)
        took = time.monotonic() - began
        left = alive(started)
    output = log.read_text()
    assert not left, f"still running {took:.1f} s after Ctrl-C: {left}\n{output[-3000:]}"
    assert took < 5, f"stopping took {took:.1f} s"
    assert process.returncode == 0
    assert "edgar-pipeline dev: stopped" in output
    for noise in ("Traceback", "Warning", "superseded", "will not be used"):
        assert noise not in output, f"{noise!r} in the output:\n{output[-3000:]}"
    # The data folder's instance: its dagster.yaml copy, the run's record and its workspace.
    home = data / "dagster"
    assert (home / "dagster.yaml").is_file() and (home / "workspace.yaml").is_file()
    assert any(home.rglob(f"*{run_id}*")), "the run's storage is not under the data folder"


def test_the_location_name_comes_from_pyproject() -> None:
    from pipeline.dev_server import code_location_name

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert code_location_name() == pyproject["tool"]["dagster"]["code_location_name"]
    assert code_location_name() == "edgar_warehouse"
