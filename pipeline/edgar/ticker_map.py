"""SEC's ticker map, fetched once per run and shared by its steps.

Every company's download step needs the map (ticker -> CIK, and each CIK's canonical
ticker). Fetching it per step cost one request per company per run; a run now fetches it
once (``refresh=True``) and its steps read ``<state>/ticker_map.json`` while it is younger
than :data:`MAX_AGE_S`. A ticker the kept map does not list makes one fresh fetch before it
is called unknown, so a newly listed company is never refused by an old copy.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pipeline.atomic_write import write_atomically
from pipeline.edgar.submissions import ticker_to_cik
from pipeline.identifiers import check_cik, check_ticker

log = logging.getLogger(__name__)

FILE_NAME = "ticker_map.json"
MAX_AGE_S = 3600.0


def _load(path: Path, max_age_s: float) -> dict[str, str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        fetched = datetime.fromisoformat(data["fetched_at"])
        mapping = {
            check_ticker(t, str(path)): check_cik(c, str(path)) for t, c in data["map"].items()
        }
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("%s: unreadable, fetched again: %s", path, exc)
        return None
    age = (datetime.now(UTC) - fetched).total_seconds()
    return mapping if 0 <= age <= max_age_s else None


def ticker_map(
    state_dir: Path,
    user_agent: str,
    *,
    refresh: bool = False,
    max_age_s: float = MAX_AGE_S,
    fetch: Callable[[str], dict[str, str]] = ticker_to_cik,
) -> dict[str, str]:
    """SEC's ticker map (upper-case ticker -> 10-digit CIK, in SEC's order): the kept copy
    when it is younger than ``max_age_s`` and not ``refresh``, else fetched and kept."""
    path = state_dir / FILE_NAME
    if not refresh and (kept := _load(path, max_age_s)) is not None:
        return kept
    mapping = fetch(user_agent)
    state_dir.mkdir(parents=True, exist_ok=True)
    payload = {"fetched_at": datetime.now(UTC).isoformat(timespec="seconds"), "map": mapping}
    write_atomically(path, json.dumps(payload) + "\n")
    return mapping


def ticker_map_for(
    company: str,
    state_dir: Path,
    user_agent: str,
    fetch: Callable[[str], dict[str, str]] = ticker_to_cik,
) -> dict[str, str]:
    """The map to resolve ``company`` with: the kept one, fetched again when it does not
    list ``company`` (a ticker) so that a new listing is seen."""
    mapping = ticker_map(state_dir, user_agent, fetch=fetch)
    if not company.isdigit() and company.upper() not in mapping:
        mapping = ticker_map(state_dir, user_agent, refresh=True, fetch=fetch)
    return mapping
