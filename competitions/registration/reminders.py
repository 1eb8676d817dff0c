"""The reminder sent to competitors the day before the competition, each claimed once."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from competitions.models import Competition, CompetitionStatus, Competitor
from competitions.timetable import day_start

# The reminder goes out 24 hours before the first heat of the first day.
REMINDER_LEAD = dt.timedelta(hours=24)


def competition_starts_at(competition: Competition) -> dt.datetime:
    return day_start(competition)


@transaction.atomic
def reminders_claim_due(*, now: dt.datetime) -> list[int]:
    """The competitors whose reminder is due now, each claimed once.

    A claim is a conditional UPDATE (``reminded_at IS NULL``), so two beats or workers
    never send the same reminder twice.
    """
    claimed: list[int] = []
    soon = Competition.objects.filter(
        status__in=[CompetitionStatus.REGISTRATION_OPEN, CompetitionStatus.REGISTRATION_CLOSED],
        starts_on__gte=(now - dt.timedelta(days=1)).date(),
        starts_on__lte=(now + REMINDER_LEAD + dt.timedelta(days=1)).date(),
    )
    for competition in soon:
        starts = competition_starts_at(competition)
        if not starts - REMINDER_LEAD <= now < starts:
            continue
        candidates = (
            Competitor.objects.filter(
                competition=competition, reminded_at__isnull=True, entries__withdrawn=False
            )
            .exclude(email="")
            .distinct()
            .values_list("pk", flat=True)
        )
        for competitor_id in candidates:
            if Competitor.objects.filter(pk=competitor_id, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                claimed.append(competitor_id)
    return claimed
