"""A registration's confirmation is a job written with the registration and handed to
the queue after it commits (competitions/outbox.py)."""

import pytest
from django.core import mail
from kombu.exceptions import OperationalError

from competitions.models import FailedJob, OutboxJob
from competitions.outbox import relay_jobs
from competitions.registration import RegistrationRefused, registration_submit
from competitions.tasks import send_registration_confirmation_task
from scoring_site.celery import app
from tests.competitions.registration_helpers import couple, open_competition, skating_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker_mode():
    """Jobs for a worker, as in production: the relay, not the request, hands them over."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def registering():
    competition, link = open_competition(name="Harbour Open")
    event = skating_event(competition, name="Adult Latin", entry_limit=1)
    return link, event


def test_the_job_is_written_with_the_registration_and_nothing_is_published(
    broker_mode, registering
):
    link, event = registering

    result = registration_submit(
        link=link, details=couple(email="ava@example.org"), event_ids=[event.pk]
    )

    job = OutboxJob.objects.get()
    assert job.task_name == "competitions.send_registration_confirmation"
    assert job.args == [result.competitor.pk, [result.entries[0].pk]]
    assert mail.outbox == []


def test_a_refused_registration_leaves_no_job(broker_mode, registering):
    link, event = registering
    registration_submit(link=link, details=couple(0), event_ids=[event.pk])

    with pytest.raises(RegistrationRefused, match="Full"):
        registration_submit(link=link, details=couple(1), event_ids=[event.pk])

    assert OutboxJob.objects.count() == 1


def test_without_a_broker_the_job_runs_after_the_commit(registering):
    link, event = registering

    registration_submit(link=link, details=couple(email="ava@example.org"), event_ids=[event.pk])

    assert not OutboxJob.objects.exists()
    assert [m.to for m in mail.outbox] == [["ava@example.org"]]
    assert mail.outbox[0].subject == "Your registration for Harbour Open"


def test_a_publish_that_fails_keeps_its_job_and_the_rest_for_the_next_relay(
    broker_mode, monkeypatch
):
    competition, link = open_competition()
    event = skating_event(competition)
    for n in range(3):
        registration_submit(link=link, details=couple(n), event_ids=[event.pk])
    first, second, third = OutboxJob.objects.order_by("pk")
    published = []

    def publish(args=None, kwargs=None, **options):
        if args[0] == second.args[0] and not published[1:]:
            published.append("refused")
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        published.append(args[0])

    monkeypatch.setattr(send_registration_confirmation_task, "apply_async", publish)

    assert relay_jobs() == 1
    assert list(OutboxJob.objects.order_by("pk")) == [second, third]

    assert relay_jobs() == 2
    assert not OutboxJob.objects.exists()
    assert published == [first.args[0], "refused", second.args[0], third.args[0]]


def test_a_job_no_task_runs_goes_to_the_dead_letters_and_the_rest_go_on(broker_mode, monkeypatch):
    competition, link = open_competition()
    event = skating_event(competition)
    OutboxJob.objects.create(task_name="competitions.renamed_since", args=[1], kwargs={})
    registration_submit(link=link, details=couple(0), event_ids=[event.pk])
    sent = []
    monkeypatch.setattr(
        send_registration_confirmation_task,
        "apply_async",
        lambda args=None, kwargs=None, **options: sent.append(args),
    )

    assert relay_jobs() == 2

    assert not OutboxJob.objects.exists()
    assert len(sent) == 1
    failed = FailedJob.objects.get()
    assert (failed.task_name, failed.args) == ("competitions.renamed_since", [1])


def test_every_row_a_registration_writes_reads_back_as_given(broker_mode):
    competition, link = open_competition(name="Harbour Open")
    events = [skating_event(competition, name=f"Event {n}") for n in range(3)]
    chosen = [events[2].pk, events[0].pk]

    result = registration_submit(
        link=link,
        details=couple(email="ava@example.org", birth_year=1990),
        event_ids=chosen,
        site="http://hall.local:8000",
    )

    stored = type(result.competitor).objects.get()
    assert (stored.pk, stored.name, stored.email, stored.birth_year, stored.reference) == (
        result.competitor.pk,
        "Leader AA",
        "ava@example.org",
        1990,
        result.competitor.reference,
    )
    by_event = {e.event_id: e for e in stored.entries.all()}
    assert sorted(by_event) == sorted(chosen)
    for entry in result.entries:
        assert by_event[entry.event_id].pk == entry.pk
        assert (entry.status, entry.withdrawn) == ("entered", False)
        assert not entry.get_deferred_fields() and entry.competitor_id == stored.pk
    job = OutboxJob.objects.get()
    assert job.args == [stored.pk, [e.pk for e in result.entries]]
    assert job.kwargs == {"site": "http://hall.local:8000"}
