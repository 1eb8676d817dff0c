"""When registration closes: round plans, bib numbers and the first heat draws."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max

from accounts.models import User
from competitions.models import (
    BibOrder,
    Competition,
    CompetitionStatus,
    Competitor,
    Entry,
    EntryStatus,
    Event,
    Round,
    RoundKind,
    ScoringMethod,
)
from competitions.registration.entries import event_started
from competitions.registration.refusals import RegistrationRefused
from competitions.services import (
    TransitionRefused,
    competition_transition,
    round_draw_heats,
    round_heat_count,
)
from competitions.timetable import timetable_sync


def plan_round_sizes(*, entries: int, final_size: int = 6, direct_final_max: int = 8) -> list[int]:
    """How many couples dance each round, first to final.

    A direct final when there are few entries; otherwise about half are recalled from
    each round (the largest ``final_size``·2^k that is at most 60 % of the round), down
    to a final of ``final_size``.
    """
    if entries < 1:
        return []
    if entries <= direct_final_max:
        return [entries]
    sizes = [entries]
    while sizes[-1] > direct_final_max:
        target = final_size
        while target * 2 <= 0.6 * sizes[-1]:
            target *= 2
        sizes.append(target)
    return sizes


def _round_kinds(count: int) -> list[str]:
    if count == 1:
        return [RoundKind.FINAL]
    if count == 2:
        return [RoundKind.SEMI_FINAL, RoundKind.FINAL]
    return (
        [RoundKind.FIRST]
        + [RoundKind.INTERMEDIATE] * (count - 3)
        + [
            RoundKind.SEMI_FINAL,
            RoundKind.FINAL,
        ]
    )


@transaction.atomic
def event_plan_rounds(*, event: Event) -> list[Round]:
    """Plan (or re-plan) the event's rounds from its number of entries. Allowed until
    the first round opens; the organizer may then edit the plan in the admin."""
    if event_started(event):
        raise RegistrationRefused.single(
            f"“{event.name}” has started: its rounds can no longer be re-planned."
        )
    entered = event.entries.filter(status=EntryStatus.ENTERED, withdrawn=False).count()
    event.rounds.all().delete()
    if event.scoring_method == ScoringMethod.CRITERIA:
        sizes = [entered] if entered else []
    else:
        sizes = plan_round_sizes(
            entries=entered, final_size=event.final_size, direct_final_max=event.direct_final_max
        )
    kinds = _round_kinds(len(sizes)) if sizes else []
    return [
        Round.objects.create(
            event=event,
            position=position,
            kind=kind,
            recall_count=None if kind == RoundKind.FINAL else sizes[position],
        )
        for position, kind in enumerate(kinds, start=1)
    ]


@transaction.atomic
def competition_assign_bibs(*, competition: Competition, seed: int) -> int:
    """Give bib numbers to competitors with an entry and none yet. Returns how many."""
    competitors = list(
        Competitor.objects.filter(
            competition=competition,
            bib__isnull=True,
            entries__status=EntryStatus.ENTERED,
            entries__withdrawn=False,
        )
        .distinct()
        .order_by("created_at", "id")
    )
    if competition.bib_order == BibOrder.ALPHABETICAL:
        competitors.sort(key=lambda c: (c.name.casefold(), c.partner_name.casefold(), c.pk))
    elif competition.bib_order == BibOrder.RANDOM:
        # bandit: a seeded, repeatable bib draw (the seed is printed)
        random.Random(seed).shuffle(competitors)  # nosec B311
    else:
        first_event: dict[int, tuple[int, int]] = {}
        for competitor_id, position, event_id in Entry.objects.filter(
            competitor__in=competitors, withdrawn=False
        ).values_list("competitor_id", "event__position", "event_id"):
            first_event[competitor_id] = min(
                first_event.get(competitor_id, (position, event_id)), (position, event_id)
            )
        competitors.sort(key=lambda c: first_event[c.pk])  # stable: then by registration
    highest = Competitor.objects.filter(competition=competition).aggregate(m=Max("bib"))["m"]
    number = max(competition.bib_start, (highest or 0) + 1)
    for competitor in competitors:
        competitor.bib = number
        number += 1
    Competitor.objects.bulk_update(competitors, ["bib"])
    return len(competitors)


@dataclass
class ClosingReport:
    competition: Competition
    seed: int
    bibs_assigned: int = 0
    planned: dict[str, list[int]] = field(default_factory=dict)  # event name → round sizes
    drawn: dict[str, int] = field(default_factory=dict)  # event name → heats drawn


@transaction.atomic
def registration_close(
    *, competition: Competition, actor: User | None, seed: int | None = None
) -> ClosingReport:
    """Close registration: bibs, round plans for events that have none, and the draw
    of every first round still planned. The seed is recorded so the draw repeats."""
    seed = secrets.randbelow(2**31) if seed is None else seed
    if competition.status == CompetitionStatus.REGISTRATION_OPEN:
        competition_transition(
            competition=competition,
            to_status=CompetitionStatus.REGISTRATION_CLOSED,
            actor=actor,
            note=f"closing: draw seed {seed}",
        )
    elif competition.status != CompetitionStatus.REGISTRATION_CLOSED:
        raise TransitionRefused(
            f"{competition.name} is {competition.get_status_display().lower()}: "
            "registration can be closed only while it is open."
        )
    report = ClosingReport(competition=competition, seed=seed)
    report.bibs_assigned = competition_assign_bibs(competition=competition, seed=seed)
    for event in competition.events.order_by("position", "id"):
        if event_started(event):
            continue
        rounds = list(event.rounds.order_by("position"))
        if not rounds:
            rounds = event_plan_rounds(event=event)
        report.planned[event.name] = [r.recall_count or 0 for r in rounds]
        first = rounds[0] if rounds else None
        entered = event.entries.filter(status=EntryStatus.ENTERED, withdrawn=False).count()
        if first is None or entered == 0:
            continue
        heat_count = round_heat_count(event=event, kind=first.kind, entries=entered)
        round_draw_heats(round=first, heat_count=heat_count, seed=seed)
        report.drawn[event.name] = heat_count
    timetable_sync(competition=competition)
    return report
