"""Reusable reads of the competition structure."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from competitions.models import (
    Competition,
    CompetitionStatus,
    Criterion,
    Dance,
    EntryStatus,
    Event,
    FailedJob,
    Heat,
    HeatEntry,
    OutboxJob,
    PanelSeat,
    Round,
    RoundStatus,
)

# A draft is the organizer's work in progress; everything else may be seen by anyone.
PUBLIC_STATUSES = [s for s in CompetitionStatus.values if s != CompetitionStatus.DRAFT]


def round_draw_public() -> Exists:
    """The one rule for the public: a round's draw (its heats, how many, who is in them)
    is public once every earlier round of its event is published; the first round's at
    once. Until then the recalls it was drawn from are the scrutineer's to check.

    A boolean expression over rounds: ``Round.objects.filter(round_draw_public())`` or
    ``.annotate(draw_public=round_draw_public())``."""
    return ~Exists(
        Round.objects.filter(
            event_id=OuterRef("event_id"), position__lt=OuterRef("position")
        ).exclude(status=RoundStatus.PUBLISHED)
    )


def round_list_draw_public() -> QuerySet[Round]:
    """Every round whose draw the public may see (a subquery for ``round__in``)."""
    return Round.objects.filter(round_draw_public())


def competition_list_public() -> QuerySet[Competition]:
    return (
        Competition.objects.filter(status__in=PUBLIC_STATUSES)
        .annotate(event_count=Count("events"))
        .order_by("-starts_on", "name")
    )


def competition_get_public(*, slug: str) -> Competition:
    """The competition with its events, dances, criteria, panels, rounds and the heats
    of rounds whose draw is public, in a fixed number of queries. Raises
    ``Competition.DoesNotExist``."""
    heats = (
        Heat.objects.filter(round__in=round_list_draw_public())
        .order_by("number")
        .prefetch_related(
            Prefetch(
                "heat_entries",
                queryset=HeatEntry.objects.select_related("entry__competitor").order_by(
                    "entry__competitor__bib"
                ),
            )
        )
    )
    rounds = Round.objects.order_by("position").prefetch_related(Prefetch("heats", heats))
    events = (
        Event.objects.order_by("position", "id")
        .annotate(entry_count=Count("entries"))
        .prefetch_related(
            "dances",
            "criteria",
            Prefetch("panel", PanelSeat.objects.filter(shadow=False).select_related("judge")),
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


# --- Public reads of the API ------------------------------------------------------------------


def competition_get_visible(*, slug: str) -> Competition:
    """A public competition, without its structure. Raises ``Competition.DoesNotExist``."""
    return Competition.objects.get(slug=slug, status__in=PUBLIC_STATUSES)


def event_list_public(
    *, competition: Competition, scoring_method: str | None = None, style: str | None = None
) -> QuerySet[Event]:
    """The competition's events with their dances, criteria, panel and rounds (five
    queries for a page, whatever its size)."""
    events = (
        Event.objects.filter(competition=competition)
        .annotate(
            entry_count=Count(
                "entries",
                filter=Q(entries__withdrawn=False, entries__status=EntryStatus.ENTERED),
            )
        )
        .prefetch_related(
            Prefetch("dances", Dance.objects.order_by("position", "id")),
            Prefetch("criteria", Criterion.objects.order_by("position", "id")),
            Prefetch(
                "panel",
                PanelSeat.objects.filter(shadow=False)
                .select_related("judge")
                .order_by("judge__letter"),
            ),
            Prefetch("rounds", Round.objects.order_by("position")),
        )
        .order_by("position", "id")
    )
    if scoring_method:
        events = events.filter(scoring_method=scoring_method)
    if style:
        events = events.filter(style=style)
    return events


def round_list_public(
    *, competition: Competition, event_id: int | None = None, status: str | None = None
) -> QuerySet[Round]:
    rounds = (
        Round.objects.filter(event__competition=competition)
        .select_related("event")
        .annotate(draw_public=round_draw_public())
        .annotate(heat_count=Count("heats", filter=Q(draw_public=True)))
        .order_by("event__position", "event_id", "position")
    )
    if event_id is not None:
        rounds = rounds.filter(event_id=event_id)
    if status:
        rounds = rounds.filter(status=status)
    return rounds


def heat_list_public(*, round: Round) -> QuerySet[Heat]:
    """The round's heats with their entries (two queries): by bib on a dance floor, in
    running order for a criteria event. None while the round's draw is not public."""
    order = (
        ("entry__competitor__bib", "id")
        if round.event.is_danced
        else ("position", "entry__competitor__bib", "id")
    )
    return (
        Heat.objects.filter(round=round, round__in=round_list_draw_public())
        .prefetch_related(
            Prefetch(
                "heat_entries",
                queryset=HeatEntry.objects.select_related("entry__competitor").order_by(*order),
            )
        )
        .order_by("number")
    )


def failed_job_waiting_count() -> int:
    """Dead letters: jobs that failed every try and nobody has retried yet."""
    return FailedJob.objects.filter(retried_at__isnull=True).count()


def outbox_waiting() -> tuple[int, float]:
    """Jobs written by transactions and not yet handed to the queue, and the oldest's age
    in seconds (0 when none): beat's relay keeps both near zero, so a growing age says
    beat is not running."""
    waiting = OutboxJob.objects.aggregate(count=Count("pk"), oldest=Min("created_at"))
    oldest = waiting["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return waiting["count"], age


def seat_sits_in(position: Any = None) -> Q:
    """The condition on panel seats (a ``Q`` over ``from_round`` and ``until_round``) that
    they sit in the round at ``position``: a number, or by default the outer query's
    round (``OuterRef("position")``)."""
    position = OuterRef("position") if position is None else position
    return (Q(from_round__isnull=True) | Q(from_round__lte=position)) & (
        Q(until_round__isnull=True) | Q(until_round__gte=position)
    )


def round_panel_seats(round_: Round, *, shadows: bool = False) -> QuerySet[PanelSeat]:
    """The seats of the panel that judges ``round_`` (replacements applied), by letter:
    the counting seats, or with ``shadows`` the shadow (trainee) seats only."""
    return (
        PanelSeat.objects.filter(
            seat_sits_in(round_.position), event_id=round_.event_id, shadow=shadows
        )
        .select_related("judge")
        .order_by("judge__letter")
    )


def round_shadow_panel(round_: Round) -> list:
    """The shadow (trainee) judges sitting in ``round_``, by letter: they fill sheets
    that are kept and reported but never counted, so they are on no ``round_panel``."""
    return [seat.judge for seat in round_panel_seats(round_, shadows=True)]


def round_panel(round_: Round) -> list:
    """The judges of ``round_``'s panel, by letter: the event's panel with every
    replacement applied from its round on, shadow (trainee) seats left out. The one
    answer to "whose sheets count in this round" for sheets, tabulation, tablets, the
    desk, marks sheets and screens."""
    return [seat.judge for seat in round_panel_seats(round_)]
