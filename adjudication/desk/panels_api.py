"""Panels and replacement judges over the desk's API (``adjudication.desk.api``'s
rules: a desk user's bearer token, audited unsafe calls; the service checks that the
caller is the chairman, 403 ``forbidden`` otherwise, and refuses bad choices with 409
and its message).

``GET /api/v1/desk/competitions/<slug>/panels/``: per event, who judges each round.
``POST /api/v1/desk/competitions/<slug>/judge-replacements/``: replace a judge
(``judge_replace``).
``DELETE /api/v1/desk/competitions/<slug>/judge-replacements/<seat_id>/``: take back a
replacement not yet judged (``judge_replacement_undo``)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from adjudication.desk.api import DESK_ERRORS, DeskApi, _body, _desk_refusal
from adjudication.incidents.judges import (
    RoundPanel,
    event_round_panels,
    judge_replace,
    judge_replacement_undo,
)
from adjudication.services import ScoringError
from competitions.models import (
    Competition,
    Event,
    Judge,
    PanelSeat,
    Round,
    RoundKind,
    RoundStatus,
)
from competitions.public_api import SLUG
from scoring_site.api import MAX_ID, errors, id_parameter

SEAT_ID = id_parameter("seat_id", "The replacement judge's seat.")


class PanelJudgeOut(serializers.Serializer):
    letter = serializers.CharField()
    replacing = serializers.CharField(
        allow_null=True, help_text="The letter of the judge whose seat this one took."
    )


class RoundPanelOut(serializers.Serializer):
    id = serializers.IntegerField(source="round.pk")
    position = serializers.IntegerField(source="round.position")
    kind = serializers.ChoiceField(source="round.kind", choices=RoundKind.choices)
    status = serializers.ChoiceField(source="round.status", choices=RoundStatus.choices)
    judges = serializers.SerializerMethodField()

    def get_judges(self, panel: RoundPanel) -> list[dict]:
        return [{"letter": j.letter, "replacing": r} for j, r in panel.judges]


class EventPanelsOut(serializers.Serializer):
    event_id = serializers.IntegerField(source="event.pk")
    event = serializers.CharField(source="event.name")
    rounds = RoundPanelOut(many=True)


class JudgeReplaceIn(serializers.Serializer):
    event_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    judge_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The judge leaving."
    )
    replacement_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="A reserve judge of this competition."
    )
    from_round_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    finish_current = serializers.BooleanField(
        default=False,
        help_text="When that round is open: true, the leaving judge finishes it and the "
        "replacement starts at the next; false, it is re-collected from the replacement.",
    )
    reason = serializers.CharField(max_length=300, help_text="Kept in the trail with your name.")


class JudgeReplaceOut(serializers.Serializer):
    event_id = serializers.IntegerField()
    judge = serializers.CharField(help_text="The letter of the judge replaced.")
    replacement = serializers.CharField()
    starts_at_round = serializers.IntegerField(help_text="The replacement's first round.")
    tablets_signed_out = serializers.IntegerField()
    summary = serializers.CharField()


class TakeBackIn(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Kept in the trail with your name.")


class TakeBackOut(serializers.Serializer):
    event_id = serializers.IntegerField()
    judge = serializers.CharField(help_text="The letter of the judge who judges again.")
    taken_back = serializers.CharField(help_text="The letter of the replacement taken back.")
    summary = serializers.CharField()


class DeskPanelsApi(DeskApi):
    @extend_schema(
        operation_id="desk_panels_read",
        summary="Who judges each round of each event (replacements applied)",
        tags=["desk"],
        parameters=[SLUG],
        responses={200: EventPanelsOut(many=True), **DESK_ERRORS},
    )
    def get(self, request, slug: str):
        competition = get_object_or_404(Competition, slug=slug)
        events = [
            {"event": event, "rounds": event_round_panels(event)}
            for event in competition.events.order_by("position", "id")
        ]
        return Response(EventPanelsOut(events, many=True).data)


class DeskJudgeReplaceApi(DeskApi):
    @extend_schema(
        operation_id="desk_judge_replace",
        summary="Replace a judge on a panel from a round on (the chairman)",
        tags=["desk"],
        parameters=[SLUG],
        request=JudgeReplaceIn,
        responses={201: JudgeReplaceOut, **errors(400, 401, 403, 404, 409, 415)},
        examples=[
            OpenApiExample(
                "Judge B taken ill; reserve R re-judges the open round",
                value={
                    "event_id": 3,
                    "judge_id": 12,
                    "replacement_id": 17,
                    "from_round_id": 8,
                    "finish_current": False,
                    "reason": "Judge B was taken ill",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, slug: str):
        competition = get_object_or_404(Competition, slug=slug)
        data = _body(JudgeReplaceIn, request)
        event = get_object_or_404(Event, pk=data["event_id"], competition=competition)
        judge = get_object_or_404(Judge, pk=data["judge_id"])
        replacement = get_object_or_404(Judge, pk=data["replacement_id"])
        from_round = get_object_or_404(Round, pk=data["from_round_id"])
        try:
            done = judge_replace(
                event=event,
                judge=judge,
                replacement=replacement,
                from_round=from_round,
                finish_current=data["finish_current"],
                actor=request.user,
                reason=data["reason"],
            )
        except ScoringError as refusal:
            return _desk_refusal(refusal)
        body = {
            "event_id": event.pk,
            "judge": judge.letter,
            "replacement": replacement.letter,
            "starts_at_round": done.starts_at,
            "tablets_signed_out": done.tablets_revoked,
            "summary": done.incident.summary,
        }
        return Response(JudgeReplaceOut(body).data, status=status.HTTP_201_CREATED)


class DeskJudgeReplacementApi(DeskApi):
    @extend_schema(
        operation_id="desk_judge_replacement_undo",
        summary="Take back a replacement judge who has not judged yet (the chairman)",
        description="The replacement's seat goes and the judge replaced sits to the end "
        "again. Refused (409) once the replacement has sent a sheet or a round of theirs "
        "is closed.",
        tags=["desk"],
        parameters=[
            SLUG,
            SEAT_ID,
            OpenApiParameter("reason", str, description="Instead of the body's reason."),
        ],
        request=TakeBackIn,
        responses={200: TakeBackOut, **errors(400, 401, 403, 404, 409, 415)},
    )
    def delete(self, request, slug: str, seat_id: int):
        competition = get_object_or_404(Competition, slug=slug)
        given = request.query_params.get("reason")
        body = TakeBackIn(data={"reason": given} if given is not None else request.data)
        body.is_valid(raise_exception=True)
        seat = get_object_or_404(
            PanelSeat.objects.select_related("judge", "replaces__judge"),
            pk=seat_id,
            event__competition=competition,
        )
        try:
            incident = judge_replacement_undo(
                seat=seat, actor=request.user, reason=body.validated_data["reason"]
            )
        except ScoringError as refusal:
            return _desk_refusal(refusal)
        out = {
            "event_id": seat.event_id,
            "judge": incident.judge.letter,
            "taken_back": incident.other_judge.letter,
            "summary": incident.summary,
        }
        return Response(TakeBackOut(out).data)
