"""A judge's sheet over the API reads the round, their seat (with whether they sent a
sheet of the dance) and the round's entries in one round trip (``sheet_submit``'s
skating reads): the same answers as one at a time."""

import pytest
from django.db import connection

from adjudication.models import Sheet
from tests.adjudication.day import build_day
from tests.adjudication.test_api import post, recall_body, sign_in, submit_url
from tests.factories.competitions import JudgeFactory, PanelSeatFactory
from tests.support.round_trips import round_trips

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


def test_a_shadow_seat_sends_a_sheet_kept_as_a_shadows(client, day):
    trainee = JudgeFactory(competition=day.competition)
    PanelSeatFactory(event=day.event, judge=trainee, shadow=True)
    tokens = sign_in(client, trainee)

    response = post(client, submit_url(day.first), recall_body(day, day.entries()[:6]), tokens)

    assert response.status_code == 201
    assert response.json()["judge"] == trainee.letter
    assert Sheet.objects.get().shadow is True


@pytest.mark.skipif(connection.vendor != "postgresql", reason="round trips are PostgreSQL's")
def test_the_round_seat_sheet_and_entries_are_one_round_trip_on_postgresql(client, day):
    tokens = sign_in(client, day.judges[0])
    body = recall_body(day, day.entries()[:6])

    with round_trips() as count:
        response = post(client, submit_url(day.first), body, tokens)

    assert response.status_code == 201
    assert 3 in count.statements_per_round_trip()
