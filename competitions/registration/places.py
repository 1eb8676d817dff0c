"""Places held by counters on the event and the competition rows, taken and given back.

A place is taken by one conditional statement under READ COMMITTED,

    UPDATE competitions_event SET entries_taken = entries_taken + 1
    WHERE id = %s AND (entry_limit IS NULL OR entries_taken < entry_limit)

which PostgreSQL re-evaluates on the latest row version when it waited for another
writer, so no number of simultaneous registrations can take more places than the
limit (docs/benchmarks.md, "Before Podium", has the measurements). CHECK
constraints (``entries_taken <= entry_limit``) back it up. Rows are always locked in
the same order, events by id and then the competition, so writers never deadlock.

On PostgreSQL a registration's last event and the competition are one statement
(``take_last_places``), which also puts the entry on the event's waiting list and
refuses, by raising in the database, what cannot be taken. As the last statement of the
outermost transaction it is sent with ``COMMIT`` in one round trip: the rows every
registration contends for are then held for the statement and the commit only, not
also while the thread waits for the interpreter's lock to send ``COMMIT`` (with eight
request threads per process that wait was most of the time the rows were held;
docs/benchmarks.md, the eighth pass).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import DatabaseError, connection
from django.db.models import F, Q

from competitions.models import Competition, CompetitionStatus, Entry, EntryStatus, Event
from scoring_site import rows

# The SQLSTATE of podium_places_refused (migration 0016): what the database refused.
REFUSED = "PD001"


class PlacesRefused(Exception):
    """The database refused the places (``take_last_places``): ``reason`` is ``EVENT``
    (the last event is full and keeps no waiting list) or ``COMPETITION`` (full, or
    its window closed). The transaction can only be rolled back."""

    EVENT = "event"
    COMPETITION = "competition"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


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
    places for those taken, its window and capacity checked, a statement each: the ids
    of the events whose place was taken, and whether the competition's were."""
    taken = {event.pk for event in events if take_event_place(event)}
    return taken, take_competition_places(competition, len(taken), now)


def take_last_places(
    *, competition: Competition, event: Event, entry: Entry, before: int, now
) -> bool:
    """PostgreSQL: ``event``'s place for ``entry``, or a place on its waiting list, and
    the competition's places for it and the ``before`` taken already, in one statement
    that raises ``PlacesRefused`` for what cannot be taken (see the module's docstring);
    True when the entry waits. In the outermost transaction, COMMIT is sent with it."""
    parameters = {
        "event": event.pk,
        "entry": entry.pk,
        "waiting": EntryStatus.WAITING,
        "listed": event.waiting_list,
        "before": before,
        "competition": competition.pk,
        "open": CompetitionStatus.REGISTRATION_OPEN,
        "now": now,
    }
    try:
        with connection.cursor() as cursor:
            with rows.last_statement():
                cursor.execute(_LAST_PLACES, parameters)
            _, waits = cursor.fetchone()
    except DatabaseError as error:
        refused = error.__cause__
        if getattr(refused, "sqlstate", None) == REFUSED:
            raise PlacesRefused(refused.diag.message_primary) from None
        raise
    return bool(waits)


# The same conditions as ``take_event_place`` and ``take_competition_places``. The
# competition's UPDATE reads the event's RETURNING, so the event's row is locked first,
# in the order every writer follows. Refused: the event is full and keeps no waiting
# list, then the competition (its entry is then waiting, or it has taken a place).
_LAST_PLACES = f"""
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
), waiting AS (
    UPDATE {Entry._meta.db_table} SET status = %(waiting)s
    WHERE id = %(entry)s AND NOT EXISTS (SELECT 1 FROM event)
    RETURNING id
)
SELECT podium_places_refused(CASE
        WHEN NOT %(listed)s AND NOT EXISTS (SELECT 1 FROM event) THEN '{PlacesRefused.EVENT}'
        WHEN NOT EXISTS (SELECT 1 FROM competition) THEN '{PlacesRefused.COMPETITION}'
    END),
    (SELECT count(*) FROM waiting)
"""  # nosec B608: the models' own table names


def release_place(entry: Entry) -> None:
    Event.objects.filter(pk=entry.event_id, entries_taken__gt=0).update(
        entries_taken=F("entries_taken") - 1
    )
    Competition.objects.filter(pk=entry.event.competition_id, entries_taken__gt=0).update(
        entries_taken=F("entries_taken") - 1
    )
