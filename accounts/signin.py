"""Sign-in limits for the admin and the desk: a rate per client address and a lock-out
per account after repeated failures.

Counters live in the cache: Redis in production (shared by every web process), local
memory on the embedded default (one process). A refusal is answered 429 with
``Retry-After``; a lock-out is logged and written to the audit log.

* Rate: at most ``SIGN_IN_RATE_PER_MINUTE`` sign-in attempts (password or second
  factor) per client address per minute.
* Lock-out: ``LOCKOUT_FAILURES`` failures for one username within
  ``LOCKOUT_MINUTES`` lock that username for ``LOCKOUT_MINUTES``, whatever the
  password; ``LockoutBackend`` refuses it for every way in that authenticates with a
  password (the admin, and the API's token endpoint).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from accounts.audit import audit_record, client_address
from accounts.models import AuditEntry

logger = logging.getLogger("podium.signin")

WINDOW = 60


@dataclass(frozen=True)
class SignInRefused:
    message: str
    retry_after: int


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _fail_key(username: str) -> str:
    return f"signin:fail:{_digest(username)}"


def _lock_key(username: str) -> str:
    return f"signin:lock:{_digest(username)}"


def _lock_seconds() -> int:
    return settings.LOCKOUT_MINUTES * 60


def rate_check(request, *, username: str = "") -> SignInRefused | None:
    """Count one attempt from this client; refuse past the rate."""
    address = client_address(request) or "unknown"
    now = int(time.time())
    key = f"signin:rate:{_digest(address)}:{now // WINDOW}"
    cache.add(key, 0, timeout=WINDOW + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW + 5)
        count = 1
    if count <= settings.SIGN_IN_RATE_PER_MINUTE:
        return None
    if count == settings.SIGN_IN_RATE_PER_MINUTE + 1:
        logger.warning("sign-in rate exceeded from %s", address)
        audit_record(action=AuditEntry.Action.RATE_LIMITED, username=username, request=request)
    return SignInRefused(
        "Too many sign-in attempts from this address. Wait a minute and try again.",
        WINDOW - now % WINDOW,
    )


def lock_remaining(username: str) -> int:
    """Seconds until ``username`` may try again (0: not locked)."""
    if not username:
        return 0
    until = cache.get(_lock_key(username))
    if until is None:
        return 0
    return max(0, int(until - time.time()))


def lock_check(username: str) -> SignInRefused | None:
    remaining = lock_remaining(username)
    if not remaining:
        return None
    minutes = max(1, round(remaining / 60))
    return SignInRefused(
        f"This account is locked after too many failed sign-ins. Try again in about "
        f"{minutes} minute{'s' if minutes != 1 else ''}, or ask an administrator.",
        remaining,
    )


def attempt_check(request, *, username: str) -> SignInRefused | None:
    """Before checking a password or code: the client's rate, then the account's lock."""
    return rate_check(request, username=username) or lock_check(username)


def failure_record(username: str, *, request=None, reason: str = "password") -> bool:
    """Count a failure for ``username``; lock it at the limit. True if it is now locked."""
    if not username or lock_remaining(username):
        return bool(username)
    key = _fail_key(username)
    cache.add(key, 0, timeout=_lock_seconds())
    try:
        failures = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=_lock_seconds())
        failures = 1
    if failures < settings.LOCKOUT_FAILURES:
        return False
    cache.set(_lock_key(username), time.time() + _lock_seconds(), timeout=_lock_seconds())
    cache.delete(key)
    logger.warning(
        "sign-in locked for %r after %d failures (last: %s) from %s",
        username,
        failures,
        reason,
        client_address(request) if request is not None else "-",
    )
    from accounts.models import User

    audit_record(
        action=AuditEntry.Action.LOCKED_OUT,
        actor=User.objects.filter(username=username).first(),
        username=username,
        request=request,
        message=f"{failures} failed sign-ins ({reason}); locked for {settings.LOCKOUT_MINUTES} min",
    )
    return True


def failures_clear(username: str) -> None:
    cache.delete(_fail_key(username))


def unlock(username: str) -> None:
    cache.delete_many([_fail_key(username), _lock_key(username)])


def refused_response(request, refusal: SignInRefused):
    response = render(request, "accounts/sign_in_refused.html", {"refusal": refusal}, status=429)
    response["Retry-After"] = str(max(1, refusal.retry_after))
    return response


class LockoutBackend(ModelBackend):
    """The model backend, refusing a locked username before looking at its password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and lock_remaining(username):
            raise PermissionDenied("locked")
        return super().authenticate(request, username=username, password=password, **kwargs)


# --- Signals -------------------------------------------------------------------------------


def _on_failed(sender, credentials, request=None, **kwargs) -> None:
    from django.contrib.auth import get_user_model

    username = str(credentials.get(get_user_model().USERNAME_FIELD, "") or "")[:150]
    if lock_remaining(username):
        return  # refused while locked: neither counted nor logged again
    audit_record(action=AuditEntry.Action.SIGN_IN_FAILED, username=username, request=request)
    failure_record(username, request=request)


def _on_logged_in(sender, request, user, **kwargs) -> None:
    failures_clear(user.get_username())
    audit_record(action=AuditEntry.Action.SIGNED_IN, actor=user, request=request)


def _on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(action=AuditEntry.Action.SIGNED_OUT, actor=user, request=request)


def connect_signals() -> None:
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_login_failed.connect(_on_failed, dispatch_uid="podium_signin_failed")
    user_logged_in.connect(_on_logged_in, dispatch_uid="podium_signin_logged_in")
    user_logged_out.connect(_on_logged_out, dispatch_uid="podium_signin_logged_out")
