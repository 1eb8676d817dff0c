"""The API's rate limits in one Redis round trip.

DRF's throttles read a list of timestamps from the cache, trim it and write it back:
two round trips and a pickled list as long as the limit (600 entries for a venue's
registrations), and two requests at once both read the same list, so each writes back
one timestamp and the limit lets both through. On Redis a script does the same in one
atomic step: the timestamps are a sorted set, trimmed to the window, counted, and the
request's added only when it is allowed, as DRF adds only allowed ones. The answer
(allowed, how many in the window, the oldest) gives ``wait()`` what DRF's list gave it,
so ``Retry-After`` is the same. Without Redis (the embedded default's memory cache) the
throttles are DRF's own. Redis down: the request is allowed, as the cache's misses allow
it (scoring_site/cache.py).
"""

from __future__ import annotations

import math
import secrets

from django.core.cache.backends.redis import RedisCache

from scoring_site.cache import UNAVAILABLE

_WINDOW = """
local now, duration, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - duration)
local count = redis.call('ZCARD', KEYS[1])
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2] or ARGV[1]
if count >= limit then
  return {0, count, oldest}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {1, count + 1, oldest}
"""

_scripts: dict[int, object] = {}


def _script(client):
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_WINDOW)
    return script


class RedisWindowMixin:
    """For a DRF ``SimpleRateThrottle`` whose ``cache`` may be Redis (see the module)."""

    _window: tuple[int, float] | None = None

    def allow_request(self, request, view):
        if self.rate is None or not isinstance(self.cache, RedisCache):
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        key = self.cache.make_and_validate_key(self.key)
        try:
            client = self.cache._cache.get_client(key, write=True)
            allowed, count, oldest = _script(client)(
                keys=[key],
                args=[
                    repr(self.now),
                    self.duration,
                    self.num_requests,
                    f"{self.now!r}:{secrets.token_hex(4)}",
                    math.ceil(self.duration * 1000),
                ],
            )
        except UNAVAILABLE as error:
            unavailable = getattr(self.cache, "_unavailable", None)
            if unavailable is not None:
                unavailable("throttle", error)
            return True
        self._window = (int(count), float(oldest))
        return bool(allowed)

    def wait(self):
        if self._window is None:
            return super().wait()
        count, oldest = self._window
        remaining = self.duration - (self.now - oldest) if count else self.duration
        available = self.num_requests - count + 1
        if available <= 0:
            return None
        return remaining / float(available)
