"""The emails Podium sends to competitors, through Django's email backend."""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from competitions.models import Competitor, Entry
from scoring_site.site import site_address


def registration_url(competitor: Competitor, site: str = "") -> str:
    """The competitor's page at SITE_URL, else at ``site`` (the address of the request
    that caused the email); "" when neither is known (a reminder without SITE_URL)."""
    base = site_address() or site.rstrip("/")
    if not base:
        return ""
    return base + reverse("competitions:registration-detail", args=[competitor.reference])


def send_registration_confirmation(
    *, competitor: Competitor, entry_ids: list[int], site: str = ""
) -> None:
    entries = Entry.objects.filter(pk__in=entry_ids, competitor=competitor).select_related("event")
    context = {
        "competitor": competitor,
        "competition": competitor.competition,
        "entries": entries,
        "url": registration_url(competitor, site),
    }
    send_mail(
        subject=f"Your registration for {competitor.competition.name}",
        message=render_to_string("competitions/email/confirmation.txt", context),
        from_email=None,
        recipient_list=[competitor.email],
    )


def send_registration_again(*, competitor: Competitor, site: str = "") -> None:
    """To the address on file, when a registration named a couple registered already:
    the link to their registration, which the answer to that request never shows."""
    context = {
        "competitor": competitor,
        "competition": competitor.competition,
        "entries": competitor.entries.select_related("event").order_by("event__position"),
        "url": registration_url(competitor, site),
    }
    send_mail(
        subject=f"Your registration for {competitor.competition.name}",
        message=render_to_string("competitions/email/registration_again.txt", context),
        from_email=None,
        recipient_list=[competitor.email],
    )


def send_reminder(*, competitor: Competitor) -> None:
    context = {
        "competitor": competitor,
        "competition": competitor.competition,
        "entries": competitor.entries.filter(withdrawn=False).select_related("event"),
        "url": registration_url(competitor),
    }
    send_mail(
        subject=f"Tomorrow: {competitor.competition.name}",
        message=render_to_string("competitions/email/reminder.txt", context),
        from_email=None,
        recipient_list=[competitor.email],
    )
