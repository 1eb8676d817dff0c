"""Background jobs of the adjudication app: backups while competitions are running."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from adjudication.ops.backups import backup_rotate
from competitions.models import Competition, CompetitionStatus

logger = logging.getLogger(__name__)


@shared_task(name="adjudication.backup_competitions_in_progress")
def backup_competitions_in_progress_task() -> list[str]:
    """Beat runs this every ``BACKUP_EVERY_MINUTES``: a backup of each competition in
    progress in ``BACKUP_DIR/<slug>/``, the newest ``BACKUP_KEEP`` kept."""
    running = list(Competition.objects.filter(status=CompetitionStatus.IN_PROGRESS))
    written = backup_rotate(
        folder=settings.BACKUP_DIR,
        keep=settings.BACKUP_KEEP,
        competitions=running,
        now=timezone.now(),
    )
    for path in written:
        logger.info("backup written: %s", path)
    return [str(path) for path in written]
