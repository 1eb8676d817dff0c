"""What a registration through the API sends to the database (issue 21): each statement
is a round trip, and those after the first place is taken are made while every other
registration of the event waits. The counts are upper bounds, so a change that adds a
round trip to the hot path has to say so here."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from competitions.models import Competition, Competitor, Entry, Event
from competitions.registration import RegistrationRefused, registration_submit, submit
from tests.competitions.registration_helpers import couple, open_competition, skating_event
from tests.support.held import from_another_connection
from tests.support.round_trips import round_trips

pytestmark = pytest.mark.django_db(transaction=True)


def _body(events, name="Tom Lee"):
    return {
        "kind": "couple",
        "name": name,
        "partner_name": "Ava Kim",
        "email": "tom@example.org",
        "events": [e.pk for e in events],
    }


def _register(client, link, events, name="Tom Lee"):
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            reverse("api:registration-link", args=[link.token]),
            _body(events, name),
            content_type="application/json",
        )
    return response, [q["sql"] for q in captured.captured_queries]


def _after_first_place(statements):
    first = next(i for i, sql in enumerate(statements) if "SET entries_taken" in sql)
    return statements[first : statements.index("COMMIT") + 1]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the one-statement path is PostgreSQL's"
)
def test_one_event_registration_takes_both_places_in_one_statement_then_commits(client):
    competition, link = open_competition(capacity=10)
    event = skating_event(competition, entry_limit=5)

    response, statements = _register(client, link, [event])

    assert response.status_code == 201
    assert not [sql for sql in statements if "SAVEPOINT" in sql]
    # The events are read with the link, in its statement, and not again.
    assert [sql for sql in statements if '"competitions_event"' in sql][0] == statements[0]
    assert statements[0].startswith("SELECT") and "WHERE l.token = " in statements[0]
    held = _after_first_place(statements)
    assert len(held) == 2 and held[1] == "COMMIT", held
    # The link with the events, BEGIN, the names' look-up with the competitor, its entries
    # and the confirmation job, the places, COMMIT (then the confirmation job, run at
    # once here, reads what it sends).
    assert statements.index("COMMIT") + 1 <= 5, [q[:60] for q in statements]
    assert "INSERT INTO competitions_outboxjob" in statements[2]
    event.refresh_from_db()
    competition.refresh_from_db()
    assert (event.entries_taken, competition.entries_taken) == (1, 1)


def test_places_counted_across_events_with_a_full_one_on_its_waiting_list(client):
    competition, link = open_competition(capacity=10)
    full = skating_event(competition, name="Full Latin", entry_limit=1, waiting_list=True)
    Event.objects.filter(pk=full.pk).update(entries_taken=1)
    room = skating_event(competition, name="Open Standard", entry_limit=3)

    response, _ = _register(client, link, sorted([full, room], key=lambda e: e.pk))

    assert response.status_code == 201
    statuses = dict(Entry.objects.values_list("event__name", "status"))
    assert statuses == {"Full Latin": "waiting", "Open Standard": "entered"}
    assert Event.objects.get(pk=room.pk).entries_taken == 1
    assert Event.objects.get(pk=full.pk).entries_taken == 1
    assert Competition.objects.get(pk=competition.pk).entries_taken == 1


def test_capacity_reached_by_the_last_event_refuses_all_and_writes_nothing(client):
    competition, link = open_competition(capacity=1)
    first = skating_event(competition, name="Adult Latin")
    second = skating_event(competition, name="Adult Standard")

    response, _ = _register(client, link, [first, second])

    assert response.status_code == 409
    assert "capacity of 1" in response.json()["message"]
    assert not Entry.objects.exists()
    assert [e.entries_taken for e in Event.objects.order_by("pk")] == [0, 0]
    assert Competition.objects.get(pk=competition.pk).entries_taken == 0


def test_details_wrong_in_a_well_formed_request_are_told_field_by_field(client):
    competition, link = open_competition()
    event = skating_event(competition, min_age=16)

    response, _ = _register(client, link, [event], name="T0m")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "name" in errors and "birth_year" in errors
    assert not Entry.objects.exists()


def test_details_refused_by_the_service_do_not_use_up_the_idempotency_key(client):
    competition, link = open_competition()
    event = skating_event(competition, min_age=16)
    path = reverse("api:registration-link", args=[link.token])
    body = _body([event])
    headers = {"Idempotency-Key": "form-7"}

    refused = client.post(path, body, content_type="application/json", headers=headers)
    fixed = {**body, "birth_year": 1990, "partner_birth_year": 1991}
    accepted = client.post(path, fixed, content_type="application/json", headers=headers)

    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"birth_year", "partner_birth_year"}
    assert accepted.status_code == 201
    assert Entry.objects.count() == 1


def _competitor_rows_read() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq_tup_read + COALESCE(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables "
            "WHERE relname = %s",
            [Competitor._meta.db_table],
        )
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
@pytest.mark.django_db(transaction=False)
def test_a_registration_reads_no_other_competitor_whatever_plan_is_cached():
    """The names are checked by their unique index, not by a look-up whose plan a
    prepared statement keeps: a generic plan made while the table was small scanned
    every competitor of the competition for the names, at each registration."""
    competition, link = open_competition()
    event = skating_event(competition)
    Competitor.objects.bulk_create(
        Competitor(competition=competition, kind="solo", name=f"Dancer {n}", reference=f"r{n}")
        for n in range(300)
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    for n in range(8):  # past psycopg's threshold: the statements are prepared
        registration_submit(link=link, details=couple(n), event_ids=[event.pk])

    before = _competitor_rows_read()
    result = registration_submit(link=link, details=couple(40), event_ids=[event.pk])
    read = _competitor_rows_read() - before

    assert result.created
    assert read <= 2, f"a registration read {read} competitors"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement path")
@pytest.mark.django_db(transaction=False)
def test_names_held_by_a_row_gone_before_it_is_read_refuse_and_write_nothing(monkeypatch):
    """The index refused the names, then the row holding them was gone before it could be
    read (deleted meanwhile): the registration is refused as a race, nothing written."""
    competition, link = open_competition()
    event = skating_event(competition)
    registration_submit(link=link, details=couple(1), event_ids=[event.pk])
    gone = submit._SAME_NAMES.replace("WHERE", "WHERE false AND")
    monkeypatch.setattr(submit, "_SAME_NAMES", gone)

    with pytest.raises(RegistrationRefused, match="a moment ago"):
        registration_submit(link=link, details=couple(1), event_ids=[event.pk])

    assert Competitor.objects.filter(competition=competition).count() == 1
    assert Entry.objects.filter(event=event).count() == 1
    assert Event.objects.get(pk=event.pk).entries_taken == 1


def test_the_link_and_events_statement_is_composed_once_per_number_of_events(client):
    from competitions.registration import links

    competition, link = open_competition(capacity=100)
    events = [skating_event(competition, entry_limit=50) for _ in range(2)]
    links._link_read_sql_kept.cache_clear()

    for name in ("Tom Lee", "Max Roe", "Ian Poe"):
        response, _ = _register(client, link, events, name=name)
        assert response.status_code == 201
    kept = links._link_read_sql_kept.cache_info()

    assert (kept.misses, kept.hits) == (1, 2)


def test_a_list_of_events_longer_than_any_form_sends_is_read_without_being_kept():
    from competitions.registration import links

    competition, link = open_competition(capacity=100)
    event = skating_event(competition, entry_limit=50)
    links._link_read_sql_kept.cache_clear()
    asked = [event.pk, *range(10**9, 10**9 + 40)]

    found, events = links._link_read(link.token, asked, ("name",))

    assert found.pk == link.pk and found.competition == competition
    assert [e.pk for e in events] == [event.pk]
    assert links._link_read_sql_kept.cache_info().currsize == 0


def test_the_last_event_full_puts_the_couple_on_its_waiting_list(client):
    competition, link = open_competition(capacity=10)
    room = skating_event(competition, name="Open Standard", entry_limit=3)
    full = skating_event(competition, name="Full Latin", entry_limit=1, waiting_list=True)
    Event.objects.filter(pk=full.pk).update(entries_taken=1)

    response, _ = _register(client, link, [room, full])

    assert response.status_code == 201
    statuses = dict(Entry.objects.values_list("event__name", "status"))
    assert statuses == {"Open Standard": "entered", "Full Latin": "waiting"}
    assert [e.entries_taken for e in Event.objects.order_by("pk")] == [1, 1]
    assert Competition.objects.get(pk=competition.pk).entries_taken == 1


def test_the_last_event_full_without_a_waiting_list_refuses_all_and_writes_nothing(client):
    competition, link = open_competition(capacity=10)
    room = skating_event(competition, name="Open Standard", entry_limit=3)
    full = skating_event(competition, name="Full Latin", entry_limit=1)
    Event.objects.filter(pk=full.pk).update(entries_taken=1)

    response, _ = _register(client, link, [room, full])

    assert response.status_code == 409
    assert response.json()["errors"] == {"events": ["Full, with no waiting list: “Full Latin”."]}
    assert not Entry.objects.exists() and not Competitor.objects.exists()
    assert [e.entries_taken for e in Event.objects.order_by("pk")] == [0, 1]
    assert Competition.objects.get(pk=competition.pk).entries_taken == 0


def test_capacity_reached_under_an_idempotency_key_is_refused_and_replayed(client):
    competition, link = open_competition(capacity=1)
    event = skating_event(competition, name="Adult Latin")
    Competition.objects.filter(pk=competition.pk).update(entries_taken=1)
    path = reverse("api:registration-link", args=[link.token])
    body = _body([event])
    headers = {"Idempotency-Key": "form-8"}

    first = client.post(path, body, content_type="application/json", headers=headers)
    again = client.post(path, body, content_type="application/json", headers=headers)

    assert first.status_code == again.status_code == 409
    assert "capacity of 1" in first.json()["message"]
    assert again.json() == first.json()
    assert not Entry.objects.exists() and not Competitor.objects.exists()
    assert Event.objects.get(pk=event.pk).entries_taken == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="round trips are PostgreSQL's")
def test_a_registration_waits_for_postgresql_four_times(client):
    """The link with the events; BEGIN (psycopg waits for it); the competitor, its entry
    and the confirmation job; the places with COMMIT, and no wait after it."""
    competition, link = open_competition(capacity=10)
    event = skating_event(competition, entry_limit=5)
    _register(client, link, [event], name="Warm Up")  # the throttle's and the link's caches

    with round_trips() as count:
        response, _ = _register(client, link, [event])

    assert response.status_code == 201
    waits = count.statements_per_round_trip()
    assert waits[:4] == [1, 1, 1, 2], "\n".join(count.messages)
    assert 0 not in waits  # no Sync sent with nothing before it


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL pipelines COMMIT")
def test_the_places_statement_commits_the_registration_with_it(client, monkeypatch):
    """Another connection sees the registration as soon as the places' statement has
    returned, before the service's transaction block is left: COMMIT went with it."""
    competition, link = open_competition(capacity=10)
    event = skating_event(competition, entry_limit=5)
    seen = []
    real = submit.take_last_places

    def places_then_look(**kwargs):
        waits = real(**kwargs)
        seen.append(from_another_connection(Entry.objects.filter(event=event).count))
        return waits

    monkeypatch.setattr(submit, "take_last_places", places_then_look)
    response, statements = _register(client, link, [event])

    assert response.status_code == 201
    assert seen == [1]
    places = next(i for i, sql in enumerate(statements) if "podium_places_refused" in sql)
    assert statements[places + 1] == "COMMIT"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL pipelines COMMIT")
def test_a_transaction_its_caller_opened_is_not_committed_by_the_places():
    """A script that turned autocommit off owns its transaction: the registration's
    statement must not commit it early."""
    from django.db import transaction

    competition, link = open_competition(capacity=10)
    event = skating_event(competition, entry_limit=5)

    transaction.set_autocommit(False)
    try:
        registration_submit(link=link, details=couple(), event_ids=[event.pk])
        seen = from_another_connection(Entry.objects.filter(event=event).count)
        transaction.rollback()
    finally:
        transaction.set_autocommit(True)

    assert seen == 0
    assert not Entry.objects.exists()


def test_every_full_event_is_named_when_the_first_is_full(client):
    competition, link = open_competition(capacity=10)
    first = skating_event(competition, name="Full Latin", entry_limit=1)
    last = skating_event(competition, name="Full Standard", entry_limit=1)
    Event.objects.filter(pk__in=[first.pk, last.pk]).update(entries_taken=1)

    response, _ = _register(client, link, [first, last])

    assert response.status_code == 409
    assert response.json()["errors"] == {
        "events": ["Full, with no waiting list: “Full Latin”, “Full Standard”."]
    }
    assert not Entry.objects.exists()
    assert [e.entries_taken for e in Event.objects.order_by("pk")] == [1, 1]
