"""A small disk of its own for disk-full tests: a tmpfs, and a way to fill it."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def tmpfs(mount_point: Path, size: str) -> Iterator[bool]:
    """Mount a tmpfs of ``size`` (e.g. "64m") at ``mount_point`` (created) while in the block.

    Yields whether it is mounted: mounting needs root and a machine that allows it, and
    where it does not, ``mount_point`` stays a plain folder.
    """
    mount_point.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
        capture_output=True,
        timeout=30,
    )
    try:
        yield mounted.returncode == 0
    finally:
        if mounted.returncode == 0:
            subprocess.run(["umount", "-l", str(mount_point)], check=False, timeout=30)


def fill(disk: Path, leave_bytes: int) -> Path:
    """Fill ``disk`` until ``leave_bytes`` (or less) are free; return the filler file."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle:
        while (free := free_bytes(disk)) > leave_bytes:
            try:
                handle.write(b"\0" * min(1 << 20, free - leave_bytes))
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                break
    return filler


def free_bytes(path: Path) -> int:
    """The bytes an unprivileged writer may still use on the file system of ``path``."""
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize
