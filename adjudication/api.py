"""Judges' devices over the API: the sheets to fill now, one round, and sending a sheet.

Signing in: ``POST /api/v1/auth/judge-token/`` with the competition, the judge's letter
and the one-time code the desk issues (as on the tablet page), or ``POST
/api/v1/auth/token/`` with a username and password (set by the organizer), gives an
access token (minutes) and a refresh token (hours); every call here sends
``Authorization: Bearer <access>``. A code sign-in is listed among the judge's tablets at
the desk, which can sign it out. Only tokens are accepted here, not the
session cookie of the tablet pages.

Who sees what: the judge is always the ``Judge`` row linked to the signed-in user
(``Judge.user``), never an id from the request. A user with no judge seat at all gets
403 (``not_a_judge``) from the list; a round whose panel the user does not sit on answers
404 (``not_found``) exactly like a round that does not exist, so nobody learns about
other panels. A judge reads and writes only their own sheets.

Revoked tablets: when the desk revokes a tablet of one of the user's judge seats
(``TabletSession.revoked_at``), every token issued before that moment stops working:
401 with code ``revoked``, for access tokens here (``TabletNotRevoked``) and for refresh
tokens at ``/api/v1/auth/token/refresh/``, so an old refresh token cannot mint new access
tokens. The token's ``iat`` claim is in whole seconds, so a token issued in the same
second as the revocation is refused too (sign in again a moment later). Signing in again
with the password gives a working token: to keep a judge out, the organizer also removes
their password.

Sending a sheet goes through ``adjudication.services.sheet_submit``, like every mark:
201 when stored, 200 with ``Idempotent-Replayed: true`` when the same device key sends
the same sheet again. Refusals of the service become: ``invalid`` 400, ``closed``,
``stale`` and ``conflict`` 409, ``forbidden`` 403, ``not_on_panel`` 404 (as above).

Errors have one shape: ``{"code": "...", "message": "...", "errors": {field: [..]}}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.api_auth import StampedJWTAuthentication
from accounts.audit import client_address
from accounts.models import User
from accounts.signin import failure_record
from accounts.tokens import StampedRefreshToken, token_check
from accounts.two_factor import two_factor_required, two_factor_verify
from adjudication.models import Mark, Sheet
from adjudication.selectors import (
    SeatAmbiguous,
    SeatNotFound,
    judge_for_round,
    judge_round_get,
    judge_round_list,
    judge_seats,
    own_sheet,
    tablet_revoked_latest,
)
from adjudication.services import ScoringError, sheet_submit
from adjudication.sheets import sheet_input_from_body
from adjudication.tablet.sessions import (
    TabletLimited,
    TabletRefused,
    tablet_code_verify,
    tablet_session_start,
)
from competitions.models import (
    Competition,
    CompetitionStatus,
    Judge,
    Round,
    RoundKind,
    RoundStatus,
    ScoringMethod,
)
from scoring_site.api import (
    MAX_ID,
    RETRY_AFTER,
    SheetThrottle,
    TokenRefreshThrottle,
    TokenThrottle,
    error_response,
    errors,
    id_parameter,
    invalid_response,
    refusal_status,
)
from scoring_site.edges import JSONParser

NOT_FOUND_MESSAGE = "No such round on your panels."


# --- Errors -----------------------------------------------------------------------------------


def invalid_body_response(errors: Any) -> Response:
    return invalid_response(errors)


def not_found_response() -> Response:
    return error_response("not_found", {"__all__": [NOT_FOUND_MESSAGE]}, status.HTTP_404_NOT_FOUND)


def scoring_error_response(error: ScoringError) -> Response:
    if error.code == "not_on_panel":
        return not_found_response()
    full = str(error)
    suffix = " " + " ".join(error.problems)
    message = full[: -len(suffix)] if error.problems and full.endswith(suffix) else full
    return Response(
        {
            "code": error.code,
            "message": full,
            "errors": {"__all__": [message, *error.problems]},
        },
        status=refusal_status(error.code),
    )


# --- Revoked tablets --------------------------------------------------------------------------


class TokenRevoked(exceptions.AuthenticationFailed):
    default_detail = "This device was signed out at the desk: sign in again."
    default_code = "revoked"


def token_revoked(*, user_id: Any, issued_at: Any) -> bool:
    """Whether the desk revoked a tablet of this user at or after the token was issued
    (``iat``, whole seconds). A token without ``iat`` counts as revoked once any tablet
    of the user was."""
    if user_id is None:
        return False  # no user: nothing of a judge's to refuse (and no token works)
    latest = tablet_revoked_latest(user_id=user_id)
    if latest is None:
        return False
    if not isinstance(issued_at, int | float) or isinstance(issued_at, bool):
        return True
    try:
        issued = dt.datetime.fromtimestamp(issued_at, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return True
    return latest >= issued


class TabletNotRevoked(BasePermission):
    """Refuses (401 ``revoked``) an access token issued before the desk last revoked a
    tablet of one of the user's judge seats."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return True  # IsAuthenticated answers 401.
        token = request.auth
        issued_at = token.get("iat") if token is not None else None
        if token_revoked(user_id=request.user.pk, issued_at=issued_at):
            raise TokenRevoked
        return True


# --- Tokens -----------------------------------------------------------------------------------


class TokenRefreshIn(TokenRefreshSerializer):
    """simplejwt's refresh (rotating, blacklisting the old one), refused for a refresh
    token issued before a tablet of the user was revoked, before the account's
    credentials changed, or too long after its sign-in (``accounts.tokens``)."""

    token_class = StampedRefreshToken

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])
        user_id = refresh.payload.get(jwt_settings.USER_ID_CLAIM)
        if token_revoked(user_id=user_id, issued_at=refresh.payload.get("iat")):
            raise TokenRevoked
        user = User.objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()
        token_check(refresh, user)
        return super().validate(attrs)


# The claim a token carries when its holder proved a second factor at sign-in: the desk's
# endpoints ask for it from every user whose role needs two factors (docs/security.md).
SECOND_FACTOR_CLAIM = "tfa"


class TokenObtainIn(TokenObtainPairSerializer):
    """The password, and for organizers, scrutineers, chairmen and staff the code of
    their authenticator (or a single-use backup code) as on the web's second step."""

    token_class = StampedRefreshToken
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="Second factor: an authenticator's code or a backup code. Required for "
        "organizers, scrutineers, chairmen and staff; judges leave it out.",
    )

    def validate(self, attrs):
        data = super().validate(attrs)  # the password (and the lock-out) first
        if not two_factor_required(self.user):
            return data
        request = self.context.get("request")
        code = attrs.get("otp") or ""
        if not code:
            raise exceptions.AuthenticationFailed(
                "This account signs in with a second factor: send your authenticator's "
                "code (or a backup code) as otp.",
                "second_factor_required",
            )
        if two_factor_verify(user=self.user, token=code, request=request) is None:
            failure_record(self.user.get_username(), request=request, reason="second factor")
            raise exceptions.AuthenticationFailed(
                "That second-factor code is not valid (or was used already).",
                "second_factor_invalid",
            )
        refresh = self.get_token(self.user)
        refresh[SECOND_FACTOR_CLAIM] = True
        return {"refresh": str(refresh), "access": str(refresh.access_token)}


class SecondFactorProved(BasePermission):
    """For users whose role needs two factors, a token issued after the second factor."""

    message = "Sign in again with your second factor (otp) to use the desk."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated or not two_factor_required(user):
            return True
        token = request.auth
        return bool(token is not None and token.get(SECOND_FACTOR_CLAIM))


@extend_schema_view(
    post=extend_schema(
        operation_id="auth_token_obtain",
        summary="Sign a device in: an access and a refresh token",
        request=TokenObtainIn,
        parameters=[RETRY_AFTER],
        responses={200: TokenObtainPairSerializer, **errors(400, 401, 415, 429)},
        examples=[
            OpenApiExample(
                "A judge's device signs in",
                # bandit: an example in the API's documentation, not a password
                value={"username": "judge-demo-a", "password": "their password"},  # nosec B105
                request_only=True,
            ),
            OpenApiExample(
                "The token pair",
                value={"access": "eyJhbGciOiJIUzI1NiIs…", "refresh": "eyJhbGciOiJIUzI1NiIs…"},
                response_only=True,
            ),
        ],
    )
)
class TokenObtainApi(TokenObtainPairView):
    throttle_classes = [TokenThrottle]
    serializer_class = TokenObtainIn


@extend_schema_view(
    post=extend_schema(
        operation_id="auth_token_refresh",
        summary="A new access token (and a new refresh token) for a refresh token",
        request=TokenRefreshIn,
        parameters=[RETRY_AFTER],
        responses={200: TokenRefreshIn, **errors(400, 401, 415, 429)},
    )
)
class TokenRefreshApi(TokenRefreshView):
    throttle_classes = [TokenRefreshThrottle]
    serializer_class = TokenRefreshIn


class JudgeCodeIn(serializers.Serializer):
    competition = serializers.SlugField(max_length=80, help_text="The competition's slug.")
    letter = serializers.CharField(max_length=3, help_text="Your letter on the panel.")
    code = serializers.CharField(
        max_length=64,
        help_text="The one-time code the desk gave you (or your authenticator's code).",
    )


class JudgeTokenOut(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    tablet_id = serializers.IntegerField(
        help_text="This device, as the desk lists it (and can sign it out)."
    )


# Judges sign in while the competition runs, as on the tablet page.
JUDGE_SIGN_IN_STATUSES = [CompetitionStatus.REGISTRATION_CLOSED, CompetitionStatus.IN_PROGRESS]


class JudgeTokenApi(APIView):
    """A judge's device signs in with the desk's one-time code, as a tablet does."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="auth_judge_token",
        summary="Sign a judge's device in with the desk's one-time code",
        description=(
            "The code is used up. The device appears among the judge's tablets at the desk, "
            "and signing it out there ends these tokens (and every earlier one of the judge)."
        ),
        request=JudgeCodeIn,
        parameters=[RETRY_AFTER],
        responses={200: JudgeTokenOut, **errors(400, 401, 415, 429)},
        examples=[
            OpenApiExample(
                "Judge A of the demo",
                value={"competition": "demo", "letter": "A", "code": "k3r9x2pq"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        body = JudgeCodeIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        competition = Competition.objects.filter(
            slug=data["competition"], status__in=JUDGE_SIGN_IN_STATUSES
        ).first()
        try:
            if competition is None:
                raise TabletRefused("No competition of that name is running now.")
            # Verified (and the code used up) in its own transaction, as on the tablet page.
            judge, _device = tablet_code_verify(
                competition=competition,
                letter=data["letter"],
                code=data["code"],
                address=client_address(request),
            )
            with transaction.atomic():
                refresh = StampedRefreshToken.for_user(judge.user)
                tablet = tablet_session_start(
                    judge=judge,
                    session_key=f"api-{refresh[jwt_settings.JTI_CLAIM]}",
                    user_agent=request.headers.get("User-Agent", ""),
                )
        except TabletLimited as refusal:
            response = error_response(
                "throttled", {"__all__": [str(refusal)]}, status.HTTP_429_TOO_MANY_REQUESTS
            )
            response["Retry-After"] = str(refusal.retry_after)
            return response
        except TabletRefused as refusal:
            return error_response(
                "invalid_code", {"__all__": [str(refusal)]}, status.HTTP_401_UNAUTHORIZED
            )
        return Response(
            JudgeTokenOut(
                {
                    "access": str(refresh.access_token),
                    "refresh": str(refresh),
                    "tablet_id": tablet.pk,
                }
            ).data
        )


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


MARK_VALUE = {"max_digits": 7, "decimal_places": 2}


class OwnSheetOut(serializers.Serializer):
    version = serializers.IntegerField(help_text="Send it back as base_version to change it.")
    round_revision = serializers.IntegerField()
    source = serializers.CharField(help_text="tablet, api, paper or simulation")
    submitted_at = serializers.DateTimeField()
    unlocked = serializers.BooleanField(
        help_text="Unlocked by the chairman: it may be corrected while the round is closed."
    )
    marks = serializers.DictField(
        child=serializers.DecimalField(**MARK_VALUE),
        help_text="Entry id (skating) or criterion id (criteria) → value.",
    )


class PartOut(serializers.Serializer):
    dance_id = serializers.IntegerField(allow_null=True, help_text="Skating: the dance.")
    entry_id = serializers.IntegerField(allow_null=True, help_text="Criteria: the entry.")
    name = serializers.CharField()
    bib = serializers.IntegerField(allow_null=True)
    sheet = OwnSheetOut(allow_null=True, help_text="Your current sheet; null if not sent yet.")


class CriterionOut(serializers.Serializer):
    criterion_id = serializers.IntegerField()
    name = serializers.CharField()
    min = serializers.DecimalField(**MARK_VALUE)
    max = serializers.DecimalField(**MARK_VALUE)
    step = serializers.DecimalField(max_digits=6, decimal_places=2)
    weight = serializers.DecimalField(max_digits=6, decimal_places=3)


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
    criteria = CriterionOut(many=True, help_text="Criteria events only; empty for skating.")


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


def _sheet_body(sheet: Sheet, judge: Judge, marks: list[Mark]) -> dict[str, Any]:
    own = own_sheet(sheet, marks)
    return SheetOut(
        {
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
    ).data


# --- Input ------------------------------------------------------------------------------------


class MarkValueField(serializers.DecimalField):
    """A number (or a decimal string) with at most 2 decimals, passed on as sent: not
    padded to 2 decimals, so the service's messages say "place 3", not "place 3.00"."""

    def __init__(self, **kwargs):
        super().__init__(**MARK_VALUE, coerce_to_string=False, **kwargs)

    def quantize(self, value):
        return value


class SheetIn(serializers.Serializer):
    dance_id = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Skating: the dance."
    )
    entry_id = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Criteria: the entry."
    )
    marks = serializers.DictField(
        child=MarkValueField(),
        help_text=(
            "Skating: entry id → 1 for each recalled couple, or each finalist's place. "
            'Criteria: criterion id → score. Values are numbers or decimal strings ("8.5").'
        ),
    )
    client_key = serializers.CharField(
        max_length=64,
        help_text="The device's own key for this sending: the same key again is stored once.",
    )
    base_version = serializers.IntegerField(
        min_value=0, max_value=MAX_ID, help_text="The version you loaded; 0 for a new sheet."
    )
    round_revision = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The round's revision you loaded."
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Why you change a sheet you already sent (required then).",
    )

    def validate_marks(self, marks: dict[str, Any]) -> dict[int, Any]:
        bad = [k for k in marks if not (k.isascii() and k.isdigit() and 0 < len(k) <= 18)]
        if bad:
            raise serializers.ValidationError(
                "Mark entries (or criteria) by their id, a whole number: "
                + ", ".join(f"“{k}”" for k in bad[:5])
                + " is not one."
            )
        return {int(k): v for k, v in marks.items()}

    def validate(self, attrs):
        if ("dance_id" in attrs) == ("entry_id" in attrs):
            raise serializers.ValidationError(
                "Send dance_id (skating) or entry_id (criteria): one of them."
            )
        return attrs


# --- Views ------------------------------------------------------------------------------------


class JudgeApi(APIView):
    authentication_classes = [StampedJWTAuthentication]
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
            return not_found_response()
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
            judge = judge_for_round(user=request.user, round_id=round_id)
        except SeatNotFound:
            return not_found_response()
        except SeatAmbiguous as ambiguous:
            return error_response("conflict", {"__all__": [str(ambiguous)]}, 409)
        body = SheetIn(data=request.data)
        if not body.is_valid():
            return invalid_body_response(body.errors)
        data = body.validated_data
        try:
            outcome = sheet_submit(
                data=sheet_input_from_body(data, round_id=round_id, judge_id=judge.pk),
                actor=request.user,
                source=Sheet.Source.API,
            )
        except ScoringError as error:
            return scoring_error_response(error)
        except Round.DoesNotExist:
            return not_found_response()
        response = Response(
            _sheet_body(outcome.sheet, judge, outcome.marks),
            status=status.HTTP_200_OK if outcome.replayed else status.HTTP_201_CREATED,
        )
        if outcome.replayed:
            response["Idempotent-Replayed"] = "true"
        return response
