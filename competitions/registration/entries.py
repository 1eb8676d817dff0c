"""Entries added, removed or withdrawn by the organizer, the waiting list moving up, and
heats rebalanced after a withdrawal."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, Max, Q

from accounts.models import User
from competitions.models import (
    Competition,
    Competitor,
    Entry,
    EntryStatus,
    Event,
    HeatEntry,
    Round,
    RoundStatus,
)
from competitions.registration.places import release_place, take_event_place
from competitions.registration.refusals import RegistrationRefused


@transaction.atomic
def entry_add(*, event: Event, competitor: Competitor) -> Entry:
    """An organizer adds an entry by hand: the same conditional place-taking as
    registration, without the window (organizers take late entries)."""
    if Entry.objects.filter(event=event, competitor=competitor).exists():
        raise RegistrationRefused.single(f"Already entered in “{event.name}”.", "event")
    if not take_event_place(event):
        raise RegistrationRefused.single(
            f"“{event.name}” is full ({event.entry_limit} entries): raise its limit first.", "event"
        )
    updated = (
        Competition.objects.filter(pk=event.competition_id)
        .filter(Q(capacity__isnull=True) | Q(entries_taken__lt=F("capacity")))
        .update(entries_taken=F("entries_taken") + 1)
    )
    if not updated:
        raise RegistrationRefused.single(
            "The competition has reached its capacity: raise it first.", "event"
        )
    entry = Entry(event=event, competitor=competitor)
    entry.full_clean()
    entry.save()
    return entry


def event_started(event: Event) -> bool:
    return event.rounds.exclude(status=RoundStatus.PLANNED).exists()


def _promote_waiting(event: Event) -> Entry | None:
    """Give a freed place to the first entry on the waiting list, if any."""
    first = (
        Entry.objects.select_for_update(of=("self",))
        .filter(event=event, status=EntryStatus.WAITING, withdrawn=False)
        .order_by("created_at", "id")
        .first()
    )
    if first is None or not take_event_place(event):
        return None
    Competition.objects.filter(pk=event.competition_id).update(entries_taken=F("entries_taken") + 1)
    first.status = EntryStatus.ENTERED
    first.save(update_fields=["status"])
    return first


@transaction.atomic
def entry_remove(*, entry: Entry) -> None:
    """Delete an entry made by mistake, before its event has started."""
    entry = Entry.objects.select_related("event").get(pk=entry.pk)
    if event_started(entry.event):
        raise RegistrationRefused.single(
            "The event has started: withdraw the entry instead, so its marks stay on record."
        )
    holds_place = entry.status == EntryStatus.ENTERED and not entry.withdrawn
    entry.delete()
    if holds_place:
        release_place(entry)
        _promote_waiting(entry.event)


@dataclass
class WithdrawalResult:
    entry: Entry
    rebalanced: bool = False
    promoted: Entry | None = None


@transaction.atomic
def entry_withdraw(*, entry: Entry, actor: User | None = None) -> WithdrawalResult:
    """Withdraw an entry.

    Before its round opens, the entry leaves the heats of every planned round, which
    are rebalanced (one entry moves from the largest heat to the smallest until sizes
    differ by at most one), and its place goes to the first on the waiting list.
    After the round opened, it stays in the heat and the marks, flagged as withdrawn:
    judges cannot mark it and the desk sees it.
    """
    entry = Entry.objects.select_for_update(of=("self",)).select_related("event").get(pk=entry.pk)
    if entry.withdrawn:
        raise RegistrationRefused.single("This entry has already withdrawn.")
    holds_place = entry.status == EntryStatus.ENTERED
    entry.withdrawn = True
    entry.save(update_fields=["withdrawn"])
    result = WithdrawalResult(entry=entry)
    planned = HeatEntry.objects.filter(entry=entry, heat__round__status=RoundStatus.PLANNED)
    touched_rounds = set(planned.values_list("heat__round_id", flat=True))
    planned.delete()
    for round_id in touched_rounds:
        result.rebalanced |= _rebalance(Round.objects.get(pk=round_id))
    if holds_place and not event_started(entry.event):
        release_place(entry)
        result.promoted = _promote_waiting(entry.event)
    return result


def _rebalance(round_: Round) -> bool:
    heats = list(round_.heats.all())
    moved = False
    while heats:
        sizes = dict(
            HeatEntry.objects.filter(heat__round=round_)
            .values("heat_id")
            .annotate(n=Count("id"))
            .values_list("heat_id", "n")
        )
        sizes = {heat.pk: sizes.get(heat.pk, 0) for heat in heats}
        largest = max(heats, key=lambda h: (sizes[h.pk], -h.number))
        smallest = min(heats, key=lambda h: (sizes[h.pk], h.number))
        if sizes[largest.pk] - sizes[smallest.pk] <= 1:
            break
        last = largest.heat_entries.order_by("-position", "-id").first()
        last.heat = smallest
        last.position = (smallest.heat_entries.aggregate(m=Max("position"))["m"] or 0) + 1
        last.save(update_fields=["heat", "position"])
        moved = True
    return moved
