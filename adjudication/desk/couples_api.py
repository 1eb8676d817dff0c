"""The desk's couples over the API: who of a round's couples is absent, retired or
disqualified, a new decision (POST), and reinstating a couple (DELETE). The same services,
permissions, refusals and audit as the desk's other calls (``adjudication.desk.api``):
marking absent or retired needs ``competitions.record_absence``, disqualifying (and
undoing it) ``competitions.disqualify_entry``, the chairman's."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from adjudication.desk.api import ROUND_ID, DeskApi, _body, _desk_refusal
from adjudication.desk.couples import couple_act, couples_panel
from adjudication.services import ScoringError
from competitions.models import Dance, Entry, EntryOutcome, Round
from scoring_site.api import MAX_PATH_ID, error_response, errors, id_parameter

ENTRY_ID = id_parameter("entry_id", "The couple's entry.")


class CoupleOut(serializers.Serializer):
    entry_id = serializers.IntegerField(source="entry.pk")
    number = serializers.CharField(source="entry.bib_label")
    name = serializers.CharField(source="entry.competitor.display_name")
    outcome = serializers.SerializerMethodField(help_text="dancing, absent, retired, disqualified")
    from_dance = serializers.SerializerMethodField(help_text="Retired: the first dance not danced.")
    whole_event = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()
    decided_at = serializers.SerializerMethodField()
    decided_in_round = serializers.SerializerMethodField(
        help_text="The round the decision was taken in (an earlier one for a couple "
        "disqualified from the event there)."
    )

    def _field(self, line, name: str):
        return getattr(line.incident, name) if line.incident else None

    def get_outcome(self, line) -> str:
        return line.incident.outcome if line.incident else "dancing"

    def get_from_dance(self, line) -> str | None:
        dance = self._field(line, "from_dance")
        return dance.name if dance else None

    def get_whole_event(self, line) -> bool:
        return bool(self._field(line, "whole_event"))

    def get_reason(self, line) -> str | None:
        return self._field(line, "reason")

    def get_decided_by(self, line) -> str | None:
        user = self._field(line, "decided_by")
        return user.username if user else None

    def get_decided_at(self, line) -> str | None:
        at = self._field(line, "decided_at")
        return at.isoformat() if at else None

    def get_decided_in_round(self, line) -> int | None:
        return self._field(line, "round_id")


class CoupleIn(serializers.Serializer):
    entry = serializers.IntegerField(min_value=1, max_value=MAX_PATH_ID, help_text="Entry id.")
    outcome = serializers.ChoiceField(choices=EntryOutcome.choices)
    from_dance = serializers.IntegerField(
        min_value=1,
        max_value=MAX_PATH_ID,
        required=False,
        help_text="Retired: the id of the first dance the couple did not dance.",
    )
    whole_event = serializers.BooleanField(
        default=False, help_text="Disqualified: from the whole event, not only this round."
    )
    reason = serializers.CharField(max_length=300, help_text="Kept in the trail with your name.")


class ReinstateIn(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Kept in the trail with your name.")


def _lines(round_: Round) -> list:
    return CoupleOut(couples_panel(round_)["lines"], many=True).data


class DeskCouplesApi(DeskApi):
    @extend_schema(
        operation_id="desk_round_couples",
        summary="The round's couples: dancing, absent, retired or disqualified, and why",
        tags=["desk"],
        parameters=[ROUND_ID],
        responses={200: CoupleOut(many=True), **errors(401, 403, 404)},
    )
    def get(self, request, round_id: int):
        return Response(_lines(get_object_or_404(Round, pk=round_id)))

    @extend_schema(
        operation_id="desk_round_couple_decide",
        summary="Mark a couple absent, retired from a dance, or disqualified (the chairman)",
        description="The round is re-tabulated when its result is stored; the next round is "
        "drawn again when its recalls change. Answers the round's couples.",
        tags=["desk"],
        parameters=[ROUND_ID],
        request=CoupleIn,
        responses={201: CoupleOut(many=True), **errors(400, 401, 403, 404, 409, 415)},
    )
    def post(self, request, round_id: int):
        round_ = get_object_or_404(Round.objects.select_related("event"), pk=round_id)
        data = _body(CoupleIn, request)
        entry = Entry.objects.filter(pk=data["entry"]).first()
        dance = None
        if "from_dance" in data:
            dance = Dance.objects.filter(pk=data["from_dance"], event_id=round_.event_id).first()
            if dance is None:
                return _invalid("from_dance", "No dance of this event has that id.")
        if entry is None:
            return _invalid("entry", "No couple has that entry id.")
        action = data["outcome"]
        if action == EntryOutcome.DISQUALIFIED and data["whole_event"]:
            action = "disqualified_event"
        try:
            couple_act(
                round_=round_,
                entry=entry,
                action=action,
                actor=request.user,
                reason=data["reason"],
                from_dance=dance,
            )
        except ScoringError as refusal:
            return _desk_refusal(refusal)
        return Response(_lines(round_), status=status.HTTP_201_CREATED)


class DeskCoupleApi(DeskApi):
    @extend_schema(
        operation_id="desk_round_couple_reinstate",
        summary="Reinstate a couple: undo its absence, retirement or disqualification",
        tags=["desk"],
        parameters=[
            ROUND_ID,
            ENTRY_ID,
            OpenApiParameter("reason", str, description="Instead of the body's reason."),
        ],
        request=ReinstateIn,
        responses={200: CoupleOut(many=True), **errors(400, 401, 403, 404, 409, 415)},
    )
    def delete(self, request, round_id: int, entry_id: int):
        round_ = get_object_or_404(Round.objects.select_related("event"), pk=round_id)
        entry = get_object_or_404(Entry, pk=entry_id)
        given = request.query_params.get("reason")
        body = ReinstateIn(data={"reason": given} if given is not None else request.data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data["reason"]
        try:
            couple_act(
                round_=round_,
                entry=entry,
                action="reinstate",
                actor=request.user,
                reason=reason,
                from_dance=None,
            )
        except ScoringError as refusal:
            return _desk_refusal(refusal)
        return Response(_lines(round_))


def _invalid(field: str, message: str) -> Response:
    return error_response("invalid", {field: [message]}, status.HTTP_400_BAD_REQUEST)
