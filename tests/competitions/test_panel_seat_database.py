"""The database refuses two judges in one seat in the same round: a replacement judge
sits only after the seat they took over ended, and neither seat changes its judge.
Raw SQL, past the ORM and the services."""

import pytest
from django.db import DatabaseError, connection, transaction

from adjudication.incidents.judges import judge_replace
from competitions.models import PanelSeat
from tests.adjudication.day import build_day
from tests.factories.accounts import UserFactory
from tests.factories.competitions import JudgeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def replaced():
    day = build_day()
    outcome = judge_replace(
        event=day.event,
        judge=day.judges[1],
        replacement=JudgeFactory(competition=day.competition, letter="R"),
        from_round=day.first,
        finish_current=True,
        actor=UserFactory(roles=["chairman"]),
        reason="Judge B was taken ill.",
    )
    return day, outcome.old_seat, outcome.new_seat


def raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def state():
    return sorted(PanelSeat.objects.values_list("judge_id", "from_round", "until_round"))


@pytest.mark.parametrize(
    ("sql", "seat"),
    [
        ("UPDATE competitions_panelseat SET until_round = NULL WHERE id = %s", "old"),
        ("UPDATE competitions_panelseat SET until_round = 2 WHERE id = %s", "old"),
        ("UPDATE competitions_panelseat SET from_round = 1 WHERE id = %s", "new"),
    ],
)
def test_the_two_seats_never_share_a_round(replaced, sql, seat):
    day, old, new = replaced
    before = state()

    with pytest.raises(DatabaseError, match="never sit in the same round"):
        raw(sql, [old.pk if seat == "old" else new.pk])

    assert state() == before


def test_a_seat_in_a_replacement_keeps_its_judge(replaced):
    day, old, new = replaced
    other = JudgeFactory(competition=day.competition, letter="Z")
    before = state()

    for seat in (old, new):
        with pytest.raises(DatabaseError, match="cannot change"):
            raw(
                "UPDATE competitions_panelseat SET judge_id = %s WHERE id = %s", [other.pk, seat.pk]
            )

    assert state() == before


def test_an_ordinary_seat_may_still_change(replaced):
    day, old, new = replaced
    other = JudgeFactory(competition=day.competition, letter="Z")
    seat = PanelSeat.objects.get(event=day.event, judge=day.judges[0])

    raw("UPDATE competitions_panelseat SET judge_id = %s WHERE id = %s", [other.pk, seat.pk])

    assert PanelSeat.objects.filter(judge=other).exists()
