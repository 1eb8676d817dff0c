"""A transaction's last statement sent with its COMMIT (``rows.last_statement``): committed
when it returns in the outermost block, refusals raised as Django's errors with nothing
written, and a transaction that is not the outermost block's left open."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from psycopg import pq

from adjudication.models import Mark
from competitions.models import OutboxJob
from scoring_site import rows
from tests.support.held import from_another_connection
from tests.support.round_trips import round_trips

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

_JOB = ("task_name", "args", "kwargs", "created_at")


def _job(name: str) -> tuple:
    return (name, [1], {}, timezone.now())


def _seen_elsewhere(name: str) -> int:
    """How many such jobs another connection sees (committed ones only)."""
    return from_another_connection(OutboxJob.objects.filter(task_name=name).count)


def test_the_outermost_blocks_last_statement_goes_with_commit_in_one_round_trip():
    committed = []
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append("hook"))
        rows.insert_values([(OutboxJob, _JOB, [_job("first")])])
        with round_trips() as count:
            rows.insert_values([(OutboxJob, _JOB, [_job("last")])], last=True)
        status = connection.connection.pgconn.transaction_status
        seen_inside = _seen_elsewhere("last"), _seen_elsewhere("first")
        assert committed == []  # the block's callbacks wait for the block

    assert count.statements_per_round_trip() == [2]  # the INSERT and COMMIT
    assert status == pq.TransactionStatus.IDLE
    assert seen_inside == (1, 1)
    assert committed == ["hook"]
    assert OutboxJob.objects.count() == 2


def test_inside_a_savepoint_the_last_statement_leaves_the_transaction_open():
    with transaction.atomic():
        with transaction.atomic():
            rows.insert_values([(OutboxJob, _JOB, [_job("nested")])], last=True)
            status = connection.connection.pgconn.transaction_status
        seen_inside = _seen_elsewhere("nested")

    assert status == pq.TransactionStatus.INTRANS
    assert seen_inside == 0
    assert _seen_elsewhere("nested") == 1


def test_a_transaction_opened_by_hand_is_left_to_its_owner():
    transaction.set_autocommit(False)
    try:
        with transaction.atomic():
            rows.insert_values([(OutboxJob, _JOB, [_job("by hand")])], last=True)
        seen_inside = _seen_elsewhere("by hand")
        transaction.rollback()
    finally:
        transaction.set_autocommit(True)

    assert seen_inside == 0
    assert not OutboxJob.objects.exists()


def test_a_refusal_at_commit_is_djangos_error_and_nothing_is_written():
    missing_sheet = 10**9  # the marks' key to their sheet is checked at COMMIT

    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        rows.insert_values([(OutboxJob, _JOB, [_job("before")])])
        rows.insert_values(
            [(Mark, ("sheet", "entry", "criterion", "value"), [(missing_sheet, 1, None, 1)])],
            last=True,
        )

    assert refused.value.__cause__.sqlstate == "23503"  # foreign_key_violation
    assert not OutboxJob.objects.exists() and not Mark.objects.exists()  # and usable


def test_a_refused_statement_is_djangos_error_and_the_block_rolls_back():
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        rows.insert_values([(OutboxJob, _JOB, [_job("before")])])
        with connection.cursor() as cursor, rows.last_statement():
            cursor.execute("SELECT 1 / 0")

    assert refused.value.__cause__.sqlstate == "22012"  # division_by_zero
    assert not OutboxJob.objects.exists()  # and the connection is usable after it
