"""Every write to the competition structure goes through here.

The lifecycle moves are the heart of it: ``competition_transition`` and
``round_transition`` are what the admin, the API and the commands call. They check
who is asking and what must hold first, and turn a refusal by the database (whose
triggers are the last word on the allowed moves) into a message a person understands.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from competitions.access import staff_can
from competitions.components import allocation_draw, allocation_problems
from competitions.floors import floor_judge_clashes
from competitions.models import (
    Competition,
    CompetitionStatus,
    Entry,
    EntryStatus,
    Event,
    Heat,
    HeatEntry,
    Round,
    RoundKind,
    RoundStatus,
    ScoringMethod,
    StatusChange,
)


class TransitionRefused(Exception):
    """A lifecycle move that may not be made, with the reason in plain words."""


class DrawRefused(Exception):
    """A heat draw that may not be made now."""


def _require_permission(
    actor: User | None, permission: str, what: str, competition: Competition | int
) -> None:
    # ``actor=None`` is the system itself: a management command run by staff.
    if actor is not None and not staff_can(actor, permission, competition):
        raise TransitionRefused(f"You do not have permission to {what}.")


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# --- Competition lifecycle -------------------------------------------------------------


def _competition_preconditions(competition: Competition, to_status: str) -> list[str]:
    problems: list[str] = []
    events = list(
        competition.events.annotate(
            dance_count=Count("dances", distinct=True),
            criterion_count=Count("criteria", distinct=True),
            judge_count=Count("panel", filter=Q(panel__shadow=False), distinct=True),
            has_entries=Exists(Entry.objects.filter(event=OuterRef("pk"), withdrawn=False)),
            has_rounds=Exists(Round.objects.filter(event=OuterRef("pk"))),
        )
    )
    # An event nobody entered (or everyone left) has nothing to judge: it needs no panel
    # to start the day, and no final to finish it.
    judged = [event for event in events if event.has_entries or event.has_rounds]
    if to_status == CompetitionStatus.REGISTRATION_OPEN:
        if not events:
            problems.append("add at least one event before opening registration")
        for event in events:
            if event.is_danced and event.dance_count == 0:
                problems.append(f"“{event.name}” has no dances")
            if event.scoring_method == ScoringMethod.CRITERIA and event.criterion_count == 0:
                problems.append(f"“{event.name}” has no criteria")
            if event.is_components and event.criterion_count == 0:
                problems.append(f"“{event.name}” has no components (its criteria)")
        closes = competition.registration_closes_at
        if closes is not None and closes <= timezone.now():
            problems.append(
                "the registration window closed on "
                f"{timezone.localtime(closes):%d %b %Y %H:%M}; move its end first"
            )
    elif to_status == CompetitionStatus.IN_PROGRESS:
        if not events:
            problems.append("the competition has no events")
        problems.extend(
            f"“{event.name}” has no judging panel" for event in judged if event.judge_count == 0
        )
        problems.extend(
            f"“{event.name}” drops the highest and lowest score, which needs at least three "
            f"judges (it has {event.judge_count})"
            for event in judged
            if event.drop_extremes
            and event.scoring_method == ScoringMethod.CRITERIA
            and 0 < event.judge_count < 3
        )
    elif to_status == CompetitionStatus.FINISHED:
        for event in judged:
            rounds = list(event.rounds.all())
            final = next((r for r in rounds if r.kind == RoundKind.FINAL), None)
            if final is None:
                problems.append(f"“{event.name}” has no final")
            unpublished = [r for r in rounds if r.status != RoundStatus.PUBLISHED]
            if unpublished:
                problems.append(
                    f"“{event.name}” has rounds not yet published: "
                    + ", ".join(r.get_kind_display() for r in unpublished)
                )
    return problems


@transaction.atomic
def competition_transition(
    *, competition: Competition, to_status: str, actor: User | None, note: str = ""
) -> Competition:
    """Move ``competition`` to ``to_status``, or raise ``TransitionRefused`` saying why."""
    _require_permission(
        actor, "competitions.transition_competition", "change a competition's status", competition
    )
    if to_status not in CompetitionStatus.values:
        raise TransitionRefused(f"“{to_status}” is not a competition status.")
    locked = Competition.objects.select_for_update().get(pk=competition.pk)
    current, target = locked.status, to_status
    if current == target:
        raise TransitionRefused(
            f"{locked.name} is already {_label(CompetitionStatus, target).lower()}."
        )
    if not locked.can_move_to(target):
        allowed = [_label(CompetitionStatus, s).lower() for s in locked.TRANSITIONS[current]]
        onward = f" From there it can go to: {', '.join(allowed)}." if allowed else ""
        raise TransitionRefused(
            f"{locked.name} cannot go from {_label(CompetitionStatus, current).lower()} to "
            f"{_label(CompetitionStatus, target).lower()}.{onward}"
        )
    _competition_move(locked, target, actor, note)
    competition.status = target
    return locked


def _competition_move(locked: Competition, target: str, actor: User | None, note: str) -> None:
    current = locked.status
    problems = _competition_preconditions(locked, target)
    if problems:
        raise TransitionRefused(
            f"{locked.name} cannot be moved to {_label(CompetitionStatus, target).lower()}: "
            + "; ".join(problems)
            + "."
        )
    locked.status = target
    try:
        with transaction.atomic():
            locked.save(update_fields=["status", "updated_at"])
    except IntegrityError as exc:
        raise TransitionRefused(f"The database refused the move: {exc}".strip()) from exc
    StatusChange.objects.create(
        competition=locked, from_status=current, to_status=target, actor=actor, note=note
    )


def _competition_follows_rounds(round_: Round, actor: User | None) -> None:
    """The day drives the competition: it is in progress once its first round opens, and
    finished once every event's results are published."""
    competition = Competition.objects.select_for_update().get(pk=round_.event.competition_id)
    if (
        round_.status == RoundStatus.OPEN
        and competition.status == CompetitionStatus.REGISTRATION_CLOSED
    ):
        _competition_move(
            competition,
            CompetitionStatus.IN_PROGRESS,
            actor,
            f"the first round opened: {round_}",
        )
    elif (
        round_.status == RoundStatus.PUBLISHED
        and competition.status == CompetitionStatus.IN_PROGRESS
    ) and not _competition_preconditions(competition, CompetitionStatus.FINISHED):
        _competition_move(
            competition,
            CompetitionStatus.FINISHED,
            actor,
            "every event's results are published",
        )
    round_.event.competition.status = competition.status


# --- Round lifecycle ----------------------------------------------------------------


def _round_preconditions(round_: Round, to_status: str) -> list[str]:
    problems: list[str] = []
    event = round_.event
    if to_status == RoundStatus.OPEN and round_.status == RoundStatus.PLANNED:
        if event.competition.status not in (
            CompetitionStatus.REGISTRATION_CLOSED,
            CompetitionStatus.IN_PROGRESS,
        ):
            problems.append(
                "rounds open only once registration has closed (the competition is "
                f"{event.competition.get_status_display().lower()})"
            )
        if not event.panel.filter(shadow=False).exists():
            problems.append(f"“{event.name}” has no judging panel")
        if not HeatEntry.objects.filter(heat__round=round_).exists():
            problems.append("no heats have been drawn")
        earlier = event.rounds.filter(position__lt=round_.position).exclude(
            status=RoundStatus.PUBLISHED
        )
        if earlier.exists():
            problems.append("the earlier rounds of the event are not all published")
        problems.extend(floor_judge_clashes(round_))  # a judge is on one floor at a time
    return problems


@transaction.atomic
def round_transition(*, round: Round, to_status: str, actor: User | None, note: str = "") -> Round:
    """Open, close, reopen or publish a round, or raise ``TransitionRefused``."""
    _require_permission(
        actor,
        "competitions.transition_round",
        "open, close or publish rounds",
        round.event.competition_id,
    )
    if to_status not in RoundStatus.values:
        raise TransitionRefused(f"“{to_status}” is not a round status.")
    locked = (
        Round.objects.select_for_update(of=("self",))
        .select_related("event__competition")
        .get(pk=round.pk)
    )
    current, target = locked.status, to_status
    if current == target:
        raise TransitionRefused(f"{locked} is already {_label(RoundStatus, target).lower()}.")
    if not locked.can_move_to(target):
        reason = (
            " A published round is final: corrections are made before publication."
            if current == RoundStatus.PUBLISHED
            else ""
        )
        raise TransitionRefused(
            f"{locked} cannot go from {_label(RoundStatus, current).lower()} to "
            f"{_label(RoundStatus, target).lower()}.{reason}"
        )
    problems = _round_preconditions(locked, target)
    if current == RoundStatus.PLANNED and target == RoundStatus.OPEN:
        problems += allocation_problems(locked)
    if problems:
        raise TransitionRefused(
            f"{locked} cannot be {_label(RoundStatus, target).lower()}: "
            + "; ".join(problems)
            + "."
        )
    if current == RoundStatus.PLANNED and target == RoundStatus.OPEN:
        allocation_draw(locked)
    locked.status = target
    if current == RoundStatus.CLOSED and target == RoundStatus.OPEN:
        locked.revision += 1  # sheets loaded before the reopening are now stale
    try:
        with transaction.atomic():
            locked.save(update_fields=["status", "revision"])
    except IntegrityError as exc:
        raise TransitionRefused(f"The database refused the move: {exc}".strip()) from exc
    StatusChange.objects.create(
        competition=locked.event.competition,
        round=locked,
        from_status=current,
        to_status=target,
        actor=actor,
        note=note,
    )
    _competition_follows_rounds(locked, actor)
    round.status, round.revision = target, locked.revision
    return locked


# --- Heats -------------------------------------------------------------------------


@dataclass(frozen=True)
class Draw:
    round_id: int
    seed: int
    heats: tuple[tuple[int, ...], ...]  # entry ids per heat, in heat order


def round_heat_count(*, event: Event, kind: str, entries: int) -> int:
    """How many heats a round of ``kind`` deals ``entries`` into: one for a final or a
    criteria event (its running order), else as few as hold at most the event's
    ``max_per_heat`` each."""
    if kind == RoundKind.FINAL or event.scoring_method == ScoringMethod.CRITERIA:
        return 1
    if event.max_per_heat < 1:
        raise DrawRefused("A heat must hold at least one entry.")
    return max(1, -(-entries // event.max_per_heat))


def _deal(pool: list[Entry], heat_count: int, rng: random.Random, separate_clubs: bool):
    """Deal shuffled entries into heats whose sizes differ by at most one.

    With ``separate_clubs``, each entry goes to the heat (among those with room) that
    has the fewest entries of its club so far, clubs with most entries dealt first; ties
    are broken by the seeded random order, so the same seed gives the same draw.
    """
    sizes = [
        len(pool) // heat_count + (1 if i < len(pool) % heat_count else 0)
        for i in range(heat_count)
    ]
    rng.shuffle(pool)
    if not separate_clubs:
        return [pool[sum(sizes[:i]) : sum(sizes[: i + 1])] for i in range(heat_count)]
    by_club: dict[str, list[Entry]] = {}
    for entry in pool:
        club = entry.competitor.club.strip().casefold()
        by_club.setdefault(club or f"#{entry.pk}", []).append(entry)
    ordered = [e for group in sorted(by_club.values(), key=len, reverse=True) for e in group]
    heats: list[list[Entry]] = [[] for _ in range(heat_count)]
    order = list(range(heat_count))
    for entry in ordered:
        club = entry.competitor.club.strip().casefold()
        rng.shuffle(order)
        candidates = [i for i in order if len(heats[i]) < sizes[i]]
        best = min(
            candidates,
            key=lambda i: sum(
                1 for e in heats[i] if club and e.competitor.club.strip().casefold() == club
            ),
        )
        heats[best].append(entry)
    for heat in heats:
        rng.shuffle(heat)  # the running order within the heat
    return heats


@transaction.atomic
def round_draw_heats(
    *,
    round: Round,
    heat_count: int,
    seed: int,
    entries: Sequence[Entry] | None = None,
) -> Draw:
    """Draw ``round``'s heats at random from ``seed`` (so the draw can be reproduced).

    Entries (by default every entered entry of the event that has not withdrawn and is
    not seeded into a later round) are
    spread over the heats so that sizes differ by at most one, keeping couples of the
    same club apart where the event asks for it and it is possible. The order within a
    heat is the running order. Allowed until the round opens; a new draw replaces the
    old one, and the seed is recorded on the round.
    """
    locked = Round.objects.select_for_update(of=("self",)).select_related("event").get(pk=round.pk)
    if locked.status != RoundStatus.PLANNED:
        raise DrawRefused(
            f"{locked} is {locked.get_status_display().lower()}: heats can be drawn only "
            "before the round opens."
        )
    pool = (
        list(entries)
        if entries is not None
        else list(
            locked.event.entries.filter(withdrawn=False, status=EntryStatus.ENTERED)
            # not the seeded couples who join in a later round
            .exclude(seeded_round__gt=locked.position)
            .select_related("competitor")
            .order_by("id")
        )
    )
    if not pool:
        raise DrawRefused(f"{locked} has no entries to draw.")
    if any(entry.event_id != locked.event_id for entry in pool):
        raise DrawRefused("Only entries of the round's own event can be drawn into its heats.")
    if any(entry.withdrawn or entry.status != EntryStatus.ENTERED for entry in pool):
        raise DrawRefused("Withdrawn or waiting entries cannot be drawn into heats.")
    if not 1 <= heat_count <= len(pool):
        raise DrawRefused(f"Choose between 1 and {len(pool)} heats for {len(pool)} entries.")

    pool.sort(key=lambda entry: entry.pk)
    # bandit: a seeded, repeatable heat draw (the seed is printed)
    dealt = _deal(pool, heat_count, random.Random(seed), locked.event.separate_clubs)  # nosec B311

    locked.heats.all().delete()
    heats = Heat.objects.bulk_create(
        Heat(round=locked, number=number) for number in range(1, heat_count + 1)
    )
    HeatEntry.objects.bulk_create(
        HeatEntry(heat=heat, entry=entry, position=position)
        for heat, members in zip(heats, dealt, strict=True)
        for position, entry in enumerate(members, start=1)
    )
    locked.draw_seed = seed
    locked.save(update_fields=["draw_seed"])
    round.draw_seed = seed
    return Draw(
        round_id=locked.pk,
        seed=seed,
        heats=tuple(tuple(entry.pk for entry in members) for members in dealt),
    )
