"""Websockets of the live screens. They push; they never write.

* ``PublicConsumer`` (``ws/live/<slug>/``, no sign-in): the projector and the audience's
  phones. On connect it joins its process's hub for the competition (one subscription
  to ``public.<competition id>`` per process, leaderboard/hub.py) and sends the public
  snapshot; after that the hub writes the relay's ready-made JSON text
  (leaderboard/broadcast.py) to its socket as it is: no database work, no encoding, no
  dispatch through the consumer, and none of Channels' per-message connection clean-up
  (a thread hop per viewer per message: docs/benchmarks.md, "Before Podium").
* ``DeskConsumer`` (``ws/desk/<slug>/``, ``adjudication.run_results_desk``): the
  results desk. ``TabletConsumer`` (``ws/tablet/``, a live tablet session): a judge's
  tablet. Both join ``competition.<id>`` for the small nudges of
  ``scoring_site.realtime`` and answer them with a fresh snapshot of their own, at most
  one per ``refresh_after`` seconds: they are few, so they may read the database.

Every message carries a sequence number; a screen that reconnects gets a fresh
snapshot. Refusals are sent as close codes after accepting, so a browser sees them and
stops retrying: 4401 (no live tablet session), 4403 (not allowed), 4404 (no such
competition).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from competitions.access import staff_can, staff_can_somewhere
from competitions.models import Competition
from leaderboard.broadcast import serving_loop_seen
from leaderboard.hub import Viewer, hub
from leaderboard.snapshots import (
    competition_get_live,
    desk_snapshot,
    dumps,
    public_snapshot_message,
    tablet_snapshot,
)
from scoring_site.realtime import competition_group, current_sequence

logger = logging.getLogger(__name__)

NOT_SIGNED_IN = 4401
FORBIDDEN = 4403
NOT_FOUND = 4404


async def _read_apart(function, *args, **kwargs):
    """``database_sync_to_async(function)(...)`` in a copy of this context.

    asgiref copies the context variables the thread set back into the awaiting task:
    every ``asgiref.local.Local`` that Django touched there (database connections,
    caches, translations…) would stay bound in this socket's context for as long as it
    is open, about 150 objects for the garbage collector to walk per viewer. A copy
    keeps them out."""
    return await asyncio.get_running_loop().create_task(
        database_sync_to_async(function)(*args, **kwargs), context=contextvars.copy_context()
    )


class PublicConsumer(AsyncWebsocketConsumer):
    # No channel of its own on the layer (for the Redis pub/sub layer, no subscription
    # per viewer): the process's hub listens once per competition (leaderboard/hub.py).
    channel_layer_alias = "podium-public-viewers-use-the-hub"

    async def dispatch(self, message):
        # Channels' dispatch closes old database connections before every handler, a
        # thread hop each time; this consumer touches the database only in connect(),
        # through database_sync_to_async, which does that clean-up itself. (Changes do
        # not even come through here: the hub writes them to the socket.)
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        serving_loop_seen()
        await self.accept()
        slug = self.scope["url_route"]["kwargs"]["slug"]
        competition = await _read_apart(competition_get_live, slug=slug)
        if competition is None:
            await self.close(code=NOT_FOUND)
            return
        # Join first, then read: a change committed meanwhile is either in the snapshot
        # or in a message that follows it (the screen keeps the higher sequence number).
        self.competition_id = competition.pk
        self.viewer = Viewer(self.base_send, self._broken)
        await hub().join(competition.pk, self.viewer)
        await self.send(text_data=await _read_apart(public_snapshot_message, competition))
        self.viewer.release()

    def _broken(self) -> None:
        """The socket cannot be written to: stop feeding it; the server ends it."""
        hub().leave(self.competition_id, self.viewer)

    async def disconnect(self, code):
        viewer = getattr(self, "viewer", None)
        if viewer is not None:
            hub().leave(self.competition_id, viewer)

    async def websocket_disconnect(self, message):
        # As Channels' own, without closing old database connections (a thread hop per
        # viewer leaving: a hall of phones leaves at once).
        await self.disconnect(message["code"])
        raise StopConsumer()


class _NudgedConsumer(AsyncWebsocketConsumer):
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


def _desk_competition(user, slug: str) -> tuple[Competition | None, bool]:
    if user is None or not user.is_authenticated:
        return None, False
    permission = "adjudication.run_results_desk"
    if not staff_can_somewhere(user, permission):
        return None, False
    competition = Competition.objects.filter(slug=slug).first()
    if competition is not None and not staff_can(user, permission, competition):
        return None, False
    return competition, True


class DeskConsumer(_NudgedConsumer):
    async def connect(self):
        serving_loop_seen()
        await self.accept()
        slug = self.scope["url_route"]["kwargs"]["slug"]
        competition, allowed = await database_sync_to_async(_desk_competition)(
            self.scope.get("user"), slug
        )
        if not allowed:
            await self.close(code=FORBIDDEN)
            return
        if competition is None:
            await self.close(code=NOT_FOUND)
            return
        self.competition = competition
        await self.join(competition.pk)
        await self.push(set())

    async def push(self, kinds: set[str]) -> None:
        snapshot = await database_sync_to_async(desk_snapshot)(self.competition)
        await self.send(
            text_data=dumps({"type": "desk", "seq": self._seq, "kinds": sorted(kinds), **snapshot})
        )


def _tablet_state(scope) -> dict | None:
    session = scope.get("session")
    user = scope.get("user")
    if session is None or user is None or not user.is_authenticated:
        return None
    return tablet_snapshot(
        session_key=session.session_key, tablet_id=session.get("tablet_id"), user_id=user.pk
    )


class TabletConsumer(_NudgedConsumer):
    async def connect(self):
        serving_loop_seen()
        await self.accept()
        snapshot = await database_sync_to_async(_tablet_state)(self.scope)
        if snapshot is None:
            await self.close(code=NOT_SIGNED_IN)
            return
        await self.join(snapshot["competition"]["id"])
        # A change committed between that read and joining the group nudged nobody here:
        # what is sent is read again now that every later change is heard (as the desk's
        # socket joins before it reads).
        await self.push(set())

    async def push(self, kinds: set[str]) -> None:
        # The session is checked again each time: a tablet the desk signed out stops.
        snapshot = await database_sync_to_async(_tablet_state)(self.scope)
        if snapshot is None:
            await self.send(text_data=dumps({"type": "signed_out", "seq": self._seq}))
            await self.close(code=NOT_SIGNED_IN)
            return
        await self._send_snapshot(snapshot, kinds)

    async def _send_snapshot(self, snapshot: dict, kinds: set[str]) -> None:
        await self.send(
            text_data=dumps(
                {"type": "tablet", "seq": self._seq, "kinds": sorted(kinds), **snapshot}
            )
        )
