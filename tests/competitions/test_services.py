import pytest

from competitions.models import (
    CompetitionStatus,
    Round,
    RoundKind,
    RoundStatus,
    StatusChange,
)
from competitions.services import (
    DrawRefused,
    TransitionRefused,
    competition_transition,
    round_draw_heats,
    round_transition,
)
from tests.factories.accounts import UserFactory
from tests.factories.competitions import (
    CompetitionFactory,
    CompetitorFactory,
    CriteriaEventFactory,
    DanceFactory,
    EntryFactory,
    EventFactory,
    HeatEntryFactory,
    PanelSeatFactory,
    RoundFactory,
)

pytestmark = pytest.mark.django_db


def ready_competition():
    """A draft competition with one skating event that has a dance and a judge."""
    competition = CompetitionFactory()
    event = EventFactory(competition=competition)
    DanceFactory(event=event)
    PanelSeatFactory(event=event)
    return competition, event


def walk(competition, *statuses, actor=None):
    for status in statuses:
        competition_transition(competition=competition, to_status=status, actor=actor)


def test_competition_transition_records_who_and_when(organizer):
    competition, _ = ready_competition()

    competition_transition(
        competition=competition, to_status=CompetitionStatus.REGISTRATION_OPEN, actor=organizer
    )

    competition.refresh_from_db()
    change = StatusChange.objects.get(competition=competition)
    assert competition.status == CompetitionStatus.REGISTRATION_OPEN
    assert (change.from_status, change.to_status, change.actor) == (
        "draft",
        "registration_open",
        organizer,
    )


def test_competition_full_lifecycle_through_the_service(organizer):
    competition, event = ready_competition()
    final = RoundFactory(event=event, kind=RoundKind.FINAL, position=1)
    walk(competition, "registration_open", "registration_closed", "in_progress", actor=organizer)
    Round.objects.filter(pk=final.pk).update(status=RoundStatus.OPEN)
    Round.objects.filter(pk=final.pk).update(status=RoundStatus.CLOSED)
    Round.objects.filter(pk=final.pk).update(status=RoundStatus.PUBLISHED)

    walk(competition, "finished", "archived", actor=organizer)

    assert list(
        StatusChange.objects.filter(competition=competition).values_list("to_status", flat=True)
    ) == ["registration_open", "registration_closed", "in_progress", "finished", "archived"]


def test_competition_transition_refuses_a_move_the_rules_do_not_allow(organizer):
    competition, _ = ready_competition()

    with pytest.raises(TransitionRefused) as refusal:
        competition_transition(competition=competition, to_status="finished", actor=organizer)

    assert "cannot go from draft to finished" in str(refusal.value)
    assert "registration open, cancelled" in str(refusal.value)
    competition.refresh_from_db()
    assert competition.status == "draft"
    assert not StatusChange.objects.exists()


def test_competition_transition_refuses_unknown_status(organizer):
    competition, _ = ready_competition()

    with pytest.raises(TransitionRefused, match="“paused” is not a competition status"):
        competition_transition(competition=competition, to_status="paused", actor=organizer)


def test_competition_transition_refuses_the_current_status(organizer):
    competition, _ = ready_competition()

    with pytest.raises(TransitionRefused, match="already draft"):
        competition_transition(competition=competition, to_status="draft", actor=organizer)


def test_opening_registration_needs_an_event(organizer):
    competition = CompetitionFactory()

    with pytest.raises(TransitionRefused, match="add at least one event"):
        competition_transition(
            competition=competition, to_status="registration_open", actor=organizer
        )


def test_opening_registration_needs_dances_and_criteria(organizer):
    competition = CompetitionFactory()
    EventFactory(competition=competition, name="Latin")
    CriteriaEventFactory(competition=competition, name="Choir")

    with pytest.raises(TransitionRefused) as refusal:
        competition_transition(
            competition=competition, to_status="registration_open", actor=organizer
        )

    assert "“Latin” has no dances" in str(refusal.value)
    assert "“Choir” has no criteria" in str(refusal.value)


def test_opening_registration_after_the_window_closed_is_refused(organizer):
    import datetime as dt

    from django.utils import timezone

    competition, _ = ready_competition()
    competition.registration_closes_at = timezone.now() - dt.timedelta(hours=1)
    competition.save()

    with pytest.raises(TransitionRefused, match="registration window closed"):
        competition_transition(
            competition=competition, to_status="registration_open", actor=organizer
        )


def test_starting_needs_a_panel_on_every_event(organizer):
    competition, _ = ready_competition()
    lonely = EventFactory(competition=competition, name="No judges")
    DanceFactory(event=lonely)
    EntryFactory(event=lonely)
    nobody = EventFactory(competition=competition, name="Nobody entered")
    DanceFactory(event=nobody)
    walk(competition, "registration_open", "registration_closed", actor=organizer)

    with pytest.raises(TransitionRefused) as refusal:
        competition_transition(competition=competition, to_status="in_progress", actor=organizer)

    assert "“No judges” has no judging panel" in str(refusal.value)
    assert "Nobody entered" not in str(refusal.value)  # nothing to judge: no panel needed


def test_finishing_needs_every_round_published(organizer):
    competition, event = ready_competition()
    RoundFactory(event=event, kind=RoundKind.FIRST, recall_count=6, position=1)
    walk(competition, "registration_open", "registration_closed", "in_progress", actor=organizer)

    with pytest.raises(TransitionRefused) as refusal:
        competition_transition(competition=competition, to_status="finished", actor=organizer)

    assert "has no final" in str(refusal.value)
    assert "rounds not yet published: First round" in str(refusal.value)


def test_reopening_registration_is_allowed(organizer):
    competition, _ = ready_competition()
    walk(competition, "registration_open", "registration_closed", "registration_open")

    competition.refresh_from_db()

    assert competition.status == "registration_open"


@pytest.mark.parametrize("start", ["draft", "registration_open", "registration_closed"])
def test_cancelling_before_the_day(organizer, start):
    competition, _ = ready_competition()
    path = {"draft": [], "registration_open": ["registration_open"]}.get(
        start, ["registration_open", "registration_closed"]
    )
    walk(competition, *path)

    competition_transition(competition=competition, to_status="cancelled", actor=organizer)

    competition.refresh_from_db()
    assert competition.status == "cancelled"


def test_cancelling_a_running_competition_is_refused(organizer):
    competition, _ = ready_competition()
    walk(competition, "registration_open", "registration_closed", "in_progress")

    with pytest.raises(TransitionRefused, match="cannot go from in progress to cancelled"):
        competition_transition(competition=competition, to_status="cancelled", actor=organizer)


def test_competition_transition_needs_permission():
    competition, _ = ready_competition()
    judge = UserFactory(roles=["judge"])

    with pytest.raises(TransitionRefused, match="do not have permission"):
        competition_transition(competition=competition, to_status="registration_open", actor=judge)

    competition.refresh_from_db()
    assert competition.status == "draft"


def closed_competition_with_round(actor=None):
    competition, event = ready_competition()
    round_ = RoundFactory(event=event, kind=RoundKind.FINAL, position=1)
    HeatEntryFactory(heat__round=round_)
    walk(competition, "registration_open", "registration_closed")
    return competition, round_


def test_round_lifecycle_with_a_correction(scrutineer):
    _, round_ = closed_competition_with_round()

    for status in ("open", "closed", "open", "closed", "published"):
        round_transition(round=round_, to_status=status, actor=scrutineer)

    round_.refresh_from_db()
    assert round_.status == "published"
    assert StatusChange.objects.filter(round=round_).count() == 5


def test_published_round_cannot_reopen(scrutineer):
    _, round_ = closed_competition_with_round()
    for status in ("open", "closed", "published"):
        round_transition(round=round_, to_status=status, actor=scrutineer)

    with pytest.raises(TransitionRefused, match="A published round is final"):
        round_transition(round=round_, to_status="open", actor=scrutineer)


def test_round_opens_only_with_heats_and_after_registration(scrutineer):
    competition, event = ready_competition()
    round_ = RoundFactory(event=event, kind=RoundKind.FINAL, position=1)

    with pytest.raises(TransitionRefused) as refusal:
        round_transition(round=round_, to_status="open", actor=scrutineer)

    assert "once registration has closed" in str(refusal.value)
    assert "no heats have been drawn" in str(refusal.value)


def test_round_opens_only_after_earlier_rounds_are_published(scrutineer):
    competition, round_ = closed_competition_with_round()
    later = RoundFactory(event=round_.event, kind=RoundKind.FINAL, position=2)
    Round.objects.filter(pk=round_.pk).update(kind=RoundKind.FIRST, recall_count=6)
    HeatEntryFactory(heat__round=later)

    with pytest.raises(TransitionRefused, match="earlier rounds of the event are not all"):
        round_transition(round=later, to_status="open", actor=scrutineer)


def test_round_transition_needs_permission():
    _, round_ = closed_competition_with_round()
    competitor = UserFactory(roles=["competitor"])

    with pytest.raises(TransitionRefused, match="do not have permission"):
        round_transition(round=round_, to_status="open", actor=competitor)


def event_with_entries(count):
    event = EventFactory()
    for _ in range(count):
        EntryFactory(event=event, competitor=CompetitorFactory(competition=event.competition))
    return event


def test_draw_same_seed_same_heats():
    event = event_with_entries(13)
    round_ = RoundFactory(event=event, kind=RoundKind.FIRST, recall_count=6)

    first = round_draw_heats(round=round_, heat_count=3, seed=42)
    again = round_draw_heats(round=round_, heat_count=3, seed=42)
    other = round_draw_heats(round=round_, heat_count=3, seed=43)

    assert first.heats == again.heats
    assert first.heats != other.heats
    assert round_.heats.count() == 3


def test_draw_balances_heats_within_one_entry():
    event = event_with_entries(13)
    round_ = RoundFactory(event=event, kind=RoundKind.FIRST, recall_count=6)

    draw = round_draw_heats(round=round_, heat_count=4, seed=1)

    sizes = sorted(len(heat) for heat in draw.heats)
    assert sizes == [3, 3, 3, 4]
    assert sorted(e for heat in draw.heats for e in heat) == sorted(
        event.entries.values_list("pk", flat=True)
    )


def test_draw_leaves_out_withdrawn_entries():
    event = event_with_entries(4)
    withdrawn = event.entries.first()
    withdrawn.withdrawn = True
    withdrawn.save()
    round_ = RoundFactory(event=event)

    draw = round_draw_heats(round=round_, heat_count=1, seed=1)

    assert withdrawn.pk not in draw.heats[0]
    assert len(draw.heats[0]) == 3


def test_draw_refused_once_the_round_opened():
    event = event_with_entries(4)
    round_ = RoundFactory(event=event)
    Round.objects.filter(pk=round_.pk).update(status=RoundStatus.OPEN)

    with pytest.raises(DrawRefused, match="only before the round opens"):
        round_draw_heats(round=round_, heat_count=1, seed=1)


@pytest.mark.parametrize("heat_count", [0, 5])
def test_draw_refuses_impossible_heat_counts(heat_count):
    round_ = RoundFactory(event=event_with_entries(4))

    with pytest.raises(DrawRefused, match="Choose between 1 and 4 heats"):
        round_draw_heats(round=round_, heat_count=heat_count, seed=1)

    assert round_.heats.count() == 0
