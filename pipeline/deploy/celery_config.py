"""The Celery settings that the executor (which sends steps) and the workers (which run them)
must share: the Redis broker, and how a step of a lost worker is delivered again.

``EDGAR_CELERY_BROKER`` is a ``redis://`` (or ``rediss://``) URL; results go back through
the same Redis. Steps are acknowledged only when they finish (``task_acks_late``), so a step
whose worker dies (killed, host lost) is delivered again to another worker once the broker's
visibility timeout (``EDGAR_CELERY_VISIBILITY_TIMEOUT`` seconds) has passed; a worker whose
child process dies hands the step back at once (``task_reject_on_worker_lost``). The timeout
must exceed the longest step, or a step still running is delivered a second time. Nothing
here imports Dagster.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.config import ConfigError

BROKER_VAR = "EDGAR_CELERY_BROKER"
VISIBILITY_VAR = "EDGAR_CELERY_VISIBILITY_TIMEOUT"
DEFAULT_VISIBILITY_S = 3600
QUEUE = "dagster"  # dagster-celery's queue: every worker listens to it
# redis[s]://[user[:password]@]host[:port][/db]; host a name or an IPv4 address.
_REDIS_URL = re.compile(
    r"^rediss?://(?:[^@/\s]*@)?[A-Za-z0-9][A-Za-z0-9.-]{0,252}(?::\d{1,5})?(?:/\d{1,2})?$"
)
_CONNECT_TIMEOUT_S = 10  # every connection to Redis, and every read from it, is bounded


def mask_url(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``, for messages."""
    return re.sub(r"(://[^:@/]*:)\S*@", r"\1***@", url)  # up to the last '@'


@dataclass(frozen=True)
class CelerySettings:
    """The broker URL and the redelivery timeout, checked."""

    broker: str
    visibility_timeout_s: int = DEFAULT_VISIBILITY_S

    def config_source(self) -> dict[str, Any]:
        """Celery's own settings, the same for the executor and every worker."""
        transport = {
            "visibility_timeout": self.visibility_timeout_s,
            # look for the steps of lost workers every few seconds (kombu's default: ~100 s)
            "unacked_restore_interval": max(1, min(10, self.visibility_timeout_s // 4)),
            "unacked_restore_throttle": 1,
            "socket_connect_timeout": _CONNECT_TIMEOUT_S,
            "socket_timeout": _CONNECT_TIMEOUT_S * 3,
            "max_retries": 3,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 2,
        }
        return {
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "task_default_queue": QUEUE,
            "broker_transport_options": transport,
            "result_backend_transport_options": {"visibility_timeout": self.visibility_timeout_s},
            "redis_socket_connect_timeout": _CONNECT_TIMEOUT_S,
            "redis_socket_timeout": _CONNECT_TIMEOUT_S * 3,
            "broker_connection_timeout": _CONNECT_TIMEOUT_S,
            "result_expires": 86400,
        }


def celery_settings(env: Mapping[str, str] | None = None) -> CelerySettings:
    """The Celery settings from the environment; :class:`ConfigError` (one line) if unusable."""
    env = os.environ if env is None else env
    broker = env.get(BROKER_VAR, "").strip()
    if not broker:
        raise ConfigError(
            f"{BROKER_VAR} is not set: the distributed executor needs the Redis broker the "
            "workers listen to, e.g. redis://127.0.0.1:6379/0"
        )
    if not _REDIS_URL.fullmatch(broker):
        raise ConfigError(
            f"{BROKER_VAR}={mask_url(broker)!r} is not a Redis URL: give "
            "redis://host:port/db (rediss:// for TLS)"
        )
    text = env.get(VISIBILITY_VAR, "").strip() or str(DEFAULT_VISIBILITY_S)
    if not (text.isascii() and text.isdigit() and 10 <= int(text) <= 86400):
        raise ConfigError(
            f"{VISIBILITY_VAR}={text!r} is out of range: give whole seconds from 10 to 86400, "
            f"more than the longest step takes (default {DEFAULT_VISIBILITY_S})"
        )
    return CelerySettings(broker, int(text))
