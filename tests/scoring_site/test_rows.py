"""Rows read and written by hand-written statements come back as the ORM has them:
aware datetimes, decimals, JSON, the model's field order, on both backends."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from competitions.models import Competition, Criterion, OutboxJob
from scoring_site import rows
from tests.factories.competitions import CompetitionFactory, CriterionFactory

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
