"""What the latest download attempt of each company left undone, kept for the catalog.

One JSON file per company, ``<data>/state/downloads/<CIK>.json``, replaced (atomically)
by every attempt, so a retry that succeeds clears the failures of the one before. It names
the company's canonical folder (ticker or CIK), the names it was configured as, and each
in-scope filing that did not land, with the facts the submissions index gave for it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from pipeline.atomic_write import write_atomically
from pipeline.edgar.landing import company_folder, utc_now
from pipeline.identifiers import check_accession, check_cik, check_form, contained_path

log = logging.getLogger(__name__)


def default_state_dir(landing_dir: Path) -> Path:
    """``<data>/state/downloads`` for the landing folder ``<data>/landing``."""
    return landing_dir.parent / "state" / "downloads"


@dataclass(frozen=True)
class FailedFiling:
    """An in-scope filing that did not land, as the submissions index listed it."""

    form: str
    filing_date: date
    report_date: date | None
    reason: str


@dataclass
class DownloadOutcome:
    """The latest download attempt of one company (one CIK)."""

    cik: str
    ticker: str  # canonical folder name: SEC's ticker, else the 10-digit CIK
    requested_as: list[str] = field(default_factory=list)
    attempted_at: str = field(default_factory=utc_now)
    index_read_at: str = ""  # when its submissions index was last read whole (UTC, ISO)
    failed: dict[str, FailedFiling] = field(default_factory=dict)  # accession -> failure
    rejected: list[str] = field(default_factory=list)  # index rows refused (one line each)


def outcome_path(state_dir: Path, cik: str) -> Path:
    """The state file of one CIK."""
    return contained_path(state_dir, f"{check_cik(cik)}.json", source="the download state")


def save_outcome(state_dir: Path, outcome: DownloadOutcome) -> None:
    """Replace the company's state file with ``outcome``, keeping earlier configured names."""
    state_dir.mkdir(parents=True, exist_ok=True)
    previous = load_outcome(state_dir, outcome.cik)
    if previous is not None and previous.ticker == outcome.ticker:
        outcome.requested_as = sorted({*previous.requested_as, *outcome.requested_as})
    data = asdict(outcome)
    write_atomically(
        outcome_path(state_dir, outcome.cik),
        json.dumps(data, default=date.isoformat, indent=2, sort_keys=True) + "\n",
    )


def _parse(raw: dict, where: str) -> DownloadOutcome:
    failed = {}
    for acc, item in raw.get("failed", {}).items():
        report = item.get("report_date")
        failed[check_accession(acc, where)] = FailedFiling(
            form=check_form(item["form"], where),
            filing_date=date.fromisoformat(item["filing_date"]),
            report_date=date.fromisoformat(report) if report else None,
            reason=str(item["reason"]).splitlines()[0] if item["reason"] else "",
        )
    return DownloadOutcome(
        cik=check_cik(raw["cik"], where),
        ticker=company_folder(raw["ticker"], where),
        requested_as=[str(name) for name in raw.get("requested_as", [])],
        attempted_at=str(raw.get("attempted_at", "")),
        index_read_at=str(raw.get("index_read_at", "")),
        failed=failed,
        rejected=[str(line) for line in raw.get("rejected", [])],
    )


def load_outcome(state_dir: Path, cik: str) -> DownloadOutcome | None:
    """The latest outcome of ``cik``, or None (no attempt yet, or an unreadable file, logged)."""
    path = outcome_path(state_dir, cik)
    try:
        return _parse(json.loads(path.read_text(encoding="utf-8")), str(path))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        log.error(
            "%s: unreadable download state, ignored (the next download rewrites it): %s", path, exc
        )
        return None


def load_outcomes(state_dir: Path) -> dict[str, DownloadOutcome]:
    """Every company's latest outcome, by CIK."""
    if not state_dir.is_dir():
        return {}
    outcomes = {}
    for path in sorted(state_dir.glob("*.json")):
        if path.stem.isdigit() and len(path.stem) == 10:
            outcome = load_outcome(state_dir, path.stem)
            if outcome is not None:
                outcomes[outcome.cik] = outcome
    return outcomes


def outcome_for(outcomes: dict[str, DownloadOutcome], company: str) -> DownloadOutcome | None:
    """The outcome of a configured company (a 10-digit CIK, or a ticker it was resolved from)."""
    if company.isdigit():
        return outcomes.get(company.zfill(10))
    by_ticker = [o for o in outcomes.values() if o.ticker == company]
    by_name = [o for o in outcomes.values() if company in o.requested_as]
    return next(iter(by_ticker + by_name), None)
