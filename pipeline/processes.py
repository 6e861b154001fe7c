"""Processes on this machine: whether one is still running (for files and folders named by
pid), and stopping a process group promptly."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time


def pid_alive(pid: int) -> bool:
    """True when process ``pid`` exists (even if another user owns it), False when it is gone.

    A recycled pid reads as alive; callers that must tell a restarted process apart also
    check a lock or the process start time.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def group_alive(pgid: int) -> bool:
    """True while any process of process group ``pgid`` exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_process_group(pgid: int, children: list[subprocess.Popen], grace_s: float) -> None:
    """Stop every process of group ``pgid``: SIGTERM, then SIGKILL after ``grace_s``.

    ``children`` (our own, in that group) are reaped. A second Ctrl-C or SIGTERM meanwhile
    is held until the group is gone, so the stop is never cut short into a traceback.
    """
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        _signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while group_alive(pgid) and time.monotonic() < deadline:
            for child in children:
                child.poll()  # reap: a zombie still counts as a member of the group
            time.sleep(0.05)
        _signal_group(pgid, signal.SIGKILL)
        for child in children:
            child.wait()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(pgid, sig)
