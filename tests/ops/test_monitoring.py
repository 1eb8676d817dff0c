"""Monitoring on the day: /metrics for Prometheus, the desk's health panel, JSON logs."""

import json
import logging
import os
import time

import pytest
from django.urls import reverse

from adjudication.services import round_progress
from competitions.models import OutboxJob
from scoring_site import operations
from scoring_site.logging import JsonFormatter
from tests.adjudication.day import build_day
from tests.factories.competitions import FailedJobFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


def metric(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(name)]


def test_metrics_shows_podiums_gauges():
    day = build_day()
    day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:6]))
    FailedJobFactory()
    from django.test import Client

    response = Client().get(reverse("metrics"))

    text = response.content.decode()
    missing = sum(len(p.missing) for p in round_progress(day.first))
    assert response.status_code == 200
    assert metric(text, "podium_sheets_last_minute ") == ["podium_sheets_last_minute 1.0"]
    assert metric(text, "podium_sheets_missing{") == [
        f'podium_sheets_missing{{competition="{day.competition.slug}",round="{day.first}"}} '
        f"{float(missing)}"
    ]
    assert missing == 5
    assert metric(text, "podium_dead_letters ") == ["podium_dead_letters 1.0"]
    # The day's registrations' confirmations, never relayed: this test's transaction
    # never commits.
    jobs = OutboxJob.objects.count()
    assert jobs > 0
    assert metric(text, "podium_outbox_jobs ") == [f"podium_outbox_jobs {float(jobs)}"]
    (oldest,) = metric(text, "podium_outbox_oldest_seconds ")
    assert 0 < float(oldest.split()[1]) < 600
    assert metric(text, "podium_live_viewers{") == [
        f'podium_live_viewers{{pid="{os.getpid()}"}} 0.0'
    ]
    assert 'podium_up{part="database"} 1.0' in text
    # django-prometheus's own request metrics are there too.
    assert "django_http_requests_total_by_method_total" in text


def test_metrics_asks_for_the_token_when_one_is_set(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"

    refused = client.get(reverse("metrics"))
    wrong = client.get(reverse("metrics"), headers={"Authorization": "Bearer nope"})
    allowed = client.get(
        reverse("metrics"), headers={"Authorization": "Bearer s3cret-metrics-token"}
    )

    assert (refused.status_code, wrong.status_code, allowed.status_code) == (401, 401, 200)
    assert refused["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_metrics_are_not_served_in_production_without_a_token(client, settings):
    settings.PRODUCTION, settings.METRICS_TOKEN = True, None

    answer = client.get(reverse("metrics"))

    assert answer.status_code == 404 and b"METRICS_TOKEN" in answer.content
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    allowed = client.get(
        reverse("metrics"), headers={"Authorization": "Bearer s3cret-metrics-token"}
    )
    assert allowed.status_code == 200


def test_metrics_answers_only_get(client):
    assert client.post(reverse("metrics")).status_code == 405


def test_backup_check_without_a_backup_folder(settings):
    settings.BACKUP_DIR = None

    check = operations.backup_check()

    assert (check.ok, check.detail) == (False, "no backups: BACKUP_DIR is not set")


def test_backup_check_reads_the_newest_file(settings, tmp_path):
    settings.BACKUP_DIR = str(tmp_path)
    old, new = tmp_path / "podium-1.sql.gz", tmp_path / "podium-2.sql.gz"
    old.write_text("old")
    new.write_text("new")
    now = time.time()
    os.utime(old, (now - 7200, now - 7200))
    os.utime(new, (now - 60, now - 60))

    check = operations.backup_check()

    assert check.ok is True
    assert abs(operations.last_backup().timestamp() - (now - 60)) < 1


def test_backup_check_an_old_backup_is_trouble(settings, tmp_path):
    settings.BACKUP_DIR = str(tmp_path)
    stale = tmp_path / "podium.sql.gz"
    stale.write_text("x")
    two_days_ago = time.time() - 2 * 86400
    os.utime(stale, (two_days_ago, two_days_ago))

    assert operations.backup_check().ok is False


def test_backup_check_an_empty_folder_has_no_backups(settings, tmp_path):
    settings.BACKUP_DIR = str(tmp_path)

    assert operations.backup_check().detail == "no backups yet"


def test_the_desk_shows_the_health_panel(client, scrutineer, settings):
    settings.BACKUP_DIR = None
    day = build_day()
    sign_in_staff(client, scrutineer)

    response = client.get(reverse("adjudication:desk-competition", args=[day.competition.slug]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Database</strong> ✓" in page
    assert "<strong>Last backup</strong> ⚠ no backups: BACKUP_DIR is not set" in page


def test_workers_check_on_the_embedded_default(settings):
    settings.REDIS_URL = None

    assert operations.workers_check().detail == "jobs run in-process (embedded default)"
    assert operations.redis_check().ok is True


def test_json_log_lines():
    record = logging.LogRecord(
        "podium.outage", logging.WARNING, __file__, 1, "db %s", ("down",), None
    )

    line = json.loads(JsonFormatter().format(record))

    assert line["level"] == "WARNING"
    assert line["logger"] == "podium.outage"
    assert line["message"] == "db down"
    assert line["pid"] == os.getpid()


def test_workers_check_uses_the_remembered_ping(settings):
    from django.core.cache import cache

    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens: no queue depth
    cache.set(operations.WORKER_PING_KEY, {"count": 2}, 30)

    check = operations.workers_check()

    assert (check.ok, check.detail) == (True, "2 answering")


def test_workers_check_remembers_that_no_worker_answered(settings):
    from django.core.cache import cache

    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    cache.set(operations.WORKER_PING_KEY, {"count": 0}, 30)

    check = operations.workers_check()

    assert (check.ok, check.detail) == (False, "no worker answers: emails wait in the queue")
