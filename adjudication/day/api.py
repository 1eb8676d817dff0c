"""The day over the API: the public timetable with what is on the floor, and the desk's
floor moves (the same service, ``adjudication.day.floor.floor_move``, as the desk's buttons).

Public: ``GET /api/v1/competitions/<slug>/timetable/`` (with an ``ETag``), no names of
judges and nothing about lateness. Desk: ``GET`` and ``POST
/api/v1/desk/competitions/<slug>/floor/`` with a desk user's bearer token; a move the
floor refuses answers 409 with the reason, a move without the right 403.

With several floors, ``floor`` (the query's ``?floor=b``, or the move's ``floor``) names
one; without it, the default floor. The public timetable's ``floor`` and ``lines`` are
the default floor's, and ``floors`` holds every floor's (empty on a one-floor day).
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from adjudication.day.floor import FloorRefused, floor_move, floor_now, floor_read
from adjudication.desk.api import DeskApi
from competitions.floors import floor_list, floor_pick
from competitions.models import Competition, Floor
from competitions.public_api import ETAG, IF_NONE_MATCH, PUBLIC_NOT_FOUND, SLUG, PublicApi
from competitions.selectors import competition_get_visible
from competitions.timetable import timetable_lines
from scoring_site.api import MAX_PATH_ID, error_response, errors

# --- Output -----------------------------------------------------------------------------------


class FloorOut(serializers.Serializer):
    phase = serializers.ChoiceField(choices=["idle", "dancing", "danced", "break"])
    label = serializers.CharField(help_text="e.g. Adult Latin – First round · Samba · heat 2")
    round = serializers.IntegerField(allow_null=True)
    dance = serializers.IntegerField(allow_null=True)
    heat = serializers.IntegerField(allow_null=True)
    entry = serializers.IntegerField(allow_null=True, help_text="A criteria performance.")
    started_at = serializers.DateTimeField(allow_null=True)
    danced_at = serializers.DateTimeField(allow_null=True)
    performance_ends_at = serializers.DateTimeField(allow_null=True)
    scoring_ends_at = serializers.DateTimeField(allow_null=True)
    break_ends_at = serializers.DateTimeField(allow_null=True)


class LatePartOut(serializers.Serializer):
    round = serializers.IntegerField()
    dance = serializers.IntegerField(allow_null=True)
    entry = serializers.IntegerField(allow_null=True, help_text="A criteria performance.")
    label = serializers.CharField(help_text="The round and the dance or performance.")
    since = serializers.DateTimeField(help_text="When its scoring window ended.")
    judges = serializers.ListField(
        child=serializers.CharField(), help_text="Letters of the judges whose sheet is missing."
    )


class DeskFloorOut(FloorOut):
    floor = serializers.CharField(
        allow_null=True, help_text="The floor's slug (null before the day's first move)."
    )
    late = serializers.ListField(
        child=serializers.CharField(),
        help_text="Letters of every judge with a sheet missing after its scoring window "
        "(any part of an open round, not only the one on the floor).",
    )
    late_parts = LatePartOut(
        many=True,
        help_text="Each danced part of an open round whose scoring window is over, with "
        "the judges whose sheet is still missing; sheets are still taken.",
    )


class SlotOut(serializers.Serializer):
    round = serializers.IntegerField()
    dance = serializers.IntegerField(allow_null=True)
    dance_name = serializers.CharField(allow_blank=True)
    heat = serializers.IntegerField(allow_null=True)
    entry = serializers.IntegerField(allow_null=True)
    bibs = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    starts = serializers.DateTimeField(allow_null=True, help_text="Estimated (or actual).")
    state = serializers.ChoiceField(choices=["to_come", "on_floor", "danced", "skipped"])


class TimetableLineOut(serializers.Serializer):
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["round", "break"])
    label = serializers.CharField()
    round = serializers.IntegerField(allow_null=True)
    starts = serializers.DateTimeField(allow_null=True)
    ends = serializers.DateTimeField(allow_null=True)
    state = serializers.ChoiceField(
        choices=["to_come", "on_floor", "done", "skipped"],
        help_text="skipped: never run, and the competition is finished.",
    )
    drawn = serializers.BooleanField(
        help_text="False: heats wait for the round before to be closed and published."
    )
    slot_seconds = serializers.IntegerField(help_text="Planned time per heat or performance.")
    slots = SlotOut(many=True)


class FloorTimetableOut(serializers.Serializer):
    slug = serializers.CharField(help_text="Names the floor: ``?floor=<slug>``, /live/<c>/<slug>/.")
    name = serializers.CharField(help_text="e.g. A, or Floor 2")
    label = serializers.CharField(help_text="e.g. Floor A")
    floor = FloorOut()
    lines = TimetableLineOut(many=True)


class TimetableOut(serializers.Serializer):
    competition = serializers.CharField()
    timezone = serializers.CharField()
    floor = FloorOut(help_text="The default floor's.")
    lines = TimetableLineOut(many=True, help_text="The default floor's.")
    floors = FloorTimetableOut(
        many=True, help_text="Every floor's, the default first, when there are several; else []."
    )


def _timetable_body(competition: Competition) -> dict[str, Any]:
    now = timezone.now()
    floors = floor_list(competition)
    per_floor = [
        {"slug": f.slug, "name": f.name, "label": f.label, **_floor_timetable(competition, f, now)}
        for f in floors
    ]
    default = per_floor[0] if per_floor else _floor_timetable(competition, None, now)
    return TimetableOut(
        {
            "competition": competition.slug,
            "timezone": competition.timezone,
            "floor": default["floor"],
            "lines": default["lines"],
            "floors": per_floor if len(per_floor) > 1 else [],
        }
    ).data


def _floor_timetable(competition: Competition, row: Floor | None, now) -> dict[str, Any]:
    row = floor_read(competition, floor=row) if row is not None else None
    floor = floor_now(competition, now=now, floor=row, with_late=False).as_dict()
    zone = zoneinfo.ZoneInfo(competition.timezone)

    def local(value):
        return timezone.localtime(value, zone) if value else None

    lines = [
        {
            "position": line.item.position,
            "kind": line.item.kind,
            "label": line.label,
            "round": line.item.round_id,
            "starts": local(line.starts),
            "ends": local(line.ends),
            "state": line.state,
            "drawn": line.drawn,
            "slot_seconds": line.slot_seconds,
            "slots": [
                {
                    "round": slot.slot.round_id,
                    "dance": slot.slot.dance_id,
                    "dance_name": slot.dance,
                    "heat": slot.slot.heat_number,
                    "entry": slot.slot.entry_id,
                    "bibs": slot.bibs,
                    "starts": local(slot.starts),
                    "state": slot.state,
                }
                for slot in line.slots
            ],
        }
        for line in timetable_lines(competition, now=now, floor=row, public=True)
    ]
    return {"floor": floor, "lines": lines}


class TimetableApi(PublicApi, APIView):
    @extend_schema(
        operation_id="competition_timetable",
        summary="The day's timetable, with estimated starts and what is on the floor",
        tags=["public"],
        parameters=[SLUG, IF_NONE_MATCH, ETAG],
        responses={200: TimetableOut, **PUBLIC_NOT_FOUND},
    )
    def get(self, request, slug: str):
        try:
            competition = competition_get_visible(slug=slug)
        except Competition.DoesNotExist:
            raise NotFound("No such competition.") from None
        return Response(_timetable_body(competition))


# --- The desk ---------------------------------------------------------------------------------


class FloorMoveIn(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["start", "next", "danced", "break", "clear"],
        help_text="start: a heat (round, dance, heat) or a performance (round, entry); "
        "next: what the timetable says comes next; danced: the heat on the floor is over; "
        "break: a break of the timetable (item); clear: nothing on the floor.",
    )
    round = serializers.IntegerField(min_value=1, max_value=MAX_PATH_ID, required=False)
    dance = serializers.IntegerField(min_value=1, max_value=MAX_PATH_ID, required=False)
    heat = serializers.IntegerField(min_value=1, max_value=10_000, required=False)
    entry = serializers.IntegerField(min_value=1, max_value=MAX_PATH_ID, required=False)
    item = serializers.IntegerField(min_value=1, max_value=MAX_PATH_ID, required=False)
    floor = serializers.CharField(
        max_length=30,
        required=False,
        help_text="Which floor (its slug, name or position) when there are several; "
        "without it, the default floor.",
    )


def _desk_floor(competition: Competition, row: Floor | None = None) -> dict[str, Any]:
    row = floor_read(competition, floor=row)
    return DeskFloorOut(
        floor_now(competition, floor=row).as_dict() | {"floor": row.slug if row else None}
    ).data


FLOOR_QUERY = OpenApiParameter(
    "floor",
    str,
    OpenApiParameter.QUERY,
    required=False,
    description="Which floor (slug, name or position); without it, the default floor.",
)


def _floor_named(competition: Competition, value) -> Floor | None:
    """The floor ``value`` names, ``None`` for none; ``LookupError`` for an unknown one."""
    if not value:
        return None
    floor = floor_pick(competition, value)
    if floor is None:
        raise LookupError(f"{competition.name} has no floor “{value}”.")
    return floor


class DeskFloorApi(DeskApi):
    @extend_schema(
        operation_id="desk_floor_read",
        summary="What is on the floor, its timers and the judges who are late",
        tags=["desk"],
        parameters=[SLUG, FLOOR_QUERY],
        responses={200: DeskFloorOut, **errors(400, 401, 403, 404)},
    )
    def get(self, request, slug: str):
        competition = get_object_or_404(Competition, slug=slug)
        try:
            row = _floor_named(competition, request.query_params.get("floor"))
        except LookupError as unknown:
            raise NotFound(str(unknown)) from None
        return Response(_desk_floor(competition, row))

    @extend_schema(
        operation_id="desk_floor_move",
        summary="Move the floor: start a heat, start the next, mark it danced, a break",
        tags=["desk"],
        parameters=[SLUG],
        request=FloorMoveIn,
        responses={200: DeskFloorOut, **errors(400, 401, 403, 404, 409, 415)},
        examples=[
            OpenApiExample("Start what comes next", value={"action": "next"}, request_only=True),
            OpenApiExample(
                "Start heat 2 of the Samba",
                value={"action": "start", "round": 12, "dance": 3, "heat": 2},
                request_only=True,
            ),
        ],
    )
    def post(self, request, slug: str):
        competition = get_object_or_404(Competition, slug=slug)
        body = FloorMoveIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            row = _floor_named(competition, data.get("floor"))
        except LookupError as unknown:
            return error_response("invalid", {"floor": [str(unknown)]}, status.HTTP_400_BAD_REQUEST)
        try:
            floor_move(
                floor=row,
                competition=competition,
                action=data["action"],
                actor=request.user,
                round_id=data.get("round"),
                dance_id=data.get("dance"),
                heat_number=data.get("heat"),
                entry_id=data.get("entry"),
                item_id=data.get("item"),
            )
        except FloorRefused as refusal:
            http = (
                status.HTTP_403_FORBIDDEN
                if refusal.code == "forbidden"
                else status.HTTP_409_CONFLICT
            )
            return error_response(refusal.code, {"__all__": [str(refusal)]}, http)
        return Response(_desk_floor(competition, row))
