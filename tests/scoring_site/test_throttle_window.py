"""The rate limits' window on Redis (scoring_site/throttles.py): one atomic step per
request, the same answers as DRF's list of timestamps."""

import threading
from types import SimpleNamespace

import pytest
from django.core.cache.backends.redis import RedisCache

from scoring_site.api import TokenThrottle, throttle_cache

pytestmark = pytest.mark.redis


@pytest.fixture
def throttle(monkeypatch):
    if not isinstance(throttle_cache, RedisCache):
        pytest.skip("needs Redis: set REDIS_URL (CI does)")
    monkeypatch.setattr(
        TokenThrottle, "THROTTLE_RATES", {**TokenThrottle.THROTTLE_RATES, "token": "5/minute"}
    )

    def make(address="203.0.113.7", at=None):
        made = TokenThrottle()
        if at is not None:
            made.timer = lambda: at
        request = SimpleNamespace(META={"REMOTE_ADDR": address}, headers={}, user=None)
        return made, request

    return make


def test_the_limit_holds_for_requests_arriving_together(throttle):
    allowed = []
    start = threading.Barrier(12)

    def ask():
        made, request = throttle()
        start.wait()
        allowed.append(made.allow_request(request, None))

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert allowed.count(True) == 5
    assert allowed.count(False) == 7


def test_the_window_slides_and_retry_after_counts_from_the_oldest_request(throttle):
    for second in range(5):
        made, request = throttle(at=1000.0 + second)
        assert made.allow_request(request, None)

    refused, request = throttle(at=1010.0)
    assert not refused.allow_request(request, None)
    # The oldest (at 1000) leaves the window at 1060: 50 s from 1010, one place free then.
    assert refused.wait() == pytest.approx(50.0)

    later, request = throttle(at=1060.5)
    assert later.allow_request(request, None)
    other_address, request = throttle(address="198.51.100.1", at=1010.0)
    assert other_address.allow_request(request, None)
