"""The real Definitions load, validate with Dagster's CLI, and serve in the UI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pipeline.config import Settings
from pipeline.definitions import MAIN_JOB, build_definitions

REPO_ROOT = Path(__file__).resolve().parents[1]
DAGSTER = [sys.executable, "-m", "dagster"]


def _env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text((REPO_ROOT / "dagster.yaml").read_text())
    return {**os.environ, "DAGSTER_HOME": str(home), "EDGAR_DATA_DIR": str(tmp_path / "data")}


def _graph(defs) -> dict:
    return {
        spec.key.to_user_string(): {
            "group": spec.group_name,
            "kinds": sorted(spec.kinds),
            "owners": list(spec.owners),
            "partitions": spec.partitions_def.name if spec.partitions_def else None,
            "deps": sorted(dep.asset_key.to_user_string() for dep in spec.deps),
        }
        for spec in defs.resolve_all_asset_specs()
    }


def test_asset_graph_matches_the_reviewed_snapshot():
    """A change to the graph (keys, groups, lineage, partitions) must update the snapshot."""
    defs = build_definitions(Settings(companies=("AMZN", "WMT")))
    snapshot = json.loads((REPO_ROOT / "tests" / "snapshots" / "asset_graph.json").read_text())
    assert _graph(defs) == snapshot


def test_every_asset_is_described_and_every_layer_grouped():
    defs = build_definitions(Settings(companies=("AMZN", "WMT")))
    specs = list(defs.resolve_all_asset_specs())
    assert {s.group_name for s in specs} == {"edgar", "xbrl", "warehouse", "marts"}
    assert all(s.description and s.code_version for s in specs)
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert {"quarters_add_up_to_year", "revenue_positive", "quarter_sequence_gaps"} <= checks
    assert defs.resolve_job_def(MAIN_JOB) is not None


def test_a_new_company_gets_its_own_download_asset():
    defs = build_definitions(Settings(companies=("AMZN", "WMT", "COST")))
    graph = _graph(defs)
    assert graph["edgar/filings_cost"]["group"] == "edgar"
    assert "edgar/filings_cost" in graph["edgar/filings_catalog"]["deps"]


def test_dagster_definitions_validate(tmp_path):
    done = subprocess.run(
        [*DAGSTER, "definitions", "validate", "-m", "pipeline.definitions"],
        cwd=REPO_ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_ui_starts_and_lists_the_assets(tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dagster_webserver",
            "-m",
            "pipeline.definitions",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=REPO_ROOT,
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                    break
            except OSError:
                assert server.poll() is None, "dagster-webserver exited"
                assert time.monotonic() < deadline, "UI did not start within 120 s"
                time.sleep(0.5)
        query = json.dumps({"query": "{ assetNodes { assetKey { path } groupName } }"}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql",
            data=query,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            nodes = json.load(response)["data"]["assetNodes"]
        keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
        assert {"edgar/filings_amzn", "edgar/filings_wmt", "edgar/filings_catalog"} <= keys
    finally:
        server.terminate()
        server.wait(timeout=30)
