"""``simulate`` sends each round's sheets from that round's own panel: a replacement
judge from their round on, never the judge replaced."""

import pytest

from adjudication.incidents.judges import judge_replace
from adjudication.models import Sheet
from competitions.models import CompetitionStatus, Judge
from competitions.registration import registration_close
from competitions.services import competition_transition
from tests.adjudication.test_simulate import simulate, small_competition
from tests.factories.accounts import UserFactory
from tests.factories.competitions import JudgeFactory

pytestmark = pytest.mark.django_db


def test_simulate_runs_the_final_with_the_replacement():
    competition, event = small_competition()
    registration_close(competition=competition, actor=None, seed=1)
    competition_transition(competition=competition, to_status="in_progress", actor=None)
    final = event.rounds.get(position=2)
    judge_replace(
        event=event,
        judge=Judge.objects.get(competition=competition, letter="B"),
        replacement=JudgeFactory(competition=competition, letter="R"),
        from_round=final,
        finish_current=False,
        actor=UserFactory(roles=["chairman"]),
        reason="Judge B leaves after the first round.",
    )

    simulate(competition.slug, seed=3, quiet=True)

    competition.refresh_from_db()
    letters = sorted(Sheet.objects.filter(round=final).values_list("judge__letter", flat=True))
    first = sorted(
        Sheet.objects.filter(round__event=event, round__position=1).values_list(
            "judge__letter", flat=True
        )
    )
    assert competition.status == CompetitionStatus.FINISHED
    assert (first, letters) == (["A", "B", "C"], ["A", "C", "R"])
