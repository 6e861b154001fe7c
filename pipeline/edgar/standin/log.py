"""The request log: what the stand-in was asked for, when, and how it answered."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass
class RequestRecord:
    """One request as the server saw it. ``status`` is None while pending or if silent."""

    method: str
    url: str  # canonical https://<sec host><path>, or the raw target if unroutable
    user_agent: str
    timestamp: float  # time.time() when the request line and headers were read
    status: int | None = None
    fault: str | None = None  # the fault kind applied, if any


class RequestLog:
    """Thread-safe, append-only list of :class:`RequestRecord`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def start(self, method: str, url: str, user_agent: str) -> RequestRecord:
        record = RequestRecord(method, url, user_agent, time.time())
        with self._lock:
            self._records.append(record)
        return record

    def records(self, match: str = "", method: str | None = None) -> list[RequestRecord]:
        """Snapshot of the records whose URL contains ``match`` (and of ``method``).

        Tunnels are logged too, as ``CONNECT`` records with URL ``host:443``; the
        requests inside them have canonical ``https://`` URLs.
        """
        with self._lock:
            return [
                r
                for r in self._records
                if match in r.url and (method is None or r.method == method)
            ]

    def count(self, match: str = "", status: int | None = None, method: str | None = None) -> int:
        """How many requests for URLs containing ``match`` (with ``status``, if given)."""
        return sum(1 for r in self.records(match, method) if status is None or r.status == status)

    def max_in_window(
        self, window: float = 1.0, match: str = "", method: str | None = "GET"
    ) -> int:
        """The most requests (GETs by default) that arrived within any ``window`` seconds."""
        stamps = sorted(r.timestamp for r in self.records(match, method))
        best, lo = 0, 0
        for hi, stamp in enumerate(stamps):
            while stamp - stamps[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.records())
