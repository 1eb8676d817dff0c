"""Django's ASGI handler, with the middleware chain and the view in one thread, taken from
a few kept per process.

Django's own handler loads the middleware for async and crosses between the event loop
and a worker thread at every boundary between sync and async code on the way in: into
the sync middleware, back to the loop for the async end of the chain, into a thread again
for a sync view, and once more for a 4xx answer's log line. Here the chain is loaded as
under WSGI and runs, with the view, in one crossing into the request's thread; the
``request_started`` receivers and the response's close keep theirs. Views stay sync; an
async view would still work, adapted by Django into the event loop.

The request's thread: Django gives each request a ``ThreadSensitiveContext`` of its own,
for which asgiref starts a new thread and, when the request ends, another to join it.
The event loop waits for each start, so under load every request held up the loop (and
every socket it writes) until the new threads got the interpreter's lock. Here the
context is lent one of ``WEB_THREADS`` single-thread executors of the process, kept
between requests as a threaded WSGI server keeps its threads; a request that
finds them all lent waits for one. Each request still has its thread to itself, and the
``request_finished`` receivers still close its database connection. The bound matters as
much as the reuse: with a thread for every request in flight, the threads that hold a
transaction (and the round's or the event's row) wait longer for the interpreter's lock
than the database ever made them wait (docs/benchmarks.md, the seventh pass).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.handlers import asgi


class RequestThread(ThreadPoolExecutor):
    """One thread, running a request's calls one at a time; knows whether one is still
    running (a request the client left keeps its thread busy until its view returns)."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="request")
        self._last: Future | None = None

    def submit(self, fn, /, *args, **kwargs) -> Future:
        self._last = super().submit(fn, *args, **kwargs)
        return self._last

    @property
    def busy(self) -> bool:
        return self._last is not None and not self._last.done()


_last_wait = float("-inf")  # when a request of this process last waited for a thread


def requests_waited_within(seconds: float) -> bool:
    """Whether a request of this process waited for a request thread in the last
    ``seconds``: the process has been serving at its capacity (the live relay then
    spaces its pushes, leaderboard/broadcast.py)."""
    return time.monotonic() - _last_wait < seconds


class RequestThreads:
    """At most ``size`` request threads lent at once; the idle ones are kept. A thread
    given back while still running a call (its client left) is let go to finish alone,
    and its place is a new thread's. Under a server, one event loop uses it; the lock
    is for tests and tools that serve one handler from several loops."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lent = 0
        self.idle: collections.deque[RequestThread] = collections.deque()
        self.waiting: collections.deque[asyncio.Future[RequestThread]] = collections.deque()
        self._lock = threading.Lock()

    async def borrow(self) -> RequestThread:
        global _last_wait
        with self._lock:
            if self.lent < self.size:
                self.lent += 1
                return self.idle.pop() if self.idle else RequestThread()
            _last_wait = time.monotonic()
            waiter = asyncio.get_running_loop().create_future()
            self.waiting.append(waiter)
        try:
            return await waiter  # handed over by give_back, still counted as lent
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.give_back(waiter.result())
            else:
                with self._lock, contextlib.suppress(ValueError):
                    self.waiting.remove(waiter)
            raise

    def give_back(self, thread: RequestThread) -> None:
        if thread.busy:
            thread.shutdown(wait=False)  # its thread ends once its call returns
            thread = RequestThread()
        with self._lock:
            waiter = self.waiting.popleft() if self.waiting else None
            if waiter is None:
                self.lent -= 1
                self.idle.append(thread)
                return
        loop = waiter.get_loop()
        if loop is _running_loop():
            _hand_over(waiter, thread, self)
        else:
            loop.call_soon_threadsafe(_hand_over, waiter, thread, self)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _hand_over(waiter: asyncio.Future, thread: RequestThread, threads: RequestThreads) -> None:
    if waiter.done():  # cancelled meanwhile: the next one waiting, or the idle ones
        threads.give_back(thread)
    else:
        waiter.set_result(thread)


class ASGIHandler(asgi.ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self.threads = RequestThreads(settings.PODIUM_REQUEST_THREADS)

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        thread = await self.threads.borrow()
        try:
            async with ThreadSensitiveContext(executor=thread):
                await self.handle(scope, receive, send)
        finally:
            self.threads.give_back(thread)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
