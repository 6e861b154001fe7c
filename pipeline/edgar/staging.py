"""Staging folders for downloads in progress, and the removal of those of dead runs.

The downloader writes into ``<landing>/.staging/<host>_<pid>_<random>/``; while a download
uses the folder its process holds an exclusive lock (flock, released by the kernel when
the process dies) on ``.in-use`` inside it. A later download removes every staging folder
of this host whose lock is free (its process died, by ``kill -9`` or a crash, before its
own cleanup ran), a bounded number per call, each named in the log.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from pipeline.identifiers import contained_path
from pipeline.processes import pid_alive

log = logging.getLogger(__name__)

STAGING_FOLDER = ".staging"
IN_USE_FILE = ".in-use"
MAX_REMOVED_PER_CALL = 50
LEGACY_STALE_AFTER_S = 3600.0  # folders named by older versions (a bare uuid hex)
_NAME = re.compile(r"(?P<host>[A-Za-z0-9-]{1,63})_(?P<pid>\d{1,10})_[0-9a-f]{32}")
_LEGACY = re.compile(r"[0-9a-f]{32}")


def host_label() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:63] or "host"


@contextmanager
def staging_folder(landing_dir: Path) -> Iterator[Path]:
    """A fresh staging folder under ``landing_dir``, locked while in use, removed afterwards."""
    root = landing_dir / STAGING_FOLDER
    folder = contained_path(
        root, f"{host_label()}_{os.getpid()}_{uuid.uuid4().hex}", source="the staging folder"
    )
    folder.mkdir(parents=True)
    lock = FileLock(folder / IN_USE_FILE, preserve_lock_file=True)
    try:
        with lock.acquire(timeout=0):
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _dead(folder: Path, host: str) -> bool:
    """Whether ``folder`` was left by a process that is gone (never one that is running)."""
    if _LEGACY.fullmatch(folder.name):
        return time.time() - folder.stat().st_mtime > LEGACY_STALE_AFTER_S
    match = _NAME.fullmatch(folder.name)
    if match is None or match["host"] != host:
        return False  # not ours to judge: another host's run, or not a staging folder
    pid = int(match["pid"])
    if pid != os.getpid() and not pid_alive(pid):
        return True
    if not (folder / IN_USE_FILE).exists():
        return False  # its process is alive and may be about to take the lock
    try:
        with FileLock(folder / IN_USE_FILE, preserve_lock_file=True).acquire(timeout=0):
            return True  # nobody holds it: the pid was reused by another process
    except Timeout:
        return False


def remove_dead_staging(landing_dir: Path, limit: int = MAX_REMOVED_PER_CALL) -> list[str]:
    """Remove up to ``limit`` staging folders of dead runs; return their names (logged)."""
    root = landing_dir / STAGING_FOLDER
    if not root.is_dir():
        return []
    host = host_label()
    removed: list[str] = []
    for folder in sorted(root.iterdir()):
        if len(removed) >= limit:
            log.warning(
                "removed %d staging folders of dead runs under %s; the rest on the next download",
                limit,
                root,
            )
            break
        if folder.is_symlink() or not folder.is_dir() or not _dead(folder, host):
            continue
        shutil.rmtree(contained_path(root, folder.name, source="staging cleanup"))
        removed.append(folder.name)
        log.info("removed staging folder %s of a run that died", folder)
    return removed
