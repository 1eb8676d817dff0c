"""Answers to requests sent again with the same idempotency key, replayed and expired."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from competitions.models import IdempotencyKey


def request_fingerprint(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyConflict(Exception):
    """The key was used before with a different request body (answer 422)."""


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: Any
    replayed: bool


@transaction.atomic
def idempotent_call(
    *, scope: str, key: str, fingerprint: str, call: Callable[[], tuple[int, Any]]
) -> StoredAnswer:
    """Run ``call`` once per (scope, key) and store its answer; replay it afterwards.

    The key row is inserted first: a simultaneous request with the same key waits on
    the unique index until the first commits, then replays its answer. ``call`` runs
    in a savepoint, so a refusal is stored (and replayed) while its writes roll back.
    """
    if not key or len(key) > 200:
        raise IdempotencyConflict("An idempotency key is 1 to 200 characters.")
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(scope=scope, key=key, fingerprint=fingerprint)
    except IntegrityError:
        record = IdempotencyKey.objects.get(scope=scope, key=key)
        if record.fingerprint != fingerprint:
            raise IdempotencyConflict(
                "This idempotency key was already used with a different request."
            ) from None
        return StoredAnswer(record.response_status, record.response_body, replayed=True)
    status, body = call()
    record.response_status, record.response_body = status, body
    record.save(update_fields=["response_status", "response_body"])
    return StoredAnswer(status, body, replayed=False)


def idempotency_keys_expire(*, older_than_hours: int = 24) -> int:
    cutoff = timezone.now() - dt.timedelta(hours=older_than_hours)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
