"""Announcing changes to live screens, after the transaction that made them commits.

Services call ``announce`` inside their transaction; nothing is sent for a transaction
that rolls back. Each message carries a per-competition sequence number, taken when it
is sent (one number per change it folds in), so a screen can tell it missed one and
fetch a fresh snapshot. Messages are small nudges, not data: screens read what changed
over HTTP or from the consumer's snapshot. Listeners
(``add_listener``, ``remove_listener``) hear of each change too: the leaderboard's relay
builds the public screens' payload there, once per change (leaderboard/broadcast.py).
On the embedded default the in-memory channel layer stays inside one process: changes
are also logged to a file for the other processes' screens (scoring_site/change_log.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import transaction

from scoring_site import change_log

logger = logging.getLogger(__name__)


def competition_group(competition_id: int) -> str:
    return f"competition.{competition_id}"


# The two numbered streams of a competition, one counter each in the cache (shared by
# every process when the cache is Redis). The desks' and tablets' nudges take one number
# per announced change (the transport takes them as it sends, a folded nudge as many as
# it holds); the public screens' pushes one per push, bursts of changes being folded
# into one push (leaderboard/broadcast.py).
NUDGES = "seq"
PUBLIC = "pubseq"


def current_sequence(competition_id: int, stream: str = NUDGES) -> int:
    """The number of the stream's latest message (0 before the first)."""
    return cache.get(f"podium:{stream}:{competition_id}") or 0


def next_sequence(competition_id: int, stream: str = NUDGES, count: int = 1) -> int:
    """Reserve the stream's next ``count`` numbers, and answer the last (in one round trip
    on Redis: scoring_site/cache.py)."""
    key = f"podium:{stream}:{competition_id}"
    if hasattr(cache, "next_number"):
        return cache.next_number(key, count)
    try:
        return cache.incr(key, count)
    except ValueError:
        cache.add(key, 0, timeout=None)
        return cache.incr(key, count)


# Called after each committed change with (competition id, kind), in the committing
# thread; they must return at once. The leaderboard registers the public screens' relay
# here (leaderboard/broadcast.py), which builds their payload once per change and
# coalesces bursts.
_listeners: list[Callable[[int, str], None]] = []


def add_listener(listener: Callable[[int, str], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def remove_listener(listener: Callable[[int, str], None]) -> None:
    """Stop calling ``listener``; nothing happens if it was not added."""
    if listener in _listeners:
        _listeners.remove(listener)


def _send_blocking(competition_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        message = {**message, "seq": next_sequence(competition_id)}
        async_to_sync(layer.group_send)(competition_group(competition_id), message)


# Numbers a nudge (``next_sequence``) and hands it to the channel layer; must return at
# once. The leaderboard sets its relay (leaderboard/broadcast.py), which numbers and
# sends from the server's event loop or from one long-lived background loop, so the
# committing request never waits for the cache or the layer and a process without a
# server reuses one loop and one connection. The default (no leaderboard app) numbers
# and sends in the caller.
_transport: Callable[[int, dict[str, Any]], None] = _send_blocking


def set_transport(transport: Callable[[int, dict[str, Any]], None]) -> None:
    global _transport
    _transport = transport


def relay_here(competition_id: int, kind: str, payload: dict[str, Any]) -> None:
    """Hand a committed change to this process's screens: the transport (which numbers
    the nudge), the listeners. Also called by the change log's watcher for changes
    another process made (scoring_site/change_log.py, the embedded default)."""
    message = {"type": "competition.changed", "kind": kind, "kinds": [kind], "payload": payload}
    try:
        _transport(competition_id, message)
    except Exception:  # the database is the truth; screens resync from snapshots
        logger.warning("live update %s for competition %s not sent", kind, competition_id)
    for listener in _listeners:
        try:
            listener(competition_id, kind)
        except Exception:
            logger.exception("live listener failed for %s of competition %s", kind, competition_id)


def _send(competition_id: int, kind: str, payload: dict[str, Any]) -> None:
    relay_here(competition_id, kind, payload)
    try:
        change_log.record(competition_id, kind, payload)  # for other processes' screens
    except OSError:
        logger.warning("live change %s of competition %s not logged", kind, competition_id)


def announce(competition_id: int, kind: str, payload: dict[str, Any] | None = None) -> None:
    """Send ``kind`` to the competition's screens once the current transaction commits.

    The callback only hands the change over: it never waits for the cache or the
    channel layer."""
    transaction.on_commit(lambda: _send(competition_id, kind, payload or {}), robust=True)
