"""The API's authentication: bearer tokens that still match their account, and Django's
session, refusing a staff session without its second factor."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.authentication import SessionAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.tokens import token_check
from accounts.two_factor import two_factor_pending


class StampedJWTAuthentication(JWTAuthentication):
    """simplejwt's, refusing a token issued before the account's password or second factor
    changed or it was deactivated, or too long after its sign-in (``accounts.tokens``)."""

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        token_check(validated_token, user)
        return user


class VerifiedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        found = super().authenticate(request)
        if found is not None and two_factor_pending(request._request.user):
            return None  # as if not signed in: a password alone opens nothing for staff
        return found


class StampedJWTScheme(SimpleJWTScheme):
    """The schema's security for ``StampedJWTAuthentication``: simplejwt's bearer token."""

    target_class = StampedJWTAuthentication
