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

A viewer that received the hub's previous push gets the next one as a delta on it
(leaderboard/deltas.py), made once per push and process: usually one round's card
instead of the whole floor. A viewer that did not (it just joined, or it was skipped
ahead while catching up) gets the push whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from channels.layers import get_channel_layer

from leaderboard import deltas
from scoring_site.sockets import dumps

logger = logging.getLogger(__name__)


def public_group(competition_id: int) -> str:
    return f"public.{competition_id}"


class Viewer:
    """One public socket: where to write, what is waiting for it, and which of the hub's
    pushes it received last (to be sent the next one as a delta on it)."""

    __slots__ = ("_send", "_latest", "_waiting", "_on_error", "_received", "__weakref__")

    def __init__(self, send: Callable[[dict], Awaitable[None]], on_error: Callable[[], None]):
        self._send = send
        self._latest: tuple[dict, int] | None = None
        self._waiting: asyncio.Task | bool | None = True  # held until its snapshot is sent
        self._on_error = on_error
        self._received = 0  # the hub's number of the push written to it last; 0: none

    def push(self, whole: dict, number: int, delta: dict | None = None) -> None:
        """Write push ``number`` of the hub: ``delta`` (made on push ``number - 1``) if
        this viewer received that one, else ``whole``."""
        if self._waiting is not None:
            self._latest = (whole, number)
            return
        received, self._received = self._received, 0
        message = delta if delta is not None and received and received == number - 1 else whole
        send = self._send(message)
        try:
            send.send(None)
        except StopIteration:
            self._received = number
            return  # written: the usual case
        except Exception:
            self._on_error()
            return
        # The connection is not reading: give this send up (nothing was written yet on
        # uvicorn; a server that yields after writing has written it) and wait for the
        # buffer in a task of this viewer's, with the latest message only, whole.
        send.close()
        self._latest = (whole, number)
        self._waiting = asyncio.get_running_loop().create_task(self._catch_up())

    def release(self) -> None:
        """The snapshot went out: send what arrived meanwhile, from now on directly."""
        self._waiting = None
        if self._latest is not None:
            (whole, number), self._latest = self._latest, None
            self.push(whole, number)

    async def _catch_up(self) -> None:
        try:
            while self._latest is not None:
                (whole, number), self._latest = self._latest, None
                await self._send(whole)
                self._received = number
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
        self.pushes = 0  # pushes delivered to these viewers
        self.last: dict | None = None  # the last of them, parsed
        # The CPU seconds the last push cost this process: its build (wherever it was
        # built: the relay sends the figure with it) and its delivery here.
        self.cost = 0.0


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

    def deliver(self, competition_id: int, text: str, built_in: float = 0.0) -> None:
        """Write a push to the competition's viewers here; ``built_in``: the CPU seconds
        its build took."""
        entry = self.competitions.get(competition_id)
        if entry is None:
            return
        started = time.thread_time()
        entry.pushes += 1
        whole = {"type": "websocket.send", "text": text}
        delta = None
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        if isinstance(message, dict):
            made = deltas.delta(entry.last, message) if entry.last is not None else None
            if made is not None:
                delta_text = dumps(made)
                if len(delta_text) < len(text):
                    delta = {"type": "websocket.send", "text": delta_text}
        entry.last = message if isinstance(message, dict) else None
        for viewer in list(entry.viewers):
            viewer.push(whole, entry.pushes, delta)
        entry.cost = built_in + time.thread_time() - started

    def push_cost(self, competition_id: int) -> float | None:
        """What the competition's last push cost this process (``_Competition.cost``),
        or None when none was delivered here."""
        entry = self.competitions.get(competition_id)
        return entry.cost if entry is not None and entry.pushes else None

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
                    self.deliver(competition_id, message["text"], message.get("cost", 0.0))
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


def hub_of(loop: asyncio.AbstractEventLoop) -> PublicHub | None:
    """The hub of ``loop``, if its viewers ever had one."""
    return _hubs.get(loop)


def viewers_connected() -> int:
    """Public viewers connected to this process, over every event loop (for metrics)."""
    return sum(
        len(entry.viewers)
        for found in list(_hubs.values())
        for entry in list(found.competitions.values())
    )
