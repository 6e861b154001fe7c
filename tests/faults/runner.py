"""Run ``edgar-pipeline`` as a user would (a subprocess, offline mirror) and stop it at will."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def cli_env(data_dir: Path, corpus: Path, **extra: str) -> dict[str, str]:
    """The environment of an offline run with its data under ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EDGAR_", "DAGSTER_"))}
    env.update(
        {
            "EDGAR_DATA_DIR": str(data_dir),
            "EDGAR_MIRROR": str(corpus),
            "EDGAR_COMPANIES": "AMZN,WMT",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


@dataclass
class CliRun:
    """A finished ``edgar-pipeline`` command."""

    returncode: int
    output: str
    seconds: float


def run_cli(args: list[str], env: dict[str, str], timeout: float = 300) -> CliRun:
    """Run ``python -m pipeline ARGS`` to the end (bounded by ``timeout``)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    return CliRun(done.returncode, done.stdout, time.monotonic() - started)


def run_until(
    marker: str, env: dict[str, str], *, sig: int = signal.SIGKILL, timeout: float = 120
) -> CliRun:
    """Start ``edgar-pipeline run``; send ``sig`` to its process group once ``marker`` shows."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if marker in line:
                os.killpg(proc.pid, sig)
                break
            if time.monotonic() - started > timeout:
                raise AssertionError(f"no {marker!r} within {timeout}s:\n{''.join(lines)[-3000:]}")
        else:
            raise AssertionError(f"run ended before {marker!r}:\n{''.join(lines)[-3000:]}")
        rest, _ = proc.communicate(timeout=timeout)
        lines.append(rest or "")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return CliRun(proc.returncode, "".join(lines), time.monotonic() - started)
