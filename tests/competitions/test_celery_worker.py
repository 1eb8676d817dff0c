"""A real Celery worker, on real Redis and PostgreSQL, sends the confirmation email."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from competitions.models import OutboxJob
from competitions.outbox import relay_jobs
from competitions.registration import registration_submit
from tests.competitions.registration_helpers import couple, open_competition, skating_event

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.real_celery,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(tmp_path):
    """A worker process on the test database, writing mail to files in ``tmp_path``."""
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER'] or 'postgres'}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATABASE_POOL": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "PODIUM_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "scoring_site.settings.base",
    }
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "scoring_site", "worker", "--pool=solo",
         "--without-heartbeat", "--without-gossip", "--without-mingle",
         "-Q", queue, "-l", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    from scoring_site.celery import app

    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield mail_dir
    finally:
        app.conf.task_default_queue = previous
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for_files(folder: Path, timeout: float = 30.0) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(folder.glob("*")) if folder.exists() else []
        if files:
            return files
        time.sleep(0.2)
    return []


def test_worker_sends_the_confirmation_the_relay_hands_over(worker):
    competition, link = open_competition(name="Harbour Open")
    event = skating_event(competition, name="Adult Latin")

    registration_submit(link=link, details=couple(email="ava@example.org"), event_ids=[event.pk])
    assert OutboxJob.objects.count() == 1  # written with the registration, not yet sent

    assert relay_jobs() == 1  # what beat's relay_outbox does every few seconds
    assert not OutboxJob.objects.exists()
    files = wait_for_files(worker)
    assert len(files) == 1
    message = files[0].read_text()
    assert "To: ava@example.org" in message
    assert "Subject: Your registration for Harbour Open" in message
    assert "Adult Latin: entered" in message
