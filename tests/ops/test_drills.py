"""Fault drills (issue 10): Podium keeps every acknowledged mark through crashes and
outages. Each drill starts its own throwaway PostgreSQL cluster, Redis and servers on
spare loopback ports (``bench/drills.py``, which also runs them by hand and prints their
reports), so it never disturbs the machine's shared services.

They run in CI's PostgreSQL pass (marker ``drill``), all in one xdist worker so the
throwaway cluster is set up once (about 30 s: initdb and migrate), and take about two
minutes together.
"""

import pytest

from bench.drills import (
    Stack,
    drill_postgres_restarted,
    drill_redis_stopped,
    drill_server_killed,
    drill_worker_killed,
    missing_tools,
)

pytestmark = [pytest.mark.drill, pytest.mark.xdist_group("drills")]


@pytest.fixture(scope="module")
def stack():
    missing = missing_tools()
    if missing:
        pytest.skip(missing)
    with Stack() as running:
        yield running


def assert_no_mark_lost_or_doubled(report):
    assert report["refused"] == []
    assert report["acknowledged"] == report["sheets"]
    assert report["still_in_outboxes"] == 0
    assert report["acknowledged_twice"] == 0
    assert report["acknowledged_missing_from_database"] == []
    assert report["stored_without_acknowledgement"] == []
    assert report["duplicate_keys"] == []
    assert report["sheets_with_wrong_marks"] == []
    assert report["sheets_with_wrong_trail"] == []
    assert report["verify"]["exit_status"] == 0, report["verify"]["output"]


def test_server_killed_mid_burst_loses_no_acknowledged_sheet(stack):
    report = drill_server_killed(stack)

    assert report["at_kill"]["in_outboxes"] > 0  # the kill came mid-burst
    assert report["failed_attempts"] > 0
    assert report["sheets_resent_and_accepted"] > 0
    assert_no_mark_lost_or_doubled(report)


def test_redis_stopped_sheets_are_still_stored_and_screens_catch_up(stack):
    report = drill_redis_stopped(stack)

    assert report["accepted_while_redis_down"] == 8
    # Polling works from the database while Redis is down.
    assert report["snapshot_while_redis_down"] == {"status": 200, "sheets_in": 12}
    assert report["health_while_redis_down"]["status"] == "unavailable"
    assert report["health_while_redis_down"]["channel_layer"]["ok"] is False
    assert report["new_viewer_after_redis_returned_sees_all"] is True
    assert_no_mark_lost_or_doubled(report)


def test_postgres_restarted_answers_503_with_retry_after_and_resumes(stack):
    report = drill_postgres_restarted(stack)

    assert report["answers_503"] > 0
    assert report["answers_503_without_retry_after"] == 0
    assert report["sheets_resent_and_accepted"] > 0
    assert_no_mark_lost_or_doubled(report)


def test_worker_killed_during_an_email_the_job_is_retried_not_lost(stack):
    report = drill_worker_killed(stack)

    assert report["smtp_connections"] == 2  # the killed try, then the retry
    assert report["delivered"] == 1
    assert report["sent_to_the_competitor"] is True
    assert report["dead_letters"] == 0
