"""The ASGI handler (scoring_site/handler.py): a request crosses from the event loop into
a thread once, whatever the middleware, and is served as before; the thread is kept for
the next request."""

import asyncio
import logging
import threading
import time

import pytest
from asgiref.sync import AsyncToSync, SyncToAsync, async_to_sync
from channels.testing import HttpCommunicator
from django.core.handlers.asgi import ASGIHandler as DjangoASGIHandler
from django.core.signals import request_finished
from django.db import connections

from competitions.models import Competition
from scoring_site import handler as handler_module
from scoring_site.handler import ASGIHandler, RequestThreads
from tests.factories.competitions import CompetitionFactory


def _serve(handler, path, monkeypatch):
    """Answer ``GET path`` through ``handler``; count the crossings between the event
    loop and a thread (asgiref's adapters) that it made."""
    crossings = {"into a thread": 0, "back to the loop": 0}
    into, back = SyncToAsync.__call__, AsyncToSync.__call__

    def counted_into(self, *args, **kwargs):
        crossings["into a thread"] += 1
        return into(self, *args, **kwargs)

    def counted_back(self, *args, **kwargs):
        crossings["back to the loop"] += 1
        return back(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counted_into)
    monkeypatch.setattr(AsyncToSync, "__call__", counted_back)
    communicator = HttpCommunicator(handler, "GET", path, headers=[(b"host", b"testserver")])
    try:
        response = async_to_sync(communicator.get_response)()
    finally:
        monkeypatch.undo()
    # async_to_sync above is the test's own way in.
    crossings["back to the loop"] -= 1
    return response, crossings


def test_a_request_crosses_into_its_thread_once(monkeypatch):
    response, crossings = _serve(ASGIHandler(), "/api/v1/nothing-here/", monkeypatch)
    assert response["status"] == 404
    assert b'"code"' in response["body"]  # the API's error shape, from the sync chain
    # Into a thread for the request_started signal's receivers, for the middleware and
    # the view, and for the response's close once it is sent; never back.
    assert crossings == {"into a thread": 3, "back to the loop": 0}

    # Django's own handler, for the same answer, goes back and forth.
    response, django_crossings = _serve(DjangoASGIHandler(), "/api/v1/nothing-here/", monkeypatch)
    assert response["status"] == 404
    assert django_crossings["into a thread"] > 3
    assert django_crossings["back to the loop"] >= 1


def test_an_error_answer_is_still_logged(monkeypatch, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response, _ = _serve(ASGIHandler(), "/api/v1/nothing-here/", monkeypatch)
    assert response["status"] == 404
    assert any(
        record.name == "django.request" and "/api/v1/nothing-here/" in record.getMessage()
        for record in caplog.records
    )


@pytest.mark.django_db(transaction=True)
def test_a_page_reading_the_database_is_served(monkeypatch):
    competition = CompetitionFactory(status=Competition.Status.REGISTRATION_OPEN)
    response, crossings = _serve(ASGIHandler(), f"/results/{competition.slug}/", monkeypatch)
    assert response["status"] == 200
    assert competition.name.encode() in response["body"]
    assert crossings["back to the loop"] == 0


def test_the_next_request_is_served_in_the_same_thread(monkeypatch):
    handler = ASGIHandler()
    served_in = []

    def note_thread(**kwargs):
        served_in.append(threading.current_thread())

    request_finished.connect(note_thread)
    try:
        for _ in range(3):
            response, _ = _serve(handler, "/api/v1/nothing-here/", monkeypatch)
            assert response["status"] == 404
    finally:
        request_finished.disconnect(note_thread)

    assert len(served_in) == 3
    assert served_in[0] is served_in[1] is served_in[2]
    assert served_in[0] is not threading.main_thread()
    assert len(handler.threads.idle) == 1


@pytest.mark.django_db(transaction=True)
def test_a_kept_thread_holds_no_database_connection_between_requests(monkeypatch):
    competition = CompetitionFactory(status=Competition.Status.REGISTRATION_OPEN)
    handler = ASGIHandler()
    response, _ = _serve(handler, f"/results/{competition.slug}/", monkeypatch)
    assert response["status"] == 200

    kept = handler.threads.idle[0]
    # Read in the kept thread: the request_finished receivers closed its connection.
    assert kept.submit(lambda: connections["default"].connection).result() is None


def test_a_thread_still_running_a_call_is_not_lent_again():
    async def scenario():
        threads = RequestThreads(size=1)
        thread = await threads.borrow()
        release = threading.Event()
        call = thread.submit(release.wait, 10)

        threads.give_back(thread)  # the client left; the view has not returned yet
        other = await threads.borrow()
        release.set()
        return thread, call, other

    thread, call, other = asyncio.run(scenario())
    assert other is not thread
    assert call.result(timeout=10) is True


def test_a_request_waits_for_a_thread_when_all_are_lent():
    async def scenario():
        threads = RequestThreads(size=2)
        first, second = await threads.borrow(), await threads.borrow()
        third = asyncio.ensure_future(threads.borrow())
        await asyncio.sleep(0)
        waited = not third.done()
        threads.give_back(second)
        handed = await third
        threads.give_back(first)
        threads.give_back(handed)
        return waited, handed is second, threads.lent, list(threads.idle), [first, second]

    waited, reused, lent, idle, borrowed = asyncio.run(scenario())
    assert waited and reused
    assert lent == 0
    assert sorted(map(id, idle)) == sorted(map(id, borrowed))


def test_a_request_cancelled_while_waiting_takes_no_thread():
    async def scenario():
        threads = RequestThreads(size=1)
        only = await threads.borrow()
        gone = asyncio.ensure_future(threads.borrow())
        await asyncio.sleep(0)
        gone.cancel()
        await asyncio.gather(gone, return_exceptions=True)
        threads.give_back(only)
        again = await threads.borrow()
        return only, again, threads.lent, len(threads.waiting)

    only, again, lent, waiting = asyncio.run(scenario())
    assert again is only
    assert (lent, waiting) == (1, 0)


def test_a_process_is_at_capacity_only_while_its_requests_wait_for_threads(monkeypatch):
    monkeypatch.setattr(handler_module, "_last_wait", float("-inf"))

    async def scenario():
        threads = RequestThreads(size=1)
        only = await threads.borrow()
        served_at_once = handler_module.requests_waited_within(1.0)
        waiting = asyncio.ensure_future(threads.borrow())
        await asyncio.sleep(0)
        threads.give_back(only)
        threads.give_back(await waiting)
        return served_at_once, handler_module.requests_waited_within(1.0)

    served_at_once, after_a_wait = asyncio.run(scenario())
    assert not served_at_once
    assert after_a_wait
    monkeypatch.setattr(handler_module, "_last_wait", time.monotonic() - 2)
    assert not handler_module.requests_waited_within(1.0)
