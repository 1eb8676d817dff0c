"""Seeded (star) couples: a couple that joins its event in a later round.

WDSF fixes its star couples the evening before the competition; here a couple is
seeded (or unseeded) while the round it joins is still to be drawn and the round
before it has not started. The round before then recalls one couple fewer (or more),
so the round the star joins keeps its planned size (the database refuses any change
once that round is drawn)."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from adjudication.incidents.trail import incident_record, reason_require
from adjudication.services.common import ScoringError, permission_require
from competitions.models import (
    Entry,
    EntryStatus,
    HeatEntry,
    Incident,
    Round,
    RoundStatus,
)
from scoring_site.realtime import announce


def couple_name(entry: Entry) -> str:
    """The couple as the trail names it: its bib, or its names before bibs are handed out
    (registration closing gives them)."""
    return str(entry.competitor.bib) if entry.competitor.bib else entry.competitor.display_name


def _locked_entry(entry: Entry) -> Entry:
    return (
        Entry.objects.select_for_update(of=("self",))
        .select_related("event", "competitor")
        .get(pk=entry.pk)
    )


def _rounds(entry: Entry) -> dict[int, Round]:
    return {
        r.position: r
        for r in Round.objects.select_for_update(of=("self",))
        .filter(event_id=entry.event_id)
        .order_by("position")
    }


def _still_open_to_seeding(rounds: dict[int, Round], position: int, what: str) -> None:
    """Refuse when the round at ``position`` is drawn or under way, or the round before
    it has started (its recall number is fixed then)."""
    joined = rounds.get(position)
    if joined is not None and (joined.status != RoundStatus.PLANNED or joined.heats.exists()):
        raise ScoringError(
            f"Round {position} is already drawn: {what} only before its heats are drawn.",
            "closed",
        )
    before = rounds.get(position - 1)
    if before is not None and before.status != RoundStatus.PLANNED:
        raise ScoringError(
            f"Round {position - 1} has started and recalls {before.recall_count or 'its'} "
            f"couples: {what} only before it starts.",
            "closed",
        )


def _recall_shift(rounds: dict[int, Round], position: int, by: int) -> str:
    """Change the recall number of the round before ``position`` by ``by``, so the round
    a star joins keeps its size; what changed, for the trail."""
    before = rounds.get(position - 1)
    if before is None or before.recall_count is None:
        return ""
    recall = before.recall_count + by
    if recall < 1:
        raise ScoringError(
            f"Round {before.position} recalls {before.recall_count}: no couple would be "
            f"recalled into round {position} with one more star. Raise its recall number "
            "in the plan first.",
        )
    before.recall_count = recall
    before.save(update_fields=["recall_count"])
    return f" Round {before.position} now recalls {recall} (was {recall - by})."


def _check_entry(entry: Entry, round_position: object) -> int:
    if entry.withdrawn:
        raise ScoringError(f"Couple {couple_name(entry)} has withdrawn: it cannot be seeded.")
    if entry.status != EntryStatus.ENTERED:
        raise ScoringError(
            f"Couple {couple_name(entry)} is on the waiting list: only entered couples are seeded."
        )
    if not entry.event.is_danced:
        raise ScoringError(
            f"{entry.event.name} is scored by criteria in one round: no couple is seeded there."
        )
    if isinstance(round_position, bool) or not isinstance(round_position, int):
        raise ScoringError("Choose the round the couple joins: a round number from 2.")
    if round_position < 2:
        raise ScoringError(
            "A seeded couple joins in round 2 or later: round 1 is where every couple starts."
        )
    return round_position


@transaction.atomic
def entry_seed(*, entry: Entry, round_position: int, actor: User, reason: str) -> Entry:
    """Seed ``entry`` into the event's round ``round_position`` (2 or later): it dances
    no earlier round, and the round before recalls one couple fewer."""
    entry = _locked_entry(entry)
    competition_id = entry.event.competition_id
    permission_require(actor, "competitions.seed_entry", "seed couples", competition_id)
    reason = reason_require(reason, "the couple is seeded")
    position = _check_entry(entry, round_position)
    if entry.seeded_round == position:
        raise ScoringError(f"Couple {couple_name(entry)} is already seeded into round {position}.")
    rounds = _rounds(entry)
    if rounds and position not in rounds:
        raise ScoringError(
            f"{entry.event.name} has {len(rounds)} round{'s' if len(rounds) > 1 else ''}: "
            f"there is no round {position} to seed a couple into."
        )
    if HeatEntry.objects.filter(
        entry=entry, heat__round__event_id=entry.event_id, heat__round__position__lt=position
    ).exists():
        raise ScoringError(
            f"Couple {couple_name(entry)} is already drawn into an earlier round's heats: "
            "seed couples before the first round is drawn."
        )
    changed = ""
    if entry.seeded_round is not None:  # moved from one round to another
        _still_open_to_seeding(rounds, entry.seeded_round, "a couple is unseeded")
        changed += _recall_shift(rounds, entry.seeded_round, +1)
    _still_open_to_seeding(rounds, position, "a couple is seeded")
    changed += _recall_shift(rounds, position, -1)
    entry.seeded_round = position
    entry.save(update_fields=["seeded_round"])
    incident_record(
        competition_id=competition_id,
        kind=Incident.Kind.SEEDED,
        summary=f"Couple {couple_name(entry)} seeded into round {position}.{changed}",
        reason=reason,
        actor=actor,
        round=rounds.get(position),
        entry=entry,
    )
    announce(competition_id, "entry.seeded", {"entry": entry.pk, "round": position})
    return entry


@transaction.atomic
def entry_unseed(*, entry: Entry, actor: User, reason: str) -> Entry:
    """The couple dances from the first round again; the round before the one it was
    seeded into recalls one couple more."""
    entry = _locked_entry(entry)
    competition_id = entry.event.competition_id
    permission_require(actor, "competitions.seed_entry", "unseed couples", competition_id)
    reason = reason_require(reason, "the couple is unseeded")
    position = entry.seeded_round
    if position is None:
        raise ScoringError(f"Couple {couple_name(entry)} is not seeded.")
    rounds = _rounds(entry)
    first = rounds.get(1)
    if first is not None and (first.status != RoundStatus.PLANNED or first.heats.exists()):
        raise ScoringError(
            f"Round 1 is already drawn: couple {couple_name(entry)} could no longer dance it. "
            f"It stays seeded into round {position}.",
            "closed",
        )
    _still_open_to_seeding(rounds, position, "a couple is unseeded")
    changed = _recall_shift(rounds, position, +1)
    entry.seeded_round = None
    entry.save(update_fields=["seeded_round"])
    incident_record(
        competition_id=competition_id,
        kind=Incident.Kind.UNSEEDED,
        summary=f"Couple {couple_name(entry)} no longer seeded into round {position}: "
        f"it dances from round 1.{changed}",
        reason=reason,
        actor=actor,
        round=rounds.get(position),
        entry=entry,
    )
    announce(competition_id, "entry.unseeded", {"entry": entry.pk, "round": position})
    return entry
