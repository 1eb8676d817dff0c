"""The judging panel in the admin after a replacement: seats show the rounds they sit
and the seat replaced; a seat in a replacement keeps its judge and is not removed."""

import pytest
from django.urls import reverse

from adjudication.incidents.judges import judge_replace
from competitions.models import PanelSeat
from tests.adjudication.day import build_day
from tests.factories.accounts import UserFactory
from tests.factories.competitions import JudgeFactory
from tests.security.test_admin_scoped import post_back
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def replaced():
    day = build_day()
    reserve = JudgeFactory(competition=day.competition, letter="R", name="Rita Reserve")
    judge_replace(
        event=day.event,
        judge=day.judges[1],
        replacement=reserve,
        from_round=day.first,
        finish_current=True,
        actor=UserFactory(roles=["chairman"]),
        reason="Judge B was taken ill.",
    )
    return day


@pytest.fixture
def organizer_client(client, organizer):
    return sign_in_staff(client, organizer)


def address(day):
    return reverse("admin:competitions_event_change", args=[day.event.pk])


def seats(day):
    return list(
        PanelSeat.objects.filter(event=day.event)
        .order_by("id")
        .values_list("judge__letter", "from_round", "until_round")
    )


def seat_prefix(day, letter):
    ids = list(PanelSeat.objects.filter(event=day.event).order_by("judge__letter", "id"))
    index = next(i for i, seat in enumerate(ids) if seat.judge.letter == letter)
    return f"panel-{index}"


def test_the_inline_shows_from_until_and_replaces(organizer_client, replaced):
    page = organizer_client.get(address(replaced)).content.decode()

    assert "From round" in page and "Until round" in page and "Replaces" in page
    assert "B on Adult Latin" in page  # R's seat names the seat it replaces


def test_a_replaced_seat_keeps_its_judge(organizer_client, replaced):
    before = seats(replaced)
    other = JudgeFactory(competition=replaced.competition, letter="Z")

    post_back(
        organizer_client,
        address(replaced),
        **{f"{seat_prefix(replaced, 'B')}-judge": other.pk},
        **{f"{seat_prefix(replaced, 'R')}-judge": other.pk},
    )

    assert seats(replaced) == before


@pytest.mark.parametrize(
    ("letter", "message"),
    [("R", "The seat of judge R cannot be removed"), ("B", "protected related objects")],
)
def test_a_seat_in_a_replacement_is_not_removed(organizer_client, replaced, letter, message):
    before = seats(replaced)

    response = post_back(
        organizer_client, address(replaced), **{f"{seat_prefix(replaced, letter)}-DELETE": "on"}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert seats(replaced) == before


def test_an_ordinary_seat_still_changes_judge(organizer_client, replaced):
    other = JudgeFactory(competition=replaced.competition, letter="Z")

    post_back(
        organizer_client, address(replaced), **{f"{seat_prefix(replaced, 'A')}-judge": other.pk}
    )

    assert [letter for letter, *_ in seats(replaced)] == ["Z", "B", "C", "R"]
