"""Private PostgreSQL and Redis servers and Celery workers for the deployment tests.

Each server runs on a free loopback port with its files in a temporary folder, every wait
is bounded, and each ``stop`` ends only the processes this module started. A server that
truly cannot start (binaries missing) raises :class:`ServiceUnavailable`, which the
fixtures turn into a skip naming what is missing and how to install it.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60


class ServiceUnavailable(RuntimeError):
    """A service's binaries are missing: the message says how to install them."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_port(port: int, what: str, log: Path, timeout_s: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(1)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} in {timeout_s} s: {tail}")


def postgres_bin() -> Path:
    """The folder of PostgreSQL's initdb/pg_ctl (the newest installed)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    path = shutil.which("pg_ctl")
    if found:
        return Path(found[-1]).parent
    if path:
        return Path(path).parent
    raise ServiceUnavailable("PostgreSQL is not installed (apt-get install postgresql)")


def _as_postgres_user() -> list[str]:
    """initdb and postgres refuse root: run them as the 'postgres' user when we are root."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


@dataclass
class Postgres:
    """A private PostgreSQL cluster on a loopback port (trust auth, fsync off)."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="edgar-pg-")))
    port: int = field(default_factory=free_port)
    user: str = "edgar"
    database: str = "dagster"

    @property
    def env(self) -> dict[str, str]:
        """The production profile's DAGSTER_PG_* for this cluster."""
        return {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USER": self.user,
            "DAGSTER_PG_PASSWORD": "unused-trust-auth",
            "DAGSTER_PG_DB": self.database,
        }

    def start(self) -> Postgres:
        binaries, prefix = postgres_bin(), _as_postgres_user()
        data, log = self.root / "data", self.root / "postgres.log"
        if prefix:
            shutil.chown(self.root, "postgres", "postgres")
        run = lambda *args: subprocess.run(  # noqa: E731
            [*prefix, *map(str, args)], check=True, capture_output=True, timeout=120
        )
        run(
            binaries / "initdb",
            "-D",
            data,
            "-U",
            self.user,
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        run(binaries / "pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start")
        _wait_port(self.port, "PostgreSQL", log)
        self.create_database(self.database)
        return self

    def create_database(self, name: str) -> dict[str, str]:
        """Create database ``name``; the DAGSTER_PG_* that point at it."""
        subprocess.run(
            [str(postgres_bin() / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
             self.user, name],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        return {**self.env, "DAGSTER_PG_DB": name}

    def stop(self) -> None:
        data = self.root / "data"
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [
                    *_as_postgres_user(),
                    str(postgres_bin() / "pg_ctl"),
                    "-D",
                    str(data),
                    "-m",
                    "immediate",
                    "-w",
                    "-t",
                    "30",
                    "stop",
                ],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Redis:
    """A private Redis server on a loopback port, nothing saved to disk."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="edgar-redis-")))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceUnavailable("redis-server is not installed (apt-get install redis-server)")
        log = self.root / "redis.log"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.root),
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port, "Redis", log)
        return self

    def stop(self) -> None:
        stop_process(self.process)
        shutil.rmtree(self.root, ignore_errors=True)


def stop_process(process: subprocess.Popen | None, *, group: bool = False) -> None:
    """SIGTERM ``process`` (its whole session with ``group``), SIGKILL after 20 s."""
    if process is None or process.poll() is not None:
        return
    send = (lambda sig: os.killpg(process.pid, sig)) if group else process.send_signal
    try:
        send(signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass


def start_worker(name: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    """``python -m pipeline.deploy worker --name <name>`` in its own session (for killpg)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline.deploy", "worker", "--name", name],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_workers(broker: str, names: list[str], timeout_s: float = START_TIMEOUT_S) -> None:
    """Until every worker in ``names`` answers a ping over the broker (bounded)."""
    from celery import Celery

    app = Celery(broker=broker, backend=broker)
    deadline = time.monotonic() + timeout_s
    seen: set[str] = set()
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        seen = {host.split("@")[0] for reply in replies for host in reply}
        if set(names) <= seen:
            return
        time.sleep(0.5)
    missing = sorted(set(names) - seen)
    raise RuntimeError(f"celery workers {missing} did not answer in {timeout_s} s")
