"""The desk's timetable edits refuse what they do not know, with a clear message, and
write nothing."""

import pytest
from django.urls import reverse

from competitions.models import TimetableItem
from tests.day.helpers import build_programme
from tests.factories.accounts import UserFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


def timetable(competition):
    return list(
        TimetableItem.objects.filter(competition=competition)
        .order_by("position")
        .values_list("pk", "position", "title", "minutes", "heat_seconds", "not_before")
    )


def edit(client, p, data):
    url = reverse("adjudication:desk-timetable-edit", args=[p.competition.slug])
    response = client.post(url, data, follow=True)
    return [(m.level_tag, m.message) for m in response.context["messages"]]


@pytest.fixture
def desk(client):
    return sign_in_staff(client, UserFactory(roles=["chairman"]))


@pytest.mark.parametrize("item", ["ours", "none"])
def test_an_unknown_change_is_refused_and_nothing_is_written(desk, item):
    p = build_programme()
    waltz = TimetableItem.objects.get(round__event=p.waltz)
    before = timetable(p.competition)
    data = {"what": "shuffle", "heat_seconds": 150}
    if item == "ours":
        data["item"] = waltz.pk

    shown = edit(desk, p, data)

    assert shown == [("error", "“shuffle” is not a change the timetable knows.")]
    assert timetable(p.competition) == before


@pytest.mark.parametrize(
    "what, extra",
    [("up", {}), ("down", {}), ("remove_break", {}), ("heat_seconds", {"heat_seconds": 150})],
)
def test_a_line_of_another_competition_is_refused_and_nothing_is_written(desk, what, extra):
    p = build_programme()
    other = build_programme()
    theirs = TimetableItem.objects.get(round__event=other.waltz)
    if what == "remove_break":
        theirs = TimetableItem.objects.create(
            competition=other.competition, kind="break", title="Their tea", minutes=5, position=5
        )
    before = (timetable(p.competition), timetable(other.competition))

    shown = edit(desk, p, {"what": what, "item": theirs.pk, **extra})

    assert shown == [("error", "That line is not in this competition's timetable.")]
    assert (timetable(p.competition), timetable(other.competition)) == before
