"""The organizer edits the timetable in the admin, through the same rules."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import DELETION, LogEntry
from django.urls import reverse

from adjudication.day.floor import floor_move
from competitions.models import FloorMove, Round, RoundStatus, TimetableItem
from competitions.timetable import timetable_change, timetable_insert_break
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


def test_deleting_a_selection_with_a_taken_break_refuses_and_deletes_nothing(admin_client):
    p = build_programme()
    warm_up = timetable_insert_break(
        competition=p.competition, after_position=0, minutes=10, title="Warm-up", actor=None
    )
    tea = timetable_insert_break(
        competition=p.competition, after_position=5, minutes=10, title="Tea", actor=None
    )
    floor_move(competition=p.competition, action="break", actor=None, item_id=warm_up.pk)

    response = admin_client.post(
        reverse("admin:competitions_timetableitem_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [tea.pk, warm_up.pk], "post": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    shown = [(m.level_tag, m.message) for m in response.context["messages"]]
    assert shown == [
        ("error", "Nothing was deleted: Warm-up has started: it can no longer be removed.")
    ]
    assert set(TimetableItem.objects.filter(kind="break").values_list("title", flat=True)) == {
        "Warm-up",
        "Tea",
    }
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


def test_deleting_a_selection_of_breaks_to_come_removes_them_all(admin_client):
    p = build_programme()
    for after, title in ((0, "Warm-up"), (5, "Tea")):
        timetable_insert_break(
            competition=p.competition, after_position=after, minutes=10, title=title, actor=None
        )
    breaks = list(TimetableItem.objects.filter(kind="break").values_list("pk", flat=True))

    response = admin_client.post(
        reverse("admin:competitions_timetableitem_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: breaks, "post": "yes"},
        follow=True,
    )

    shown = [(m.level_tag, m.message) for m in response.context["messages"]]
    assert shown == [("success", "Successfully deleted 2 timetable items.")]
    assert not TimetableItem.objects.filter(kind="break").exists()
    assert list(
        TimetableItem.objects.filter(competition=p.competition).values_list("position", flat=True)
    ) == [1, 2, 3, 4]


def test_clearing_a_heat_length_in_the_admin_goes_back_to_the_events_default(admin_client):
    p = build_programme()
    waltz = TimetableItem.objects.get(round__event=p.waltz)
    timetable_change(item=waltz, actor=None, heat_seconds=150)

    response = admin_client.post(
        reverse("admin:competitions_timetableitem_change", args=[waltz.pk]),
        {"position": waltz.position, "heat_seconds": "", "not_before": ""},
    )

    assert response.status_code == 302
    waltz.refresh_from_db()
    assert waltz.heat_seconds is None


def test_the_admin_refuses_to_clear_the_heat_length_of_a_finished_round(admin_client):
    p = build_programme()
    waltz = TimetableItem.objects.get(round__event=p.waltz)
    timetable_change(item=waltz, actor=None, heat_seconds=150)
    for status in (RoundStatus.OPEN, RoundStatus.CLOSED):
        Round.objects.filter(pk=waltz.round_id).update(status=status)

    response = admin_client.post(
        reverse("admin:competitions_timetableitem_change", args=[waltz.pk]),
        {"position": waltz.position, "heat_seconds": "", "not_before": ""},
    )

    assert response.status_code == 200
    assert "Junior Waltz – Final is over: the past cannot be edited." in response.content.decode()
    waltz.refresh_from_db()
    assert waltz.heat_seconds == 150
