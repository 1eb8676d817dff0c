"""The bookkeeping of requests and background jobs: HTTP idempotency keys, the jobs
waiting to be handed to the queue, and the dead letters of jobs that failed all their
tries."""

from __future__ import annotations

from django.db import models


class IdempotencyKey(models.Model):
    """The first answer given to a request key, replayed when the same key comes again."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="competitions_idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class OutboxJob(models.Model):
    """A background job written in the transaction that asks for it, handed to the queue
    after it commits (competitions/outbox.py)."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.task_name} queued at {self.created_at:%Y-%m-%d %H:%M:%S}"


class FailedJob(models.Model):
    """A background job that failed all its tries (the dead-letter table)."""

    task_name = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    error = models.TextField()
    traceback = models.TextField(blank=True)
    failed_at = models.DateTimeField(auto_now_add=True)
    retried_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-failed_at"]

    def __str__(self) -> str:
        return f"{self.task_name} failed at {self.failed_at:%Y-%m-%d %H:%M}"
