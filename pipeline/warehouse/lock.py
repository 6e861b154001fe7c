"""A file lock beside the served warehouse path: one load (or rollback) at a time.

Loads build the next snapshot and swap it in (``snapshots.py``); the lock serializes them
across processes and threads with a bounded wait. Readers never take it. The holder
records its pid in the lock file, so a timeout can name the process to wait for.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.processes import pid_alive

log = logging.getLogger(__name__)


class WarehouseLockTimeout(TimeoutError):
    """The warehouse stayed locked by another writer (or reader) for too long."""


def lock_timeout_message(
    warehouse_path: Path, pid: int | None, timeout_s: float, *, outside: bool = False
) -> str:
    """One line: what is waited for, for how long, and how to clear it.

    ``outside``: DuckDB's own lock, held by a process that is not the pipeline (an open
    ``duckdb`` session or notebook), rather than another pipeline writer's lock file.
    """
    who = f"pid {pid}" if pid else "pid unknown"
    if outside:
        return (
            f"warehouse {warehouse_path} is held open by another process ({who}; a `duckdb` "
            f"session or notebook?) for more than {timeout_s:g}s; close that connection and "
            "run again"
        )
    holder = f"another writer ({who})" if pid else "another writer or reader (pid unknown)"
    return (
        f"warehouse {warehouse_path} is locked by {holder} for more than {timeout_s:g}s; "
        "wait for it or stop that process"
    )


class WaitNotices:
    """Logs, every ``every_s`` seconds of a wait, what it waits for (so no wait is silent)."""

    def __init__(self, what: str, timeout_s: float, every_s: float = 30.0) -> None:
        self.what, self.timeout_s, self.every_s = what, timeout_s, every_s
        self.started = time.monotonic()
        self.next_at = self.started + every_s

    def tick(self) -> None:
        """Call on each poll; logs when the next notice is due."""
        now = time.monotonic()
        if now >= self.next_at:
            log.warning(
                "still waiting for %s (%.0fs so far, giving up after %gs)",
                self.what,
                now - self.started,
                self.timeout_s,
            )
            self.next_at = now + self.every_s


def _recorded_pid(fd: int) -> int | None:
    """The pid a writer recorded in the lock file, if that process is still running."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    if not text.isdigit() or not pid_alive(int(text)):
        return None
    return int(text)


def _record_pid(fd: int, pid: int | None) -> None:
    """Write (or, with None, clear) the holder's pid; best effort (a full disk may refuse)."""
    try:
        os.ftruncate(fd, 0)
        if pid is not None:
            os.pwrite(fd, f"{pid}\n".encode(), 0)
    except OSError:
        pass


def lock_path(warehouse_path: Path) -> Path:
    """The lock file used for a warehouse file."""
    return warehouse_path.with_name(warehouse_path.name + ".lock")


def _open_lock_file(path: Path, *, exclusive: bool) -> int | None:
    """The lock file, created if missing; a reader that can't create it (read-only folder)
    uses it as it is (flock works on a read-only descriptor), or None when there is none."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if exclusive or exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
    try:
        return os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None


@contextmanager
def warehouse_lock(
    warehouse_path: Path, *, exclusive: bool, timeout_s: float = 600.0, poll_s: float = 0.05
) -> Iterator[None]:
    """Hold an exclusive (writer) or shared (reader) lock on the warehouse."""
    path = lock_path(warehouse_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _open_lock_file(path, exclusive=exclusive)
    if fd is None:  # a reader in a folder where no lock file can be made: nobody writes there
        yield
        return
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    deadline = time.monotonic() + timeout_s
    notices = WaitNotices(f"the warehouse lock {path} (another pipeline writer)", timeout_s)
    try:
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseLockTimeout(
                        lock_timeout_message(warehouse_path, _recorded_pid(fd), timeout_s)
                    ) from None
                notices.tick()
                time.sleep(poll_s)
        if exclusive:
            _record_pid(fd, os.getpid())
        try:
            yield
        finally:
            if exclusive:
                _record_pid(fd, None)
    finally:
        os.close(fd)  # closing the descriptor releases the lock
