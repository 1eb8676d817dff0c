"""The ASGI handler (scoring_site/handler.py): a request crosses from the event loop into
a thread once, whatever the middleware, and is served as before."""

import logging

import pytest
from asgiref.sync import AsyncToSync, SyncToAsync, async_to_sync
from channels.testing import HttpCommunicator
from django.core.handlers.asgi import ASGIHandler as DjangoASGIHandler

from competitions.models import Competition
from scoring_site.handler import ASGIHandler
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
