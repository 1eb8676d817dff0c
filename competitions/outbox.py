"""Background jobs asked for by a transaction, written in it and handed to the queue after.

A registration's confirmation email used to be published to the broker as its
transaction committed: about a sixth of a registration's CPU (Celery builds the message
and a Redis client for every publish: docs/benchmarks.md, "Cost per request"), and lost
when Redis was down at that moment. Now the job is a row written with the registration
(``queue_job``: one INSERT in the transaction already open), so it exists exactly when
the registration does, and ``relay_jobs`` hands the rows to the queue and deletes them:

* with a broker, beat's ``competitions.relay_outbox`` every ``OUTBOX_RELAY_SECONDS``
  (2 s), in a worker, many at a time; a job whose publish fails stays for the next run;
* without one (the embedded default runs jobs in-process), right after the commit, in
  the request, as before.

A job is handed over at least once: a relay that dies between the publish and its
commit leaves the row, and the next relay sends it again.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.db import transaction
from django.utils import timezone

from competitions.models import FailedJob, OutboxJob
from scoring_site import rows

logger = logging.getLogger(__name__)

RELAY_BATCH = 500


def queue_job(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Queue the job ``task_name`` with this transaction: it is handed over once the
    transaction commits, never for a rolled-back one. Jobs are named as in Celery's
    registry, so the services do not import the jobs that call them."""
    (pk,) = rows.insert_rows(
        OutboxJob,
        ("task_name", "args", "kwargs", "created_at"),
        [(task_name, list(args), kwargs, timezone.now())],
    )
    relay_after_commit(pk)


def relay_after_commit(pk: int) -> None:
    """Without a broker (jobs run in-process), hand the job ``pk`` over as soon as its
    transaction commits; with one, beat's relay takes it."""
    if current_app.conf.task_always_eager:
        transaction.on_commit(lambda: relay_jobs(ids=[pk]), robust=True)


def relay_jobs(*, ids: list[int] | None = None, limit: int = RELAY_BATCH) -> int:
    """Hand waiting jobs (``ids``, or the oldest ``limit``) to the queue and delete them;
    returns how many went. Rows another relay holds are skipped (``SKIP LOCKED``); a
    publish that fails ends the run, keeping that job and the rest for the next."""
    sent: list[int] = []
    with transaction.atomic():
        waiting = OutboxJob.objects.select_for_update(skip_locked=True).order_by("pk")
        if ids is not None:
            waiting = waiting.filter(pk__in=ids)
        jobs = list(waiting[:limit])
        if jobs:
            # One producer (one broker connection) for the batch, not one per message.
            with current_app.producer_or_acquire() as producer:
                for job in jobs:
                    task = current_app.tasks.get(job.task_name)
                    if task is None:  # renamed or removed since it was written
                        _dead_letter(job)
                        sent.append(job.pk)
                        continue
                    try:
                        task.apply_async(job.args, job.kwargs, producer=producer)
                    except Exception:  # the broker's failure: it waits for the next relay
                        logger.warning("job %s (%s) not handed over", job.pk, job.task_name)
                        break
                    sent.append(job.pk)
            OutboxJob.objects.filter(pk__in=sent).delete()
    return len(sent)


def _dead_letter(job: OutboxJob) -> None:
    """A job no task of this version runs goes to the dead letters (the admin's Failed
    jobs) instead of holding up the jobs behind it."""
    logger.error("job %s names no task (%s): kept as a failed job", job.pk, job.task_name)
    FailedJob.objects.create(
        task_name=job.task_name,
        task_id="",
        args=job.args,
        kwargs=job.kwargs,
        error="No job of this name in this version of Podium.",
    )
