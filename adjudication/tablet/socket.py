"""A judge's tablet's websocket (``ws/tablet/``, a live tablet session).

It joins ``competition.<id>`` for the small nudges of ``scoring_site.realtime`` and
answers them with a fresh snapshot of its own (``scoring_site.sockets.NudgedConsumer``,
as the desk's socket, adjudication/desk/socket.py): tablets are few, so they may read
the database. It pushes; it never writes. A tablet not signed in, or signed out by the
desk, is closed with ``NOT_SIGNED_IN`` after accepting.
"""

from __future__ import annotations

from channels.db import database_sync_to_async

from adjudication.tablet.snapshot import tablet_snapshot
from scoring_site.sockets import NOT_SIGNED_IN, NudgedConsumer, dumps, serving_loop_seen


def _tablet_state(scope) -> dict | None:
    session = scope.get("session")
    user = scope.get("user")
    if session is None or user is None or not user.is_authenticated:
        return None
    return tablet_snapshot(
        session_key=session.session_key, tablet_id=session.get("tablet_id"), user_id=user.pk
    )


class TabletConsumer(NudgedConsumer):
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
