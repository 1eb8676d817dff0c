"""The Redis cache, made to behave like an empty cache while Redis is down.

Podium's cache holds only what can be rebuilt: live snapshots, sequence numbers, throttle
counters. The database is the truth. When Redis stops, reads miss, writes are dropped
and ``incr`` raises ``ValueError`` (as for a missing key), with a warning in the log, so
that sheets are still accepted and the public snapshot (what screens poll while their
socket is down) is still served, built from the database. Throttles fail open for the
duration. When Redis returns, everything carries on by itself.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("podium.cache")

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
WARN_EVERY_SECONDS = 10.0


class SharedRedisCacheClient(RedisCacheClient):
    """Django's Redis client, keeping one ``redis.Redis`` per connection pool.

    Django's client builds a new ``redis.Redis`` for every operation, a large part of a
    cache read (docs/benchmarks.md); the object is thread-safe, so one per pool serves
    every thread."""

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._clients: dict[int, object] = {}
        self._lock = threading.Lock()

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            with self._lock:
                client = self._clients.get(index)
                if client is None:
                    pool = self._get_connection_pool(write)
                    client = self._clients[index] = self._client(connection_pool=pool)
        return client


_clients: dict[tuple, SharedRedisCacheClient] = {}
_clients_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    """The Redis cache of settings.CACHES (see the module's docstring), with one client
    and one connection pool per process and configuration.

    Under ASGI Django makes a new cache object per request (``caches`` is local to each
    request's context), and with Django's own client that meant a new connection pool,
    so a new TCP connection to Redis, in every request that touched the cache. Here
    every cache object of the same configuration shares one client: connections are
    reused across requests. (redis-py's pools notice a fork and start afresh in the
    child.)"""

    _warned_at = float("-inf")

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedRedisCacheClient

    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client

    def _unavailable(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._warned_at >= WARN_EVERY_SECONDS:
            ResilientRedisCache._warned_at = now
            logger.warning("cache unavailable (%s: %s); going on without it", operation, error)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as error:
            self._unavailable("get", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as error:
            self._unavailable("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as error:
            self._unavailable("has_key", error)
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable("add", error)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable("set", error)
            return None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable("set_many", error)
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable("touch", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE as error:
            self._unavailable("delete", error)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except UNAVAILABLE as error:
            self._unavailable("delete_many", error)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as error:
            self._unavailable("incr", error)
            raise ValueError(f"the cache is unavailable: {error}") from None

    def next_number(self, key, count: int = 1, version=None) -> int:
        """The counter ``key`` raised by ``count``, from 0 if it was missing: Redis's
        INCRBY, one round trip (Django's ``incr`` first asks whether the key exists).
        Raises ``ValueError`` while Redis is down, as ``incr`` does."""
        key = self.make_and_validate_key(key, version=version)
        try:
            return self._cache.get_client(key, write=True).incr(key, count)
        except UNAVAILABLE as error:
            self._unavailable("incr", error)
            raise ValueError(f"the cache is unavailable: {error}") from None

    def clear(self):
        try:
            return super().clear()
        except UNAVAILABLE as error:
            self._unavailable("clear", error)
            return False
