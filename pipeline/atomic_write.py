"""Files replaced whole or not at all: written beside the target, fsync'ed, then renamed."""

from __future__ import annotations

import os
from pathlib import Path


def temp_path(path: Path) -> Path:
    """The temporary file a write of ``path`` goes through (``.<name>.<pid>.tmp``)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it, fsync'ed, then a rename."""
    tmp = temp_path(path)
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
