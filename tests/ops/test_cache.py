"""The Redis cache while Redis is down: misses and dropped writes, not errors."""

import socket

import pytest

from scoring_site.cache import ResilientRedisCache


@pytest.fixture
def dead_redis():
    """A Redis address nobody listens on (a port just freed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cache = ResilientRedisCache(
        f"redis://127.0.0.1:{port}/0", {"OPTIONS": {"socket_connect_timeout": 1}}
    )
    return cache


def test_reads_miss_while_redis_is_down(dead_redis):
    assert dead_redis.get("snapshot", "fallback") == "fallback"
    assert dead_redis.get_many(["a", "b"]) == {}
    assert dead_redis.has_key("a") is False


def test_writes_are_dropped_while_redis_is_down(dead_redis):
    assert dead_redis.set("a", 1) is None
    assert dead_redis.add("a", 1) is False
    assert dead_redis.delete("a") is False
    assert dead_redis.set_many({"a": 1}) == ["a"]


def test_incr_raises_value_error_like_a_missing_key(dead_redis):
    with pytest.raises(ValueError, match="the cache is unavailable"):
        dead_redis.incr("podium:seq:1")


@pytest.mark.redis
def test_the_cache_works_as_usual_when_redis_is_up(settings):
    cache = ResilientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "podium-test-ops"})
    cache.set("k", 41)
    cache.incr("k")

    assert cache.get("k") == 42
    cache.delete("k")
