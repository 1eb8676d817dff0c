"""The public viewers of one process, and their one subscription per competition.

Channels' usual fan-out gives every viewer its own channel on the layer (with the Redis
pub/sub layer, a Redis subscription each), its own queue, and a new receive task and
an ``asyncio.wait`` per message in its dispatch loop. For a hall of phones that
repeats the same text thousands of times per change. Here each process holds one
layer channel per competition that has viewers (in the group ``public.<id>``), and
hands each change's ready-made frame to every viewer's socket directly:
``PublicHub.deliver`` writes it through the server's ASGI ``send``, run eagerly, which
completes at once unless the viewer's connection is not reading (the server's send
then waits for its buffer to drain). That viewer alone then waits for the latest
message in a task of its own; the messages in between are skipped, which is safe
because each one holds the whole live state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def public_group(competition_id: int) -> str:
    return f"public.{competition_id}"


class Viewer:
    """One public socket: where to write, and what is waiting for it."""

    __slots__ = ("_send", "_latest", "_waiting", "_on_error", "__weakref__")

    def __init__(self, send: Callable[[dict], Awaitable[None]], on_error: Callable[[], None]):
        self._send = send
        self._latest: dict | None = None
        self._waiting: asyncio.Task | bool | None = True  # held until its snapshot is sent
        self._on_error = on_error

    def push(self, message: dict) -> None:
        if self._waiting is not None:
            self._latest = message
            return
        send = self._send(message)
        try:
            send.send(None)
        except StopIteration:
            return  # written: the usual case
        except Exception:
            self._on_error()
            return
        # The connection is not reading: give this send up (nothing was written yet on
        # uvicorn; a server that yields after writing has written it) and wait for the
        # buffer in a task of this viewer's, with the latest message only.
        send.close()
        self._latest = message
        self._waiting = asyncio.get_running_loop().create_task(self._catch_up())

    def release(self) -> None:
        """The snapshot went out: send what arrived meanwhile, from now on directly."""
        self._waiting = None
        if self._latest is not None:
            message, self._latest = self._latest, None
            self.push(message)

    async def _catch_up(self) -> None:
        try:
            while self._latest is not None:
                message, self._latest = self._latest, None
                await self._send(message)
        except Exception:
            self._on_error()
        finally:
            self._waiting = None

    def stop(self) -> None:
        if isinstance(self._waiting, asyncio.Task):
            self._waiting.cancel()
        self._waiting = False
        self._latest = None


class _Competition:
    def __init__(self) -> None:
        self.viewers: dict[Viewer, None] = {}  # insertion-ordered set
        self.listener: asyncio.Task | None = None
        self.subscribed: asyncio.Future | None = None


class PublicHub:
    """The viewers of one event loop, by competition."""

    def __init__(self) -> None:
        self.competitions: dict[int, _Competition] = {}

    async def join(self, competition_id: int, viewer: Viewer) -> None:
        """Add ``viewer``; returns once the process listens to the competition's group, so
        a snapshot read afterwards misses no change."""
        entry = self.competitions.get(competition_id)
        if entry is None:
            entry = self.competitions[competition_id] = _Competition()
            entry.subscribed = asyncio.get_running_loop().create_future()
            entry.listener = asyncio.get_running_loop().create_task(
                self._listen(competition_id, entry)
            )
        entry.viewers[viewer] = None
        await asyncio.shield(entry.subscribed)

    def leave(self, competition_id: int, viewer: Viewer) -> None:
        viewer.stop()
        entry = self.competitions.get(competition_id)
        if entry is None:
            return
        entry.viewers.pop(viewer, None)
        if not entry.viewers:
            del self.competitions[competition_id]
            if entry.listener is not None:
                entry.listener.cancel()

    def deliver(self, competition_id: int, text: str) -> None:
        entry = self.competitions.get(competition_id)
        if entry is None:
            return
        message = {"type": "websocket.send", "text": text}
        for viewer in list(entry.viewers):
            viewer.push(message)

    async def _listen(self, competition_id: int, entry: _Competition) -> None:
        layer = get_channel_layer()
        group = public_group(competition_id)
        channel = None
        try:
            channel = await layer.new_channel()
            await layer.group_add(group, channel)
            entry.subscribed.set_result(True)
            while True:
                message: dict[str, Any] = await layer.receive(channel)
                if message.get("type") == "public.update":
                    self.deliver(competition_id, message["text"])
        except asyncio.CancelledError:
            raise
        except Exception as error:
            logger.warning("public listener of competition %s stopped", competition_id)
            if not entry.subscribed.done():
                entry.subscribed.set_exception(error)
            # Its viewers reconnect and get a fresh listener.
            for viewer in list(entry.viewers):
                viewer._on_error()
        finally:
            if not entry.subscribed.done():
                entry.subscribed.cancel()
            if self.competitions.get(competition_id) is entry:
                del self.competitions[competition_id]
            if channel is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(layer.group_discard(group, channel))


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PublicHub] = weakref.WeakKeyDictionary()


def hub() -> PublicHub:
    """The hub of the running event loop."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = PublicHub()
    return found


def viewers_connected() -> int:
    """Public viewers connected to this process, over every event loop (for metrics)."""
    return sum(
        len(entry.viewers)
        for found in list(_hubs.values())
        for entry in list(found.competitions.values())
    )
