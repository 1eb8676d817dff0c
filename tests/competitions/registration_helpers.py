import datetime as dt

from django.utils import timezone

from competitions.models import Competition
from competitions.registration import CompetitorDetails
from tests.factories.competitions import (
    CompetitionFactory,
    DanceFactory,
    EventFactory,
    RegistrationLinkFactory,
)


def open_competition(**competition_fields):
    """A competition open for registration, with its competitor link."""
    competition = CompetitionFactory(
        registration_opens_at=timezone.now() - dt.timedelta(days=1),
        registration_closes_at=timezone.now() + dt.timedelta(days=5),
        **competition_fields,
    )
    Competition.objects.filter(pk=competition.pk).update(status="registration_open")
    competition.refresh_from_db()
    return competition, RegistrationLinkFactory(competition=competition)


def skating_event(competition, **fields):
    event = EventFactory(competition=competition, **fields)
    DanceFactory(event=event)
    return event


def couple(n=0, **overrides):
    fields = {
        "kind": "couple",
        "name": f"Leader {chr(65 + n % 26)}{chr(65 + n // 26 % 26)}",
        "partner_name": f"Partner {chr(65 + n % 26)}{chr(65 + n // 26 % 26)}",
        "club": "Stars",
        "country": "GB",
        "email": f"couple{n}@example.org",
    }
    fields.update(overrides)
    return CompetitorDetails(**fields)
