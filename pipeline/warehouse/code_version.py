"""Which code built a snapshot: hashes of the SQL and Python that shape its tables.

A load compares them with the served snapshot's stamp. ``raw`` covers what shapes the raw
tables (``schema.sql``, the staging SQL, ``raw.py``): when it differs, copied raw rows may
not fit the code, so the next snapshot is built from empty. ``build`` covers everything
(all of ``warehouse/``, ``pipeline/warehouse``, ``pipeline/periods``): when it differs, a
load with nothing new still builds a snapshot, so a changed mart reaches readers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from pipeline.config import REPO_ROOT

SQL_ROOT = REPO_ROOT / "warehouse"
PACKAGE = REPO_ROOT / "pipeline"


def _digest(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@cache
def code_versions() -> dict[str, str]:
    """``{"raw": ..., "build": ...}`` for the code of this checkout."""
    raw = [SQL_ROOT / "schema.sql", *SQL_ROOT.glob("staging/*.sql"), PACKAGE / "warehouse/raw.py"]
    build = [
        *SQL_ROOT.rglob("*.sql"),
        *(PACKAGE / "warehouse").glob("*.py"),
        *(PACKAGE / "periods").glob("*.py"),
    ]
    return {"raw": _digest(raw), "build": _digest(build)}
