"""The Dagster UI and daemon for ``edgar-pipeline dev`` (and ``screenshot``), stopped promptly.

What ``dagster dev`` does, with Dagster's own commands: one code server (``dagster
code-server start``, serving the code location named in pyproject's ``[tool.dagster]``),
and ``dagster-webserver`` and ``dagster-daemon run`` reading it through a workspace file
written under DAGSTER_HOME. Why not ``dagster dev`` itself: Dagster 1.13 marks it
superseded (a warning on every start; its successor ``dg dev`` needs a dg project and uv),
it names the location after the module (``pipeline.definitions``) rather than pyproject's
``code_location_name``, and it warns about the repository's dagster.yaml, which the
instance under the data folder replaces. The three services, and every process they start
(run workers, compute-log tails), share one process group of their own, so a terminal's
Ctrl-C reaches only ``edgar-pipeline``, which stops the whole group: SIGTERM, then SIGKILL
to whatever is left after ``STOP_GRACE_S``, so nothing outlives it, however long it ran.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import REPO_ROOT
from pipeline.processes import stop_process_group

MODULE = "pipeline.definitions"
STOP_GRACE_S = 2.0  # SIGTERM, then SIGKILL to whatever is left (measured: all gone in 2.1 s)
CODE_SERVER_START_S = 180.0  # loading the definitions; bounded, named when it is exceeded


class DevServerError(RuntimeError):
    """A service did not start or stopped unexpectedly (one line naming it)."""


def code_location_name(pyproject: Path = REPO_ROOT / "pyproject.toml") -> str:
    """``[tool.dagster] code_location_name`` of the project (what the UI calls the location)."""
    with pyproject.open("rb") as handle:
        return tomllib.load(handle)["tool"]["dagster"]["code_location_name"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def write_workspace(home: Path, grpc_port: int, location: str) -> Path:
    """The workspace file the webserver and daemon read: the one code server."""
    path = home / "workspace.yaml"
    path.write_text(
        "# Written by edgar-pipeline dev: the code server it started.\n"
        "load_from:\n"
        "  - grpc_server:\n"
        "      host: 127.0.0.1\n"
        f"      port: {grpc_port}\n"
        f"      location_name: {location}\n",
        encoding="utf-8",
    )
    return path


@dataclass
class DevServices:
    """The running services; ``url`` is the UI."""

    url: str
    pgid: int
    processes: dict[str, subprocess.Popen]

    def failed(self) -> str | None:
        """The first service that exited, as ``name (exit code N)``; None while all run."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                return f"{name} (exit code {process.returncode})"
        return None


def service_commands(workspace: Path, host: str, port: int) -> dict[str, list[str]]:
    """The webserver's and the daemon's commands, for ``workspace``."""
    python = [sys.executable, "-m"]
    return {
        "dagster-webserver": [
            *python,
            "dagster_webserver",
            "-w",
            str(workspace),
            "--host",
            host,
            "--port",
            str(port),
        ],
        "dagster-daemon": [*python, "dagster._daemon", "run", "-w", str(workspace)],
    }


@contextmanager
def dagster_services(
    home: Path, host: str = "127.0.0.1", port: int = 3000, *, output=None
) -> Iterator[DevServices]:
    """Start the code server, webserver and daemon in one new process group; stop the group
    on exit (also on Ctrl-C). ``output``: where their logs go (default: inherited)."""
    location = code_location_name()
    grpc_port = free_port()
    start = {"cwd": home, "stdout": output, "stderr": output, "stdin": subprocess.DEVNULL}
    code_server = subprocess.Popen(
        [
            *(sys.executable, "-m", "dagster", "code-server", "start"),
            *("-m", MODULE, "-d", str(REPO_ROOT), "--location-name", location),
            *("-h", "127.0.0.1", "-p", str(grpc_port), "--use-python-environment-entry-point"),
        ],
        process_group=0,  # a group of its own: a terminal's Ctrl-C reaches only us
        **start,
    )
    services = DevServices(f"http://{host}:{port}", code_server.pid, {"code server": code_server})
    try:
        _wait_listening(services, "code server", grpc_port, CODE_SERVER_START_S)
        workspace = write_workspace(home, grpc_port, location)
        for name, command in service_commands(workspace, host, port).items():
            services.processes[name] = subprocess.Popen(
                command, process_group=services.pgid, **start
            )
        yield services
    finally:
        stop_process_group(services.pgid, list(services.processes.values()), STOP_GRACE_S)


def _wait_listening(services: DevServices, name: str, port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not _listening("127.0.0.1", port):
        if failed := services.failed():
            raise DevServerError(f"{failed} stopped while starting: see its output above")
        if time.monotonic() > deadline:
            raise DevServerError(
                f"the {name} did not listen on port {port} within {timeout_s:.0f} s"
            )
        time.sleep(0.2)


def serve(home: Path, host: str, port: int) -> int:
    """Run the services until Ctrl-C or SIGTERM (exit 0), or until one stops (exit 1)."""
    # Both stop it, even where SIGINT was inherited ignored (a job started with `&`).
    previous = {
        sig: signal.signal(sig, signal.default_int_handler)
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        with dagster_services(home, host, port) as services:
            print(f"edgar-pipeline dev: the Dagster UI is at {services.url} (Ctrl-C stops it)")
            while not (failed := services.failed()):
                time.sleep(0.5)
            print(f"edgar-pipeline dev: {failed} stopped; stopping the others", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("edgar-pipeline dev: stopped", file=sys.stderr)
        return 0
    except (DevServerError, OSError) as exc:  # OSError: a service could not be started
        print(f"edgar-pipeline dev: {exc}", file=sys.stderr)
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
