"""Rows read and written by hand-written statements come back as the ORM has them:
aware datetimes, decimals, JSON, the model's field order, on both backends."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from adjudication.models import Mark, MarkChange, Sheet
from competitions.models import Competition, Criterion, Event, OutboxJob
from scoring_site import rows
from tests.factories.competitions import (
    CompetitionFactory,
    CriterionFactory,
    DanceFactory,
    EntryFactory,
    EventFactory,
    JudgeFactory,
    RoundFactory,
)
from tests.support.round_trips import round_trips

pytestmark = pytest.mark.django_db


def _read(model, pk, names=None):
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rows.columns('t', model, names)} FROM {table} t WHERE t.id = %s", [pk]
        )
        return rows.from_row(model, cursor.fetchone(), names)


def test_a_row_read_by_hand_equals_the_orms_instance():
    opens = timezone.now().replace(microsecond=123456) - dt.timedelta(days=2)
    competition = CompetitionFactory(registration_opens_at=opens, capacity=40)

    read = _read(Competition, competition.pk)
    orm = Competition.objects.get(pk=competition.pk)

    for field in Competition._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(orm, field.attname), field.name
    assert timezone.is_aware(read.registration_opens_at)
    assert read.registration_opens_at == opens
    assert read._state.adding is False


def test_names_given_in_any_order_are_read_in_the_models_order_and_the_rest_deferred():
    criterion = CriterionFactory(min_score=Decimal("0.5"), max_score=Decimal("9.5"))

    read = _read(Criterion, criterion.pk, ("max_score", "id", "min_score"))

    assert (read.pk, read.min_score, read.max_score) == (
        criterion.pk,
        Decimal("0.5"),
        Decimal("9.5"),
    )
    assert isinstance(read.min_score, Decimal)
    assert "name" in read.get_deferred_fields()


def test_a_name_that_is_not_a_column_is_refused():
    with pytest.raises(ValueError, match="Not concrete fields of Criterion"):
        rows.columns("t", Criterion, ("id", "nonsense"))


def test_rows_inserted_by_hand_get_their_keys_in_order_and_json_as_the_orm_writes_it():
    at = timezone.now()
    keys = rows.insert_rows(
        OutboxJob,
        ("task_name", "args", "kwargs", "created_at"),
        [("first", [7, [1, 2]], {"site": "hall"}, at), ("second", [], {}, at)],
    )

    jobs = {job.pk: job for job in OutboxJob.objects.filter(pk__in=keys)}
    assert keys == sorted(keys) and len(jobs) == 2
    assert (jobs[keys[0]].task_name, jobs[keys[0]].args, jobs[keys[0]].kwargs) == (
        "first",
        [7, [1, 2]],
        {"site": "hall"},
    )
    assert jobs[keys[1]].task_name == "second" and jobs[keys[0]].created_at == at


def test_a_parent_row_and_its_childrens_rows_are_written_with_its_key():
    round_ = RoundFactory()
    judge = JudgeFactory(competition=round_.event.competition)
    dance = DanceFactory(event=round_.event)
    entries = EntryFactory.create_batch(2, event=round_.event)
    sheet = Sheet(
        round=round_, judge=judge, dance=dance, round_revision=3, client_key="device-9",
        source=Sheet.Source.API, submitted_at=timezone.now(),
    )  # fmt: skip
    names = [f.attname for f in Sheet._meta.concrete_fields if not f.primary_key]
    marks = [
        (rows.PARENT, entry.pk, None, value)
        for entry, value in zip(entries, ("1", 2.5), strict=True)
    ]

    pk = rows.insert_values(
        [(Mark, ("sheet", "entry", "criterion", "value"), marks), (MarkChange, ("sheet",), [])],
        parent=(Sheet, names, [getattr(sheet, name) for name in names]),
    )

    stored = Sheet.objects.get(pk=pk)
    assert (stored.client_key, stored.round_revision, stored.version) == ("device-9", 3, 1)
    assert stored.submitted_at == sheet.submitted_at
    assert sorted(stored.marks.values_list("entry_id", "value")) == [
        (entries[0].pk, Decimal("1.00")),
        (entries[1].pk, Decimal("2.50")),
    ]


def test_a_value_every_row_shares_is_written_to_every_row():
    """On PostgreSQL such a column is sent once, not as an array; the rows come out the
    same on both backends, one row alone too."""
    round_ = RoundFactory()
    judge = JudgeFactory(competition=round_.event.competition)
    entries = [EntryFactory(event=round_.event) for _ in range(3)]
    sheet = Sheet.objects.create(
        round=round_, judge=judge, dance=DanceFactory(event=round_.event), round_revision=1,
        client_key="device-1", source=Sheet.Source.API, submitted_at=timezone.now(),
    )  # fmt: skip
    at = timezone.now()
    names = ("round", "sheet", "judge", "kind", "entry", "old_value", "new_value",
             "sheet_version", "source", "reason", "at")  # fmt: skip
    changes = [
        (round_.pk, sheet.pk, judge.pk, "new", entry.pk, None, value, 1, "api", "", at)
        for entry, value in zip(entries, map(Decimal, ("1.0", "1.00", "2")), strict=True)
    ]

    rows.insert_values([(MarkChange, names, changes)])
    rows.insert_values([(MarkChange, names, [changes[0][:-2] + ("alone", at)])])

    stored = MarkChange.objects.filter(sheet=sheet).order_by("pk")
    assert [
        (c.round_id, c.judge_id, c.kind, c.entry_id, c.old_value, c.new_value, c.reason, c.at)
        for c in stored
    ] == [
        (round_.pk, judge.pk, "new", entries[0].pk, None, Decimal("1.00"), "", at),
        (round_.pk, judge.pk, "new", entries[1].pk, None, Decimal("1.00"), "", at),
        (round_.pk, judge.pk, "new", entries[2].pk, None, Decimal("2.00"), "", at),
        (round_.pk, judge.pk, "new", entries[0].pk, None, Decimal("1.00"), "alone", at),
    ]


def test_a_parents_key_without_a_parent_row_is_refused():
    with pytest.raises(ValueError, match="without a parent row"):
        rows.insert_values(
            [(Mark, ("sheet", "entry", "criterion", "value"), [(rows.PARENT, 1, None, 1)])]
        )
    assert not Mark.objects.exists()


# --- Queries compiled once (rows.Compiled, rows.read_batch) ----------------------------------


def _events_from(competition_id, position):
    return (
        Event.objects.filter(competition_id=competition_id, position__gte=position)
        .exclude(position=30011)  # a constant equal to a stand-in stays a constant
        .order_by("position")
        .values_list("id", "name", "position")
    )


EVENTS_FROM = rows.Compiled(_events_from, "competition_id", "position")
CRITERIA_OF = rows.Compiled(
    lambda event_id: Criterion.objects.filter(event_id=event_id).values_list("id"), "event_id"
)


def test_a_compiled_query_reads_what_the_orm_reads_for_any_values():
    first, other = CompetitionFactory(), CompetitionFactory()
    for position in (1, 2, 3, 30011):
        EventFactory(competition=first, position=position)
    EventFactory(competition=other, position=2)

    for competition, position in ((first, 1), (first, 3), (other, 1), (other, 3)):
        sql, params = EVENTS_FROM.statement(competition_id=competition.pk, position=position)
        (found,) = rows.read_batch([(sql, params)])

        assert found == list(_events_from(competition.pk, position))
    assert len(found) == 0 and len(list(_events_from(first.pk, 3))) == 1


def test_statements_read_in_one_batch_each_see_what_the_transaction_wrote_before():
    criterion = CriterionFactory()
    competition_id = criterion.event.competition_id
    batch = [
        EVENTS_FROM.statement(competition_id=competition_id, position=0),
        CRITERIA_OF.statement(event_id=criterion.event_id),
    ]

    with CaptureQueriesContext(connection) as queries:
        events, criteria = rows.read_batch(batch)

    assert events == list(_events_from(competition_id, 0)) and len(events) == 1
    assert criteria == [(criterion.pk,)]
    assert len(queries) == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="round trips are PostgreSQL's")
def test_a_batch_is_one_round_trip_on_postgresql():
    criterion = CriterionFactory()
    batch = [
        EVENTS_FROM.statement(competition_id=criterion.event.competition_id, position=0),
        CRITERIA_OF.statement(event_id=criterion.event_id),
    ]

    with round_trips() as one:
        rows.read_batch(batch)
    with round_trips() as each:
        for statement in batch:
            rows.read_batch([statement])

    assert (one.round_trips, each.round_trips) == (1, 2)


@pytest.mark.parametrize(
    ("build", "names", "problem"),
    [
        (lambda n: Event.objects.order_by("pk")[:n], ("n",), "shape changes"),
        (lambda name: Event.objects.filter(name=name), ("name",), "changed on its way"),
        (lambda event_id, unused: Event.objects.filter(pk=event_id), ("event_id", "unused"),
         "not in the query's parameters: \\['unused'\\]"),
    ],
)  # fmt: skip
def test_a_query_that_is_not_the_same_statement_for_every_value_is_refused(build, names, problem):
    with pytest.raises(ValueError, match=problem):
        rows.Compiled(build, *names).statement(**dict.fromkeys(names, 1))
