"""Reusable reads of the competition structure."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from competitions.models import (
    Competition,
    CompetitionStatus,
    Event,
    Heat,
    HeatEntry,
    Round,
)

# A draft is the organizer's work in progress; everything else may be seen by anyone.
PUBLIC_STATUSES = [s for s in CompetitionStatus.values if s != CompetitionStatus.DRAFT]


def competition_list_public() -> QuerySet[Competition]:
    return (
        Competition.objects.filter(status__in=PUBLIC_STATUSES)
        .annotate(event_count=Count("events"))
        .order_by("-starts_on", "name")
    )


def competition_get_public(*, slug: str) -> Competition:
    """The competition with its events, dances, criteria, panels, rounds and heats,
    in a fixed number of queries. Raises ``Competition.DoesNotExist``."""
    heats = Heat.objects.order_by("number").prefetch_related(
        Prefetch(
            "heat_entries",
            queryset=HeatEntry.objects.select_related("entry__competitor").order_by(
                "entry__competitor__bib"
            ),
        )
    )
    rounds = Round.objects.order_by("position").prefetch_related(Prefetch("heats", heats))
    events = (
        Event.objects.order_by("position", "id")
        .annotate(entry_count=Count("entries"))
        .prefetch_related(
            "dances",
            "criteria",
            "panel__judge",
            Prefetch("rounds", rounds),
        )
    )
    return Competition.objects.prefetch_related(Prefetch("events", events)).get(
        slug=slug, status__in=PUBLIC_STATUSES
    )


def events_open_for_registration(*, competition: Competition) -> list[Event]:
    """The competition's events, with ``places_left`` (None when unlimited)."""
    events = list(competition.events.order_by("position", "id"))
    for event in events:
        event.places_left = (
            None if event.entry_limit is None else max(0, event.entry_limit - event.entries_taken)
        )
    return events
