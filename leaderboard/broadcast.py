"""The live relay: the public screens' payload once per change, bursts coalesced; and
the desks' and tablets' nudges, sent off the committing request.

``scoring_site.realtime`` calls ``public_changed`` after every committed change (sheet
sent, round opened, closed, published…). The relay builds the public payload once,
serializes it once, and sends the finished JSON text to the group ``public.<id>``;
each process's hub (leaderboard/hub.py) writes that text to its viewers' sockets as it
is, with no database work and no encoding per viewer.

Coalescing, per competition and per process (and across processes with Redis:
leaderboard/lease.py): the first change after a quiet spell is
sent at once (the lowest latency, the common case: sheets arrive a few per second);
changes within ``PODIUM_LIVE_INTERVAL`` seconds (0.25 by default) of the last send are
folded into one trailing send at the end of that interval. So a burst (a desk typing
in paper sheets, a round closing with its draw) costs at most four pushes a second per
process, and the last state always goes out.

A process serving at its capacity (a request waited for a request thread in the last
second: scoring_site/handler.py) spaces its pushes further, by what a push costs it
(the build, wherever it ran, and the writes to its own viewers, in CPU time): at most
``SHARE`` of its time goes to the screens, the rest to the sheets and registrations,
and a push never waits more than ``LONGEST``. With 3,000 phones on two processes a
push costs each about 50 ms of CPU, so under a flood of sheets the screens move about
once a second instead of three or four times, and the server answers more sheets
(docs/benchmarks.md, the eighth pass). A process that is not at capacity pushes as
above, so at the timetable's pace every sheet is on the screens at once.

The sender coalesces, not the viewers' consumers: a consumer-side throttle would still
build, serialize and fan out every change, and would need a timer per viewer.

Where the relay runs: on the event loop of the ASGI server that serves websockets in
this process (registered by the consumers when they connect; the in-memory channel
layer only works there), so payloads are built off the loop with
``database_sync_to_async`` and sent with the loop's channel-layer connection. A process
that serves no sockets (a management command, a Celery worker, a web worker no viewer
reached yet) uses one long-lived background thread with its own loop and its own
channel-layer connection, drained at exit.

The nudges of ``scoring_site.realtime`` (the desk's and the tablets' "something
changed", with the competition's sequence number) go the same way (``nudge``): the
committing request only hands them over; the loop sends them one after another from
one task, folding those queued for the same competition into one message, so a
simulation or a Celery worker announcing thousands of changes reuses one loop and one
connection instead of opening an event loop (and a Redis connection) per announcement.
The first nudge after a quiet spell leaves at once; those that follow within
``NUDGE_SPACING`` wait for the rest of it, folded, so a flood of sheets costs a few
sends a second, not one per sheet.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import dataclasses
import logging
import threading
import time

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

from leaderboard import lease
from leaderboard.hub import hub_of, public_group
from leaderboard.snapshots import public_update_message
from scoring_site.handler import requests_waited_within
from scoring_site.realtime import NUDGES, PUBLIC, competition_group, next_sequence

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 0.25
SHARE = 0.05
LONGEST = 2.0
# The desks' and tablets' nudges: at most one sending per loop in this time, the nudges
# of a burst folded (their consumers wait 0.3 s before they refresh anyway:
# scoring_site/sockets.py). A send per change was half of what announcing a sheet cost
# the process, and every desk and tablet socket of the competition received each one
# (docs/benchmarks.md, the twelfth pass).
NUDGE_SPACING = 0.1


def interval() -> float:
    return float(getattr(settings, "PODIUM_LIVE_INTERVAL", DEFAULT_INTERVAL))


def spacing(cost: float | None, *, busy: bool) -> float:
    """The time from one push of a competition to the next: the interval, or for a
    process at capacity the time in which a push costing ``cost`` CPU seconds takes
    ``SHARE`` of it (at most ``LONGEST``). Each competition's pushes are spaced on their
    own: a process whose viewers follow several live competitions gives each its share."""
    shortest = interval()
    if not busy or not cost:
        return shortest
    return max(shortest, min(cost / SHARE, LONGEST))


def _built(competition_id: int, kinds: set[str], seq: int) -> tuple[str | None, float]:
    """The push's text and the CPU seconds building it took."""
    started = time.thread_time()
    text = public_update_message(competition_id, kinds=kinds, seq=seq)
    return text, time.thread_time() - started


@dataclasses.dataclass
class _Pending:
    kinds: set[str] = dataclasses.field(default_factory=set)
    last_start: float = float("-inf")
    timer: asyncio.TimerHandle | None = None
    task: asyncio.Task | None = None
    trailing: lease.Wait | None = None  # the timer is this process's trailing push
    last_noted: float = float("-inf")  # when the newest change in ``kinds`` came
    spacing: float = 0.0  # from the last start to the next (``spacing``)
    built_in: float | None = None  # the CPU seconds of the last build here


class LoopRelay:
    """The coalescing state of one event loop; every method runs on that loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.pending: dict[int, _Pending] = {}
        self.nudges: dict[int, dict] = {}  # insertion-ordered
        self.nudging: asyncio.Task | None = None
        self.nudge_timer: asyncio.TimerHandle | None = None
        self.nudged_at = float("-inf")  # when the last sending of nudges ended
        # With Redis, pushes are coalesced across processes too (leaderboard/lease.py).
        address = lease.redis_address()
        self.lease = lease.Lease(address[0]) if address else None

    def note(self, competition_id: int, kind: str) -> None:
        state = self.pending.setdefault(competition_id, _Pending())
        state.kinds.add(kind)
        state.last_noted = self.loop.time()
        self._schedule(competition_id, state)

    def _schedule(self, competition_id: int, state: _Pending) -> None:
        if state.timer is not None or state.task is not None or not state.kinds:
            return  # a send is due or under way; it (or the one after it) takes these
        delay = state.last_start + state.spacing - self.loop.time()
        if delay <= 0:
            self._start(competition_id)
        else:
            state.timer = self.loop.call_later(delay, self._start, competition_id)

    def _start(self, competition_id: int) -> None:
        state = self.pending[competition_id]
        state.timer = None
        kinds, state.kinds = state.kinds, set()
        trailing, state.trailing = state.trailing, None
        if trailing is not None and kinds:
            # Changes arrived here while waiting: a newer lease elsewhere may have
            # started before them, so this is an ordinary push, not only a trailing one.
            trailing = lease.Wait(0, None)
        state.last_start = self.loop.time()
        state.spacing = self._spacing(competition_id, state)
        newest_age = state.last_start - state.last_noted if kinds else None
        state.task = self.loop.create_task(
            self._send(competition_id, kinds, trailing, newest_age, state.spacing)
        )

    def _spacing(self, competition_id: int, state: _Pending) -> float:
        found = hub_of(self.loop)
        cost = found.push_cost(competition_id) if found is not None else None
        return spacing(
            cost if cost is not None else state.built_in, busy=requests_waited_within(1.0)
        )

    async def _claim(
        self,
        competition_id: int,
        kinds: set[str],
        trailing: lease.Wait | None,
        newest_age: float | None,
        spaced: float,
    ) -> lease.Verdict:
        if self.lease is None:
            return lease.Verdict(lease.PUSH, kinds)
        try:
            return await self.lease.claim(competition_id, kinds, spaced, trailing, newest_age)
        except Exception:  # Redis is down: push from here (the layer is likely down too)
            logger.warning("live lease of competition %s not available", competition_id)
            return lease.Verdict(lease.PUSH, kinds)

    async def _send(
        self,
        competition_id: int,
        kinds: set[str],
        trailing: lease.Wait | None = None,
        newest_age: float | None = None,
        spaced: float | None = None,
    ) -> None:
        state = self.pending[competition_id]
        try:
            verdict = await self._claim(
                competition_id, kinds, trailing, newest_age, spaced or interval()
            )
            if verdict.wait is not None:  # this process makes the trailing push
                state.trailing = verdict.wait
                state.timer = self.loop.call_later(
                    verdict.wait.seconds, self._start, competition_id
                )
                return
            if verdict.action == lease.COVERED:
                return
            seq = 0
            if self.lease is not None:
                # The number first, then whether any process listens: a viewer who
                # subscribes after the look reads a snapshot numbered after this change.
                seq = await database_sync_to_async(next_sequence)(competition_id, PUBLIC)
                if not await self.lease.listened(_public_channel(competition_id)):
                    return  # no screen anywhere: nothing to build
            text, state.built_in = await database_sync_to_async(_built)(
                competition_id, verdict.kinds, seq
            )
            if text is not None:
                layer = get_channel_layer()
                if layer is not None:
                    await layer.group_send(
                        public_group(competition_id),
                        {"type": "public.update", "text": text, "cost": state.built_in},
                    )
        except Exception:  # the database is the truth; screens resync from snapshots
            logger.warning(
                "public update for competition %s not sent", competition_id, exc_info=True
            )
        finally:
            state.task = None
            self._schedule(competition_id, state)

    def nudge(self, competition_id: int, message: dict) -> None:
        """Queue a desk and tablet nudge (``scoring_site.realtime``). Nudges waiting for
        the same competition are folded into one (the latest's kind and payload, every
        kind, as many numbers as changes when it is sent): their consumers only read
        those, and refresh from the database. The first nudge after ``NUDGE_SPACING``
        without any goes at once; those that come sooner wait for the rest of it, folded."""
        held = self.nudges.get(competition_id)
        if held is None:
            held = self.nudges[competition_id] = {**message, "kinds": [], "changes": 0}
        else:
            held.update(kind=message["kind"], payload=message["payload"])
        held["kinds"] += [k for k in message.get("kinds", ()) if k not in held["kinds"]]
        held["changes"] += 1
        if self.nudging is None and self.nudge_timer is None:
            delay = self.nudged_at + NUDGE_SPACING - self.loop.time()
            if delay <= 0:
                self._start_nudges()
            else:
                self.nudge_timer = self.loop.call_later(delay, self._start_nudges)

    def _start_nudges(self) -> None:
        self.nudge_timer = None
        if self.nudges and self.nudging is None:
            self.nudging = self.loop.create_task(self._send_nudges())

    async def _send_nudges(self) -> None:
        """One task per loop sends the nudges queued when it starts, one after another,
        on the loop's one channel-layer connection, each numbered as it leaves (one
        number per change folded in, the last its ``seq``); those queued meanwhile wait
        for the next sending (``nudge``)."""
        queued, self.nudges = self.nudges, {}
        try:
            for competition_id, message in queued.items():
                try:
                    changes = message.pop("changes")
                    message["seq"] = await database_sync_to_async(next_sequence)(
                        competition_id, NUDGES, changes
                    )
                    layer = get_channel_layer()
                    if layer is not None:
                        await layer.group_send(competition_group(competition_id), message)
                except Exception:  # the database is the truth; screens resync from snapshots
                    logger.warning(
                        "live nudge %s for competition %s not sent",
                        message.get("kinds"),
                        competition_id,
                    )
        finally:
            self.nudging = None
            self.nudged_at = self.loop.time()
            if self.nudges:
                self.nudge_timer = self.loop.call_later(NUDGE_SPACING, self._start_nudges)

    async def drain(self) -> None:
        """Send whatever is waiting now and wait for the sends under way."""
        while True:
            trailing = False
            for competition_id, state in list(self.pending.items()):
                if state.timer is not None and state.trailing is not None:
                    trailing = True  # waits for another process's lease: let it run
                elif state.timer is not None:
                    state.timer.cancel()
                    self._start(competition_id)
            tasks = [s.task for s in self.pending.values() if s.task is not None]
            if self.nudge_timer is not None:
                self.nudge_timer.cancel()
                self.nudge_timer = None
            if self.nudges and self.nudging is None:
                self.nudging = self.loop.create_task(self._send_nudges())
            if self.nudging is not None:
                tasks.append(self.nudging)
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            elif trailing:
                await asyncio.sleep(0.02)
            else:
                return


class _Relays:
    """Finds the loop to relay on, from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._serving: asyncio.AbstractEventLoop | None = None
        self._by_loop: dict[asyncio.AbstractEventLoop, LoopRelay] = {}
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None

    def serving(self, loop: asyncio.AbstractEventLoop) -> None:
        """The consumers' loop: the relay runs there from now on."""
        with self._lock:
            self._serving = loop
            for old in [lp for lp in self._by_loop if lp.is_closed()]:
                del self._by_loop[old]

    def relay_for(self, loop: asyncio.AbstractEventLoop) -> LoopRelay:
        with self._lock:
            relay = self._by_loop.get(loop)
            if relay is None:
                relay = self._by_loop[loop] = LoopRelay(loop)
            return relay

    def changed(self, competition_id: int, kind: str) -> None:
        self._call(self._note, competition_id, kind)

    def nudge(self, competition_id: int, message: dict) -> None:
        """Send ``message`` to ``competition.<id>`` from the relay's loop, soon."""
        self._call(self._nudge, competition_id, message)

    def _call(self, function, *args) -> None:
        # A fresh context: the caller's (a request's thread-sensitive context, gone when
        # the request ends) must not follow the relay's later database calls.
        loop = self._serving
        if loop is not None and loop.is_running():
            try:
                loop.call_soon_threadsafe(function, loop, *args, context=contextvars.Context())
                return
            except RuntimeError:  # closed meanwhile
                pass
        loop = self._background()
        loop.call_soon_threadsafe(function, loop, *args, context=contextvars.Context())

    def _note(self, loop, competition_id: int, kind: str) -> None:
        self.relay_for(loop).note(competition_id, kind)

    def _nudge(self, loop, competition_id: int, message: dict) -> None:
        self.relay_for(loop).nudge(competition_id, message)

    def _background(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="podium-live-relay", daemon=True
                )
                thread.start()
                self._thread, self._thread_loop = thread, loop
                _at_exit(self.drain_background)
            return self._thread_loop

    def drain_background(self, timeout: float = 5.0) -> None:
        """Wait until the background thread has sent what it holds (at exit, in tests)."""
        loop = self._thread_loop
        if loop is None or not loop.is_running():
            return
        future = contextvars.Context().run(
            asyncio.run_coroutine_threadsafe, self.relay_for(loop).drain(), loop
        )
        try:
            future.result(timeout)
        except Exception:
            logger.warning("live relay not drained", exc_info=True)


def _at_exit(function) -> None:
    """Run ``function`` when the interpreter exits, while thread pools still take work.

    ``atexit`` is too late: by then concurrent.futures refuses new work ("cannot
    schedule new futures after interpreter shutdown"), and the relay's database calls
    and channel-layer sends go through thread pools. ``threading._register_atexit`` (the
    hook concurrent.futures itself uses) runs before, the latest registered first."""
    register = getattr(threading, "_register_atexit", None)
    if register is None:
        atexit.register(function)
    else:
        register(function)


relays = _Relays()


def _public_channel(competition_id: int) -> str | None:
    """The Redis channel the pub/sub layer publishes the public group on, when the layer
    has one (one Redis host: the lease's); None otherwise."""
    layer = get_channel_layer()
    try:
        inner = layer._get_layer()
        if len(inner._shards) != 1:
            return None
        return inner._get_group_channel_name(public_group(competition_id))
    except AttributeError:  # not channels_redis's pub/sub layer, or it changed
        return None


def public_changed(competition_id: int, kind: str) -> None:
    """The ``scoring_site.realtime`` listener: returns at once, the relay does the rest.

    After a real commit the change is visible to every connection, so the relay may read
    it from its own. Callbacks run inside a transaction (a test capturing on_commit
    callbacks) see data no other connection sees yet: those are relayed here and now."""
    if connection.in_atomic_block:
        _send_now(competition_id, kind)
    else:
        relays.changed(competition_id, kind)


def _send_now(competition_id: int, kind: str) -> None:
    text = public_update_message(competition_id, kinds={kind})
    layer = get_channel_layer()
    if text is not None and layer is not None:
        async_to_sync(layer.group_send)(
            public_group(competition_id), {"type": "public.update", "text": text}
        )


def nudge(competition_id: int, message: dict) -> None:
    """The ``scoring_site.realtime`` transport of the desks' and tablets' nudges: returns
    at once; the relay's loop sends them (see the module's docstring)."""
    relays.nudge(competition_id, message)


def serving_loop_seen() -> None:
    """Called by consumers on connect, on the server's loop."""
    relays.serving(asyncio.get_running_loop())
