"""Sign-in limits for the admin and the desk: a rate per client address and a lock-out
per account and address after repeated failures.

Counters live in the cache: Redis in production (shared by every web process), local
memory on the embedded default (one process). A refusal is answered 429 with
``Retry-After``; a lock-out is logged and written to the audit log.

* Rate: at most ``SIGN_IN_RATE_PER_MINUTE`` sign-in attempts (password or second
  factor) per client address per minute.
* Lock-out: ``LOCKOUT_FAILURES`` failures for one username from one client address
  within ``LOCKOUT_MINUTES`` lock that username at that address for ``LOCKOUT_MINUTES``,
  whatever the password; ``LockoutBackend`` refuses it for every way in that
  authenticates with a password (the admin, and the API's token endpoint). Other
  addresses are not locked out, so a stranger's guesses cannot keep the scrutineer out;
  the rate bounds each address's guesses.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from accounts.audit import audit_record, client_address
from accounts.models import AuditEntry, User

logger = logging.getLogger("podium.signin")

WINDOW = 60


@dataclass(frozen=True)
class SignInRefused:
    message: str
    retry_after: int


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _lock_seconds() -> int:
    return settings.LOCKOUT_MINUTES * 60


def _address(request) -> str:
    return (client_address(request) if request is not None else None) or "unknown"


def _generation_key(username: str) -> str:
    return f"signin:generation:{_digest(username)}"


def _locks_key(username: str) -> str:
    return f"signin:locks:{_digest(username)}"


def _account_key(kind: str, username: str, request) -> str:
    # The username's generation changes on unlock, which drops its counts at every address.
    generation = cache.get(_generation_key(username)) or "0"
    return f"signin:{kind}:{_digest(username)}:{generation}:{_digest(_address(request))}"


def _fail_key(username: str, request) -> str:
    return _account_key("fail", username, request)


def _lock_key(username: str, request) -> str:
    return _account_key("lock", username, request)


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


def lock_remaining(username: str, request=None) -> int:
    """Seconds until ``username`` may try again from this client (0: not locked)."""
    if not username:
        return 0
    until = cache.get(_lock_key(username, request))
    if until is None:
        return 0
    return max(0, int(until - time.time()))


def locks(username: str) -> dict[str, int]:
    """The addresses ``username`` is locked at, with the seconds left."""
    now = time.time()
    found = cache.get(_locks_key(username)) or {}
    return {address: int(until - now) for address, until in found.items() if until > now}


def lock_check(username: str, request=None) -> SignInRefused | None:
    remaining = lock_remaining(username, request)
    if not remaining:
        return None
    minutes = max(1, round(remaining / 60))
    return SignInRefused(
        f"This account is locked at this address after too many failed sign-ins. Try again "
        f"in about {minutes} minute{'s' if minutes != 1 else ''}, or ask an administrator.",
        remaining,
    )


def attempt_check(request, *, username: str) -> SignInRefused | None:
    """Before checking a password or code: the client's rate, then the account's lock at
    the client's address."""
    return rate_check(request, username=username) or lock_check(username, request)


def _lock(username: str, request) -> None:
    now = time.time()
    until = now + _lock_seconds()
    cache.set(_lock_key(username, request), until, timeout=_lock_seconds())
    # The list of locked addresses, for the operator (manage.py two_factor NAME).
    held = {address: now + left for address, left in locks(username).items()}
    cache.set(_locks_key(username), {**held, _address(request): until}, timeout=_lock_seconds())


def failure_record(username: str, *, request=None, reason: str = "password") -> bool:
    """Count a failure for ``username`` from this client; lock it there at the limit.
    True if it is now locked."""
    if not username or lock_remaining(username, request):
        return bool(username)
    key = _fail_key(username, request)
    cache.add(key, 0, timeout=_lock_seconds())
    try:
        failures = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=_lock_seconds())
        failures = 1
    if failures < settings.LOCKOUT_FAILURES:
        return False
    _lock(username, request)
    cache.delete(key)
    logger.warning(
        "sign-in locked for %r after %d failures (last: %s) from %s",
        username,
        failures,
        reason,
        client_address(request) if request is not None else "-",
    )
    audit_record(
        action=AuditEntry.Action.LOCKED_OUT,
        actor=User.objects.filter(username=username).first(),
        username=username,
        request=request,
        message=f"{failures} failed sign-ins ({reason}); locked for {settings.LOCKOUT_MINUTES} min",
    )
    return True


def failures_clear(username: str, request=None) -> None:
    cache.delete(_fail_key(username, request))


def unlock(username: str) -> None:
    """Lift the locks of ``username`` and forget its failures, at every address."""
    cache.set(_generation_key(username), secrets.token_hex(8), timeout=_lock_seconds() + WINDOW)
    cache.delete(_locks_key(username))


def refused_response(request, refusal: SignInRefused):
    response = render(request, "accounts/sign_in_refused.html", {"refusal": refusal}, status=429)
    response["Retry-After"] = str(max(1, refusal.retry_after))
    return response


class LockoutBackend(ModelBackend):
    """The model backend, refusing a username locked at the client's address before looking
    at its password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and lock_remaining(username, request):
            raise PermissionDenied("locked")
        return super().authenticate(request, username=username, password=password, **kwargs)


# --- Signals -------------------------------------------------------------------------------


def _on_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get(get_user_model().USERNAME_FIELD, "") or "")[:150]
    if lock_remaining(username, request):
        return  # refused while locked: neither counted nor logged again
    audit_record(action=AuditEntry.Action.SIGN_IN_FAILED, username=username, request=request)
    failure_record(username, request=request)


def _on_logged_in(sender, request, user, **kwargs) -> None:
    failures_clear(user.get_username(), request)
    audit_record(action=AuditEntry.Action.SIGNED_IN, actor=user, request=request)


def _on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(action=AuditEntry.Action.SIGNED_OUT, actor=user, request=request)


def connect_signals() -> None:
    user_login_failed.connect(_on_failed, dispatch_uid="podium_signin_failed")
    user_logged_in.connect(_on_logged_in, dispatch_uid="podium_signin_logged_in")
    user_logged_out.connect(_on_logged_out, dispatch_uid="podium_signin_logged_out")
