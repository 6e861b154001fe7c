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
- ``"replace"``: a 200 whose body has every ``old`` replaced by ``new`` (a tampered
  submissions index, SEC header or document), e.g. an accession number
  ``../../../../escape/pwned`` served in the index or in the header.

:func:`parse_fault_specs` reads a JSON list of faults (the ``EDGAR_STANDIN_FAULTS``
setting): ``[{"match": "...", "kind": 503, "times": 2, "delay": 1.0, "retry_after": 1,
"old": "...", "new": "..."}]``, every key but ``match`` and ``kind`` optional.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    """Non-status fault kinds (status faults are plain ints such as 429 or 503)."""

    SLOW = "slow"
    SILENT = "silent"
    TRUNCATED = "truncated"
    TRUNCATED_CLOSE = "truncated-close"
    TRICKLE = "trickle"
    REPLACE = "replace"


@dataclass
class Fault:
    """One armed fault; ``remaining`` counts down (None = forever)."""

    match: str
    kind: FaultKind | int
    remaining: int | None = 1
    delay: float = 1.0
    retry_after: int | None = None
    fired: int = 0
    old: bytes = b""  # replace: what to replace in the body
    new: bytes = b""  # replace: what to put instead

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
        old: str | bytes = b"",
        new: str | bytes = b"",
    ) -> Fault:
        """Arm a fault for URLs containing ``match``; returns it (see ``remove``).

        ``delay`` is the wait of ``slow`` (default 1 s), the give-up time of ``silent``
        (default 300 s) and the duration of ``trickle``; ``retry_after`` defaults to 1 for 429.
        ``old`` and ``new`` are what ``replace`` swaps in the body (``old`` required).
        """
        parsed = _parse_kind(kind)
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None")
        if delay is None:
            delay = 300.0 if parsed == FaultKind.SILENT else 1.0
        if retry_after is None and parsed == 429:
            retry_after = 1
        old_b = old.encode() if isinstance(old, str) else old
        new_b = new.encode() if isinstance(new, str) else new
        if (parsed == FaultKind.REPLACE) != bool(old_b) or (new_b and not old_b):
            raise ValueError("'old' (and 'new') belong to a replace fault, which needs 'old'")
        fault = Fault(match, parsed, times, delay, retry_after, old=old_b, new=new_b)
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


_SPEC_KEYS = {"match", "kind", "times", "delay", "retry_after", "old", "new"}


def _spec_error(number: int, message: str) -> ValueError:
    return ValueError(f"fault {number}: {message}")


def _check_spec(number: int, spec: Any) -> dict[str, Any]:
    """One fault spec as keyword arguments of :meth:`FaultRegistry.add`; ValueError if not."""
    if not isinstance(spec, dict):
        raise _spec_error(number, f"expected an object, got {type(spec).__name__}")
    if unknown := set(spec) - _SPEC_KEYS:
        raise _spec_error(number, f"unknown keys {sorted(unknown)}; allowed: {sorted(_SPEC_KEYS)}")
    match, kind = spec.get("match"), spec.get("kind")
    if not isinstance(match, str) or not match:
        raise _spec_error(number, "'match' must be a non-empty string (part of a URL)")
    if isinstance(kind, bool) or not isinstance(kind, int | str):
        raise _spec_error(number, f"'kind' {kind!r} must be an HTTP status or a fault kind")
    try:
        parsed = _parse_kind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in FaultKind)
        raise _spec_error(number, f"'kind' {kind!r} is not a status or one of: {kinds}") from None
    if isinstance(parsed, int) and not 100 <= parsed <= 599:
        raise _spec_error(number, f"'kind' {kind!r} is not an HTTP status (100-599)")
    times = spec.get("times", 1)
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise _spec_error(number, f"'times' {times!r} must be an integer >= 1 or null (forever)")
    delay = spec.get("delay")
    if delay is not None and (
        isinstance(delay, bool)
        or not isinstance(delay, int | float)
        or not math.isfinite(delay)
        or delay < 0
    ):
        raise _spec_error(number, f"'delay' {delay!r} must be a finite number of seconds >= 0")
    retry_after = spec.get("retry_after")
    if retry_after is not None and (
        isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0
    ):
        raise _spec_error(number, f"'retry_after' {retry_after!r} must be an integer >= 0")
    old, new = spec.get("old", ""), spec.get("new", "")
    if not isinstance(old, str) or not isinstance(new, str):
        raise _spec_error(number, "'old' and 'new' must be strings")
    if (parsed == FaultKind.REPLACE) != bool(old) or (new and not old):
        raise _spec_error(number, "'old' (and 'new') belong to a replace fault, which needs 'old'")
    return {
        "match": match,
        "kind": parsed,
        "times": times,
        "delay": None if delay is None else float(delay),
        "retry_after": retry_after,
        "old": old,
        "new": new,
    }


def parse_fault_specs(text: str) -> list[dict[str, Any]]:
    """Parse a JSON list of fault specs (see the module docstring) into ``add`` arguments.

    Raises ``ValueError`` with one line naming the fault (1-based) and what is wrong.
    """
    try:
        specs = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(specs, list):
        raise ValueError(f"expected a JSON list of faults, got {type(specs).__name__}")
    return [_check_spec(number, spec) for number, spec in enumerate(specs, start=1)]
