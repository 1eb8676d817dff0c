"""A database outage answers 503 with Retry-After and leaves nothing half-written.

The database's failure is simulated here (it raises ``OperationalError`` at the chosen
moment); the drill in ``test_drills.py`` restarts a real PostgreSQL during submissions.
"""

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import RequestFactory
from django.urls import reverse

from adjudication.models import Mark, MarkChange, Sheet
from scoring_site.outage import RETRY_AFTER_SECONDS, server_error
from tests.adjudication.day import build_day
from tests.adjudication.test_api import post, recall_body, sign_in, submit_url

pytestmark = pytest.mark.django_db


def fail(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def fail_at_the_trail(patch):
    """The database goes away at the statement writing a sheet's audit trail: after the
    sheet row and (on SQLite) its marks; on PostgreSQL the marks go in the same one."""
    execute = CursorWrapper.execute

    def execute_or_fail(self, sql, params=None):
        if 'INSERT INTO "adjudication_markchange"' in sql:
            fail()
        return execute(self, sql, params)

    patch.setattr(CursorWrapper, "execute", execute_or_fail)


def test_a_sheet_cut_off_by_an_outage_is_not_half_written_and_answers_503(client, monkeypatch):
    day = build_day()
    tokens = sign_in(client, day.judges[0])
    # The sheet row is written, then the database goes away at the trail.
    fail_at_the_trail(monkeypatch)

    response = post(client, submit_url(day.first), recall_body(day, day.entries()[:6]), tokens)

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json()["code"] == "unavailable"
    assert Sheet.objects.count() == 0
    assert Mark.objects.count() == 0
    assert MarkChange.objects.count() == 0


def test_the_same_sheet_resent_after_the_outage_is_stored_once(client, monkeypatch):
    day = build_day()
    tokens = sign_in(client, day.judges[0])
    body = recall_body(day, day.entries()[:6])
    with monkeypatch.context() as patch:
        fail_at_the_trail(patch)
        assert post(client, submit_url(day.first), body, tokens).status_code == 503

    first = post(client, submit_url(day.first), body, tokens)
    again = post(client, submit_url(day.first), body, tokens)

    assert (first.status_code, again.status_code) == (201, 200)
    assert Sheet.objects.count() == 1
    assert Mark.objects.count() == 6


def test_a_page_answers_503_in_plain_text(client, monkeypatch):
    day = build_day()
    monkeypatch.setattr("competitions.views.competition_get_public", fail)

    response = client.get(reverse("competitions:competition-detail", args=[day.competition.slug]))

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/plain")
    assert "try again" in response.content.decode()


def test_handler500_answers_503_for_an_outage_outside_a_view():
    request = RequestFactory().get("/tablet/home/")
    try:
        raise OperationalError("the connection pool timed out")
    except OperationalError:
        response = server_error(request)

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_handler500_leaves_other_errors_a_500():
    request = RequestFactory().get("/tablet/home/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)

    assert response.status_code == 500
    assert "Retry-After" not in response
