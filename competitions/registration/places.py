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

from collections.abc import Sequence

from django.db import connection
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


def take_places(competition: Competition, events: Sequence[Event], now) -> tuple[set[int], bool]:
    """A place in each of ``events`` (in id order) that has room, then the competition's
    places for those taken, its window and capacity checked: the ids of the events whose
    place was taken, and whether the competition's were.

    On PostgreSQL the last event's place and the competition's are one statement, so
    the rows every registration contends for are held for that statement and the
    ``COMMIT`` only (one round trip, not two, before the locks go)."""
    *before, last = events
    taken = {event.pk for event in before if take_event_place(event)}
    if connection.vendor != "postgresql":
        if take_event_place(last):
            taken.add(last.pk)
        return taken, take_competition_places(competition, len(taken), now)
    with connection.cursor() as cursor:
        cursor.execute(
            _LAST_PLACE_AND_COMPETITION, _last_place_parameters(competition, last, taken, now)
        )
        last_taken, competition_taken = cursor.fetchone()
    if last_taken:
        taken.add(last.pk)
    return taken, bool(competition_taken)


# The same conditions as ``take_event_place`` and ``take_competition_places``. The
# competition's UPDATE reads the event's RETURNING, so the event's row is locked first,
# in the order every writer follows.
_LAST_PLACE_AND_COMPETITION = f"""
WITH event AS (
    UPDATE {Event._meta.db_table} SET entries_taken = entries_taken + 1
    WHERE id = %(event)s AND (entry_limit IS NULL OR entries_taken < entry_limit)
    RETURNING id
), competition AS (
    UPDATE {Competition._meta.db_table}
    SET entries_taken = entries_taken + %(before)s + (SELECT count(*) FROM event)
    WHERE id = %(competition)s AND status = %(open)s
      AND (registration_opens_at IS NULL OR registration_opens_at <= %(now)s)
      AND (registration_closes_at IS NULL OR registration_closes_at > %(now)s)
      AND (capacity IS NULL
           OR entries_taken + %(before)s + (SELECT count(*) FROM event) <= capacity)
    RETURNING id
)
SELECT (SELECT count(*) FROM event), (SELECT count(*) FROM competition)
"""  # nosec B608: the models' own table names


def _last_place_parameters(competition, last, taken, now) -> dict:
    return {
        "event": last.pk,
        "before": len(taken),
        "competition": competition.pk,
        "open": CompetitionStatus.REGISTRATION_OPEN,
        "now": now,
    }


def release_place(entry: Entry) -> None:
    Event.objects.filter(pk=entry.event_id, entries_taken__gt=0).update(
        entries_taken=F("entries_taken") - 1
    )
    Competition.objects.filter(pk=entry.event.competition_id, entries_taken__gt=0).update(
        entries_taken=F("entries_taken") - 1
    )
