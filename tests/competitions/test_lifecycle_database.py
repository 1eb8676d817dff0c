"""The database itself refuses every status move not allowed, on PostgreSQL and SQLite.

Each test drives the database with raw SQL, bypassing the ORM and the services, so it
proves the rule lives in the schema (CHECK constraints and triggers)."""

import datetime as dt
import itertools

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from competitions.db_rules import expected_rule_count, install_db_rules, installed_rule_count
from competitions.models import Competition, CompetitionStatus, Round, RoundStatus
from tests.factories.competitions import CompetitionFactory, RoundFactory

COMPETITION_PAIRS = list(itertools.permutations(CompetitionStatus.values, 2))
ROUND_PAIRS = list(itertools.permutations(RoundStatus.values, 2))


def _raw_update(table: str, pk: int, status: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET status = %s WHERE id = %s", [status, pk])


def _force_status(table: str, pk: int, status: str) -> None:
    """Place a row in ``status`` directly, as a restore would (inserts are not guarded)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
        columns = [col[0] for col in cursor.description]
        row = dict(zip(columns, cursor.fetchone(), strict=True))
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
        row["status"] = status
        # SQLite hands times back as datetime.time but takes them only as text.
        row = {k: v.isoformat() if isinstance(v, dt.time) else v for k, v in row.items()}
        names = ", ".join(row)
        marks = ", ".join(["%s"] * len(row))
        cursor.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))


@pytest.mark.django_db
def test_every_guard_trigger_installed_after_migrate():
    assert installed_rule_count(connection) == expected_rule_count(connection.vendor)


@pytest.mark.django_db
def test_installing_guards_again_changes_nothing():
    install_db_rules(connection)
    install_db_rules(connection)

    assert installed_rule_count(connection) == expected_rule_count(connection.vendor)


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), COMPETITION_PAIRS)
def test_competition_status_raw_update_allowed_only_for_listed_moves(from_status, to_status):
    competition = CompetitionFactory()
    _force_status("competitions_competition", competition.pk, from_status)
    allowed = to_status in Competition.TRANSITIONS[from_status]

    if allowed:
        _raw_update("competitions_competition", competition.pk, to_status)
        competition.refresh_from_db()
        assert competition.status == to_status
    else:
        with pytest.raises(IntegrityError):
            _raw_update("competitions_competition", competition.pk, to_status)
        competition.refresh_from_db()
        assert competition.status == from_status


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ROUND_PAIRS)
def test_round_status_raw_update_allowed_only_for_listed_moves(from_status, to_status):
    round_ = RoundFactory()
    _force_status("competitions_round", round_.pk, from_status)
    allowed = to_status in Round.TRANSITIONS[from_status]

    if allowed:
        _raw_update("competitions_round", round_.pk, to_status)
        round_.refresh_from_db()
        assert round_.status == to_status
    else:
        with pytest.raises(IntegrityError):
            _raw_update("competitions_round", round_.pk, to_status)
        round_.refresh_from_db()
        assert round_.status == from_status


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("table", "factory"),
    [("competitions_competition", CompetitionFactory), ("competitions_round", RoundFactory)],
)
def test_status_outside_the_known_values_refused_on_update_and_insert(table, factory):
    obj = factory()

    with pytest.raises(IntegrityError):
        _raw_update(table, obj.pk, "paused")
    with pytest.raises(IntegrityError), transaction.atomic():
        _force_status(table, obj.pk, "paused")


@pytest.mark.django_db
def test_finished_competition_cannot_go_back_to_draft():
    competition = CompetitionFactory()
    _force_status("competitions_competition", competition.pk, CompetitionStatus.FINISHED)

    with pytest.raises(IntegrityError):
        _raw_update("competitions_competition", competition.pk, CompetitionStatus.DRAFT)


@pytest.mark.django_db
def test_update_that_keeps_the_status_is_allowed_from_any_state():
    competition = CompetitionFactory()
    _force_status("competitions_competition", competition.pk, CompetitionStatus.ARCHIVED)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE competitions_competition SET name = %s WHERE id = %s",
            ["Renamed", competition.pk],
        )
    competition.refresh_from_db()

    assert competition.name == "Renamed"
    assert competition.status == CompetitionStatus.ARCHIVED


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL counts function calls")
def test_a_counter_update_runs_no_guard_and_a_row_saved_whole_runs_them():
    """The guards of a column fire only for an UPDATE that sets it (as on SQLite): the
    places' counter UPDATE of a registration runs none, a row saved whole runs them."""
    from django.db.models import F

    from competitions.models import Event
    from tests.factories.competitions import EventFactory

    event = EventFactory()
    guards = [
        "competitions_event_competition_id_fixed",
        "competitions_event_entry_kind_fixed_when_entered",
        "competitions_competition_status_guard",
    ]

    def calls() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(sum(calls), 0) FROM pg_stat_xact_user_functions "
                "WHERE funcname = ANY(%s)",
                [guards],
            )
            return cursor.fetchone()[0]

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL track_functions = 'pl'")
    except DatabaseError:
        pytest.skip("counting function calls takes a superuser's connection")
    before = calls()
    Event.objects.filter(pk=event.pk).update(entries_taken=F("entries_taken") + 1)
    Competition.objects.filter(pk=event.competition_id).update(entries_taken=F("entries_taken") + 1)
    after_counters = calls()
    event.refresh_from_db()
    event.save()
    event.competition.save()

    assert after_counters == before
    assert calls() == before + 3
