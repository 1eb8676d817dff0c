"""Competitions with published results for the results pages, exports and backups:
a skating day (a first round with varied crosses, then a final placed at random by
each judge) and criteria events added to a competition."""

from __future__ import annotations

import random
from decimal import Decimal

from adjudication.models import RecallDecision
from adjudication.services import (
    ScoringError,
    SheetInput,
    round_close,
    round_publish,
    sheet_submit,
    tabulate_round,
)
from competitions.services import round_draw_heats, round_transition
from tests.adjudication.day import open_final
from tests.factories.accounts import UserFactory
from tests.factories.competitions import (
    CriteriaEventFactory,
    CriterionFactory,
    EntryFactory,
    JudgeFactory,
    PanelSeatFactory,
    RoundFactory,
    SoloCompetitorFactory,
)
from tests.leaderboard.helpers import quiet, quiet_day


def recall_round_published(day, seed=1):
    """Each judge crosses ``recall`` couples at random (seeded) in each dance; the
    round is closed (a tie at the cut-off recalls the more) and published."""
    rng = random.Random(seed)
    with quiet():
        entries = day.entries()
        for judge in day.judges:
            for dance in day.dances:
                day.send(judge, dance, day.crosses(rng.sample(entries, day.first.recall_count)))
        day.first.refresh_from_db()
        try:
            round_close(round=day.first, actor=None, seed=seed)
        except ScoringError as error:  # a tie at the cut-off: the chairman recalls the more
            if error.code != "tie":
                raise
            _, result = tabulate_round(day.first)
            RecallDecision.objects.create(
                round=day.first,
                recall_count=len(result.recalled) + len(result.tied),
                decided_by=UserFactory(),
            )
            round_close(round=day.first, actor=None, seed=seed)
        open_final(day)
    return day


def final_sheets(day, seed=1):
    """Every judge places the finalists at random (seeded) in each dance."""
    rng = random.Random(seed)
    with quiet():
        finalists = day.entries(day.final)
        for judge in day.judges:
            for dance in day.dances:
                order = rng.sample(finalists, len(finalists))
                day.send(
                    judge,
                    dance,
                    {e.pk: place for place, e in enumerate(order, 1)},
                    round_=day.final,
                )
        day.final.refresh_from_db()
        round_close(round=day.final, actor=None)
    return day


def published_day(couples=8, judges=3, recall=6, seed=1, extra=None):
    """A skating day with both rounds closed and published. ``extra(day)`` runs before
    the final is published (the competition finishes with its last round)."""
    day = recall_round_published(quiet_day(couples=couples, judges=judges, recall=recall), seed)
    final_sheets(day, seed)
    if extra is not None:
        extra(day)
    with quiet():
        round_publish(round=day.final, actor=None)
    return day


def criteria_event_published(
    competition, judges, name="Pageant", entries=3, seed=1, drop_extremes=False
):
    """A criteria event of ``competition`` judged by ``judges``, scored at random
    (seeded) and published. Returns the event."""
    rng = random.Random(seed)
    with quiet():
        event = CriteriaEventFactory(
            competition=competition, name=name, drop_extremes=drop_extremes
        )
        gown = CriterionFactory(event=event, name="Gown", weight=Decimal("1"))
        talent = CriterionFactory(event=event, name="Talent", weight=Decimal("2"), position=2)
        for _ in range(entries):
            EntryFactory(event=event, competitor=SoloCompetitorFactory(competition=competition))
        for judge in judges:
            PanelSeatFactory(event=event, judge=judge)
        final = RoundFactory(event=event, kind="final", position=1)
        round_draw_heats(round=final, heat_count=1, seed=seed)
        round_transition(round=final, to_status="open", actor=None)
        final.refresh_from_db()
        for entry in event.entries.all():
            for judge in judges:
                sheet_submit(
                    data=SheetInput(
                        round_id=final.pk,
                        judge_id=judge.pk,
                        entry_id=entry.pk,
                        marks={
                            gown.pk: Decimal(rng.randint(10, 20)) / 2,
                            talent.pk: Decimal(rng.randint(10, 20)) / 2,
                        },
                        client_key=f"{judge.pk}-{entry.pk}",
                        base_version=0,
                        round_revision=final.revision,
                    ),
                    actor=None,
                )
        round_close(round=final, actor=None)
        round_publish(round=final, actor=None)
    return event


__all__ = [
    "JudgeFactory",
    "criteria_event_published",
    "final_sheets",
    "published_day",
    "recall_round_published",
]
