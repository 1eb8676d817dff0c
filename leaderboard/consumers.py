"""The public live screens' websocket. It pushes; it never writes.

* ``PublicConsumer`` (``ws/live/<slug>/``, no sign-in): the projector and the audience's
  phones. On connect it joins its process's hub for the competition (one subscription
  to ``public.<competition id>`` per process, leaderboard/hub.py) and sends the public
  snapshot; after that the hub writes the relay's ready-made JSON text
  (leaderboard/broadcast.py) to its socket as it is: no database work, no encoding, no
  dispatch through the consumer, and none of Channels' per-message connection clean-up
  (a thread hop per viewer per message: docs/benchmarks.md, "Before Podium").

The desk's socket is adjudication/desk/socket.py, the tablets' adjudication/tablet/socket.py.

Every message carries a sequence number; a screen that reconnects gets a fresh
snapshot. Refusals are close codes after accepting (``scoring_site.sockets``).
"""

from __future__ import annotations

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from leaderboard.hub import Viewer, hub
from leaderboard.snapshots import (
    competition_get_live,
    public_snapshot_message,
)
from scoring_site.sockets import NOT_FOUND, read_apart, serving_loop_seen


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
        competition = await read_apart(competition_get_live, slug=slug)
        if competition is None:
            await self.close(code=NOT_FOUND)
            return
        # Join first, then read: a change committed meanwhile is either in the snapshot
        # or in a message that follows it (the screen keeps the higher sequence number).
        self.competition_id = competition.pk
        self.viewer = Viewer(self.base_send, self._broken)
        await hub().join(competition.pk, self.viewer)
        await self.send(text_data=await read_apart(public_snapshot_message, competition))
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
