"""Seeded (star) couples at the desk: the page listing them per event, with the forms
to seed and unseed, and its API (/api/v1/desk/competitions/<slug>/seeding/)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from adjudication.desk.api import DeskApi
from adjudication.desk.pages import desk_required
from adjudication.incidents.seeding import couple_name, entry_seed, entry_unseed
from adjudication.services import ScoringError
from competitions.models import Competition, Entry, EntryStatus, Event, Incident, Round
from scoring_site.api import MAX_ID, error_response, errors, refusal_response


@dataclass
class EventSeeding:
    event: Event
    rounds: list[Round]
    seeded: list[Entry]  # by round, then bib; each with its ``seed_reason``
    others: list[Entry]  # the couples who dance from the first round
    entered: int

    @property
    def first_round_dancers(self) -> int:
        return self.entered - len(self.seeded)


def _seed_reasons(competition: Competition) -> dict[int, str]:
    """Why each couple was seeded: the reason of its latest seeding in the trail."""
    return dict(
        Incident.objects.filter(competition=competition, kind=Incident.Kind.SEEDED)
        .order_by("at", "id")
        .values_list("entry_id", "reason")
    )


def seeding_overview(competition: Competition) -> list[EventSeeding]:
    """Per event: its rounds, its seeded couples (with why) and how many are entered."""
    events = list(competition.events.order_by("position", "id"))
    rounds: dict[int, list[Round]] = {e.pk: [] for e in events}
    for r in Round.objects.filter(event__competition=competition).order_by("position"):
        rounds[r.event_id].append(r)
    entries: dict[int, list[Entry]] = {e.pk: [] for e in events}
    for entry in (
        Entry.objects.filter(
            event__competition=competition, status=EntryStatus.ENTERED, withdrawn=False
        )
        .select_related("competitor")
        .order_by("seeded_round", "competitor__bib", "id")
    ):
        entries[entry.event_id].append(entry)
    reasons = _seed_reasons(competition)
    for entry in (x for listed in entries.values() for x in listed if x.seeded_round):
        entry.seed_reason = reasons.get(entry.pk, "")
    return [
        EventSeeding(
            event=e,
            rounds=rounds[e.pk],
            seeded=[x for x in entries[e.pk] if x.seeded_round],
            others=[x for x in entries[e.pk] if not x.seeded_round],
            entered=len(entries[e.pk]),
        )
        for e in events
    ]


def _digits(value) -> bool:
    """Whether ``value`` is a plain number: ``"²".isdigit()`` too, but ``int("²")`` fails."""
    return str(value).isascii() and str(value).isdigit()


def _entry_of(competition: Competition, entry_id) -> Entry | None:
    if not _digits(entry_id):
        return None
    return (
        Entry.objects.filter(pk=int(entry_id), event__competition=competition)
        .select_related("competitor", "event")
        .first()
    )


def _seeding_post(request, competition: Competition) -> None:
    post = request.POST
    reason = post.get("reason", "")
    if post.get("action") == "unseed":
        entry = _entry_of(competition, post.get("entry", ""))
        if entry is None:
            raise ScoringError("Choose a couple of this competition.")
        entry_unseed(entry=entry, actor=request.user, reason=reason)
        messages.success(request, f"Couple {couple_name(entry)} dances from the first round again.")
        return
    entry = _entry_of(competition, post.get("entry", ""))
    if entry is None:
        raise ScoringError("Choose a couple of this competition.")
    position = post.get("round", "").strip()
    entry_seed(
        entry=entry,
        round_position=int(position) if _digits(position) else position,
        actor=request.user,
        reason=reason,
    )
    messages.success(request, f"Couple {couple_name(entry)} seeded into round {position}.")


@never_cache
@desk_required
def desk_seeding(request, slug: str):
    """The seeded couples of every event; seed or unseed one (before its round is drawn)."""
    competition = get_object_or_404(Competition, slug=slug)
    error = None
    if request.method == "POST":
        try:
            _seeding_post(request, competition)
        except ScoringError as refusal:
            error = refusal
        else:
            return redirect("adjudication:desk-seeding", competition.slug)
    context = {"competition": competition, "events": seeding_overview(competition), "error": error}
    return render(request, "adjudication/desk_seeding.html", context, status=400 if error else 200)


# --- The API ------------------------------------------------------------------------------


class SeededOut(serializers.Serializer):
    entry_id = serializers.IntegerField(source="pk")
    event_id = serializers.IntegerField()
    bib = serializers.IntegerField(source="competitor.bib", allow_null=True)
    name = serializers.CharField(source="competitor.display_name")
    seeded_round = serializers.IntegerField(help_text="The round the couple joins.")


class SeedingIn(serializers.Serializer):
    entry_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    round_position = serializers.IntegerField(
        allow_null=True,
        min_value=1,
        max_value=50,
        help_text="The round the couple joins (2 or later); null: it dances from round 1.",
    )
    reason = serializers.CharField(max_length=300, help_text="Kept in the day's trail.")


class DeskSeedingApi(DeskApi):
    @extend_schema(
        operation_id="desk_seeding_list",
        summary="The seeded (star) couples of a competition",
        tags=["desk"],
        responses={200: SeededOut(many=True), **errors(401, 403, 404)},
    )
    def get(self, request, slug: str):
        competition = get_object_or_404(Competition, slug=slug)
        seeded = [e for event in seeding_overview(competition) for e in event.seeded]
        return Response(SeededOut(seeded, many=True).data)

    @extend_schema(
        operation_id="desk_seeding_change",
        summary="Seed a couple into a later round, or unseed it (round_position null)",
        description="Refused once the round it joins (or leaves) is drawn, or the round "
        "before it has started; the round before recalls one couple fewer (or more).",
        tags=["desk"],
        request=SeedingIn,
        responses={200: SeededOut, **errors(400, 401, 403, 404, 409, 415)},
    )
    def post(self, request, slug: str):
        competition = get_object_or_404(Competition, slug=slug)
        body = SeedingIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        entry = _entry_of(competition, data["entry_id"])
        if entry is None:
            return error_response(
                "not_found",
                {"entry_id": ["No such entry in this competition."]},
                status.HTTP_404_NOT_FOUND,
            )
        try:
            if data["round_position"] is None:
                entry = entry_unseed(entry=entry, actor=request.user, reason=data["reason"])
            else:
                entry = entry_seed(
                    entry=entry,
                    round_position=data["round_position"],
                    actor=request.user,
                    reason=data["reason"],
                )
        except ScoringError as refusal:
            return refusal_response(refusal)
        return Response(SeededOut(entry).data)
