"""When registration closes: round plans, bib numbers and the first heat draws."""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
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


def plan_round_sizes(
    *,
    entries: int,
    final_size: int = 6,
    direct_final_max: int = 8,
    seeded: Mapping[int, int] | None = None,
) -> list[int]:
    """How many couples dance each round, first to final.

    A direct final when there are few entries; otherwise about half are recalled from
    each round (the largest ``final_size``·2^k that is at most 60 % of the round), down
    to a final of ``final_size``.

    ``seeded`` (round position → couples seeded into it, of the ``entries``): a seeded
    couple counts as if it had been recalled into its round (WDSF exemptions), so the
    rounds are sized for the whole field and each round before a star's round dances
    without it: 40 entries with 6 stars into round 2 give 34, 24, 12, 6.
    """
    if entries < 1:
        return []
    if entries <= direct_final_max:
        sizes = [entries]
    else:
        sizes = [entries]
        while sizes[-1] > direct_final_max:
            target = final_size
            while target * 2 <= 0.6 * sizes[-1]:
                target *= 2
            sizes.append(target)
    seeded = {k: v for k, v in (seeded or {}).items() if v}
    if not seeded:
        return sizes
    seeds_problem(sizes, seeded)
    # A round dances without the couples seeded into a later one.
    return [
        size - sum(n for k, n in seeded.items() if k > position)
        for position, size in enumerate(sizes, start=1)
    ]


def seeds_problem(field_sizes: list[int], seeded: Mapping[int, int]) -> None:
    """Refuse seeds the plan of the whole field (``field_sizes``) cannot hold: into a
    round it does not have, or so many that no couple would be recalled into it."""
    for position, count in sorted(seeded.items()):
        if position > len(field_sizes):
            raise RegistrationRefused.single(
                f"{count} couple{'s are' if count > 1 else ' is'} seeded into round "
                f"{position}, but {field_sizes[0]} entries make {len(field_sizes)} "
                f"round{'s' if len(field_sizes) > 1 else ''}: unseed them or plan the "
                "rounds by hand."
            )
        joining = sum(n for k, n in seeded.items() if k >= position)
        if joining >= field_sizes[position - 1]:
            raise RegistrationRefused.single(
                f"Round {position} is planned for {field_sizes[position - 1]} couples and "
                f"{joining} are seeded into it or later: no couple could be recalled into "
                "it. Seed fewer couples."
            )


def plan_recall_counts(sizes: list[int], seeded: Mapping[int, int] | None = None) -> list[int]:
    """How many couples each round before the final recalls: the next round's size less
    the couples seeded into it (34, 24, 12, 6 with 6 stars into round 2: 18, 12, 6)."""
    seeded = seeded or {}
    return [sizes[i] - seeded.get(i + 1, 0) for i in range(1, len(sizes))]


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


def _entered(event: Event) -> int:
    return event.entries.filter(status=EntryStatus.ENTERED, withdrawn=False).count()


def event_seeded(event: Event) -> dict[int, int]:
    """Round position → the entered couples seeded into it."""
    seeded: dict[int, int] = {}
    for position in event.entries.filter(
        status=EntryStatus.ENTERED, withdrawn=False, seeded_round__isnull=False
    ).values_list("seeded_round", flat=True):
        seeded[position] = seeded.get(position, 0) + 1
    return seeded


def _planned_sizes(
    event: Event, entered: int, seeded: Mapping[int, int] | None = None
) -> list[int]:
    """The sizes of the rounds ``event_plan_rounds`` would plan for ``entered`` entries
    (``seeded`` of them seeded into later rounds)."""
    if event.scoring_method == ScoringMethod.CRITERIA:
        return [entered] if entered else []
    return plan_round_sizes(
        entries=entered,
        final_size=event.final_size,
        direct_final_max=event.direct_final_max,
        seeded=seeded,
    )


@transaction.atomic
def event_plan_rounds(*, event: Event) -> list[Round]:
    """Plan (or re-plan) the event's rounds from its number of entries. Allowed until
    the first round opens; the organizer may then edit the plan in the admin."""
    if event_started(event):
        raise RegistrationRefused.single(
            f"“{event.name}” has started: its rounds can no longer be re-planned."
        )
    entered = _entered(event)
    seeded = event_seeded(event)
    sizes = _planned_sizes(event, entered, seeded)
    event.rounds.all().delete()
    kinds = _round_kinds(len(sizes)) if sizes else []
    recalls = plan_recall_counts(sizes, seeded) + [None]
    return [
        Round.objects.create(
            event=event,
            position=position,
            kind=kind,
            recall_count=None if kind == RoundKind.FINAL else recalls[position - 1],
        )
        for position, kind in enumerate(kinds, start=1)
    ]


def _to_number(competition: Competition):
    """The competitors with an entry and no bib yet: those closing numbers."""
    return Competitor.objects.filter(
        competition=competition,
        bib__isnull=True,
        entries__status=EntryStatus.ENTERED,
        entries__withdrawn=False,
    ).distinct()


def _first_free_bib(competition: Competition) -> int:
    highest = Competitor.objects.filter(competition=competition).aggregate(m=Max("bib"))["m"]
    return max(competition.bib_start, (highest or 0) + 1)


@transaction.atomic
def competition_assign_bibs(*, competition: Competition, seed: int) -> int:
    """Give bib numbers to competitors with an entry and none yet. Returns how many."""
    competitors = list(_to_number(competition).order_by("created_at", "id"))
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
    number = _first_free_bib(competition)
    for competitor in competitors:
        competitor.bib = number
        number += 1
    Competitor.objects.bulk_update(competitors, ["bib"])
    return len(competitors)


def _numbered(count: int, bibs: range) -> str:
    if not bibs:
        return "no new bib numbers"
    noun = "competitor" if count == 1 else "competitors"
    numbers = f"{bibs[0]}" if len(bibs) == 1 else f"{bibs[0]}–{bibs[-1]}"
    return f"{count} {noun} numbered {numbers}"


def _drawn(events: int, heats: int) -> str:
    if not events:
        return "no heats drawn"
    return (
        f"{events} event{'' if events == 1 else 's'} drawn into "
        f"{heats} heat{'' if heats == 1 else 's'}"
    )


@dataclass
class ClosingReport:
    competition: Competition
    seed: int
    bibs_assigned: int = 0
    bibs: range = range(0)  # the bib numbers handed out
    planned: dict[str, list[int]] = field(default_factory=dict)  # event name → round sizes
    drawn: dict[str, int] = field(default_factory=dict)  # event name → heats drawn

    def sentence(self) -> str:
        """What closing did, as the organizer reads it."""
        numbered = _numbered(self.bibs_assigned, self.bibs)
        drawn = _drawn(len(self.drawn), sum(self.drawn.values()))
        return f"Registration of {self.competition.name} closed: {numbered}, {drawn}."


@dataclass(frozen=True)
class EventClosingPlan:
    """One event as closing would leave it."""

    name: str
    entries: int
    rounds: int  # rounds in its plan (kept, or planned at closing)
    heats: int  # heats its first round is drawn into (0: none drawn)
    started: bool = False  # started events are left as they are
    plan_kept: bool = False  # the organizer's plan is kept


@dataclass(frozen=True)
class ClosingPreview:
    """What ``registration_close`` would do now; nothing is written."""

    competition: Competition
    problem: str | None  # why closing would be refused
    to_number: int
    bibs: range
    events: tuple[EventClosingPlan, ...]

    @property
    def heats(self) -> int:
        return sum(e.heats for e in self.events)

    def sentence(self) -> str:
        drawn = [e for e in self.events if e.heats]
        text = f"{_numbered(self.to_number, self.bibs)}, {_drawn(len(drawn), self.heats)}."
        return text[0].upper() + text[1:]


def _closable_problem(competition: Competition) -> str | None:
    if competition.status in (
        CompetitionStatus.REGISTRATION_OPEN,
        CompetitionStatus.REGISTRATION_CLOSED,
    ):
        return None
    return (
        f"{competition.name} is {competition.get_status_display().lower()}: "
        "registration can be closed only while it is open."
    )


def registration_close_preview(*, competition: Competition) -> ClosingPreview:
    """What closing registration would do: bibs to hand out, and per event its rounds
    and the heats its first round is drawn into (as ``registration_close`` decides)."""
    to_number = _to_number(competition).count()
    first_bib = _first_free_bib(competition)
    events = []
    for event in competition.events.order_by("position", "id"):
        entered = _entered(event)
        if event_started(event):
            events.append(EventClosingPlan(event.name, entered, 0, 0, started=True))
            continue
        kept = list(event.rounds.order_by("position"))
        count = len(kept) if kept else len(_planned_sizes(event, entered))
        heats = 0
        dancing = entered - sum(event_seeded(event).values())  # stars join later
        if count and dancing > 0:
            kind = kept[0].kind if kept else _round_kinds(count)[0]
            heats = round_heat_count(event=event, kind=kind, entries=dancing)
        events.append(EventClosingPlan(event.name, entered, count, heats, plan_kept=bool(kept)))
    return ClosingPreview(
        competition=competition,
        problem=_closable_problem(competition),
        to_number=to_number,
        bibs=range(first_bib, first_bib + to_number),
        events=tuple(events),
    )


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
    elif problem := _closable_problem(competition):
        raise TransitionRefused(problem)
    report = ClosingReport(competition=competition, seed=seed)
    first_bib = _first_free_bib(competition)
    report.bibs_assigned = competition_assign_bibs(competition=competition, seed=seed)
    report.bibs = range(first_bib, first_bib + report.bibs_assigned)
    for event in competition.events.order_by("position", "id"):
        if event_started(event):
            continue
        rounds = list(event.rounds.order_by("position"))
        if not rounds:
            rounds = event_plan_rounds(event=event)
        report.planned[event.name] = [r.recall_count or 0 for r in rounds]
        first = rounds[0] if rounds else None
        dancing = _entered(event) - sum(event_seeded(event).values())  # stars join later
        if first is None or dancing <= 0:
            continue
        heat_count = round_heat_count(event=event, kind=first.kind, entries=dancing)
        round_draw_heats(round=first, heat_count=heat_count, seed=seed)
        report.drawn[event.name] = heat_count
    timetable_sync(competition=competition)
    return report
