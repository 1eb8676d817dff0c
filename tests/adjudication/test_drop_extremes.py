"""Criteria events that drop each entry's highest and lowest score per criterion (a
trimmed mean, as many pageants and choir contests judge): the stored totals and places,
the published marks sheet, the export, and the refusal with fewer than three judges."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse

from adjudication.models import Mark, Placing
from adjudication.results.exports import export_build
from competitions.models import Round
from competitions.services import TransitionRefused, competition_transition
from tests.adjudication.results_helpers import criteria_event_published, published_day
from tests.adjudication.test_results_pages import page, tables_of
from tests.competitions.test_services import ready_competition, walk
from tests.factories.competitions import (
    CriteriaEventFactory,
    CriterionFactory,
    EntryFactory,
    JudgeFactory,
    PanelSeatFactory,
    SoloCompetitorFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def trimmed():
    events = []
    day = published_day(
        judges=4,
        extra=lambda d: events.append(
            criteria_event_published(d.competition, d.judges, entries=4, drop_extremes=True)
        ),
    )
    return day, events[0]


def trimmed_totals(event) -> dict[int, Fraction]:
    """Each entry's total worked out here: per criterion, the judges' scores without one
    highest and one lowest, averaged, times the criterion's weight."""
    scores: dict[tuple[int, int], list[Decimal]] = {}
    for mark in Mark.objects.filter(sheet__round__event=event).select_related("criterion"):
        scores.setdefault((mark.entry_id, mark.criterion_id), []).append(mark.value)
    weights = {c.pk: c.weight for c in event.criteria.all()}
    totals: dict[int, Fraction] = {}
    for (entry_id, criterion_id), values in scores.items():
        kept = sorted(values)[1:-1]
        mean = Fraction(sum(kept)) / len(kept)
        totals[entry_id] = totals.get(entry_id, Fraction(0)) + mean * Fraction(
            weights[criterion_id]
        )
    return totals


def test_places_follow_the_trimmed_totals(trimmed):
    _, event = trimmed
    totals = trimmed_totals(event)
    final = Round.objects.get(event=event)

    placings = list(Placing.objects.filter(round=final).order_by("place"))

    assert len(placings) == 4
    ordered = [totals[p.entry_id] for p in placings]
    assert ordered == sorted(ordered, reverse=True)
    assert final.result.data["result"]["dropped"]  # the stored tabulation says what went


def test_the_marks_sheet_brackets_the_scores_left_out(client, trimmed):
    day, event = trimmed

    response = page(client, day.competition, event)

    assert b"Scores in brackets were dropped (highest and lowest per criterion)." in (
        response.content
    )
    entry_tables = {k: v for k, v in tables_of(response).items() if " total " in k}
    assert len(entry_tables) == 4
    for rows in entry_tables.values():
        judge_rows = [row for row in rows[1:] if len(row[0]) == 1]  # A, B, C, D
        for column in (1, 2):  # Gown, Talent: one highest and one lowest left out
            bracketed = [row[column] for row in judge_rows if row[column].startswith("(")]
            assert len(bracketed) == 2


def test_the_export_says_the_event_drops_extremes(trimmed):
    day, event = trimmed

    data = json.loads(export_build(day.competition, fmt="json"))

    rules = {e["name"]: e.get("rules") for e in data["events"]}
    assert rules[event.name]["trim"] is True


def test_the_day_cannot_start_with_fewer_than_three_judges_to_trim(organizer):
    competition, _ = ready_competition()
    pageant = CriteriaEventFactory(competition=competition, name="Choirs", drop_extremes=True)
    CriterionFactory(event=pageant)
    EntryFactory(event=pageant, competitor=SoloCompetitorFactory(competition=competition))
    for letter in "XY":
        PanelSeatFactory(event=pageant, judge=JudgeFactory(competition=competition, letter=letter))
    walk(competition, "registration_open", "registration_closed", actor=organizer)

    with pytest.raises(TransitionRefused, match="“Choirs” drops the highest and lowest score"):
        competition_transition(competition=competition, to_status="in_progress", actor=organizer)

    competition.refresh_from_db()
    assert competition.status == "registration_closed"


def test_the_option_is_in_the_event_admin(client, organizer):
    from tests.support.auth import sign_in_staff

    sign_in_staff(client, organizer)
    event = CriteriaEventFactory()

    form = client.get(reverse("admin:competitions_event_change", args=[event.pk]))

    assert b'name="drop_extremes"' in form.content


def test_the_live_total_leaves_out_the_extremes_once_three_judges_are_in():
    from leaderboard.snapshots import _running_total

    marks = [(1, judge, 9, Decimal(value)) for judge, value in enumerate(["5", "6", "7", "10"])]
    weights = {9: Decimal(2)}

    assert _running_total(marks, weights)[1] == (Decimal("14.00"), 4)
    assert _running_total(marks, weights, trim=True)[1] == (Decimal("13.00"), 4)  # 6, 7
    assert _running_total(marks[:2], weights, trim=True)[1] == (Decimal("11.00"), 2)  # too few


def test_the_option_cannot_change_once_a_round_of_the_event_has_results(trimmed):
    from django.core.exceptions import ValidationError

    _, event = trimmed
    event.drop_extremes = False

    with pytest.raises(ValidationError, match="has its results"):
        event.full_clean()

    event.refresh_from_db()
    assert event.drop_extremes is True
    event.name = "Miss Podium"  # other changes stay possible
    event.full_clean()
