"""Which Dagster instance profile runs: ``local`` (SQLite, the default) or ``production``.

``EDGAR_DAGSTER_PROFILE`` picks the instance file that ``edgar-pipeline`` copies into
``<data>/dagster/``: the repository's ``dagster.yaml`` (local) or ``deploy/dagster.yaml``
(PostgreSQL storage, queued runs, pools, run monitoring, run retries). The production
profile reads its database connection from ``DAGSTER_PG_*``; each is checked here, before
any process starts, so a missing one is one line naming it. Nothing here imports Dagster.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import REPO_ROOT, ConfigError

PROFILE_VAR = "EDGAR_DAGSTER_PROFILE"
PROFILES = {
    "local": REPO_ROOT / "dagster.yaml",
    "production": REPO_ROOT / "deploy" / "dagster.yaml",
}
DEFAULT_PROFILE = "local"

# The production instance's PostgreSQL connection (deploy/dagster.yaml reads these).
PG_VARS = ("DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD")
PG_DB_VAR = "DAGSTER_PG_DB"
# a host name, an IPv4 address, or a Unix socket folder
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$|^/[\w./-]+$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@dataclass(frozen=True)
class InstanceProfile:
    """The chosen profile and the instance file it copies into DAGSTER_HOME."""

    name: str
    instance_yaml: Path

    @property
    def production(self) -> bool:
        """Whether runs store in PostgreSQL and queue for the daemon."""
        return self.name == "production"


def instance_profile(env: Mapping[str, str] | None = None) -> InstanceProfile:
    """The profile ``EDGAR_DAGSTER_PROFILE`` names (default ``local``), its settings checked.

    Raises :class:`ConfigError` (one line naming the variable and what is accepted) for an
    unknown profile, or for production without a complete, well-formed ``DAGSTER_PG_*``.
    """
    env = os.environ if env is None else env
    name = env.get(PROFILE_VAR, "").strip().lower() or DEFAULT_PROFILE
    if name not in PROFILES:
        raise ConfigError(
            f"{PROFILE_VAR}={env.get(PROFILE_VAR)!r} is not a profile: give "
            f"{' or '.join(PROFILES)} (default {DEFAULT_PROFILE})"
        )
    profile = InstanceProfile(name, PROFILES[name])
    if profile.production:
        check_postgres_env(env)
    return profile


def check_postgres_env(env: Mapping[str, str]) -> None:
    """Every ``DAGSTER_PG_*`` variable is set and well formed (host, port, user, database)."""
    missing = [var for var in (*PG_VARS, PG_DB_VAR) if not env.get(var, "").strip()]
    if missing:
        raise ConfigError(
            f"{PROFILE_VAR}=production needs PostgreSQL: set {', '.join(missing)} "
            "(see deploy/README.md)"
        )
    host, port = env["DAGSTER_PG_HOST"].strip(), env["DAGSTER_PG_PORT"].strip()
    if not _HOST.fullmatch(host):
        raise ConfigError(
            f"DAGSTER_PG_HOST={host!r} is not a host name, an IP address or a socket folder"
        )
    if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        raise ConfigError(f"DAGSTER_PG_PORT={port!r} is not a port: give 1 to 65535 (e.g. 5432)")
    for var in ("DAGSTER_PG_USER", PG_DB_VAR):
        value = env[var].strip()
        if not _NAME.fullmatch(value):
            raise ConfigError(
                f"{var}={value!r} is not a PostgreSQL name: give letters, digits and '_', "
                "starting with a letter or '_' (at most 63)"
            )
