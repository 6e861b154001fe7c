"""Fault injection: make chosen URLs misbehave, a number of times or forever.

``FaultRegistry.add(match, kind, times=N)`` arms a fault for every request whose full
URL (``https://www.sec.gov/...``) contains ``match``. The first armed fault that matches
a request fires and uses up one of its ``times`` (``None``: forever). Kinds:

- ``429``: status 429 with ``Retry-After: <retry_after>`` (default 1).
- ``503``: status 503 (with ``Retry-After`` if ``retry_after`` is given). Any other
  integer status works the same way.
- ``"slow"``: wait ``delay`` seconds, then answer normally.
- ``"silent"``: read the request and never answer, until the client goes away or the
  server stops (or ``delay`` seconds pass, default 300, then the connection is closed).
- ``"truncated"``: a 200 whose body is the first half of the real one, with a
  ``Content-Length`` that matches the cut body (the client sees a short, "complete" reply).
- ``"truncated-close"``: a 200 announcing the full ``Content-Length``, then half the body,
  then the connection is closed (the client sees an incomplete read).
- ``"trickle"``: a 200 whose body arrives in 64 small pieces spread over ``delay`` seconds
  (each piece well within any read timeout: only a total deadline stops it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    """Non-status fault kinds (status faults are plain ints such as 429 or 503)."""

    SLOW = "slow"
    SILENT = "silent"
    TRUNCATED = "truncated"
    TRUNCATED_CLOSE = "truncated-close"
    TRICKLE = "trickle"


@dataclass
class Fault:
    """One armed fault; ``remaining`` counts down (None = forever)."""

    match: str
    kind: FaultKind | int
    remaining: int | None = 1
    delay: float = 1.0
    retry_after: int | None = None
    fired: int = 0

    @property
    def status(self) -> int | None:
        return self.kind if isinstance(self.kind, int) else None


def _parse_kind(kind: FaultKind | int | str) -> FaultKind | int:
    if isinstance(kind, int):
        return kind
    if str(kind).isdigit():
        return int(kind)
    return FaultKind(kind)


class FaultRegistry:
    """Thread-safe list of armed faults; change it at any time, even mid-download."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        match: str,
        kind: FaultKind | int | str,
        times: int | None = 1,
        *,
        delay: float | None = None,
        retry_after: int | None = None,
    ) -> Fault:
        """Arm a fault for URLs containing ``match``; returns it (see ``remove``).

        ``delay`` is the wait of ``slow`` (default 1 s), the give-up time of ``silent``
        (default 300 s) and the duration of ``trickle``; ``retry_after`` defaults to 1 for 429.
        """
        parsed = _parse_kind(kind)
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None")
        if delay is None:
            delay = 300.0 if parsed == FaultKind.SILENT else 1.0
        if retry_after is None and parsed == 429:
            retry_after = 1
        fault = Fault(match, parsed, times, delay, retry_after)
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._faults:
                self._faults.remove(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, url: str) -> Fault | None:
        """The fault to apply to a request for ``url`` (consuming one use), or None."""
        with self._lock:
            for fault in self._faults:
                if fault.match in url:
                    fault.fired += 1
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None
