"""Invariants that live in the database, proven by writes that bypass the ORM's
validation (``save()`` without ``full_clean()``, or raw SQL)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from competitions.models import EntryKind, Round, RoundKind
from tests.factories.competitions import (
    CompetitionFactory,
    CompetitorFactory,
    CriteriaEventFactory,
    CriterionFactory,
    EntryFactory,
    EventFactory,
    HeatEntryFactory,
    HeatFactory,
    JudgeFactory,
    PanelSeatFactory,
    RoundFactory,
    SoloCompetitorFactory,
)

pytestmark = pytest.mark.django_db


def refused(callable_, *args, **kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_(*args, **kwargs)


def raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_bib_unique_within_competition():
    competitor = CompetitorFactory(bib=7)

    refused(CompetitorFactory, competition=competitor.competition, bib=7)
    other = CompetitorFactory(bib=7)  # another competition may reuse it

    assert other.bib == competitor.bib


def test_bib_may_be_empty_for_many_competitors_until_assigned():
    competition = CompetitionFactory()

    CompetitorFactory.create_batch(3, competition=competition, bib=None)

    assert competition.competitors.filter(bib__isnull=True).count() == 3


def test_judge_letter_unique_within_competition():
    judge = JudgeFactory(letter="A")

    refused(JudgeFactory, competition=judge.competition, letter="A")


@pytest.mark.parametrize(
    ("field", "value"), [("weight", Decimal("0")), ("weight", Decimal("-1")), ("step", Decimal(0))]
)
def test_criterion_weight_and_step_must_be_positive(field, value):
    refused(CriterionFactory, **{field: value})


def test_criterion_min_below_max():
    refused(CriterionFactory, min_score=Decimal("10"), max_score=Decimal("10"))
    refused(CriterionFactory, min_score=Decimal("10"), max_score=Decimal("5"))


def test_criterion_range_must_be_whole_steps_in_validation():
    criterion = CriterionFactory.build(
        event=CriteriaEventFactory(), min_score=0, max_score=10, step=Decimal("3")
    )

    with pytest.raises(ValidationError) as error:
        criterion.full_clean()

    assert "step" in error.value.message_dict


def test_heat_entry_must_belong_to_the_heats_event():
    heat = HeatFactory()
    stranger = EntryFactory(event=EventFactory(competition=heat.round.event.competition))

    refused(HeatEntryFactory, heat=heat, entry=stranger)


def test_heat_entry_refused_by_raw_sql_too():
    heat = HeatFactory()
    stranger = EntryFactory()

    refused(
        raw,
        "INSERT INTO competitions_heatentry (heat_id, entry_id) VALUES (%s, %s)",
        [heat.pk, stranger.pk],
    )


def test_entry_dances_in_one_heat_of_a_round_only():
    first = HeatEntryFactory()
    second_heat = HeatFactory(round=first.heat.round)

    refused(HeatEntryFactory, heat=second_heat, entry=first.entry)
    later_round = HeatFactory(round=RoundFactory(event=first.heat.round.event))
    HeatEntryFactory(heat=later_round, entry=first.entry)  # the next round is fine

    assert first.entry.heat_entries.count() == 2


def test_heat_entry_cannot_be_moved_to_another_event_by_update():
    heat_entry = HeatEntryFactory()
    stranger = EntryFactory()

    refused(
        raw,
        "UPDATE competitions_heatentry SET entry_id = %s WHERE id = %s",
        [stranger.pk, heat_entry.pk],
    )


def test_entry_competitor_must_be_of_the_events_competition():
    event = EventFactory()
    outsider = CompetitorFactory()

    refused(EntryFactory, event=event, competitor=outsider)


def test_entry_competitor_kind_must_match_event():
    event = EventFactory(entry_kind=EntryKind.COUPLE)
    soloist = SoloCompetitorFactory(competition=event.competition)

    refused(EntryFactory, event=event, competitor=soloist)


def test_competitor_with_entries_cannot_change_kind():
    entry = EntryFactory()

    refused(
        raw,
        "UPDATE competitions_competitor SET kind = 'solo', partner_name = '' WHERE id = %s",
        [entry.competitor_id],
    )


def test_event_with_entries_cannot_change_entry_kind():
    entry = EntryFactory()

    refused(
        raw, "UPDATE competitions_event SET entry_kind = 'solo' WHERE id = %s", [entry.event_id]
    )


def test_panel_judge_must_be_of_the_events_competition():
    event = EventFactory()
    outsider = JudgeFactory()

    refused(PanelSeatFactory, event=event, judge=outsider)


@pytest.mark.parametrize(
    ("table", "column", "factory", "parent_factory"),
    [
        ("competitions_event", "competition_id", EventFactory, CompetitionFactory),
        ("competitions_judge", "competition_id", JudgeFactory, CompetitionFactory),
        ("competitions_competitor", "competition_id", CompetitorFactory, CompetitionFactory),
        ("competitions_round", "event_id", RoundFactory, EventFactory),
        ("competitions_heat", "round_id", HeatFactory, RoundFactory),
    ],
)
def test_parent_cannot_change_once_set(table, column, factory, parent_factory):
    obj = factory()
    other_parent = parent_factory()

    refused(raw, f"UPDATE {table} SET {column} = %s WHERE id = %s", [other_parent.pk, obj.pk])


def test_couple_needs_partner_and_solo_has_none():
    refused(CompetitorFactory, partner_name="")
    refused(SoloCompetitorFactory, partner_name="Someone")


def test_round_recall_count_fits_its_kind():
    refused(RoundFactory, kind=RoundKind.FINAL, recall_count=6)
    refused(RoundFactory, kind=RoundKind.FIRST, recall_count=None)
    refused(RoundFactory, kind=RoundKind.FIRST, recall_count=0)


def test_round_position_unique_within_event():
    round_ = RoundFactory(position=1)

    refused(RoundFactory, event=round_.event, position=1)


def test_competition_dates_and_registration_window_ordered():
    competition = CompetitionFactory()

    refused(
        raw,
        "UPDATE competitions_competition SET ends_on = %s WHERE id = %s",
        [competition.starts_on.replace(year=competition.starts_on.year - 1), competition.pk],
    )


def test_unknown_round_kind_refused():
    round_ = RoundFactory()

    refused(raw, "UPDATE competitions_round SET kind = 'quarter' WHERE id = %s", [round_.pk])
    assert Round.objects.get(pk=round_.pk).kind == RoundKind.FINAL


def test_entry_clean_explains_cross_competition_mistakes():
    entry = EntryFactory.build(event=EventFactory(), competitor=CompetitorFactory())

    with pytest.raises(ValidationError) as error:
        entry.full_clean()

    assert error.value.message_dict["competitor"] == [
        "This competitor belongs to another competition."
    ]
