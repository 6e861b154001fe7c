"""Parquet writing that never leaves a half-written file behind, even on a full disk."""

from __future__ import annotations

import errno
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.atomic_write import temp_path
from pipeline.processes import pid_alive


class DiskFullError(OSError):
    """A write failed for lack of space (ENOSPC); the message names the file."""

    def __init__(self, message: str) -> None:
        super().__init__(errno.ENOSPC, message)

    def __str__(self) -> str:
        return str(self.strerror)


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (an OSError, or a DuckDB/Arrow error wrapping one) means ENOSPC."""
    return getattr(exc, "errno", None) == errno.ENOSPC or "No space left on device" in str(exc)


def _remove_stale_temp_files(path: Path) -> None:
    """Remove ``.<name>.<pid>.tmp`` files of ``path`` left by processes that died mid-write."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        pid = stale.name[len(path.name) + 2 : -len(".tmp")]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            stale.unlink(missing_ok=True)


def write_parquet_files_atomically(
    outputs: Sequence[tuple[pa.Table, Path, Mapping[str, str] | None]],
) -> None:
    """Write each ``(table, path, key_value_metadata)``: all to temporary files, then rename.

    Every temporary file is written and fsync'ed beside its target before any is renamed
    over it, so a failure (a full disk, say) leaves every previous file as it was and no
    temporary file behind. ENOSPC is raised as :class:`DiskFullError` naming the file.
    """
    temps: list[tuple[Path, Path]] = []
    current = None
    try:
        for table, path, metadata in outputs:
            current = path
            path.parent.mkdir(parents=True, exist_ok=True)
            _remove_stale_temp_files(path)
            if metadata:
                table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
            tmp = temp_path(path)
            temps.append((tmp, path))
            with tmp.open("wb") as handle:
                pq.write_table(table, handle)
                handle.flush()
                os.fsync(handle.fileno())
        for tmp, path in temps:
            current = path
            os.replace(tmp, path)
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFullError(
                f"{current}: disk full while writing Parquet; the previous file is kept "
                "(free space, then run again)"
            ) from exc
        raise
    finally:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)


def write_parquet_atomically(
    table: pa.Table, path: Path, metadata: Mapping[str, str] | None = None
) -> None:
    """Write ``table`` (with key-value ``metadata``) to ``path`` via a temp file and a rename."""
    write_parquet_files_atomically([(table, path, metadata)])
