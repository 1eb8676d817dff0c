"""``simulate --shadow``: a trainee in a shadow seat of every event, their sheets sent and
never counted: the counting panel's draw and the results are those of a run without
them, ``verify`` stays clean, and the agreement report shows the trainee."""

from __future__ import annotations

import random
from io import StringIO

import pytest
from django.core.management import call_command

from adjudication.models import RoundResult, Sheet
from adjudication.ops.simulated_shadows import TRAINEE_NAME, shadow_seats_seat
from adjudication.results.agreement import competition_agreement
from competitions.components import deal, event_components
from competitions.models import ComponentAllocation, PanelSeat
from competitions.selectors import round_panel_seats
from tests.adjudication.test_component_simulate import component_competition

pytestmark = pytest.mark.django_db


def _run():
    competition, event = component_competition()
    out = StringIO()
    call_command("simulate", competition.slug, seed=4, shadow=True, stdout=out)
    return competition, event, out.getvalue()


def _undisturbed(round_) -> bool:
    """The counting panel's stored rows are the draw of its seed without any shadow."""
    rows = ComponentAllocation.objects.filter(round=round_)
    (seed,) = set(rows.values_list("seed", flat=True))
    rng = random.Random(seed)  # nosec B311: the draw's own generator, repeated
    panel = [s.judge_id for s in round_panel_seats(round_)]
    components = [c.pk for c in event_components(round_)]
    for dance in round_.event.dances.order_by("position", "id"):
        stored: dict[int, list[int]] = {}
        for judge_id, criterion_id in rows.filter(dance=dance, judge_id__in=panel).values_list(
            "judge_id", "criterion__id"
        ):
            stored.setdefault(judge_id, []).append(criterion_id)
        drawn = deal(panel, components, rng)
        if {j: sorted(c) for j, c in stored.items()} != {j: sorted(c) for j, c in drawn.items()}:
            return False
    return True


def test_the_trainee_scores_every_round_and_counts_in_none():
    competition, event, printed = _run()

    seat = PanelSeat.objects.get(event=event, shadow=True)
    assert seat.judge.name == TRAINEE_NAME and seat.judge.letter == "T"
    assert f"Shadow: {event}: {TRAINEE_NAME} (T) in a shadow seat." in printed
    rounds = list(event.rounds.order_by("position"))
    assert Sheet.objects.filter(judge=seat.judge, shadow=True).count() == len(rounds) * 3
    for round_ in rounds:
        assert ComponentAllocation.objects.filter(round=round_, judge=seat.judge).count() == 3
        assert _undisturbed(round_)
        stored = RoundResult.objects.get(round=round_).data["result"]
        assert "T" not in stored["judges"]
    verified = StringIO()
    call_command("verify", competition.slug, stdout=verified)
    assert verified.getvalue().strip().endswith("all true.")


def test_the_agreement_report_shows_the_trainee_in_every_round():
    competition, event, _ = _run()

    report = competition_agreement(competition)

    (item,) = report.events
    assert [r.measure for r in item.rounds] == ["components"] * event.rounds.count()
    for round_ in item.rounds:
        (trainee,) = [row for row in round_.rows if row.shadow]
        assert trainee.scores and trainee.mean_deviation_steps is not None
        assert trainee.scores_discarded is not None


def test_seating_again_seats_nobody_twice():
    competition, event = component_competition()

    first = shadow_seats_seat(competition)
    again = shadow_seats_seat(competition)

    assert len(first) == 1 and again == []
    assert PanelSeat.objects.filter(event=event, shadow=True).count() == 1
