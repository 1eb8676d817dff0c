"""The results desk over the API: the same services and the same permissions as the desk
pages (``adjudication.desk.pages``).

Every call needs ``Authorization: Bearer <access>`` of a user who may run the results desk
(``adjudication.run_results_desk``: scrutineers, the chairman, organizers); anyone else
gets 403 ``permission_denied``. Each action then goes through its service, which checks
its own permission (closing needs ``transition_round``, unlocking a sheet and settling a
recall tie are the chairman's, confirming a paper sheet needs someone other than its
typist) and answers 403 ``forbidden`` when it is not the caller's to do.

A refused action answers 409 with the service's message (``closed``, ``stale``,
``conflict``, ``tie``, ``refused``); a bad body 400 ``invalid``.

Every unsafe call (POST and the like) of a signed-in caller, refused ones too, goes into
the audit log, as the desk pages' POSTs do (``accounts.audit.audit_api_request``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import UNSAFE_METHODS, audit_api_request
from accounts.models import AuditEntry
from adjudication.desk.paper import paper_sheet_allowed
from adjudication.incidents.miscount import paper_sheet_return
from adjudication.models import RecallDecision, Sheet, TabletSession
from adjudication.selectors import competition_of_url
from adjudication.services import (
    ScoringError,
    recall_decide,
    round_close,
    round_progress,
    round_publish,
    round_reopen,
    sheet_confirm,
    sheet_submit,
    sheet_unlock,
)
from adjudication.sheets import SheetIn, sheet_input_from_body
from adjudication.tablet.sessions import TabletRefused, tablet_revoke
from adjudication.tokens_api import (
    SecondFactorProved,
    TabletJWTAuthentication,
    TabletNotRevoked,
)
from competitions.access import staff_can, staff_can_somewhere
from competitions.models import Competition, Round, RoundKind, RoundStatus
from competitions.public_api import SLUG
from competitions.selectors import round_panel
from competitions.services import TransitionRefused, round_transition
from scoring_site.api import (
    MAX_PATH_ID,
    RETRY_AFTER,
    SheetThrottle,
    error_response,
    errors,
    id_parameter,
    refusal_response,
)
from scoring_site.edges import JSONParser


class CanRunDesk(BasePermission):
    message = (
        "The results desk is for scrutineers, the chairman and organizers of this competition."
    )

    def has_permission(self, request, view) -> bool:
        permission = "adjudication.run_results_desk"
        if not staff_can_somewhere(request.user, permission):
            return False
        competition_id = competition_of_url(view.kwargs)
        return competition_id is None or staff_can(request.user, permission, competition_id)


class DeskAuditMixin:
    """Every unsafe desk call goes into the audit log, as the desk pages' POSTs do
    (``AuditMiddleware`` records the pages only), in the action's own transaction."""

    def dispatch(self, request, *args, **kwargs):
        if request.method not in UNSAFE_METHODS:
            return super().dispatch(request, *args, **kwargs)
        # The action and its entry (written in finalize_response): both or neither.
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        audit_api_request(request, response, action=AuditEntry.Action.DESK)
        return response


class DeskApi(DeskAuditMixin, APIView):
    authentication_classes = [TabletJWTAuthentication]
    permission_classes = [IsAuthenticated, TabletNotRevoked, CanRunDesk, SecondFactorProved]
    parser_classes = [JSONParser]


ROUND_ID = id_parameter("round_id", "The round.")
SHEET_ID = id_parameter("sheet_id", "The sheet.")
DESK_ERRORS = errors(401, 403, 404)


def _desk_refusal(error: ScoringError | TransitionRefused) -> Response:
    """A desk action the service refused: 403 when it is not the caller's to do, 409 when
    the round's state does not allow it now."""
    if isinstance(error, TransitionRefused):
        return error_response("refused", {"__all__": [str(error)]}, status.HTTP_409_CONFLICT)
    if error.code == "forbidden":
        return refusal_response(error)
    response = refusal_response(error)
    response.status_code = status.HTTP_409_CONFLICT
    return response


# --- Output -----------------------------------------------------------------------------------


class PartProgressOut(serializers.Serializer):
    label = serializers.CharField()
    dance_id = serializers.IntegerField(allow_null=True)
    entry_id = serializers.IntegerField(allow_null=True)
    submitted = serializers.ListField(child=serializers.CharField(), help_text="Judges' letters.")
    awaiting_confirmation = serializers.ListField(
        child=serializers.CharField(), help_text="Paper sheets waiting for a second person."
    )
    missing = serializers.ListField(child=serializers.CharField())


class DeskRoundOut(serializers.Serializer):
    id = serializers.IntegerField()
    competition = serializers.CharField(source="event.competition.slug")
    event_id = serializers.IntegerField()
    event = serializers.CharField(source="event.name")
    kind = serializers.ChoiceField(choices=RoundKind.choices)
    status = serializers.ChoiceField(choices=RoundStatus.choices)
    revision = serializers.IntegerField()
    recall_count = serializers.IntegerField(allow_null=True)
    recall_decision = serializers.IntegerField(
        source="decided_recall_count",
        allow_null=True,
        help_text="The chairman's choice at a recall tie, if made.",
    )
    progress = PartProgressOut(many=True, help_text="Per dance (or entry): who has sent.")


def _round_body(round_: Round) -> dict[str, Any]:
    round_.refresh_from_db()
    decision = RecallDecision.objects.filter(round=round_).first()
    # Not ``recall_decision``: that is the reverse one-to-one, which takes only a decision.
    round_.decided_recall_count = decision.recall_count if decision else None
    round_.progress = round_progress(round_)
    return DeskRoundOut(round_).data


class DeskSheetOut(serializers.Serializer):
    id = serializers.IntegerField()
    judge = serializers.CharField(source="judge.letter")
    dance_id = serializers.IntegerField(allow_null=True)
    entry_id = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField()
    round_revision = serializers.IntegerField()
    source = serializers.ChoiceField(choices=Sheet.Source.choices)
    submitted_at = serializers.DateTimeField()
    submitted_by = serializers.CharField(source="submitted_by.username", allow_null=True)
    confirmed = serializers.SerializerMethodField()
    unlocked = serializers.SerializerMethodField()
    count_accepted_reason = serializers.CharField(
        help_text="Why the chairman accepted this recall sheet with the wrong number of "
        "crosses (empty: not accepted so)."
    )
    shadow = serializers.BooleanField(
        help_text="A shadow (trainee) judge's sheet: kept for the agreement report, never counted."
    )
    marks = serializers.SerializerMethodField(
        help_text="Entry id (skating) or criterion id (criteria) → value."
    )

    def get_confirmed(self, sheet: Sheet) -> bool:
        return sheet.confirmed_at is not None

    def get_unlocked(self, sheet: Sheet) -> bool:
        return sheet.unlocked_at is not None

    def get_marks(self, sheet: Sheet) -> dict[str, str]:
        key = "criterion_id" if sheet.entry_id is not None else "entry_id"
        return {str(getattr(m, key)): f"{m.value.normalize():f}" for m in sheet.marks.all()}


class TabletOut(serializers.Serializer):
    id = serializers.IntegerField()
    judge = serializers.CharField(source="judge.letter")
    judge_name = serializers.CharField(source="judge.name")
    user_agent = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


# --- Input ------------------------------------------------------------------------------------


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Kept in the trail with your name.")


class RecallDecisionIn(serializers.Serializer):
    recall_count = serializers.IntegerField(
        min_value=0, max_value=10_000, help_text="One of the two counts the tie allows."
    )


class PaperSheetIn(SheetIn):
    judge_id = serializers.IntegerField(
        min_value=1, max_value=MAX_PATH_ID, help_text="The judge whose paper sheet this is."
    )
    accept_count_reason = serializers.CharField(
        required=False,
        max_length=300,
        help_text="The chairman accepts a recall sheet with another number of crosses than "
        "asked, as it is: why (kept in the trail). Without it such a sheet is refused; "
        "return it to the judge instead.",
    )
    return_to_judge = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Return this recall sheet with the wrong number of crosses to its judge: "
        "nothing is stored, the sheet stays missing, the audit log notes it.",
    )


def _body(serializer_class, request):
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


# --- Views ------------------------------------------------------------------------------------


class DeskRoundApi(DeskApi):
    @extend_schema(
        operation_id="desk_round_read",
        summary="A round at the desk: status, revision and who has sent",
        tags=["desk"],
        parameters=[ROUND_ID],
        responses={200: DeskRoundOut, **DESK_ERRORS},
    )
    def get(self, request, round_id: int):
        round_ = get_object_or_404(Round.objects.select_related("event__competition"), pk=round_id)
        return Response(_round_body(round_))


def _action(
    action: str, summary: str, description: str, body: type[serializers.Serializer] | None
) -> type[DeskApi]:
    """A POST endpoint for one desk action on a round; answers the round as the desk sees
    it after the action."""

    @extend_schema(
        operation_id=f"desk_round_{action}",
        summary=summary,
        description=description,
        tags=["desk"],
        parameters=[ROUND_ID],
        request=body,
        responses={200: DeskRoundOut, **errors(400, 401, 403, 404, 409, 415)},
    )
    def post(self, request, round_id: int):
        round_ = get_object_or_404(Round.objects.select_related("event__competition"), pk=round_id)
        moves_round = action != "recall_decision"
        competition_id = round_.event.competition_id
        if moves_round and not staff_can(
            request.user, "competitions.transition_round", competition_id
        ):
            return error_response(
                "forbidden",
                {"__all__": ["You do not have permission to open, close or publish rounds."]},
                status.HTTP_403_FORBIDDEN,
            )
        data = _body(body, request) if body is not None else {}
        try:
            if action == "open":
                round_transition(round=round_, to_status=RoundStatus.OPEN, actor=request.user)
            elif action == "close":
                round_close(round=round_, actor=request.user)
            elif action == "recall_decision":
                recall_decide(round=round_, recall_count=data["recall_count"], actor=request.user)
            elif action == "reopen":
                round_reopen(round=round_, actor=request.user, reason=data["reason"])
            elif action == "publish":
                round_publish(round=round_, actor=request.user)
        except TransitionRefused as refusal:
            return _desk_refusal(refusal)
        except ScoringError as refusal:
            if moves_round and refusal.code == "forbidden":
                # The caller may move rounds (checked above): the round's state refused.
                return error_response("refused", {"__all__": [str(refusal)]}, 409)
            return _desk_refusal(refusal)
        return Response(_round_body(round_))

    return type(f"DeskRound{action.title().replace('_', '')}Api", (DeskApi,), {"post": post})


DeskRoundOpenApi = _action(
    "open",
    "Open a round for marking",
    "The judges' devices show it at once.",
    None,
)
DeskRoundCloseApi = _action(
    "close",
    "Close a round and tabulate it",
    "Only with every sheet in. A preliminary round then draws the next round from the "
    "recalled couples; a final stores its results. A tie at the recall cut-off needs the "
    "chairman's decision first (409 tie).",
    None,
)
DeskRoundRecallDecisionApi = _action(
    "recall_decision",
    "Settle a tie at the recall cut-off (the chairman)",
    "Recall fewer or more: one of the two counts the tie allows.",
    RecallDecisionIn,
)
DeskRoundReopenApi = _action(
    "reopen",
    "Reopen a closed round for a correction",
    "Its results are withdrawn and sheets loaded before are stale; the reason is kept.",
    ReasonIn,
)
DeskRoundPublishApi = _action(
    "publish",
    "Publish a closed round's results",
    "They reach the live screens, the results pages and the public API at once.",
    None,
)


class DeskSheetListApi(DeskApi):
    @extend_schema(
        operation_id="desk_round_sheets",
        summary="Every sheet of a round, with its marks",
        tags=["desk"],
        parameters=[ROUND_ID],
        responses={200: DeskSheetOut(many=True), **DESK_ERRORS},
    )
    def get(self, request, round_id: int):
        round_ = get_object_or_404(Round, pk=round_id)
        sheets = (
            Sheet.objects.filter(round=round_)
            .select_related("judge", "submitted_by")
            .prefetch_related("marks")
            .order_by("dance_id", "entry_id", "judge__letter")
        )
        return Response(DeskSheetOut(sheets, many=True).data)


class PaperSheetReturnedOut(serializers.Serializer):
    returned = serializers.BooleanField(help_text="True: the sheet went back to its judge.")
    message = serializers.CharField()


def _paper_refused() -> Response:
    return error_response(
        "permission_denied",
        {"__all__": ["Typing in paper sheets is for scrutineers."]},
        status.HTTP_403_FORBIDDEN,
    )


class DeskPaperSheetApi(DeskApi):
    throttle_classes = [SheetThrottle]

    @extend_schema(
        operation_id="desk_paper_sheet_submit",
        summary="Type in (or correct) a judge's paper sheet",
        description=(
            "Stored through the same service as every sheet, with source paper: it counts "
            "once someone else confirms it. Correcting a sheet already sent needs its "
            "base_version and a reason, kept in the trail."
        ),
        tags=["desk"],
        parameters=[ROUND_ID, RETRY_AFTER],
        request=PaperSheetIn,
        responses={
            201: DeskSheetOut,
            200: PolymorphicProxySerializer(
                component_name="PaperSheetAnswer",
                serializers=[DeskSheetOut, PaperSheetReturnedOut],
                resource_type_field_name=None,
            ),
            **errors(400, 401, 403, 404, 409, 415, 429),
        },
        examples=[
            OpenApiExample(
                "A mark corrected with a reason",
                value={
                    "judge_id": 4,
                    "dance_id": 3,
                    "marks": {"11": 1, "12": 1, "14": 1, "15": 1, "17": 1, "18": 1},
                    "client_key": "desk-2f91",
                    "base_version": 1,
                    "round_revision": 2,
                    "reason": "Judge D crossed 14, not 13, on paper",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, round_id: int):
        round_ = get_object_or_404(Round.objects.select_related("event"), pk=round_id)
        competition_id = round_.event.competition_id
        typist = staff_can(request.user, "adjudication.enter_paper_sheet", competition_id)
        # The chairman types a paper sheet only to accept its wrong count as it is.
        if not paper_sheet_allowed(request.user, competition_id):
            return _paper_refused()
        data = _body(PaperSheetIn, request)
        if not typist and "accept_count_reason" not in data:
            return _paper_refused()
        judge = next((j for j in round_panel(round_) if j.pk == data["judge_id"]), None)
        if judge is None:  # not on this round's panel (a replaced judge from then on)
            raise Http404("No such judge on this round's panel.")
        sheet_input = sheet_input_from_body(data, round_id=round_.pk, judge_id=judge.pk)
        try:
            if data["return_to_judge"]:
                sentence = paper_sheet_return(data=sheet_input, actor=request.user)
                return Response({"returned": True, "message": sentence})
            outcome = sheet_submit(data=sheet_input, actor=request.user, source=Sheet.Source.PAPER)
        except ScoringError as error:
            return refusal_response(error)
        sheet = (
            Sheet.objects.select_related("judge", "submitted_by")
            .prefetch_related("marks")
            .get(pk=outcome.sheet.pk)
        )
        return Response(
            DeskSheetOut(sheet).data,
            status=status.HTTP_200_OK if outcome.replayed else status.HTTP_201_CREATED,
        )


class DeskSheetConfirmApi(DeskApi):
    @extend_schema(
        operation_id="desk_sheet_confirm",
        summary="Confirm a paper sheet someone else typed in",
        tags=["desk"],
        parameters=[SHEET_ID],
        request=None,
        responses={200: DeskSheetOut, **errors(401, 403, 404, 409, 415)},
    )
    def post(self, request, sheet_id: int):
        sheet = get_object_or_404(Sheet, pk=sheet_id)
        try:
            sheet_confirm(sheet=sheet, actor=request.user)
        except ScoringError as refusal:
            return _desk_refusal(refusal)
        return Response(DeskSheetOut(_sheet(sheet_id)).data)


class DeskSheetUnlockApi(DeskApi):
    @extend_schema(
        operation_id="desk_sheet_unlock",
        summary="Unlock a sheet of a closed round so its judge may correct it (the chairman)",
        tags=["desk"],
        parameters=[SHEET_ID],
        request=ReasonIn,
        responses={200: DeskSheetOut, **errors(400, 401, 403, 404, 409, 415)},
    )
    def post(self, request, sheet_id: int):
        sheet = get_object_or_404(Sheet, pk=sheet_id)
        data = _body(ReasonIn, request)
        try:
            sheet_unlock(sheet=sheet, actor=request.user, reason=data["reason"])
        except ScoringError as refusal:
            return _desk_refusal(refusal)
        return Response(DeskSheetOut(_sheet(sheet_id)).data)


def _sheet(sheet_id: int) -> Sheet:
    return (
        Sheet.objects.select_related("judge", "submitted_by")
        .prefetch_related("marks")
        .get(pk=sheet_id)
    )


class DeskTabletListApi(DeskApi):
    @extend_schema(
        operation_id="desk_tablets_list",
        summary="The judges' devices signed in now",
        tags=["desk"],
        parameters=[SLUG],
        responses={200: TabletOut(many=True), **DESK_ERRORS},
    )
    def get(self, request, slug: str):
        competition = get_object_or_404(Competition, slug=slug)
        tablets = (
            TabletSession.objects.filter(judge__competition=competition, revoked_at__isnull=True)
            .select_related("judge")
            .order_by("judge__letter", "-created_at")
        )
        return Response(TabletOut(tablets, many=True).data)


class DeskTabletRevokeApi(DeskApi):
    @extend_schema(
        operation_id="desk_tablet_revoke",
        summary="Sign a judge's device out now",
        description=(
            "The tablet's session ends, and every API token of the judge issued before now "
            "stops working (refresh tokens are blacklisted, access tokens refused)."
        ),
        tags=["desk"],
        parameters=[id_parameter("tablet_id", "The tablet session.")],
        request=None,
        responses={200: TabletOut, **errors(401, 403, 404, 415)},
    )
    def post(self, request, tablet_id: int):
        tablet = get_object_or_404(TabletSession.objects.select_related("judge"), pk=tablet_id)
        try:
            tablet = tablet_revoke(tablet=tablet, actor=request.user)
        except TabletRefused as refusal:
            return error_response("forbidden", {"__all__": [str(refusal)]}, 403)
        return Response(TabletOut(tablet).data)
