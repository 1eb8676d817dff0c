"""Replacement judges through the service: who judges which round afterwards, the
sheets counted, the trail, and every refusal changing nothing."""

import pytest

from adjudication.incidents.judges import judge_replace
from adjudication.services import ScoringError, round_close, round_progress
from competitions.models import Incident, PanelSeat
from competitions.selectors import round_panel
from tests.adjudication.day import all_recall_sheets, build_day, open_final
from tests.factories.accounts import UserFactory
from tests.factories.adjudication import TabletSessionFactory
from tests.factories.competitions import CompetitionFactory, JudgeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


@pytest.fixture
def chairman():
    return UserFactory(roles=["chairman"])


@pytest.fixture
def reserve(day):
    return JudgeFactory(competition=day.competition, letter="R", name="Rita Reserve")


def replace(day, chairman, reserve, *, from_round=None, finish_current=False, **overrides):
    arguments = {
        "event": day.event,
        "judge": day.judges[1],
        "replacement": reserve,
        "from_round": from_round or day.first,
        "finish_current": finish_current,
        "actor": chairman,
        "reason": "Judge B was taken ill.",
    }
    arguments.update(overrides)
    return judge_replace(**arguments)


def letters(round_):
    round_.refresh_from_db()
    return [j.letter for j in round_panel(round_)]


def seats(day):
    return list(
        PanelSeat.objects.filter(event=day.event)
        .order_by("id")
        .values_list("judge__letter", "from_round", "until_round", "replaces_id")
    )


def test_recollect_seats_the_reserve_in_the_open_round(day, chairman, reserve):
    day.send(day.judges[1], day.dances[0], day.crosses(day.entries()[:6]))

    outcome = replace(day, chairman, reserve)

    assert letters(day.first) == ["A", "C", "R"]
    assert letters(day.final) == ["A", "C", "R"]
    assert outcome.starts_at == 1
    samba = round_progress(day.first)[0]
    assert (samba.submitted, samba.missing) == ([], ["A", "C", "R"])
    assert day.judges[1].sheets.filter(round=day.first).count() == 1  # kept, not counted


def test_the_original_sheets_no_longer_count(day, chairman, reserve):
    all_recall_sheets(day)
    replace(day, chairman, reserve)

    with pytest.raises(ScoringError):
        round_close(round=day.first, actor=None)
    for dance in day.dances:
        day.send(reserve, dance, day.crosses(day.entries()[:6]))
    result = round_close(round=day.first, actor=None)

    assert result.pk
    assert {p.label: p.missing for p in round_progress(day.first)} == {"Samba": [], "Rumba": []}


def test_finish_current_lets_the_original_finish_the_open_round(day, chairman, reserve):
    outcome = replace(day, chairman, reserve, finish_current=True)

    assert letters(day.first) == ["A", "B", "C"]
    assert letters(day.final) == ["A", "C", "R"]
    assert outcome.starts_at == 2
    assert seats(day)[-1] == ("R", 2, None, outcome.old_seat.pk)
    assert outcome.old_seat.until_round == 1
    assert outcome.tablets_revoked == 0


def test_a_planned_round_starts_the_replacement_there(day, chairman, reserve):
    outcome = replace(day, chairman, reserve, from_round=day.final)

    assert letters(day.first) == ["A", "B", "C"]
    assert letters(day.final) == ["A", "C", "R"]
    assert outcome.starts_at == 2


def test_a_later_open_round_is_recollected_from_the_replacement(day, chairman, reserve):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    open_final(day)

    outcome = replace(day, chairman, reserve, from_round=day.final, finish_current=False)

    assert letters(day.first) == ["A", "B", "C"]
    assert letters(day.final) == ["A", "C", "R"]
    assert outcome.starts_at == 2


def test_the_replacement_is_in_the_trail(day, chairman, reserve):
    replace(day, chairman, reserve)

    incident = Incident.objects.get()
    assert (incident.kind, incident.judge, incident.other_judge, incident.actor) == (
        "judge_replaced",
        day.judges[1],
        reserve,
        chairman,
    )
    assert incident.reason == "Judge B was taken ill."
    assert incident.round == day.first
    assert "replaced by R (Rita Reserve)" in incident.summary


def test_the_screens_are_told_after_commit(
    day, chairman, reserve, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        replace(day, chairman, reserve)

    assert callbacks  # the nudge waits for the commit


def test_a_judge_on_no_panel_any_more_is_signed_out(day, chairman, reserve):
    tablet = TabletSessionFactory(judge=day.judges[1])

    outcome = replace(day, chairman, reserve)

    tablet.refresh_from_db()
    assert tablet.revoked_at is not None
    assert outcome.tablets_revoked == 1


def test_a_judge_finishing_the_round_keeps_the_tablet(day, chairman, reserve):
    tablet = TabletSessionFactory(judge=day.judges[1])

    replace(day, chairman, reserve, finish_current=True)

    tablet.refresh_from_db()
    assert tablet.revoked_at is None


def refused(day, chairman, reserve, message, **overrides):
    before = seats(day)
    with pytest.raises(ScoringError) as refusal:
        replace(day, chairman, reserve, **overrides)
    assert message in refusal.value.message
    assert seats(day) == before
    assert not Incident.objects.exists()
    return refusal.value


def test_a_replacement_already_on_the_panel_is_refused(day, chairman, reserve):
    refused(day, chairman, reserve, "already sits on the panel", replacement=day.judges[2])


def test_a_judge_of_another_competition_is_refused(day, chairman, reserve):
    stranger = JudgeFactory(competition=CompetitionFactory(), letter="S")

    refused(day, chairman, reserve, "another competition", replacement=stranger)


def test_a_closed_round_is_refused(day, chairman, reserve):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    day.first.refresh_from_db()

    error = refused(day, chairman, reserve, "already closed")

    assert error.code == "closed"


def test_a_judge_not_on_the_panel_is_refused(day, chairman, reserve):
    other = JudgeFactory(competition=day.competition, letter="X")

    refused(day, chairman, reserve, "is not on the panel", judge=other)


def test_a_judge_already_replaced_is_refused(day, chairman, reserve):
    replace(day, chairman, reserve, finish_current=True)
    second = JudgeFactory(competition=day.competition, letter="S")
    before = seats(day)

    with pytest.raises(ScoringError) as refusal:
        replace(day, chairman, second, from_round=day.final)

    assert "is not on the panel" in refusal.value.message
    assert seats(day) == before


def test_no_reason_is_refused(day, chairman, reserve):
    refused(day, chairman, reserve, "Say why", reason="   ")


def test_a_round_of_another_event_is_refused(day, chairman, reserve):
    other = build_day()

    refused(day, chairman, reserve, "is not a round of", from_round=other.first)


def test_a_scrutineer_may_not_replace_a_judge(day, reserve):
    error = refused(day, UserFactory(roles=["scrutineer"]), reserve, "permission")

    assert error.code == "forbidden"


def test_a_replacement_who_has_not_judged_yet_is_not_replaced(day, chairman, reserve):
    replace(day, chairman, reserve, finish_current=True)
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    open_final(day)
    second = JudgeFactory(competition=day.competition, letter="S")

    with pytest.raises(ScoringError) as refusal:
        replace(day, chairman, second, judge=reserve, from_round=day.final)

    assert "has not judged a round" in refusal.value.message
    assert letters(day.final) == ["A", "C", "R"]


def test_finishing_the_final_leaves_the_replacement_nothing_and_is_refused(day, chairman, reserve):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    open_final(day)

    refused(day, chairman, reserve, "nothing to judge", from_round=day.final, finish_current=True)
