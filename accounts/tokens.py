"""The API's tokens name the account's credentials and the time of sign-in.

* ``cred``: a digest of the account's password hash and ``User.token_generation`` (bumped
  when its second factor is reset or it is deactivated), like Django's session auth
  hash. A token whose stamp no longer matches is refused, at every request
  (``accounts.api_auth.StampedJWTAuthentication``) and at refresh.
* ``auth_time``: when the holder signed in, carried unchanged through refreshes. Tokens
  are refused ``JWT_SIGN_IN_MAX_AGE`` after it, and no refresh token expires later.

Every token is made by ``StampedRefreshToken.for_user`` (and its ``access_token``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import User
from accounts.services import user_tokens_revoke

CREDENTIAL_CLAIM = "cred"
SIGNED_IN_CLAIM = "auth_time"


class CredentialsChanged(AuthenticationFailed):
    default_detail = (
        "This account's password or second factor changed, or it was deactivated: sign in again."
    )
    default_code = "credentials_changed"


class SignInExpired(AuthenticationFailed):
    default_detail = "This sign-in is too old: sign in again."
    default_code = "sign_in_expired"


def credential_stamp(user: User) -> str:
    return salted_hmac(
        "podium.accounts.tokens.credential_stamp",
        f"{user.password}:{user.token_generation}",
        algorithm="sha256",
    ).hexdigest()[:32]


def _max_age_seconds() -> int:
    return int(settings.JWT_SIGN_IN_MAX_AGE.total_seconds())


def _epoch(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def token_check(token, user: User | None) -> None:
    """Refuse ``token`` (access or refresh) unless it was issued to ``user`` as the
    account is now, less than ``JWT_SIGN_IN_MAX_AGE`` after its sign-in."""
    stamp = token.get(CREDENTIAL_CLAIM)
    if (
        user is None
        or not user.is_active
        or not isinstance(stamp, str)
        or not constant_time_compare(stamp, credential_stamp(user))
    ):
        raise CredentialsChanged
    signed_in = _epoch(token.get(SIGNED_IN_CLAIM))
    now = timezone.now().timestamp()
    if signed_in is None or now >= signed_in + _max_age_seconds():
        raise SignInExpired


class StampedRefreshToken(RefreshToken):
    """simplejwt's refresh token (blacklisted when rotated) with the stamp and the time of
    sign-in; its expiry never passes the sign-in's maximum age."""

    @classmethod
    def for_user(cls, user: User) -> StampedRefreshToken:
        token = super().for_user(user)
        token[CREDENTIAL_CLAIM] = credential_stamp(user)
        token[SIGNED_IN_CLAIM] = token["iat"]
        token.set_exp()
        # The outstanding record was written before the claims: keep it true.
        OutstandingToken.objects.filter(jti=token[jwt_settings.JTI_CLAIM]).update(
            token=str(token), expires_at=datetime_from_epoch(token["exp"])
        )
        return token

    def set_exp(
        self,
        claim: str = "exp",
        from_time: dt.datetime | None = None,
        lifetime: dt.timedelta | None = None,
    ) -> None:
        super().set_exp(claim, from_time, lifetime)
        signed_in = _epoch(self.payload.get(SIGNED_IN_CLAIM))
        if claim == "exp" and signed_in is not None:
            self.payload[claim] = min(self.payload[claim], signed_in + _max_age_seconds())


# --- Signals -------------------------------------------------------------------------------


def _on_user_pre_save(sender, instance, update_fields=None, **kwargs) -> None:
    if instance.pk is None or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    instance._podium_deactivated = sender.objects.filter(pk=instance.pk, is_active=True).exists()


def _on_user_post_save(sender, instance, **kwargs) -> None:
    if instance.__dict__.pop("_podium_deactivated", False):
        user_tokens_revoke(user=instance)


def connect_signals() -> None:
    pre_save.connect(_on_user_pre_save, sender=User, dispatch_uid="podium_tokens_user_pre_save")
    post_save.connect(_on_user_post_save, sender=User, dispatch_uid="podium_tokens_user_post_save")
