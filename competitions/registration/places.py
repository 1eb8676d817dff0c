"""Places held by counters on the event and the competition rows, taken and given back.

A place is taken by one conditional statement under READ COMMITTED,

    UPDATE competitions_event SET entries_taken = entries_taken + 1
    WHERE id = %s AND (entry_limit IS NULL OR entries_taken < entry_limit)

which PostgreSQL re-evaluates on the latest row version when it waited for another
writer, so no number of simultaneous registrations can take more places than the
limit (docs/benchmarks.md, "Before Podium", has the measurements). CHECK
constraints (``entries_taken <= entry_limit``) back it up. Rows are always locked in
the same order, events by id and then the competition, so writers never deadlock.
"""

from __future__ import annotations

from django.db.models import F, Q

from competitions.models import Competition, CompetitionStatus, Entry, Event


def take_event_place(event: Event) -> bool:
    """One conditional UPDATE: take a place if the event has room. True if taken."""
    return bool(
        Event.objects.filter(pk=event.pk)
        .filter(Q(entry_limit__isnull=True) | Q(entries_taken__lt=F("entry_limit")))
        .update(entries_taken=F("entries_taken") + 1)
    )


def take_competition_places(competition: Competition, count: int, now) -> bool:
    """One conditional UPDATE: the window is open and the competition has room for
    ``count`` more entries. True if taken."""
    if count == 0:
        window = Competition.objects.filter(pk=competition.pk)
    else:
        window = Competition.objects.filter(pk=competition.pk).filter(
            Q(capacity__isnull=True) | Q(entries_taken__lte=F("capacity") - count)
        )
    window = window.filter(status=CompetitionStatus.REGISTRATION_OPEN).filter(
        Q(registration_opens_at__isnull=True) | Q(registration_opens_at__lte=now),
        Q(registration_closes_at__isnull=True) | Q(registration_closes_at__gt=now),
    )
    return bool(window.update(entries_taken=F("entries_taken") + count))


def release_place(entry: Entry) -> None:
    Event.objects.filter(pk=entry.event_id, entries_taken__gt=0).update(
        entries_taken=F("entries_taken") - 1
    )
    Competition.objects.filter(pk=entry.event.competition_id, entries_taken__gt=0).update(
        entries_taken=F("entries_taken") - 1
    )
