"""The shared SEC rate limiter's wait is bounded and says what it waited for."""

from __future__ import annotations

import time

import pytest
import requests

from pipeline.edgar.transport import RateLimitWaitTimeout, TransportPolicy, sec_transport


def test_a_request_that_gets_no_rate_slot_in_time_fails_by_name(tmp_path):
    state = tmp_path / "sec-rate-limit.sqlite"
    policy = TransportPolicy(requests_per_second=1, rate_state_file=state, rate_wait_s=0.3)
    # Another process has just used this second's only request slot.
    assert policy.limiter().try_acquire("sec", timeout=1)
    started = time.monotonic()
    with sec_transport(policy), pytest.raises(RateLimitWaitTimeout) as raised:
        requests.get("https://www.sec.gov/files/company_tickers_exchange.json")
    assert time.monotonic() - started < 1.0
    message = str(raised.value)
    assert "no SEC request slot within 0.3s" in message and str(state) in message
