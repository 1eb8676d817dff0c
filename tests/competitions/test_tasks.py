import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone

from competitions.models import Competition, FailedJob
from competitions.registration import reminders_claim_due
from competitions.tasks import (
    failed_job_retry,
    send_due_reminders_task,
    send_registration_confirmation_task,
)
from tests.factories.competitions import CompetitionFactory, CompetitorFactory, EntryFactory
from tests.support.mail import DisconnectingBackend

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def competition_on(day, **fields):
    competition = CompetitionFactory(starts_on=day, ends_on=day, timezone="Europe/London", **fields)
    Competition.objects.filter(pk=competition.pk).update(status="registration_open")
    return competition


def test_confirmation_retries_three_times_then_lands_in_the_dead_letter_table(settings):
    settings.EMAIL_BACKEND = "tests.support.mail.DisconnectingBackend"
    DisconnectingBackend.attempts = 0
    entry = EntryFactory(competitor__email="tom@example.org")

    result = send_registration_confirmation_task.delay(entry.competitor_id, [entry.pk])

    job = FailedJob.objects.get()
    assert result.state == "FAILURE"
    assert DisconnectingBackend.attempts == 3
    assert job.task_name == "competitions.send_registration_confirmation"
    assert job.args == [entry.competitor_id, [entry.pk]]
    assert "SMTPServerDisconnected" in job.error


def test_a_dead_job_retried_after_the_server_recovers_sends_the_mail(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.support.mail.DisconnectingBackend"
    entry = EntryFactory(competitor__email="ava@example.org")
    send_registration_confirmation_task.delay(entry.competitor_id, [entry.pk])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    with django_capture_on_commit_callbacks(execute=True):
        assert failed_job_retry(job=FailedJob.objects.get())

    assert mail.outbox[0].to == ["ava@example.org"]


def test_confirmation_for_a_competitor_without_email_sends_nothing():
    entry = EntryFactory(competitor__email="")

    assert send_registration_confirmation_task.delay(entry.competitor_id, [entry.pk]).get() is False
    assert mail.outbox == []


def test_reminders_are_due_24_hours_before_nine_on_the_day():
    day = dt.date(2027, 3, 6)
    competition = competition_on(day)
    reminded = EntryFactory(event__competition=competition, competitor__email="a@example.org")
    EntryFactory(event__competition=competition, competitor__email="")
    starts = dt.datetime(2027, 3, 6, 9, 0, tzinfo=LONDON)

    too_early = reminders_claim_due(now=starts - dt.timedelta(hours=25))
    due = reminders_claim_due(now=starts - dt.timedelta(hours=23))
    again = reminders_claim_due(now=starts - dt.timedelta(hours=22))

    assert too_early == []
    assert due == [reminded.competitor_id]
    assert again == []


def test_withdrawn_competitors_and_other_competitions_get_no_reminder():
    day = dt.date(2027, 3, 6)
    competition = competition_on(day)
    EntryFactory(event__competition=competition, withdrawn=True)
    later = competition_on(dt.date(2027, 3, 20))
    EntryFactory(event__competition=later)

    assert reminders_claim_due(now=dt.datetime(2027, 3, 5, 12, tzinfo=LONDON)) == []


def test_due_reminders_task_sends_the_emails(django_capture_on_commit_callbacks):
    now = timezone.now().astimezone(LONDON)
    day = (now + dt.timedelta(hours=12)).date()
    if dt.datetime.combine(day, dt.time(9), tzinfo=LONDON) <= now:
        day += dt.timedelta(days=1)
    competition = competition_on(day, name="Harbour Open")
    competitor = CompetitorFactory(competition=competition, email="ben@example.org", bib=17)
    EntryFactory(event__competition=competition, competitor=competitor)

    with django_capture_on_commit_callbacks(execute=True):
        count = send_due_reminders_task.delay().get()

    assert count == 1
    assert mail.outbox[0].subject == "Tomorrow: Harbour Open"
    assert "Your bib number: 17" in mail.outbox[0].body
