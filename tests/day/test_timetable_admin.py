"""The organizer edits the timetable in the admin, through the same rules."""

import pytest
from django.urls import reverse

from adjudication.floor import floor_move
from competitions.models import FloorMove, TimetableItem
from tests.day.helpers import build_programme
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    return sign_in_staff(client, admin_user)


def test_a_break_is_added_and_a_round_moved_in_the_admin(admin_client):
    p = build_programme()

    response = admin_client.post(
        reverse("admin:competitions_timetableitem_add"),
        {"competition": p.competition.pk, "position": 1, "title": "Lunch", "minutes": 40},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    lunch = TimetableItem.objects.get(title="Lunch")
    assert (lunch.position, lunch.minutes) == (2, 40)

    waltz = TimetableItem.objects.get(round__event=p.waltz)
    response = admin_client.post(
        reverse("admin:competitions_timetableitem_change", args=[waltz.pk]),
        {"position": 1, "heat_seconds": 150, "not_before": ""},
    )
    assert response.status_code == 302
    waltz.refresh_from_db()
    assert (waltz.position, waltz.heat_seconds) == (1, 150)


def test_the_admin_refuses_to_edit_the_past_and_saves_nothing(admin_client):
    p = build_programme()
    floor_move(competition=p.competition, action="next", actor=None)
    first = TimetableItem.objects.get(round__event=p.latin, round__position=1)

    response = admin_client.post(
        reverse("admin:competitions_timetableitem_change", args=[first.pk]),
        {"position": 3, "heat_seconds": "", "not_before": ""},
    )

    assert response.status_code == 200
    assert "has started: it can no longer be moved" in response.content.decode()
    first.refresh_from_db()
    assert first.position == 1


def test_a_bad_break_is_refused_in_the_admin(admin_client):
    p = build_programme()

    response = admin_client.post(
        reverse("admin:competitions_timetableitem_add"),
        {"competition": p.competition.pk, "position": 99, "title": "Late", "minutes": 5},
    )

    assert response.status_code == 200
    assert "Choose a place between 0 and 4" in response.content.decode()
    assert not TimetableItem.objects.filter(title="Late").exists()


def test_the_floor_trail_is_read_only_in_the_admin(admin_client):
    p = build_programme()
    floor_move(competition=p.competition, action="next", actor=None)
    move = FloorMove.objects.get()

    page = admin_client.get(reverse("admin:competitions_floormove_change", args=[move.pk]))

    assert page.status_code == 200
    assert (
        admin_client.post(
            reverse("admin:competitions_floormove_delete", args=[move.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert FloorMove.objects.filter(pk=move.pk).exists()
