"""Companies whose download could not even start (SEC does not know them, their index is
unreadable): one small file per configured name, ``<data>/state/company_errors/<name>.txt``,
written by the download asset when that happens and removed by its next success, so that
``edgar-pipeline status`` and the end of a run can name them.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.atomic_write import write_atomically
from pipeline.config import validate_company
from pipeline.identifiers import contained_path


def _folder(state_dir: Path) -> Path:
    return state_dir / "company_errors"


def _path(state_dir: Path, company: str) -> Path:
    name = validate_company(company)  # a configured name: never a path of its own
    return contained_path(_folder(state_dir), f"{name}.txt", source="a company error record")


def record_company_error(state_dir: Path, company: str, reason: str | None) -> None:
    """Remember why ``company`` could not be downloaded; ``None`` forgets it (it worked)."""
    path = _path(state_dir, company)
    if reason is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, reason.splitlines()[0] + "\n")


def company_errors(state_dir: Path, companies: tuple[str, ...]) -> dict[str, str]:
    """The recorded error of each of ``companies`` that has one."""
    errors = {}
    for company in companies:
        path = _path(state_dir, company)
        if path.is_file():
            errors[company] = path.read_text(encoding="utf-8").strip()
    return errors
