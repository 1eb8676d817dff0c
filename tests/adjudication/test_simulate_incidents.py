"""``manage.py simulate --incidents``: the demo's day through no-shows, a retirement, a
redance, a replacement judge and a disqualification, ending with ``verify`` clean and
every stored result equal to a recomputation from the marks."""

from io import StringIO

import pytest
from django.core.management import call_command

from adjudication.models import Mark, Placing, Sheet
from adjudication.ops.verification import competition_recompute, competition_verify
from competitions.models import (
    Competition,
    CompetitionStatus,
    EntryIncident,
    EntryOutcome,
    Incident,
    PanelSeat,
    Redance,
    RoundKind,
)
from competitions.selectors import round_panel

pytestmark = pytest.mark.django_db

SEED = 7


@pytest.fixture
def day():
    call_command("demo", stdout=StringIO())
    out = StringIO()
    call_command("simulate", "demo", seed=SEED, incidents=True, stdout=out)
    return Competition.objects.get(slug="demo"), out.getvalue()


def test_the_day_goes_through_every_kind_of_incident(day):
    competition, out = day
    assert competition.status == CompetitionStatus.FINISHED
    kinds = set(Incident.objects.filter(competition=competition).values_list("kind", flat=True))
    assert {"absent", "retired", "redance", "judge_replaced", "disqualified"} <= kinds
    assert out.count("Incident: ") >= 5
    assert (
        EntryIncident.objects.filter(
            round__event__competition=competition, outcome=EntryOutcome.ABSENT
        ).count()
        == 2
    )
    assert Redance.objects.filter(round__event__competition=competition).count() == 1
    assert (
        PanelSeat.objects.filter(event__competition=competition, replaces__isnull=False).count()
        == 1
    )
    assert all(i.reason and i.actor_id for i in Incident.objects.filter(competition=competition))


def test_verify_is_clean_and_every_result_follows_from_the_marks(day):
    competition, out = day
    verified = competition_verify(competition)
    assert verified.ok, [str(f) for f in verified.findings]
    assert verified.results_checked > 0
    recomputed = competition_recompute(competition)
    assert recomputed.ok, [str(f) for f in recomputed.findings]
    verify_out = StringIO()
    call_command("verify", "demo", stdout=verify_out)
    assert verify_out.getvalue().strip().endswith("all true.")


def test_absent_couples_are_not_marked_and_not_recalled(day):
    competition, _ = day
    for incident in EntryIncident.objects.filter(
        round__event__competition=competition, outcome=EntryOutcome.ABSENT
    ):
        assert not Mark.objects.filter(sheet__round=incident.round, entry=incident.entry).exists()
        placing = Placing.objects.filter(round=incident.round, entry=incident.entry).first()
        assert placing is None or not placing.recalled


def test_the_replaced_judge_sends_nothing_from_the_replacement_on(day):
    competition, _ = day
    seat = PanelSeat.objects.get(event__competition=competition, replaces__isnull=False)
    replaced = seat.replaces
    for round_ in seat.event.rounds.filter(position__gte=seat.from_round):
        letters = [j.letter for j in round_panel(round_)]
        assert seat.judge.letter in letters and replaced.judge.letter not in letters
        assert not Sheet.objects.filter(round=round_, judge=replaced.judge).exists()
        assert Sheet.objects.filter(round=round_, judge=seat.judge).exists()


def test_the_disqualified_couple_has_no_place_and_those_below_move_up(day):
    competition, _ = day
    disqualified = EntryIncident.objects.filter(
        round__event__competition=competition,
        outcome=EntryOutcome.DISQUALIFIED,
        round__kind=RoundKind.FINAL,
    ).first()
    assert disqualified is not None
    final = disqualified.round
    placed = Placing.objects.filter(round=final, place__isnull=False)
    assert not placed.filter(entry=disqualified.entry).exists()
    places = sorted(p.place for p in placed)
    assert places[0] == 1 and places[-1] <= len(places)
