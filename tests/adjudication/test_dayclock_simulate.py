"""``manage.py simulate`` on a partly run competition: what it cannot finish is said
before anything changes; and ``--pace``, checked by the waits it asks for (never by the
clock): fast, realtime (the planned durations) or seconds per heat."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from adjudication.models import Mark, RoundResult, Sheet
from adjudication.ops import simulation
from adjudication.services import round_close, sheet_unlock
from competitions.models import (
    Competition,
    CompetitionStatus,
    FloorMove,
    Round,
    StatusChange,
    TimetableItem,
)
from competitions.timetable import timetable_insert_break
from tests.adjudication.day import all_recall_sheets, build_day
from tests.day.helpers import build_programme
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def simulate(slug, **options):
    out = StringIO()
    call_command("simulate", slug, stdout=out, **options)
    return out.getvalue()


def state(competition):
    """Everything a simulation would change, to show it changed nothing."""
    return (
        Competition.objects.get(pk=competition.pk).status,
        list(Round.objects.filter(event__competition=competition).values_list("status", flat=True)),
        Sheet.objects.filter(round__event__competition=competition).count(),
        Mark.objects.filter(sheet__round__event__competition=competition).count(),
        RoundResult.objects.filter(round__event__competition=competition).count(),
        FloorMove.objects.filter(competition=competition).count(),
        StatusChange.objects.filter(competition=competition).count(),
    )


def test_a_paper_sheet_awaiting_confirmation_is_said_before_anything_changes():
    day = build_day()
    typist = UserFactory(roles=["scrutineer"])
    day.send(
        day.judges[0],
        day.dances[0],
        day.crosses(day.entries()[:6]),
        actor=typist,
        source="paper",
    )
    before = state(day.competition)

    with pytest.raises(CommandError) as refusal:
        simulate(day.competition.slug, seed=1)

    message = str(refusal.value)
    assert "cannot be simulated to the end; nothing was changed" in message
    assert (
        "Adult Latin – First round: judge A's paper sheet (Samba) awaits confirmation by a "
        "second person at the desk." in message
    )
    assert state(day.competition) == before


def test_a_tie_a_correction_made_waits_for_the_chairman_and_simulate_says_so():
    day = build_day()
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=9)
    chairman = UserFactory(roles=["chairman"])
    samba, rumba = day.dances
    a, b, _ = day.judges
    entries = day.entries()
    wrong = day.crosses(entries[:5] + [entries[6]])
    sheets = {(s.judge_id, s.dance_id): s for s in Sheet.objects.filter(round=day.first)}
    for judge, dance in [(a, samba), (a, rumba), (b, samba)]:  # couples 6 and 7 then tie
        sheet_unlock(sheet=sheets[judge.pk, dance.pk], actor=chairman, reason="check crosses")
        day.send(judge, dance, wrong, base_version=1, reason="wrong couple")
    before = state(day.competition)

    with pytest.raises(CommandError) as refusal:
        simulate(day.competition.slug, seed=1)

    message = str(refusal.value)
    assert "Adult Latin – First round: a tie at the recall cut-off waits for the chairman" in (
        message
    )
    assert state(day.competition) == before


def test_a_sheet_unlocked_for_a_correction_is_said_before_anything_changes():
    day = build_day()
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=9)
    sheet = Sheet.objects.filter(round=day.first, judge=day.judges[1]).order_by("id").first()
    sheet_unlock(sheet=sheet, actor=UserFactory(roles=["chairman"]), reason="check")
    before = state(day.competition)

    with pytest.raises(CommandError, match="judge B's sheet \\(Samba\\) is unlocked for a"):
        simulate(day.competition.slug, seed=1)

    assert state(day.competition) == before


@pytest.fixture
def programme():
    p = build_programme()
    timetable_insert_break(
        competition=p.competition, after_position=2, minutes=20, title="Tea", actor=None
    )
    return p


@pytest.fixture
def waits(monkeypatch):
    asked = []
    monkeypatch.setattr(simulation, "pause", asked.append)
    return asked


def planned_waits(competition):
    """The planned duration of each heat and break, in the order the floor took them."""
    items = {i.round_id: i for i in TimetableItem.objects.filter(competition=competition)}
    breaks = {
        i.started_at: i for i in TimetableItem.objects.filter(competition=competition, round=None)
    }
    out = []
    for move in FloorMove.objects.filter(competition=competition).order_by("at", "id"):
        if move.action == FloorMove.Action.START:
            item = items[move.round_id]
            out.append(float(item.heat_seconds or move.round.event.slot_seconds))
        elif move.action == FloorMove.Action.BREAK:
            out.append(60.0 * breaks[move.at].minutes)
    return out


def test_at_realtime_each_heat_and_break_takes_its_planned_time(programme, waits):
    out = simulate(programme.competition.slug, seed=2, pace="realtime")

    assert "at pace realtime" in out
    assert waits == planned_waits(programme.competition)
    assert 1200.0 in waits  # the tea break's 20 minutes
    assert {120.0, 180.0} <= set(waits)  # a dance's heat, a pageant performance
    assert Competition.objects.get(pk=programme.competition.pk).status == "finished"


def test_a_number_is_the_seconds_of_every_heat_and_break(programme, waits):
    simulate(programme.competition.slug, seed=2, pace="2.5", quiet=True)

    moves = FloorMove.objects.filter(
        competition=programme.competition,
        action__in=[FloorMove.Action.START, FloorMove.Action.BREAK],
    )
    assert waits == [2.5] * moves.count() and len(waits) > 10


def test_fast_the_default_waits_for_nothing(programme, waits):
    simulate(programme.competition.slug, seed=2, quiet=True)

    assert waits == []
    assert Competition.objects.get(pk=programme.competition.pk).status == "finished"


@pytest.mark.parametrize(
    "pace, message",
    [
        ("slow", "“realtime”, “fast” or a number of seconds per heat (e.g. 5), not “slow”"),
        ("-1", "between 0 and 3600, not “-1”"),
        ("nan", "between 0 and 3600, not “nan”"),
        ("4000", "between 0 and 3600, not “4000”"),
        ("", "not “”"),
    ],
)
def test_a_bad_pace_is_refused_before_anything_changes(programme, waits, pace, message):
    before = state(programme.competition)

    with pytest.raises(CommandError, match="--pace: ") as refusal:
        simulate(programme.competition.slug, seed=2, pace=pace)

    assert message in str(refusal.value)
    assert state(programme.competition) == before
    assert state(programme.competition)[0] == CompetitionStatus.REGISTRATION_CLOSED
