"""Coalescing the public pushes across processes, through Redis.

Each process's relay (leaderboard/broadcast.py) folds a burst of changes into at most
one push per ``PODIUM_LIVE_INTERVAL``; with N web processes that would still be N
pushes per interval. With the Redis channel layer, every push first asks for the
competition's lease, a key set with ``SET NX PX <interval>`` holding a fresh token:

* the process that gets it pushes now (and takes the kinds other processes left in
  the competition's kinds set, so the payload carries what they changed, e.g. the
  published results after a ``round.*`` change);
* a process that does not get it adds its kinds to that set and asks for the
  competition's *trailing* key (``SET NX``): the one that gets it tries again when the
  lease expires; the others drop their push, because the trailing push starts after
  their change was committed and so shows it;
* a process whose changes are older than the lease it finds drops its push too (the
  lease's push reads the database after them), unless they are round changes, whose
  kinds must reach a push (they carry the published results);
* the trailing try gives up when the lease it finds is a newer one than the lease it
  waited for (that push started after every change it was standing in for); when it
  is the same lease (the timer ran a little early), it waits again.

So however many processes see changes, the screens get about one push per interval,
and the last state always goes out. The interval is the claimer's (a busy process
spaces its pushes further: leaderboard/broadcast.py); the lease's value says it, so
that the others can tell how long ago the lease was taken. On the embedded default
(in-memory layer, one process) there is no Redis and the relay keeps its per-process
behaviour.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets

from django.conf import settings

logger = logging.getLogger(__name__)

PUSH = "push"
COVERED = "covered"


@dataclasses.dataclass
class Wait:
    """Try again in ``seconds``, as the trailing push of the lease ``token``."""

    seconds: float
    token: bytes | None


@dataclasses.dataclass
class Verdict:
    action: str  # PUSH, COVERED, or "wait" (see ``wait``)
    kinds: set[str] = dataclasses.field(default_factory=set)  # to push (PUSH)
    wait: Wait | None = None


def redis_address() -> tuple[str, str] | None:
    """The Redis address and key prefix of the default channel layer, or None when the
    layer is not a Redis one (the embedded default)."""
    config = settings.CHANNEL_LAYERS.get("default", {})
    if "redis" not in config.get("BACKEND", "").lower():
        return None
    options = config.get("CONFIG", {})
    hosts = options.get("hosts") or []
    if not hosts:
        return None
    host = hosts[0]
    address = host.get("address") if isinstance(host, dict) else host
    if not isinstance(address, str):
        return None
    return address, options.get("prefix", "podium")


class Lease:
    """The lease of one event loop's relay (redis-py's asyncio client, one pool)."""

    def __init__(self, address: str):
        # Loaded by the first lease: only a relay over a Redis channel layer takes one.
        import redis.asyncio as aioredis

        self.redis = aioredis.Redis.from_url(address, socket_timeout=5)

    async def listened(self, channel: str | None) -> bool:
        """Whether any process subscribes to the pub/sub ``channel`` (None, or Redis not
        answering: taken as yes)."""
        if channel is None:
            return True
        try:
            [(_, count)] = await self.redis.pubsub_numsub(channel)
        except Exception:
            logger.warning("live listeners of %s not known", channel)
            return True
        return count > 0

    def _keys(self, competition_id: int) -> tuple[str, str, str]:
        # The layer's prefix, read each time: tests give each worker its own.
        found = redis_address()
        base = f"{found[1] if found else 'podium'}:live:{competition_id}"
        return f"{base}:lease", f"{base}:trail", f"{base}:kinds"

    async def claim(
        self,
        competition_id: int,
        kinds: set[str],
        interval: float,
        trailing: Wait | None,
        newest_age: float | None = None,
    ) -> Verdict:
        """``newest_age``: how long ago (seconds) the newest of ``kinds`` was committed
        here; a lease taken since then pushes a state that already shows it."""
        lease, trail, kinds_key = self._keys(competition_id)
        ms = max(1, int(interval * 1000))
        token = f"{secrets.token_hex(8)}:{ms}".encode()
        for _ in range(3):  # a lease may expire between two commands: look again
            if trailing is not None:
                await self.redis.delete(trail)
            if await self.redis.set(lease, token, nx=True, px=ms):
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.smembers(kinds_key)
                    pipe.delete(kinds_key)
                    left, _ = await pipe.execute()
                return Verdict(PUSH, kinds | {k.decode() for k in left})
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.get(lease)
                pipe.pttl(lease)
                if kinds:
                    pipe.sadd(kinds_key, *sorted(kinds))
                    pipe.pexpire(kinds_key, ms * 20)
                holder, ttl, *_ = await pipe.execute()
            if holder is None or ttl < 0:
                continue
            if trailing is not None and trailing.token is not None and holder != trailing.token:
                return Verdict(COVERED)  # a push started after the lease we waited for
            taken_ago = (_length(holder, ms) - ttl) / 1000
            if (
                newest_age is not None
                and newest_age > taken_ago + 0.01
                and not any(kind.startswith("round.") for kind in kinds)
            ):
                # The lease was taken after these changes: its push shows them. (Round
                # changes go on, so that their kinds ride with a push: its results.)
                return Verdict(COVERED)
            if await self.redis.set(trail, holder, nx=True, px=ttl + ms):
                return Verdict("wait", wait=Wait(ttl / 1000, holder))
            return Verdict(COVERED)  # another process makes the trailing push
        return Verdict(PUSH, kinds)

    async def close(self) -> None:
        await self.redis.aclose()


def _length(token: bytes, default: int) -> int:
    """The milliseconds a lease was taken for, from its token (``<hex>:<ms>``)."""
    try:
        return int(token.rpartition(b":")[2])
    except ValueError:  # a lease taken by an older version, without its length
        return default
