"""Tokens for devices and the desk's staff over the API, and the refusal of tokens a
tablet's revocation ended.

Signing in: ``POST /api/v1/auth/judge-token/`` with the competition, the judge's letter
and the one-time code the desk issues (as on the tablet page), or ``POST
/api/v1/auth/token/`` with a username and password (and, for staff, their second factor)
gives an access token (minutes) and a refresh token (hours). A code sign-in is listed
among the judge's tablets at the desk, which can sign it out.

Revoked tablets: when the desk revokes a tablet of one of the user's judge seats
(``TabletSession.revoked_at``), every token issued before that moment stops working:
401 with code ``revoked``, for access tokens (``TabletNotRevoked``, on the judges' and
the desk's API) and for refresh tokens at ``/api/v1/auth/token/refresh/``, so an old
refresh token cannot mint new access tokens. The token's ``iat`` claim is in whole
seconds, so a token issued in the same second as the revocation is refused too (sign in
again a moment later). Signing in again with the password gives a working token: to
keep a judge out, the organizer also removes their password.

It lives in ``adjudication``, not ``accounts``: the refresh and the revocation read the
tablets' sessions and the judges' code sign-in checks the desk's codes.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, BasePermission
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
from adjudication.models import TabletSession
from adjudication.selectors import tablet_revoked_latest, tablet_revoked_latest_of_user
from adjudication.tablet.sessions import (
    TabletLimited,
    TabletRefused,
    tablet_code_verify,
    tablet_session_start,
)
from competitions.models import Competition, CompetitionStatus, Judge
from scoring_site import rows
from scoring_site.api import (
    RETRY_AFTER,
    TokenRefreshThrottle,
    TokenThrottle,
    error_response,
    errors,
)
from scoring_site.edges import JSONParser

# --- Revoked tablets --------------------------------------------------------------------------


_UNREAD = object()  # not read yet: token_revoked reads it


class TokenRevoked(exceptions.AuthenticationFailed):
    default_detail = "This device was signed out at the desk: sign in again."
    default_code = "revoked"


def token_revoked(*, user_id: Any, issued_at: Any, latest: Any = _UNREAD) -> bool:
    """Whether the desk revoked a tablet of this user at or after the token was issued
    (``iat``, whole seconds). A token without ``iat`` counts as revoked once any tablet
    of the user was. ``latest``: the user's ``tablet_revoked_latest`` when the caller
    has read it already (``TabletJWTAuthentication`` does, with the user)."""
    if user_id is None:
        return False  # no user: nothing of a judge's to refuse (and no token works)
    if latest is _UNREAD:
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


# The user's annotation that TabletJWTAuthentication reads for TabletNotRevoked.
REVOKED_LATEST = "tablet_revoked_latest"


class TabletJWTAuthentication(StampedJWTAuthentication):
    """``StampedJWTAuthentication`` reading, with the user, when the desk last revoked a
    tablet of theirs: ``TabletNotRevoked`` then needs no statement of its own."""

    def users(self) -> QuerySet[User]:
        return super().users().annotate(**{REVOKED_LATEST: tablet_revoked_latest_of_user()})

    def user_read(self, user_id: Any) -> User | None:
        """``users()``' row for ``user_id``, by a statement written once: every request of
        a judge's tablet makes it, and composing it cost more than running it."""
        if isinstance(user_id, str) and user_id.isascii() and user_id.isdigit():
            user_id = int(user_id)  # simplejwt writes the id as a string
        if type(user_id) is not int or not 0 < user_id < 2**63:
            return super().user_read(user_id)
        with connection.cursor() as cursor:
            cursor.execute(_user_read_sql(connection.vendor), [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        user = rows.from_row(User, row[:-1])
        setattr(user, REVOKED_LATEST, rows.value(TabletSession, "revoked_at", row[-1]))
        return user


@functools.cache
def _user_read_sql(vendor: str) -> str:
    """``TabletJWTAuthentication.users()`` for one user, as tablet_revoked_latest_of_user
    reads the latest revocation."""
    quote = connection.ops.quote_name
    return (
        f"SELECT {rows.columns('u', User)}, ("  # nosec B608: the models' own names
        f"SELECT t.revoked_at FROM {quote(TabletSession._meta.db_table)} t "
        f"INNER JOIN {quote(Judge._meta.db_table)} j ON j.id = t.judge_id "
        "WHERE j.user_id = u.id AND t.revoked_at IS NOT NULL "
        "ORDER BY t.revoked_at DESC LIMIT 1) "
        f"FROM {quote(User._meta.db_table)} u WHERE u.id = %s"
    )


class TabletNotRevoked(BasePermission):
    """Refuses (401 ``revoked``) an access token issued before the desk last revoked a
    tablet of one of the user's judge seats."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return True  # IsAuthenticated answers 401.
        token = request.auth
        issued_at = token.get("iat") if token is not None else None
        latest = getattr(request.user, REVOKED_LATEST, _UNREAD)
        if token_revoked(user_id=request.user.pk, issued_at=issued_at, latest=latest):
            raise TokenRevoked
        return True


# --- Tokens ---------------------------------------------------------------------------------


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
