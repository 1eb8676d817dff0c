"""Background jobs of the competitions app: registration emails and clean-ups.

Every job is retried with exponential backoff (3 tries in all); a job that fails every
try is kept in the dead-letter table (``FailedJob``), visible in the admin with a
retry action. Tasks take ids and call services.
"""

from __future__ import annotations

import logging
import smtplib

from celery import Task, current_app, shared_task
from django.db import transaction
from django.utils import timezone

from competitions import emails
from competitions.models import Competitor, FailedJob
from competitions.outbox import RELAY_BATCH, relay_jobs
from competitions.registration import idempotency_keys_expire, reminders_claim_due

logger = logging.getLogger(__name__)

RETRYABLE = (smtplib.SMTPException, OSError, ConnectionError, TimeoutError)


class DeadLetterTask(Task):
    """Retries with exponential backoff, then keeps the failed job for a person."""

    autoretry_for = RETRYABLE
    max_retries = 2  # three tries in all
    retry_backoff = 5
    retry_backoff_max = 300
    retry_jitter = True
    acks_late = True

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        FailedJob.objects.create(
            task_name=self.name,
            task_id=task_id or "",
            args=list(args or []),
            kwargs=dict(kwargs or {}),
            error=f"{type(exc).__name__}: {exc}"[:2000],
            traceback=str(einfo)[:20000] if einfo else "",
        )
        logger.error("job %s %s failed every try: %s", self.name, task_id, exc)


@shared_task(base=DeadLetterTask, name="competitions.send_registration_confirmation")
def send_registration_confirmation_task(
    competitor_id: int, entry_ids: list[int], site: str = ""
) -> bool:
    """``site``: the address the registration came in on, for the link (SITE_URL wins)."""
    competitor = Competitor.objects.select_related("competition").filter(pk=competitor_id).first()
    if competitor is None or not competitor.email:
        return False
    emails.send_registration_confirmation(competitor=competitor, entry_ids=entry_ids, site=site)
    return True


@shared_task(base=DeadLetterTask, name="competitions.send_registration_again")
def send_registration_again_task(competitor_id: int, site: str = "") -> bool:
    competitor = Competitor.objects.select_related("competition").filter(pk=competitor_id).first()
    if competitor is None or not competitor.email:
        return False
    emails.send_registration_again(competitor=competitor, site=site)
    return True


@shared_task(base=DeadLetterTask, name="competitions.send_reminder")
def send_reminder_task(competitor_id: int) -> bool:
    competitor = Competitor.objects.select_related("competition").filter(pk=competitor_id).first()
    if competitor is None or not competitor.email:
        return False
    emails.send_reminder(competitor=competitor)
    return True


@shared_task(name="competitions.send_due_reminders")
def send_due_reminders_task() -> int:
    """Claim the reminders that are due and queue one job each (beat runs this often)."""
    due = reminders_claim_due(now=timezone.now())
    for competitor_id in due:
        transaction.on_commit(lambda cid=competitor_id: send_reminder_task.delay(cid), robust=True)
    return len(due)


@shared_task(name="competitions.expire_idempotency_keys")
def expire_idempotency_keys_task() -> int:
    return idempotency_keys_expire(older_than_hours=24)


def failed_job_retry(*, job: FailedJob) -> bool:
    """Queue a dead job again, once: the job row is claimed with a conditional UPDATE."""
    claimed = FailedJob.objects.filter(pk=job.pk, retried_at__isnull=True).update(
        retried_at=timezone.now()
    )
    if not claimed:
        return False
    task = current_app.tasks[job.task_name]
    transaction.on_commit(lambda: task.apply_async(args=job.args, kwargs=job.kwargs), robust=True)
    return True


@shared_task(name="competitions.relay_outbox")
def relay_outbox_task() -> int:
    """Hand the jobs transactions wrote (competitions/outbox.py) to the queue; beat runs
    this every few seconds. Drains up to ten batches a run."""
    sent = total = relay_jobs()
    for _ in range(9):
        if sent < RELAY_BATCH:
            break
        sent = relay_jobs()
        total += sent
    return total
