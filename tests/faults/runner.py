"""Run ``edgar-pipeline`` as a user would (a subprocess, offline mirror) and stop it at will."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tests.conftest import REPO_ROOT, TEST_COMPANIES

# Mount the folder "$0" read-only over itself, then run the command in "$@".
_READ_ONLY = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'


def cli_env(data_dir: Path, corpus: Path | None = None, **extra: str) -> dict[str, str]:
    """This environment without any pipeline setting, with the data under ``data_dir``.

    With ``corpus``, runs are offline (``EDGAR_MIRROR``) and track the test companies;
    without it, nothing but the data folder is set (the settings' defaults apply).
    """
    prefixes = ("EDGAR_", "SEC_", "DAGSTER_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update({"EDGAR_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
    if corpus is not None:
        env.update({"EDGAR_MIRROR": str(corpus), "EDGAR_COMPANIES": ",".join(TEST_COMPANIES)})
    env.update(extra)
    return env


@dataclass
class CliRun:
    """A finished ``edgar-pipeline`` command (``stderr`` is empty when merged into stdout)."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        """Everything the command printed."""
        return self.stdout + self.stderr


def run_cli(
    args: list[str],
    env: dict[str, str],
    *,
    timeout: float = 300,
    merge_stderr: bool = True,
    read_only: Path | None = None,
) -> CliRun:
    """Run ``python -m pipeline ARGS`` to the end (bounded by ``timeout``).

    ``merge_stderr=False`` keeps stderr apart (to check a one-line error); with
    ``read_only``, that folder is mounted read-only for this command alone (see
    ``read_only_mounts_work``).
    """
    command = [sys.executable, "-m", "pipeline", *args]
    if read_only is not None:
        command = ["unshare", "-m", "sh", "-c", _READ_ONLY, str(read_only), *command]
    started = time.monotonic()
    done = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
        text=True,
        timeout=timeout,
    )
    return CliRun(done.returncode, done.stdout, done.stderr or "", time.monotonic() - started)


@cache
def read_only_mounts_work() -> bool:
    """Whether ``run_cli(..., read_only=...)`` works here (root, mounts allowed)."""
    with tempfile.TemporaryDirectory() as folder:
        probe = f'{_READ_ONLY.replace("exec ", "")}; ! touch "$0/x" 2>/dev/null'
        done = subprocess.run(
            ["unshare", "-m", "sh", "-c", probe, folder, "true"], capture_output=True, timeout=30
        )
        return done.returncode == 0 and not (Path(folder) / "x").exists()


def run_until(
    marker: str,
    env: dict[str, str],
    *,
    sig: int = signal.SIGKILL,
    timeout: float = 120,
    delay: float = 0.0,
) -> CliRun:
    """Start ``edgar-pipeline run``; send ``sig`` to its process group ``delay`` seconds
    after ``marker`` shows.

    Every wait is bounded by ``timeout``, even when the run goes silent; on any way out,
    the whole process group is killed.
    """
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
    lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()
    threading.Thread(target=_pump, args=(proc, lines), daemon=True).start()
    seen: list[str] = []
    try:
        while (line := _next_line(lines, started + timeout, marker, seen)) is not None:
            seen.append(line)
            if marker in line:
                time.sleep(delay)
                os.killpg(proc.pid, sig)
                break
        else:
            raise AssertionError(f"run ended before {marker!r}:\n{''.join(seen)[-3000:]}")
        proc.wait(timeout=max(1.0, started + timeout - time.monotonic()))
        while (line := _next_line(lines, time.monotonic() + 10, "end of output", seen)) is not None:
            seen.append(line)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    return CliRun(proc.returncode, "".join(seen), "", time.monotonic() - started)


def _pump(proc: subprocess.Popen[str], lines: queue.SimpleQueue[str | None]) -> None:
    """Copy ``proc``'s output to ``lines`` line by line; ``None`` once it ends."""
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.put(line)
    lines.put(None)


def _next_line(
    lines: queue.SimpleQueue[str | None], deadline: float, waiting_for: str, seen: list[str]
) -> str | None:
    """The next line of output (``None`` at its end); fails once ``deadline`` passes."""
    try:
        return lines.get(timeout=max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        tail = "".join(seen)[-3000:]
        raise AssertionError(f"no {waiting_for!r} in time:\n{tail}") from None
