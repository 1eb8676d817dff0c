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
    with pytest.raises(ValueError, match="the cache is unavailable"):
        dead_redis.next_number("podium:seq:1")


@pytest.mark.redis
def test_the_cache_works_as_usual_when_redis_is_up(settings):
    cache = ResilientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "podium-test-ops"})
    cache.set("k", 41)
    cache.incr("k")

    assert cache.get("k") == 42
    cache.delete("k")


@pytest.mark.redis
def test_a_counter_starts_at_one_and_counts_in_one_round_trip(settings, monkeypatch):
    import redis

    cache = ResilientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "podium-test-ops"})
    cache.delete("counter")
    calls = []
    execute = redis.Redis.execute_command

    def counted(self, *args, **options):
        calls.append(args[0])
        return execute(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    numbers = [cache.next_number("counter") for _ in range(3)]
    monkeypatch.undo()

    assert numbers == [1, 2, 3]
    assert calls == ["INCRBY"] * 3
    assert cache.get("counter") == 3  # as Django's own incr and get see it
    cache.incr("counter")
    assert cache.next_number("counter") == 5
    cache.delete("counter")


@pytest.mark.redis
def test_cache_objects_of_one_configuration_share_their_connections(settings):
    """Under ASGI each request gets its own cache object (``caches`` is local to the
    request's context): they must not each open a connection to Redis."""
    import contextvars

    import redis
    from django.core.cache import caches

    server = redis.Redis.from_url(settings.REDIS_URL)

    def connections() -> int:
        return server.info("stats")["total_connections_received"]

    def one_request(n: int) -> None:
        cache = caches["throttle"]  # Redis here; a new object in each request's context
        cache.set(f"shared-{n}", n)
        assert cache.get(f"shared-{n}") == n

    def request_in_its_own_context(n: int) -> None:
        contextvars.Context().run(one_request, n)

    request_in_its_own_context(0)  # the pool's first connection
    before = connections()

    # Act: twenty requests, each in a fresh context, as under ASGI
    for n in range(1, 21):
        request_in_its_own_context(n)

    # Assert: the connections were reused (another test process may add one or two)
    assert connections() - before <= 3
    assert caches.create_connection("throttle")._cache is caches["throttle"]._cache
