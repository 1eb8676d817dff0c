"""Judges' devices over the API: the sheets to fill now, one round, and sending a sheet.

Signing in is ``adjudication.tokens_api`` (a one-time code from the desk, or a username
and password); every call here sends ``Authorization: Bearer <access>``. Only tokens
are accepted here, not the session cookie of the tablet pages, and a token issued
before the desk revoked one of the user's tablets is refused (``TabletNotRevoked``).

Who sees what: the judge is always the ``Judge`` row linked to the signed-in user
(``Judge.user``), never an id from the request. A user with no judge seat at all gets
403 (``not_a_judge``) from the list; a round whose panel the user does not sit on answers
404 (``not_found``) exactly like a round that does not exist, so nobody learns about
other panels. A judge reads and writes only their own sheets.

Sending a sheet goes through ``adjudication.services.sheet_submit``, like every mark:
201 when stored, 200 with ``Idempotent-Replayed: true`` when the same device key sends
the same sheet again. Refusals of the service become: ``invalid`` 400, ``closed``,
``stale`` and ``conflict`` 409, ``forbidden`` 403, ``not_on_panel`` 404 (as above).

Errors have one shape: ``{"code": "...", "message": "...", "errors": {field: [..]}}``.
"""

from __future__ import annotations

import datetime
import decimal
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import ISO_8601, serializers, status
from rest_framework.exceptions import APIException
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from adjudication.models import Sheet
from adjudication.selectors import (
    SeatAmbiguous,
    SeatNotFound,
    judge_for_round,
    judge_round_get,
    judge_round_list,
    judge_seats,
    own_sheet,
)
from adjudication.services import ScoringError, StoredMark, sheet_submit
from adjudication.sheets import MARK_VALUE, SheetIn, sheet_input_from_body
from adjudication.tokens_api import TabletJWTAuthentication, TabletNotRevoked
from competitions.models import Judge, Round, RoundKind, RoundStatus, ScoringMethod
from scoring_site.api import (
    RETRY_AFTER,
    SheetThrottle,
    error_response,
    errors,
    id_parameter,
    invalid_response,
    not_on_panel_response,
    refusal_response,
)
from scoring_site.edges import JSONParser

# --- Output -----------------------------------------------------------------------------------


class JudgeOut(serializers.Serializer):
    letter = serializers.CharField()
    name = serializers.CharField()


class EntryLineOut(serializers.Serializer):
    entry_id = serializers.IntegerField()
    bib = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    withdrawn = serializers.BooleanField(help_text="Withdrawn entries cannot be marked.")


class HeatOut(serializers.Serializer):
    number = serializers.IntegerField()
    entries = EntryLineOut(
        many=True,
        help_text=(
            "By bib in preliminary rounds; in running order for criteria; in a final, in a "
            "random order of this judge's own (the same each time)."
        ),
    )


class OwnSheetOut(serializers.Serializer):
    version = serializers.IntegerField(help_text="Send it back as base_version to change it.")
    round_revision = serializers.IntegerField()
    source = serializers.CharField(help_text="tablet, api, paper or simulation")
    submitted_at = serializers.DateTimeField()
    unlocked = serializers.BooleanField(
        help_text="Unlocked by the chairman: it may be corrected while the round is closed."
    )
    returned = serializers.BooleanField(
        help_text="Re-collected by the desk for a redance: it does not count until sent again "
        "(no reason needed)."
    )
    marks = serializers.DictField(
        child=serializers.DecimalField(**MARK_VALUE),
        help_text="Entry id (skating), criterion id (criteria) or “entry id:component id” "
        "(components) → value.",
    )


class PartOut(serializers.Serializer):
    dance_id = serializers.IntegerField(allow_null=True, help_text="Skating: the dance.")
    entry_id = serializers.IntegerField(allow_null=True, help_text="Criteria: the entry.")
    name = serializers.CharField()
    bib = serializers.IntegerField(allow_null=True)
    sheet = OwnSheetOut(allow_null=True, help_text="Your current sheet; null if not sent yet.")
    not_dancing = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Skating: entries that no longer dance this dance (a couple retired from "
        "it or before): leave them off this sheet.",
    )
    marks = serializers.IntegerField(
        allow_null=True,
        help_text="Skating: the marks a complete sheet of this dance holds (the crosses to "
        "give, or the places) once the couples not dancing it are left off; components: the "
        "scores (couples dancing it × your components); null for criteria.",
    )
    components = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Components: the criterion ids of the components you score in this dance "
        "(every couple dancing it, each of these); empty for skating and criteria.",
    )


class CriterionOut(serializers.Serializer):
    criterion_id = serializers.IntegerField()
    name = serializers.CharField()
    min = serializers.DecimalField(**MARK_VALUE)
    max = serializers.DecimalField(**MARK_VALUE)
    step = serializers.DecimalField(max_digits=6, decimal_places=2)
    weight = serializers.DecimalField(max_digits=6, decimal_places=3)
    short_name = serializers.CharField(help_text="Components: e.g. TQ; may be empty.")


class JudgeRoundOut(serializers.Serializer):
    round_id = serializers.IntegerField(source="round.pk")
    competition_id = serializers.IntegerField(source="round.event.competition_id")
    competition_name = serializers.CharField(source="round.event.competition.name")
    event_id = serializers.IntegerField(source="round.event_id")
    event_name = serializers.CharField(source="round.event.name")
    scoring_method = serializers.ChoiceField(
        choices=ScoringMethod.choices, source="round.event.scoring_method"
    )
    round_kind = serializers.ChoiceField(choices=RoundKind.choices, source="round.kind")
    round_status = serializers.ChoiceField(
        choices=RoundStatus.choices,
        source="round.status",
        help_text="Marks are taken while open (or on a sheet the chairman unlocked).",
    )
    revision = serializers.IntegerField(
        source="round.revision", help_text="Send it back as round_revision."
    )
    recall_count = serializers.IntegerField(
        source="round.recall_count", allow_null=True, help_text="null for a final"
    )
    marks_per_sheet = serializers.IntegerField(
        help_text="Marks on a complete sheet: the crosses to give, the places, or the criteria."
    )
    judge = JudgeOut(help_text="You, on this panel.")
    heats = HeatOut(many=True)
    parts = PartOut(
        many=True,
        help_text="One sheet each: the dances (skating) or the entries in running order.",
    )
    criteria = CriterionOut(
        many=True,
        help_text="The criteria (criteria events) or the components (component events); "
        "empty for skating.",
    )


class JudgeRoundListOut(serializers.Serializer):
    rounds = JudgeRoundOut(many=True)


class SheetOut(serializers.Serializer):
    round_id = serializers.IntegerField()
    dance_id = serializers.IntegerField(allow_null=True)
    entry_id = serializers.IntegerField(allow_null=True)
    judge = serializers.CharField(help_text="Your letter on the panel.")
    client_key = serializers.CharField()
    version = serializers.IntegerField()
    round_revision = serializers.IntegerField()
    source = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    marks = serializers.DictField(child=serializers.DecimalField(**MARK_VALUE))


def _sheet_body(sheet: Sheet, judge: Judge, marks: list[StoredMark]) -> dict[str, Any]:
    own = own_sheet(sheet, marks)
    values = {
        "round_id": sheet.round_id,
        "dance_id": sheet.dance_id,
        "entry_id": sheet.entry_id,
        "judge": judge.letter,
        "client_key": sheet.client_key,
        "version": own.version,
        "round_revision": own.round_revision,
        "source": own.source,
        "submitted_at": own.submitted_at,
        "marks": own.marks,
    }
    plain = sheet_out_plain(values)
    return SheetOut(values).data if plain is None else plain


# SheetOut's marks as its DecimalField quantizes them, where that is exact: a value it
# would round, or could not hold, is left to the serializer.
_CENT = Decimal(1).scaleb(-MARK_VALUE["decimal_places"])
_EXACT = decimal.Context(
    prec=MARK_VALUE["max_digits"], traps=[decimal.InvalidOperation, decimal.Inexact]
)


# SheetOut's other fields, in its order, each as its field shows it (None stays None).
_SHOWN = (
    ("round_id", int),
    ("dance_id", int),
    ("entry_id", int),
    ("judge", str),
    ("client_key", str),
    ("version", int),
    ("round_revision", int),
    ("source", str),
)


def sheet_out_plain(values: dict[str, Any]) -> dict[str, Any] | None:
    """``SheetOut(values).data`` built as plain data, without the serializer's fields
    (deep-copied per instance, on every sheet); None for a value it does not take as
    DRF does, which the serializer then shows. The same data or None
    (tests/adjudication/test_sheet_body.py holds the two side by side)."""
    if not api_settings.COERCE_DECIMAL_TO_STRING or not settings.USE_TZ:
        return None
    output_format = api_settings.DATETIME_FORMAT
    if type(output_format) is not str or output_format.lower() != ISO_8601:
        return None
    submitted_at = values["submitted_at"]
    if submitted_at is not None:
        if type(submitted_at) is not datetime.datetime or timezone.is_naive(submitted_at):
            return None
        try:
            submitted_at = submitted_at.astimezone(timezone.get_current_timezone()).isoformat()
        except OverflowError:
            return None
        if submitted_at.endswith("+00:00"):
            submitted_at = submitted_at[:-6] + "Z"
    marks = values["marks"]
    if marks is not None:
        shown = {}
        for key, value in marks.items():
            if value is not None:
                if type(value) is not Decimal or not value.is_finite():
                    return None
                try:
                    value = f"{value.quantize(_CENT, context=_EXACT):f}"
                except decimal.DecimalException:
                    return None
            shown[str(key)] = value
        marks = shown
    body = {name: None if values[name] is None else show(values[name]) for name, show in _SHOWN}
    body["submitted_at"] = submitted_at
    body["marks"] = marks
    return body


def _sheet_sent(request, round_id: int) -> dict[str, Any] | Response:
    """The body of a sheet sent, validated, or its refusal (400, or DRF's for a body that
    cannot be read). Before refusing, the user's seat on the round's panel is checked, so
    that a stranger to the panel gets the same 404 whatever they send (``SeatNotFound``,
    ``SeatAmbiguous``); a valid body's seat is checked by ``sheet_submit``."""
    try:
        plain = SheetIn.plain(request.data)
        if plain is not None:
            return plain
        body = SheetIn(data=request.data)
        if body.is_valid():
            return body.validated_data
    except APIException:
        judge_for_round(user=request.user, round_id=round_id)
        raise
    judge_for_round(user=request.user, round_id=round_id)
    return invalid_response(body.errors)


# --- Views ------------------------------------------------------------------------------------


class JudgeApi(APIView):
    authentication_classes = [TabletJWTAuthentication]
    permission_classes = [IsAuthenticated, TabletNotRevoked]


COMMON_ERRORS = errors(401, 403)
ROUND_ID = id_parameter("round_id", "The round.")


class JudgeSheetListApi(JudgeApi):
    """The sheets a judge has to fill now, over all the competitions they judge."""

    @extend_schema(
        operation_id="judge_sheets_list",
        summary="The rounds open on your panels, with your sheets",
        description=(
            "Every open round of a panel you sit on (and every closed round where the "
            "chairman unlocked one of your sheets), with its entries by heat, the parts to "
            "fill (dances, or entries in running order for criteria events) and your own "
            "current sheet for each part."
        ),
        responses={200: JudgeRoundListOut, **COMMON_ERRORS},
    )
    def get(self, request):
        judges = judge_seats(user=request.user)
        if not judges:
            return error_response(
                "not_a_judge",
                {"__all__": ["This account is not linked to a judge of any competition."]},
                status.HTTP_403_FORBIDDEN,
            )
        rounds = judge_round_list(user=request.user, judges=judges)
        return Response(JudgeRoundListOut({"rounds": rounds}).data)


class JudgeRoundApi(JudgeApi):
    """One round of the judge's panels, whatever its status."""

    @extend_schema(
        operation_id="judge_round_read",
        summary="One round of your panels, with your sheets",
        parameters=[ROUND_ID],
        responses={200: JudgeRoundOut, **errors(404, 409), **COMMON_ERRORS},
    )
    def get(self, request, round_id: int):
        try:
            judge_round = judge_round_get(user=request.user, round_id=round_id)
        except SeatNotFound:
            return not_on_panel_response()
        except SeatAmbiguous as ambiguous:
            return error_response("conflict", {"__all__": [str(ambiguous)]}, 409)
        return Response(JudgeRoundOut(judge_round).data)


class JudgeSheetSubmitApi(JudgeApi):
    """Send one sheet of a round: a dance (skating) or an entry (criteria), whole."""

    parser_classes = [JSONParser]
    throttle_classes = [SheetThrottle]

    @extend_schema(
        operation_id="judge_sheet_submit",
        summary="Send your sheet for one dance or entry of a round",
        description=(
            "The whole sheet at once. A new sheet has base_version 0; a change sends the "
            "version it loaded and a reason. The same client_key with the same marks is "
            "stored once: the answer is then 200 with Idempotent-Replayed: true."
        ),
        request=SheetIn,
        parameters=[
            ROUND_ID,
            RETRY_AFTER,
            OpenApiParameter(
                "Idempotent-Replayed",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description="true: this sheet was already stored under this client_key.",
            ),
        ],
        responses={
            201: SheetOut,
            200: SheetOut,
            **errors(400, 404, 409, 415, 429),
            **COMMON_ERRORS,
        },
        examples=[
            OpenApiExample(
                "Recall crosses for a dance",
                value={
                    "dance_id": 3,
                    "marks": {"11": 1, "12": 1, "14": 1, "15": 1, "17": 1, "18": 1},
                    "client_key": "tablet-7f3c-0001",
                    "base_version": 0,
                    "round_revision": 1,
                },
                request_only=True,
            ),
            OpenApiExample(
                "Criteria scores corrected",
                value={
                    "entry_id": 21,
                    "marks": {"4": "8.5", "5": "9"},
                    "client_key": "tablet-7f3c-0002",
                    "base_version": 1,
                    "round_revision": 1,
                    "reason": "Presentation keyed wrongly",
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request, round_id: int):
        try:
            data = _sheet_sent(request, round_id)
            if isinstance(data, Response):
                return data
            outcome = sheet_submit(
                # No judge id: the service finds the user's seat under the round's lock.
                data=sheet_input_from_body(data, round_id=round_id, judge_id=None),
                actor=request.user,
                source=Sheet.Source.API,
            )
        except (SeatNotFound, Round.DoesNotExist):
            return not_on_panel_response()
        except SeatAmbiguous as ambiguous:
            return error_response("conflict", {"__all__": [str(ambiguous)]}, 409)
        except ScoringError as error:
            return refusal_response(error)
        response = Response(
            _sheet_body(outcome.sheet, outcome.judge, outcome.marks),
            status=status.HTTP_200_OK if outcome.replayed else status.HTTP_201_CREATED,
        )
        if outcome.replayed:
            response["Idempotent-Replayed"] = "true"
        return response
