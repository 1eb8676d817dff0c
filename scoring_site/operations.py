"""The state of Podium's parts for the people running the day: the results desk's health
panel and the metrics endpoint read it from here.

* database: a ``SELECT 1``;
* Redis: a ``PING`` (channel layer, broker and cache); on the embedded default, nothing
  to check (the in-memory layer and in-process tasks);
* workers: a Celery ``ping`` to the workers, answered within 0.3 seconds, remembered for
  30 seconds in the cache (shared by the web processes) so desks polling every few
  seconds do not ping each time (a ping with no worker waits the whole timeout, in the
  request's thread); on the embedded default, jobs run in-process;
* the Celery queue's depth (jobs waiting in Redis); the dead letters are the competitions
  app's (``competitions.selectors.failed_job_waiting_count``);
* the last backup: the newest file's time in ``BACKUP_DIR`` when that setting is set.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from pathlib import Path

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from scoring_site.celery import app

logger = logging.getLogger("podium.operations")

WORKER_PING_TIMEOUT = 0.3
WORKER_PING_TTL = 30
WORKER_PING_KEY = "podium:ops:workers"
BACKUP_STALE_AFTER = dt.timedelta(hours=26)
CELERY_QUEUE = "celery"


@dataclasses.dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return Check("Database", False, f"unreachable: {str(error).splitlines()[0][:120]}")
    return Check("Database", True, connection.vendor)


def _redis():
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def redis_check() -> Check:
    if not settings.REDIS_URL:
        return Check("Redis", True, "not used (embedded default)")
    try:
        with _redis() as client:
            client.ping()
    except Exception as error:
        return Check("Redis", False, f"unreachable: {str(error).splitlines()[0][:120]}")
    return Check("Redis", True, "answering")


def _ping_workers() -> int | None:
    try:
        return len(app.control.ping(timeout=WORKER_PING_TIMEOUT) or [])
    except Exception:
        logger.warning("workers could not be pinged", exc_info=True)
        return None


def workers_check() -> Check:
    if not settings.REDIS_URL:
        return Check("Workers", True, "jobs run in-process (embedded default)")
    found = cache.get(WORKER_PING_KEY)
    if found is None:
        count = _ping_workers()
        cache.set(WORKER_PING_KEY, {"count": count}, WORKER_PING_TTL)
    else:
        count = found["count"]
    if count is None:
        return Check("Workers", False, "cannot reach the broker")
    if count == 0:
        return Check("Workers", False, "no worker answers: emails wait in the queue")
    depth = celery_queue_depth()
    waiting = f", {depth} job(s) waiting" if depth else ""
    return Check("Workers", True, f"{count} answering{waiting}")


def celery_queue_depth() -> int | None:
    """Jobs waiting in the broker (None on the embedded default or when Redis is down)."""
    if not settings.REDIS_URL:
        return None
    try:
        with _redis() as client:
            return int(client.llen(CELERY_QUEUE))
    except Exception:
        return None


def last_backup() -> dt.datetime | None:
    folder = getattr(settings, "BACKUP_DIR", None)
    if not folder:
        return None
    path = Path(folder)
    if not path.is_dir():
        return None
    # Periodic backups go to one folder per competition (BACKUP_DIR/<slug>/).
    newest = max(
        (f.stat().st_mtime for f in path.rglob("*") if f.is_file() and not f.name.startswith(".")),
        default=None,
    )
    return None if newest is None else dt.datetime.fromtimestamp(newest, tz=dt.UTC)


def backup_check() -> Check:
    if not getattr(settings, "BACKUP_DIR", None):
        return Check("Last backup", False, "no backups: BACKUP_DIR is not set")
    newest = last_backup()
    if newest is None:
        return Check("Last backup", False, "no backups yet")
    local = timezone.localtime(newest)
    stale = timezone.now() - newest > BACKUP_STALE_AFTER
    return Check("Last backup", not stale, f"{local:%Y-%m-%d %H:%M}")


def health_panel() -> list[Check]:
    """Every check, for the results desk."""
    return [database_check(), redis_check(), workers_check(), backup_check()]
