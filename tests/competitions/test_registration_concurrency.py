"""Many simultaneous registrations on real PostgreSQL: the limit holds exactly."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from competitions.models import Competition, Entry, Event
from competitions.registration import RegistrationRefused, registration_submit
from tests.competitions.registration_helpers import couple, open_competition, skating_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16


def register_all_at_once(link, details_list, event_ids):
    barrier = threading.Barrier(len(details_list))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(details):
        try:
            barrier.wait()
            result = registration_submit(link=link, details=details, event_ids=event_ids)
            # A couple registered a moment before by another thread: nothing added.
            outcome = result.entries[0].status if result.created else "known"
        except RegistrationRefused as refusal:
            outcome = f"refused:{refusal.code}"
        except Exception as exc:  # anything else is a failure of the test
            outcome = f"error:{type(exc).__name__}:{exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(d,)) for d in details_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return Counter(outcomes)


def test_simultaneous_registrations_never_exceed_the_limit():
    assert connection.vendor == "postgresql"
    competition, link = open_competition()
    event = skating_event(competition, entry_limit=5)

    outcomes = register_all_at_once(link, [couple(n) for n in range(THREADS)], [event.pk])

    event.refresh_from_db()
    competition.refresh_from_db()
    assert outcomes == Counter({"entered": 5, "refused:unavailable": THREADS - 5})
    assert Entry.objects.filter(event=event).count() == 5
    assert event.entries_taken == 5
    assert competition.entries_taken == 5


def test_simultaneous_registrations_fill_places_then_the_waiting_list_in_order():
    competition, link = open_competition()
    event = skating_event(competition, entry_limit=3, waiting_list=True)

    outcomes = register_all_at_once(link, [couple(n) for n in range(THREADS)], [event.pk])

    assert outcomes == Counter({"entered": 3, "waiting": THREADS - 3})
    assert Event.objects.get(pk=event.pk).entries_taken == 3


def test_simultaneous_registrations_respect_the_competition_capacity():
    competition, link = open_competition(capacity=4)
    first, second = skating_event(competition, name="A"), skating_event(competition, name="B")

    outcomes = register_all_at_once(
        link, [couple(n) for n in range(THREADS)], [first.pk, second.pk]
    )

    competition = Competition.objects.get(pk=competition.pk)
    assert outcomes["entered"] == 2  # two couples, each taking two places
    assert competition.entries_taken == 4
    assert Entry.objects.count() == 4


def test_the_same_couple_twice_at_once_is_entered_once():
    competition, link = open_competition()
    event = skating_event(competition)

    outcomes = register_all_at_once(link, [couple(0)] * 8, [event.pk])

    # The names' unique index waits for the first and answers the others as a couple
    # registered before: nobody is refused, nobody learns that it was a moment ago.
    assert outcomes == Counter({"entered": 1, "known": 7})
    assert Entry.objects.count() == 1
    assert Event.objects.get(pk=event.pk).entries_taken == 1
