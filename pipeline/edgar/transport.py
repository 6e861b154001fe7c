"""HTTP policy for every request to SEC: time limits, retries, one shared rate limit.

sec-edgar-downloader calls ``requests.get`` with no timeout and no retries, and its
own 10 requests/s limiter is per process. Rather than edit the library, we wrap
``requests.Session.request`` (requests' public API, which ``requests.get`` goes
through) while a download runs:

- every request gets a connect and read timeout, so a silent server cannot hang a run, and
  a total deadline per attempt, so a body that trickles in forever cannot either;
- 429, 5xx, timeouts and broken connections are retried with exponential backoff
  (honouring ``Retry-After``), a bounded number of times;
- every attempt, retries included, takes a token from a rate limiter kept in a SQLite
  file under the data folder (pyrate-limiter with a file lock), so all processes of all
  runs together stay within SEC's 10 requests per second;
- a request whose URL path holds a ``..`` segment, or an archive URL that is not
  ``/Archives/edgar/data/<cik>/<18 digits>/<plain file name>``, is refused before it is
  sent (an accession number served by a tampered index cannot steer the downloader's
  request, and so the path it saves to, anywhere else);
- optionally a proxy and CA bundle (the offline EDGAR stand-in).

Outside :func:`sec_transport` requests behaves as usual.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from pyrate_limiter import Duration, Limiter, Rate, SQLiteBucket

from pipeline.identifiers import DOCUMENT_NAME

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Timeouts, refused or reset connections, and bodies cut short (ChunkedEncodingError).
_RETRY_EXCEPTIONS = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
)


@dataclass
class TransportPolicy:
    """How requests to SEC are made while :func:`sec_transport` is active."""

    timeout_s: float = 30.0
    deadline_s: float = 300.0  # whole response, headers to last byte, per attempt
    max_retries: int = 5
    backoff_s: float = 0.5
    backoff_max_s: float = 30.0
    requests_per_second: int = 10
    rate_state_file: Path | None = None  # shared across processes; None = this process only
    rate_wait_s: float = 120.0  # longest wait for a request slot before giving up, by name
    proxy_url: str | None = None
    ca_bundle: str | None = None
    _limiter: Limiter | None = field(default=None, init=False, repr=False)

    def limiter(self) -> Limiter:
        """The rate limiter all attempts go through (created on first use)."""
        if self._limiter is None:
            # A 10% longer window keeps SEC's side within the limit despite network jitter.
            rates = [Rate(self.requests_per_second, int(Duration.SECOND * 1.1))]
            if self.rate_state_file is None:
                from pyrate_limiter import InMemoryBucket

                bucket = InMemoryBucket(rates)
            else:
                self.rate_state_file.parent.mkdir(parents=True, exist_ok=True)
                bucket = SQLiteBucket.init_from_file(
                    rates, db_path=str(self.rate_state_file), use_file_lock=True
                )
            self._limiter = Limiter(bucket)
        return self._limiter

    def backoff(self, attempt: int, response: requests.Response | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if response is not None:
            retry_after = response.headers.get("Retry-After", "")
            if retry_after.strip().isdigit():
                return min(float(retry_after), self.backoff_max_s)
        delay = self.backoff_s * 2 ** (attempt - 1)
        return min(delay * (1 + random.random() / 4), self.backoff_max_s)


class _Active:
    policy: TransportPolicy | None = None
    depth = 0
    lock = threading.Lock()


_original_request = requests.Session.request
_ARCHIVES = "/Archives/"
_ARCHIVE_URL = re.compile(r"/Archives/edgar/data/\d{1,10}/\d{18}/(?P<name>[^/]+)")
_DAILY_INDEX_URL = re.compile(
    r"/Archives/edgar/daily-index/\d{4}/QTR[1-4]/(index\.json|master\.\d{8}\.idx)"
)


class RateLimitWaitTimeout(TimeoutError):
    """The shared rate limiter gave no request slot in time (others are using the budget)."""


class RefusedUrl(requests.exceptions.InvalidURL):
    """A URL that could steer a download outside its folder; never sent, never retried."""


def refused_url_reason(url: str) -> str | None:
    """Why ``url`` is refused (a ``..`` segment, an archive URL of another shape), or None."""
    path = urlsplit(url).path
    if any(segment in ("..", ".") for segment in path.split("/")):
        return f"{url[:120]!r} is refused: its path has a '..' or '.' segment"
    if path.startswith(_ARCHIVES) and not _DAILY_INDEX_URL.fullmatch(path):
        match = _ARCHIVE_URL.fullmatch(path)
        if match is None or not DOCUMENT_NAME.fullmatch(match["name"]) or ".." in match["name"]:
            return (
                f"{url[:120]!r} is refused: expected /Archives/edgar/data/<cik>/"
                "<accession without dashes>/<file name> or a daily-index file"
            )
    return None


class DeadlineExceeded(requests.Timeout):
    """A response body still arriving when the attempt's total deadline passed."""


def _read_within(response: requests.Response, deadline: float, url: str) -> None:
    """Read the whole body before ``deadline`` (monotonic), or raise DeadlineExceeded."""
    chunks = []
    for chunk in response.iter_content(chunk_size=1 << 16):
        chunks.append(chunk)
        if time.monotonic() > deadline:
            response.close()
            raise DeadlineExceeded(f"{url}: response still arriving after the total deadline")
    # The body as requests would have read it (requests' own cache of the content).
    response._content = b"".join(chunks)


def _request_with_policy(self: requests.Session, method: str, url: str, **kwargs: Any):
    policy = _Active.policy
    if policy is None:
        return _original_request(self, method, url, **kwargs)
    if (refused := refused_url_reason(str(url))) is not None:
        log.error("request refused: %s", refused)
        raise RefusedUrl(refused)
    if kwargs.get("timeout") is None:
        kwargs["timeout"] = policy.timeout_s
    if policy.proxy_url:
        kwargs["proxies"] = {"https": policy.proxy_url, "http": policy.proxy_url}
    if policy.ca_bundle:
        kwargs["verify"] = policy.ca_bundle
    attempt = 0
    while True:
        if not policy.limiter().try_acquire("sec", timeout=policy.rate_wait_s):
            raise RateLimitWaitTimeout(
                f"no SEC request slot within {policy.rate_wait_s:g}s from the shared rate "
                f"limiter ({policy.rate_state_file or 'in memory'}): other processes are using "
                "SEC's requests-per-second budget; wait for them to finish, then run again"
            )
        response: requests.Response | None = None
        deadline = time.monotonic() + policy.deadline_s
        try:
            response = _original_request(self, method, url, **{**kwargs, "stream": True})
            _read_within(response, deadline, url)
        except _RETRY_EXCEPTIONS as exc:
            if attempt >= policy.max_retries:
                log.warning("giving up on %s after %d attempts: %s", url, attempt + 1, exc)
                raise
            reason = f"{type(exc).__name__}: {exc}"
        else:
            if response.status_code not in RETRY_STATUSES or attempt >= policy.max_retries:
                if response.status_code in RETRY_STATUSES:
                    log.warning(
                        "giving up on %s after %d attempts: HTTP %d",
                        url,
                        attempt + 1,
                        response.status_code,
                    )
                return response
            reason = f"HTTP {response.status_code}"
            response.close()
        attempt += 1
        delay = policy.backoff(attempt, response)
        log.info("retry %d/%d of %s in %.1fs (%s)", attempt, policy.max_retries, url, delay, reason)
        time.sleep(delay)


@contextmanager
def sec_transport(policy: TransportPolicy) -> Iterator[TransportPolicy]:
    """Apply ``policy`` to every ``requests`` call made inside the block (process-wide)."""
    with _Active.lock:
        if _Active.policy is not None and _Active.policy is not policy:
            raise RuntimeError("another SEC transport policy is already active in this process")
        _Active.policy = policy
        _Active.depth += 1
        requests.Session.request = _request_with_policy  # type: ignore[method-assign]
    try:
        yield policy
    finally:
        with _Active.lock:
            _Active.depth -= 1
            if _Active.depth == 0:
                _Active.policy = None
                requests.Session.request = _original_request  # type: ignore[method-assign]
