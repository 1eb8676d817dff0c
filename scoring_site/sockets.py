"""Socket plumbing every audience's consumers share (imports no app).

* close codes: refusals are sent as close codes after accepting, so a browser sees them
  and stops retrying: 4401 (no live tablet session), 4403 (not allowed), 4404 (no such
  competition);
* ``dumps``: the compact JSON text every socket message is;
* ``read_apart``: a database read from a consumer, in a copy of its context;
* ``serving_loop_seen``: a consumer connected, so this process serves sockets on this
  loop; the leaderboard's relay hears of it (``add_serving_hook``) and sends from it,
  and on the embedded default the loop watches the other processes' changes
  (scoring_site/change_log.py);
* ``NudgedConsumer``: answers the nudges of ``competition.<id>``
  (``scoring_site.realtime``) with a fresh snapshot of its own, at most one per
  ``refresh_after`` seconds.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from scoring_site import change_log
from scoring_site.realtime import competition_group, current_sequence, relay_here

logger = logging.getLogger(__name__)

NOT_SIGNED_IN = 4401
FORBIDDEN = 4403
NOT_FOUND = 4404


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


async def read_apart(function, *args, **kwargs):
    """``database_sync_to_async(function)(...)`` in a copy of this context.

    asgiref copies the context variables the thread set back into the awaiting task:
    every ``asgiref.local.Local`` that Django touched there (database connections,
    caches, translations…) would stay bound in this socket's context for as long as it
    is open, about 150 objects for the garbage collector to walk per viewer. A copy
    keeps them out."""
    return await asyncio.get_running_loop().create_task(
        database_sync_to_async(function)(*args, **kwargs), context=contextvars.copy_context()
    )


# Called, on the server's loop, when a consumer connects. The leaderboard registers its
# relay's (leaderboard/apps.py), which then sends from this loop.
_serving_hooks: list[Callable[[], None]] = []


def add_serving_hook(hook: Callable[[], None]) -> None:
    if hook not in _serving_hooks:
        _serving_hooks.append(hook)


def serving_loop_seen() -> None:
    """Called by consumers on connect, on the server's loop."""
    for hook in _serving_hooks:
        hook()
    # On the embedded default, changes other processes make reach this loop's sockets.
    change_log.watch(relay_here)


class NudgedConsumer(AsyncWebsocketConsumer):
    """Answers the nudges of ``competition.<id>`` with a fresh snapshot, coalesced."""

    refresh_after = 0.3

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._seq = 0
        self._kinds: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task | None = None

    async def join(self, competition_id: int) -> None:
        group = competition_group(competition_id)
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups.append(group)
        self._seq = await database_sync_to_async(current_sequence)(competition_id)

    async def competition_changed(self, message):
        self._seq = max(self._seq, message.get("seq") or 0)
        self._kinds.update(message.get("kinds") or [message.get("kind", "")])
        if self._timer is None and self._task is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.refresh_after, self._start_refresh)

    def _start_refresh(self) -> None:
        self._timer = None
        self._task = asyncio.get_running_loop().create_task(self._refresh())

    async def _refresh(self) -> None:
        kinds, self._kinds = self._kinds, set()
        try:
            await self.push(kinds)
        except Exception:
            logger.warning("live %s snapshot not sent", type(self).__name__, exc_info=True)
        finally:
            self._task = None
            if self._kinds and self._timer is None:
                loop = asyncio.get_running_loop()
                self._timer = loop.call_later(self.refresh_after, self._start_refresh)

    async def push(self, kinds: set[str]) -> None:
        raise NotImplementedError

    async def disconnect(self, code):
        if self._timer is not None:
            self._timer.cancel()
        if self._task is not None:
            self._task.cancel()
