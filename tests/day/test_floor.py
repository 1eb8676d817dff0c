"""Moving the floor: every move and refusal, the trail, the timers (with a controllable
clock), the lateness the desk sees, and the competition following the day."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection, transaction

from adjudication.day.floor import FloorRefused, floor_move, floor_now
from adjudication.services import SheetInput, round_entries, sheet_submit
from competitions.models import (
    CompetitionStatus,
    Floor,
    FloorMove,
    Round,
    RoundStatus,
    StatusChange,
    TimetableItem,
)
from competitions.services import TransitionRefused
from competitions.timetable import timetable_insert_break
from tests.day.helpers import build_programme, desk_user
from tests.factories.competitions import CompetitionFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(hour, minute, second=0):
    return dt.datetime(2027, 3, 6, hour, minute, second, tzinfo=LONDON)


def move(p, action, *, when=None, actor=None, **target):
    return floor_move(competition=p.competition, action=action, actor=actor, at=when, **target)


def test_next_starts_the_first_heat_opens_the_round_and_starts_the_competition(
    django_capture_on_commit_callbacks,
):
    p = build_programme()
    user = desk_user()
    first = p.round(p.latin)

    with django_capture_on_commit_callbacks() as callbacks:
        floor = move(p, "next", actor=user, when=at(9, 0))

    assert (floor.phase, floor.round_id, floor.dance.name, floor.heat_number) == (
        "dancing",
        first.pk,
        "Samba",
        1,
    )
    first.refresh_from_db()
    p.competition.refresh_from_db()
    assert first.status == RoundStatus.OPEN
    assert p.competition.status == CompetitionStatus.IN_PROGRESS
    assert StatusChange.objects.filter(
        competition=p.competition, round=None, to_status="in_progress", actor=user
    ).exists()
    trail = FloorMove.objects.get(competition=p.competition)
    assert (trail.action, trail.actor, trail.at) == ("start", user, at(9, 0))
    assert trail.label == "Adult Latin – First round · Samba · heat 1"
    assert len(callbacks) >= 1  # the screens hear of it after the commit


def test_the_floor_walks_the_timetable_heat_by_heat_then_waits_for_the_draw():
    p = build_programme()
    seen = []
    for minute in range(4):
        floor = move(p, "next", when=at(9, 2 * minute))
        seen.append((floor.dance.name, floor.heat_number))
        move(p, "danced", when=at(9, 2 * minute + 1))

    assert seen == [("Samba", 1), ("Samba", 2), ("Rumba", 1), ("Rumba", 2)]
    with pytest.raises(FloorRefused, match="Adult Latin – Final is next but not drawn yet"):
        move(p, "next", when=at(9, 10))
    assert (
        list(FloorMove.objects.filter(competition=p.competition).values_list("action", flat=True))
        == ["start", "danced"] * 4
    )


def test_two_heats_are_never_on_the_floor_at_once_and_nothing_is_written():
    p = build_programme()
    move(p, "next", when=at(9, 0))
    second = p.round(p.latin)
    moves = FloorMove.objects.count()

    with pytest.raises(FloorRefused, match="is on the floor: mark it danced before starting"):
        move(
            p,
            "start",
            round_id=second.pk,
            dance_id=p.latin.dances.get(name="Rumba").pk,
            heat_number=2,
        )
    with pytest.raises(FloorRefused, match="mark it danced before starting the next"):
        move(p, "next")
    assert FloorMove.objects.count() == moves
    assert Floor.objects.get(competition=p.competition).dance.name == "Samba"


def test_a_round_that_is_not_drawn_cannot_go_on_the_floor():
    p = build_programme()
    final = p.round(p.latin, 2)

    with pytest.raises(FloorRefused, match="Adult Latin – Final is not drawn yet"):
        move(p, "start", round_id=final.pk, dance_id=p.latin.dances.first().pk)
    final.refresh_from_db()
    assert final.status == RoundStatus.PLANNED
    assert not FloorMove.objects.exists()


@pytest.mark.parametrize(
    "target, message",
    [
        ({}, "Choose a round of this competition"),
        ({"round_id": "abc"}, "is not a round number"),
        ({"dance_id": None}, "Choose one of the dances of Adult Latin"),
        ({"heat_number": 9}, "has heats 1, 2: choose one"),
    ],
)
def test_bad_starts_are_refused_with_what_to_fix(target, message):
    p = build_programme()
    first = p.round(p.latin)
    full = {"round_id": first.pk, "dance_id": p.latin.dances.first().pk, "heat_number": 1}
    full.update(target)
    if not target:
        full = {}

    with pytest.raises(FloorRefused, match=message):
        move(p, "start", **full)
    assert not FloorMove.objects.exists()
    assert p.round(p.latin).status == RoundStatus.PLANNED


def test_a_round_of_another_competition_is_refused():
    p = build_programme()
    other = build_programme()

    with pytest.raises(FloorRefused, match="Choose a round of this competition"):
        floor_move(
            competition=other.competition,
            action="start",
            actor=None,
            round_id=p.round(p.latin).pk,
            dance_id=p.latin.dances.first().pk,
            heat_number=1,
        )


def test_unknown_moves_and_moves_without_permission_are_refused():
    p = build_programme()

    with pytest.raises(FloorRefused, match="is not a move of the floor"):
        move(p, "dance-faster")
    with pytest.raises(FloorRefused, match="permission"):
        move(p, "next", actor=desk_user("judge"))
    with pytest.raises(FloorRefused, match="No heat is on the floor"):
        move(p, "danced")
    with pytest.raises(FloorRefused, match="already clear"):
        move(p, "clear")


def test_nothing_else_starts_while_a_heat_is_dancing_and_nothing_is_written():
    p = build_programme()
    lunch = timetable_insert_break(
        competition=p.competition, after_position=0, minutes=30, title="Lunch", actor=None
    )
    move(p, "break", item_id=lunch.pk, when=at(8, 30))
    move(p, "next", when=at(9, 0))  # the first heat, after lunch
    moves = FloorMove.objects.count()

    with pytest.raises(FloorRefused, match="mark it danced before starting the next"):
        move(p, "next")
    with pytest.raises(FloorRefused, match="Samba · heat 1 is on the floor: mark it danced first"):
        move(p, "clear")
    with pytest.raises(FloorRefused, match="Samba · heat 1 is on the floor: mark it danced first"):
        move(p, "break", item_id=lunch.pk)
    assert FloorMove.objects.count() == moves
    move(p, "danced")
    with pytest.raises(FloorRefused, match="Lunch has already been taken"):
        move(p, "break", item_id=lunch.pk)
    assert FloorMove.objects.count() == moves + 1  # only the "danced"


def test_a_performance_must_be_one_of_the_round_and_not_withdrawn():
    from competitions.registration import entry_withdraw

    p = build_programme()
    pageant = p.round(p.pageant)
    first, second = round_entries(pageant)[:2]
    stranger = round_entries(p.round(p.waltz))[0]
    for target in ({}, {"entry_id": stranger.pk}):
        with pytest.raises(FloorRefused, match="Choose a performance of Pageant"):
            move(p, "start", round_id=pageant.pk, **target)
    move(p, "start", round_id=pageant.pk, entry_id=first.pk)  # the round opens
    move(p, "danced")
    entry_withdraw(entry=second)  # after the round opened: stays in the heat, flagged

    with pytest.raises(FloorRefused, match=f"{second.competitor.display_name} has withdrawn"):
        move(p, "start", round_id=pageant.pk, entry_id=second.pk)
    assert Floor.objects.get(competition=p.competition).entry_id == first.pk


def test_a_round_that_is_over_cannot_go_back_on_the_floor_and_the_day_ends():
    from adjudication.ops.simulation import competition_simulate

    p = build_programme()
    competition_simulate(competition=p.competition, seed=3)
    first = p.round(p.latin)

    with pytest.raises(FloorRefused, match="Adult Latin – First round is published: it is over"):
        move(p, "start", round_id=first.pk, dance_id=p.latin.dances.first().pk, heat_number=1)
    with pytest.raises(FloorRefused, match="Nothing is left on the timetable"):
        move(p, "next")


def test_a_criteria_performance_and_its_timers_with_a_controllable_clock():
    p = build_programme(timers=True)
    pageant = p.round(p.pageant)
    performer = round_entries(pageant)[0]
    move(p, "start", round_id=pageant.pk, entry_id=performer.pk, when=at(10, 0))

    now = floor_now(p.competition, now=at(10, 0, 30))
    assert now.performance_ends_at == at(10, 1, 30)
    assert now.scoring_ends_at is None

    move(p, "danced", when=at(10, 1, 35))
    inside = floor_now(p.competition, now=at(10, 2))
    assert inside.scoring_ends_at == at(10, 2, 5)
    assert inside.late == []  # the window is still open

    # Judge A sends in time; B and C do not. After the window the desk sees them late.
    sheet_submit(
        data=SheetInput(
            round_id=pageant.pk,
            judge_id=p.judges[0].pk,
            entry_id=performer.pk,
            marks={p.pageant.criteria.get().pk: 7},
            client_key="a-1",
            base_version=0,
            round_revision=1,
        ),
        actor=None,
        source="tablet",
    )
    late = floor_now(p.competition, now=at(10, 2, 6))
    assert late.late == ["B", "C"]
    # A late sheet is still taken: lateness never refuses a mark.
    outcome = sheet_submit(
        data=SheetInput(
            round_id=pageant.pk,
            judge_id=p.judges[1].pk,
            entry_id=performer.pk,
            marks={p.pageant.criteria.get().pk: 8},
            client_key="b-1",
            base_version=0,
            round_revision=1,
        ),
        actor=None,
        source="tablet",
    )
    assert outcome.sheet.pk
    assert floor_now(p.competition, now=at(10, 3)).late == ["C"]


def test_timers_are_read_from_the_stored_times_not_from_memory():
    p = build_programme(timers=True)
    move(p, "next", when=at(9, 0))
    move(p, "danced", when=at(9, 1, 40))
    # The deadlines come from the stored times: a fresh read, as after a restart.
    again = floor_now(p.competition, now=at(9, 1, 50))
    assert again.performance_ends_at == at(9, 1, 30)
    assert again.scoring_ends_at == at(9, 2, 10)
    # A dance's sheet covers both heats: nobody is late after heat 1 of 2.
    assert floor_now(p.competition, now=at(9, 5)).late == []


def test_a_dance_stays_late_at_the_desk_after_the_floor_moves_on_until_its_sheets_arrive():
    p = build_programme(timers=True)  # 30 s scoring windows
    first = p.round(p.latin)
    samba, rumba = (p.latin.dances.get(name=name) for name in ("Samba", "Rumba"))
    move(p, "next", when=at(9, 0))  # Samba heat 1
    move(p, "danced", when=at(9, 1, 30))
    move(p, "next", when=at(9, 2))  # Samba heat 2
    move(p, "danced", when=at(9, 3, 30))
    assert floor_now(p.competition, now=at(9, 3, 59)).late == []  # window still open
    move(p, "next", when=at(9, 4))  # Rumba heat 1: the floor moved on

    late = floor_now(p.competition, now=at(9, 4, 1))
    assert late.late == ["A", "B", "C"]
    assert [(part.dance_id, part.letters, part.since) for part in late.late_parts] == [
        (samba.pk, ["A", "B", "C"], at(9, 4))
    ]
    assert late.late_parts[0].label == "Adult Latin – First round · Samba"
    assert floor_now(p.competition, now=at(9, 4, 1), with_late=False).late_parts is None

    # Judge B's Samba sheet arrives late: taken, and B is no longer listed.
    heats = round_entries(first)
    sheet_submit(
        data=SheetInput(
            round_id=first.pk,
            judge_id=p.judges[1].pk,
            dance_id=samba.pk,
            marks={entry.pk: 1 for entry in heats[: first.recall_count]},
            client_key="b-samba",
            base_version=0,
            round_revision=first.revision,
        ),
        actor=None,
        source="tablet",
    )
    move(p, "danced", when=at(9, 5, 30))  # Rumba heat 1 of 2: no Rumba sheet owed yet
    later = floor_now(p.competition, now=at(9, 7))
    assert [(part.dance_id, part.letters) for part in later.late_parts] == [(samba.pk, ["A", "C"])]
    move(p, "next", when=at(9, 7))
    move(p, "danced", when=at(9, 8))  # Rumba's last heat
    last = floor_now(p.competition, now=at(9, 8, 31))
    assert [(part.dance_id, part.letters) for part in last.late_parts] == [
        (samba.pk, ["A", "C"]),
        (rumba.pk, ["A", "B", "C"]),
    ]


def test_breaks_from_the_timetable_and_clearing_the_floor():
    p = build_programme()
    lunch = timetable_insert_break(
        competition=p.competition, after_position=0, minutes=30, title="Lunch", actor=None
    )
    floor = move(p, "next", when=at(12, 0))
    assert (floor.phase, floor.break_item_id) == ("break", lunch.pk)
    assert floor_now(p.competition, now=at(12, 10)).break_ends_at == at(12, 30)
    with pytest.raises(FloorRefused, match="already been taken"):
        move(p, "break", item_id=lunch.pk)

    floor = move(p, "next", when=at(12, 30))
    assert floor.phase == "dancing" and floor.dance.name == "Samba"
    move(p, "danced", when=at(12, 32))
    floor = move(p, "clear", when=at(12, 33))
    assert floor.phase == "idle" and floor.round is None
    assert list(
        FloorMove.objects.filter(competition=p.competition).values_list("action", flat=True)
    ) == ["break", "start", "danced", "clear"]


def test_the_trail_of_the_floor_cannot_be_rewritten():
    p = build_programme()
    move(p, "next", when=at(9, 0))
    trail = FloorMove.objects.get()

    with (
        pytest.raises(Exception, match="cannot be changed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE competitions_floormove SET label = 'nothing' WHERE id = %s", [trail.pk]
        )


def test_the_competition_finishes_when_the_last_result_is_published():
    from adjudication.ops.simulation import competition_simulate

    p = build_programme()
    competition_simulate(competition=p.competition, seed=3)
    p.competition.refresh_from_db()

    assert p.competition.status == CompetitionStatus.FINISHED
    finished = StatusChange.objects.get(competition=p.competition, to_status="finished")
    assert finished.note == "every event's results are published"


def test_an_event_nobody_entered_does_not_keep_the_competition_from_finishing():
    from adjudication.ops.simulation import competition_simulate
    from competitions.services import competition_transition

    p = build_programme(empty_event=True)
    assert not Round.objects.filter(event__name="Senior Tango").exists()
    competition_simulate(competition=p.competition, seed=3)
    p.competition.refresh_from_db()

    assert p.competition.status == CompetitionStatus.FINISHED
    with pytest.raises(TransitionRefused, match="already finished"):
        competition_transition(competition=p.competition, to_status="finished", actor=None)


def test_an_event_with_entries_but_no_final_still_keeps_the_competition_open():
    from competitions.services import _competition_preconditions

    p = build_programme()
    p.latin.rounds.filter(kind="final").delete()

    problems = _competition_preconditions(p.competition, CompetitionStatus.FINISHED)

    assert "“Adult Latin” has no final" in problems


def test_a_floor_for_a_competition_without_a_timetable_has_nothing_next():
    competition = CompetitionFactory(status="registration_closed")

    with pytest.raises(FloorRefused, match="Nothing is left on the timetable"):
        floor_move(competition=competition, action="next", actor=None)
    assert TimetableItem.objects.count() == 0
