"""The desk's redance: the form on the day's page and the round's page
(``POST /desk/<slug>/redance/``) and the API (``/api/v1/desk/rounds/<id>/redances/``),
both thin over ``adjudication.incidents.redance.heat_redance``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from adjudication.desk.api import DESK_ERRORS, ROUND_ID, DeskApi, _desk_refusal
from adjudication.desk.pages import desk_required
from adjudication.incidents.redance import heat_redance, redance_slot_get
from adjudication.services import ScoringError
from competitions.models import Competition, Dance, Entry, Redance, Round
from scoring_site.api import MAX_PATH_ID, errors


def _done(redance: Redance, returned: bool) -> str:
    dance = f" of {redance.dance.name}" if redance.dance_id else ""
    sheets = (
        "the judges' sheets for it are returned to be sent again."
        if returned
        else "the judges' sheets stay as they are."
    )
    return f"Redance of heat {redance.heat_number}{dance} ordered: it is on the floor; {sheets}"


@require_POST
@desk_required
def desk_redance(request, slug: str):
    """Send a heat that was on the floor back to it, from the desk's form."""
    competition = get_object_or_404(Competition, slug=slug)
    round_id = None
    try:
        slot = redance_slot_get(competition, request.POST.get("slot", ""))
        round_id = slot.round.pk
        recollect = request.POST.get("recollect") == "1"
        redance = heat_redance(
            round=slot.round,
            dance=slot.dance,
            heat_number=slot.heat_number,
            entry=slot.entry,
            reason=request.POST.get("reason", ""),
            recollect=recollect,
            actor=request.user,
        )
    except ScoringError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _done(redance, recollect))
    if request.POST.get("back") == "round" and round_id is not None:
        return redirect("adjudication:desk-round", round_id)
    return redirect("adjudication:desk-day", slug=competition.slug)


# --- The API -----------------------------------------------------------------------------------


class RedanceIn(serializers.Serializer):
    dance = serializers.IntegerField(
        min_value=1, max_value=MAX_PATH_ID, required=False, help_text="Skating: the dance."
    )
    entry = serializers.IntegerField(
        min_value=1,
        max_value=MAX_PATH_ID,
        required=False,
        help_text="Criteria: the performance (may be left out when the heat has only one).",
    )
    heat = serializers.IntegerField(min_value=1, max_value=10_000, help_text="The heat's number.")
    reason = serializers.CharField(max_length=300, help_text="Kept in the trail with your name.")
    recollect = serializers.BooleanField(
        default=False,
        help_text="Return the judges' sheets for the dance (or performance) to be sent again "
        "(the chairman's choice); otherwise they stay as sent.",
    )


class RedanceOut(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField(source="round_id")
    dance = serializers.IntegerField(source="dance_id", allow_null=True)
    dance_name = serializers.SerializerMethodField()
    heat = serializers.IntegerField(source="heat_number")
    reason = serializers.CharField()
    recollect = serializers.BooleanField()
    ordered_by = serializers.CharField(source="ordered_by.username", allow_null=True)
    ordered_at = serializers.DateTimeField()

    def get_dance_name(self, redance: Redance) -> str:
        return redance.dance.name if redance.dance_id else ""


def _part(model, pk: int | None, event_id: int) -> Any:
    """The dance or entry of the round's event with this id, ``None`` when none was sent
    (the service says what is missing), or ``ScoringError`` for an id it does not have."""
    if pk is None:
        return None
    found = model.objects.filter(pk=pk, event_id=event_id).first()
    if found is None:
        raise ScoringError(f"No such {model._meta.verbose_name} in this round's event.")
    return found


class DeskRedanceApi(DeskApi):
    @extend_schema(
        operation_id="desk_round_redances",
        summary="The redances ordered in a round, oldest first",
        tags=["desk"],
        parameters=[ROUND_ID],
        responses={200: RedanceOut(many=True), **DESK_ERRORS},
    )
    def get(self, request, round_id: int):
        round_ = get_object_or_404(Round, pk=round_id)
        redances = round_.redances.select_related("dance", "ordered_by")
        return Response(RedanceOut(redances, many=True).data)

    @extend_schema(
        operation_id="desk_round_redance",
        summary="Send a heat that was on the floor back to it (a redance), with a reason",
        tags=["desk"],
        parameters=[ROUND_ID],
        request=RedanceIn,
        responses={201: RedanceOut, **errors(400, 401, 403, 404, 409, 415)},
        examples=[
            OpenApiExample(
                "Heat 2 of the Samba again, sheets re-collected",
                value={"dance": 3, "heat": 2, "reason": "music stopped", "recollect": True},
                request_only=True,
            )
        ],
    )
    def post(self, request, round_id: int):
        round_ = get_object_or_404(Round, pk=round_id)
        body = RedanceIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            dance = _part(Dance, data.get("dance"), round_.event_id)
            entry = _part(Entry, data.get("entry"), round_.event_id)
            redance = heat_redance(
                round=round_,
                dance=dance,
                entry=entry,
                heat_number=data["heat"],
                reason=data["reason"],
                recollect=data["recollect"],
                actor=request.user,
            )
        except ScoringError as refusal:
            return _desk_refusal(refusal)
        return Response(RedanceOut(redance).data, status=status.HTTP_201_CREATED)
