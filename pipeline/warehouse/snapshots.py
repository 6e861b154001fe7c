"""Served snapshots: each load builds the next DuckDB file beside the served one, then swaps.

Layout, for a warehouse path ``data/warehouse.duckdb``::

    data/warehouse.duckdb            -> warehouse.snapshots/<generation>.duckdb  (served)
    data/warehouse.previous.duckdb   -> warehouse.snapshots/<generation>.duckdb  (rollback)
    data/warehouse.snapshots/<generation>.duckdb   one immutable file per load
    data/warehouse.snapshots/<generation>.json     its stamp: size, mtime, row counts

The served path is a symbolic link, replaced in one ``rename``: a new connection opens the
new file, an open one keeps the file it opened (a consistent snapshot until it reconnects).
DuckDB resolves the link, so it takes its lock and writes its WAL beside the generation
file, never beside the link: an idle read-write ``duckdb`` session on an old generation
(even one that writes) neither blocks a load nor leaves a WAL the new file would replay.

A build copies the served generation (when its stamp shows nobody changed it) and applies
only what is new, or starts empty (first load, ``--rebuild``, a changed or unusable file).
A failed or killed build leaves a ``*.building`` file, removed by the next build; the
served link is untouched. Builds are serialized by the writer lock (``lock.py``); readers
take no lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipeline.atomic_write import write_atomically

log = logging.getLogger(__name__)

SUFFIX = ".duckdb"
BUILDING = ".building"


CHUNK = 8 << 20


class NoSnapshotError(FileNotFoundError):
    """There is no served (or previous) snapshot to read or to roll back to."""


class SnapshotChangedError(RuntimeError):
    """The served snapshot's bytes differ from what was published (damage or a writer)."""


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_with_sha256(source: Path, target: Path) -> str:
    """Copy ``source`` to a new file ``target`` in one pass; return the sha256 of the bytes."""
    digest = hashlib.sha256()
    with source.open("rb") as reader, target.open("xb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Stamp:
    """What a generation file was when it was published: size, sha256, the code that built
    it (:mod:`pipeline.warehouse.code_version`) and its row counts."""

    size: int
    mtime_ns: int
    sha256: str
    built_at: str
    row_counts: dict[str, int]
    code: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, path: Path, row_counts: dict[str, int], code: dict[str, str]) -> Stamp:
        st = path.stat()
        built = datetime.now(UTC).isoformat(timespec="seconds")
        return cls(
            st.st_size, st.st_mtime_ns, file_sha256(path), built, dict(row_counts), dict(code)
        )

    def matches(self, path: Path) -> bool:
        """Whether ``path`` still has its published size and no WAL beside it (the sha256 is
        checked when the file is copied; mtime is not compared: a `touch` or a copy that
        does not keep times changes no byte)."""
        try:
            size = path.stat().st_size
        except OSError:
            return False
        return size == self.size and not wal_of(path).exists()


def _fsync(path: Path) -> None:
    """fsync a file or a directory (its entries: a rename in it is then durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def wal_of(path: Path) -> Path:
    """Where DuckDB keeps the write-ahead log of a database file."""
    return path.with_name(path.name + ".wal")


PROC_LOCKS = Path("/proc/locks")


def held_by(path: Path) -> int | None:
    """The pid of a process holding a DuckDB (``fcntl``) lock on ``path``, else None.

    Read from ``/proc/locks`` (Linux), so the file is never opened: opening and closing a
    descriptor would drop this process's own DuckDB locks on it (POSIX record-lock
    semantics). Where ``/proc/locks`` does not exist, None (deleting a file a reader has
    open is safe on POSIX: the reader keeps it).
    """
    try:
        st = path.stat()
        table = PROC_LOCKS.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    device = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in table.splitlines():
        fields = [f for f in line.split() if f != "->"]  # "->": a waiter for the lock above
        if len(fields) >= 6 and fields[5] == device and fields[4].isdigit():
            return int(fields[4])
    return None


class SnapshotStore:
    """The served link, the previous link and the generation files of one warehouse path."""

    def __init__(self, served_path: Path) -> None:
        self.served_path = Path(served_path)
        name = self.served_path.name.removesuffix(SUFFIX)
        self.previous_path = self.served_path.with_name(f"{name}.previous{SUFFIX}")
        self.directory = self.served_path.with_name(f"{name}.snapshots")

    # -- reading the links -------------------------------------------------------------

    def _target(self, link: Path) -> Path | None:
        """The generation file ``link`` points to (or ``link`` itself if a plain file)."""
        if link.is_symlink():
            target = self.served_path.parent / os.readlink(link)
            return target if target.is_file() else None
        return link if link.is_file() else None

    def served(self) -> Path | None:
        """The generation file being served, or None before the first load."""
        return self._target(self.served_path)

    def previous(self) -> Path | None:
        """The generation file served before the current one, if kept."""
        return self._target(self.previous_path)

    def require_served(self) -> Path:
        """The served generation file; :class:`NoSnapshotError` (one line) if none."""
        served = self.served()
        if served is None:
            raise NoSnapshotError(
                f"no warehouse at {self.served_path}: run `edgar-pipeline run` first"
            )
        return served

    def stamp(self, generation: Path) -> Stamp | None:
        """The stamp a generation was published with, or None (legacy or unreadable)."""
        try:
            raw = json.loads(generation.with_suffix(".json").read_text(encoding="utf-8"))
            return Stamp(
                int(raw["size"]),
                int(raw["mtime_ns"]),
                str(raw["sha256"]),
                str(raw["built_at"]),
                {str(k): int(v) for k, v in raw.get("row_counts", {}).items()},
                {str(k): str(v) for k, v in raw.get("code", {}).items()},
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def is_pristine(self, generation: Path) -> bool:
        """Whether a generation file looks as published (size, no WAL; see Stamp.matches)."""
        stamp = self.stamp(generation)
        return stamp is not None and stamp.matches(generation)

    def intact(self, generation: Path) -> bool:
        """Whether a generation's bytes are exactly those published (reads it whole)."""
        stamp = self.stamp(generation)
        return (
            stamp is not None
            and stamp.matches(generation)
            and file_sha256(generation) == stamp.sha256
        )

    def changed_served(self) -> Path | None:
        """The served generation if it changed since it was published (a process wrote
        into it, or it is damaged); such a file is neither built upon nor kept as previous."""
        served = self.served()
        if served is None or served.parent != self.directory or self.is_pristine(served):
            return None
        return served

    def pristine_base(self) -> Path | None:
        """The served generation if it is exactly as published (safe to copy), else None."""
        served = self.served()
        if served is None or served.parent != self.directory:
            return None
        if not self.is_pristine(served):
            log.warning(
                "served snapshot %s changed since it was published (written by another "
                "process, or damaged): building the next one from the Parquet lake",
                served,
            )
            return None
        return served

    # -- building --------------------------------------------------------------------

    def new_building_path(self) -> Path:
        """A fresh ``<generation>.duckdb.building`` path (the generation name sorts by time)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        return self.directory / f"{stamp}-{os.getpid()}{SUFFIX}{BUILDING}"

    def remove_stale_builds(self) -> None:
        """Delete what failed or killed builds left (call with the writer lock held)."""
        if not self.directory.is_dir():
            return
        for leftover in self.directory.glob(f"*{SUFFIX}{BUILDING}*"):
            log.info("removing %s, left by a build that did not finish", leftover.name)
            leftover.unlink(missing_ok=True)

    def start_from(self, base: Path | None, building: Path) -> bool:
        """Copy ``base`` to ``building`` (True), or leave it absent for an empty start.

        The copy is hashed as it is made: bytes that differ from the published sha256 (bits
        that rotted with size and mtime unchanged, or a checkpoint by another writer during
        the copy) delete the copy and raise :class:`SnapshotChangedError`.
        """
        if base is None:
            return False
        stamp = self.stamp(base)
        sha256 = copy_with_sha256(base, building)
        if stamp is None or sha256 != stamp.sha256:
            building.unlink(missing_ok=True)
            raise SnapshotChangedError(
                f"its bytes differ from those published (sha256 {sha256[:12]} now)"
            )
        return True

    def discard(self, building: Path) -> None:
        """Delete a build that will not be published (and its WAL)."""
        for path in (building, building.with_name(building.name + ".wal")):
            path.unlink(missing_ok=True)

    def publish(
        self,
        building: Path,
        row_counts: dict[str, int],
        code: dict[str, str],
        *,
        set_aside: Path | None = None,
    ) -> Path:
        """Make ``building`` (closed, checkpointed) the served snapshot; return its path.

        The file is fsync'ed, renamed to its generation name and stamped, then the served
        link is replaced in one rename. The generation served until now becomes the previous
        one, unless it is ``set_aside`` (changed or damaged): that one is renamed
        ``<generation>.duckdb.set-aside-<UTC time>`` (kept for a post-mortem, never pruned)
        and the previous link stays. Older generations are pruned; a failure after the swap
        is logged, never raised (the new snapshot is served).
        """
        generation = building.with_name(building.name.removesuffix(BUILDING))
        if wal_of(building).exists():
            raise RuntimeError(f"{building} still has a WAL after its checkpoint; not published")
        _fsync(building)
        os.replace(building, generation)
        stamp = Stamp.of(generation, row_counts, code)
        write_atomically(
            generation.with_suffix(".json"), json.dumps(stamp.__dict__, indent=1) + "\n"
        )
        _fsync(self.directory)  # the generation's name is durable before a link names it
        old = self._adopt_plain_file(self.served())
        if old is not None and old not in (generation, set_aside):
            self._point(self.previous_path, old)  # first: a crash next leaves served == previous
        self._point(self.served_path, generation)
        _fsync(self.served_path.parent)
        try:
            if set_aside is not None and old == set_aside:
                moved = self._set_aside(set_aside)
                log.warning("moved the changed snapshot %s aside to %s", old.name, moved.name)
            self.prune()
        except OSError as exc:
            log.warning("serving %s; tidying older snapshots failed: %s", generation.name, exc)
        return generation

    def _set_aside(self, generation: Path) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = generation.with_name(f"{generation.name}.set-aside-{stamp}")
        os.replace(generation, target)
        if wal_of(generation).exists():  # a session's uncheckpointed writes go with it
            os.replace(wal_of(generation), wal_of(target))
        generation.with_suffix(".json").unlink(missing_ok=True)
        return target

    def _adopt_plain_file(self, served: Path | None) -> Path | None:
        """A served plain file (a warehouse from before snapshots) becomes a generation."""
        if served is None or served != self.served_path:
            return served
        self.directory.mkdir(parents=True, exist_ok=True)
        adopted = self.directory / f"00000000T000000000000Z-adopted{SUFFIX}"
        if adopted.exists() and os.path.samefile(adopted, served):
            return adopted  # a publish that crashed after adopting it
        adopted.unlink(missing_ok=True)
        os.link(served, adopted)
        return adopted

    def _point(self, link: Path, target: Path) -> None:
        """Replace ``link`` by a relative symbolic link to ``target``, in one rename."""
        relative = os.path.relpath(target, link.parent)
        tmp = link.with_name(f".{link.name}.{os.getpid()}.link")
        tmp.unlink(missing_ok=True)
        os.symlink(relative, tmp)
        os.replace(tmp, link)

    # -- rollback and pruning ----------------------------------------------------------

    def rollback(self) -> tuple[Path, Path]:
        """Serve the previous snapshot; the one served until now becomes the previous.

        Returns (now served, now previous). Call with the writer lock held. Raises
        :class:`NoSnapshotError` when there is no previous snapshot to go back to.
        """
        served, previous = self.served(), self.previous()
        if served is None or previous is None:
            raise NoSnapshotError(
                f"no previous snapshot of {self.served_path} to roll back to (one is kept "
                "once a load has changed something)"
            )
        if previous.parent == self.directory and not self.is_pristine(previous):
            raise NoSnapshotError(
                f"the previous snapshot {previous} changed since it was published (a "
                "session wrote into it?): not served; run `edgar-pipeline run --rebuild` "
                "for a snapshot built from the Parquet lake"
            )
        self._point(self.served_path, previous)
        self._point(self.previous_path, served)
        _fsync(self.served_path.parent)
        return previous, served

    def generations(self) -> list[Path]:
        """Published generation files, oldest first."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"*{SUFFIX}"))

    def prune(self) -> list[Path]:
        """Delete generations neither served nor previous, unless a process holds one open.

        A held file is left for a later prune (deleting it would be safe for its reader,
        which keeps the open file, but its WAL could outlive it). Returns what was deleted.
        """
        keep = {p for p in (self.served(), self.previous()) if p is not None}
        deleted: list[Path] = []
        for generation in self.generations():
            if generation in keep:
                continue
            pid = held_by(generation)
            if pid is not None:
                log.info("keeping old snapshot %s: pid %s has it open", generation.name, pid)
                continue
            for path in (generation, generation.with_suffix(".json"), wal_of(generation)):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            deleted.append(generation)
        return deleted
