"""A competition with a replacement judge survives a backup and its restore: the
replacement's seat points at the seat it took over (a table pointing at itself)."""

import pytest

from adjudication.incidents.judges import judge_replace
from adjudication.ops.backups import backup_build, backup_restore
from competitions.models import Competition, PanelSeat
from tests.adjudication.day import build_day
from tests.factories.accounts import UserFactory
from tests.factories.competitions import JudgeFactory

pytestmark = pytest.mark.django_db


def seats():
    return sorted(
        PanelSeat.objects.values_list(
            "judge__letter", "from_round", "until_round", "replaces__judge__letter"
        )
    )


def test_a_replacement_judge_is_restored_with_the_seat_replaced():
    day = build_day()
    judge_replace(
        event=day.event,
        judge=day.judges[1],
        replacement=JudgeFactory(competition=day.competition, letter="R"),
        from_round=day.first,
        finish_current=True,
        actor=UserFactory(roles=["chairman"]),
        reason="Judge B was taken ill.",
    )
    before = seats()
    data = backup_build([day.competition])
    Competition.objects.all().delete()

    backup_restore(data, trust_unsigned=True)

    assert seats() == before
    assert ("R", 2, None, "B") in before
