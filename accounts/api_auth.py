"""The API's authentication: bearer tokens that still match their account, and Django's
session, refusing a staff session without its second factor."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.authentication import SessionAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.models import User
from accounts.tokens import token_check
from accounts.two_factor import two_factor_pending


class StampedJWTAuthentication(JWTAuthentication):
    """simplejwt's, refusing a token issued before the account's password or second factor
    changed or it was deactivated, or too long after its sign-in (``accounts.tokens``).

    The user is read by ``user_read``, so that a subclass can read with it, in the same
    statement, what its permissions need (``adjudication.tokens_api``)."""

    def users(self) -> QuerySet[User]:
        return self.user_model.objects.all()

    def user_read(self, user_id: Any) -> User | None:
        """The user ``user_id`` names, or None."""
        return self.users().filter(**{api_settings.USER_ID_FIELD: user_id}).first()

    def get_user(self, validated_token):
        # simplejwt's get_user (its refusals and codes), reading from users().
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as e:
            raise InvalidToken(_("Token contained no recognizable user identification")) from e
        user = self.user_read(user_id)
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(
                _("The user's password has been changed."), code="password_changed"
            )
        token_check(validated_token, user)
        return user


class VerifiedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        found = super().authenticate(request)
        if found is not None and two_factor_pending(request._request.user):
            return None  # as if not signed in: a password alone opens nothing for staff
        return found


class StampedJWTScheme(SimpleJWTScheme):
    """The schema's security for ``StampedJWTAuthentication`` and its subclasses:
    simplejwt's bearer token."""

    target_class = StampedJWTAuthentication
    match_subclasses = True
