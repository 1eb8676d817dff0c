"""Judges' tablets: sign-in with a one-time code (django-otp), sessions bound to a judge
and a competition for the day, and revocation from the desk.

A desk code works once, for ``TABLET_CODE_HOURS``; a new code for the judge retires the
older ones. Only a judge-only account (``accounts.roles.judge_account_allowed``) is
given codes or signed in. Failed codes are counted in the throttle cache (outside the
sign-in's transaction): ``TABLET_CODE_FAILURES`` for one competition and letter, or
``TABLET_CODE_ADDRESS_FAILURES`` from one address, within ``TABLET_CODE_LOCK_MINUTES``
refuse every code there, the right one too, for ``TABLET_CODE_LOCK_MINUTES``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import User
from accounts.roles import JUDGE_ACCOUNT_REFUSAL, Role, judge_account_allowed
from accounts.two_factor import TABLET_DEVICE
from adjudication.models import TabletSession
from competitions.access import staff_can
from competitions.models import Competition, Judge
from scoring_site.realtime import announce

logger = logging.getLogger("podium.tablets")


class TabletRefused(Exception):
    pass


class TabletLimited(TabletRefused):
    """Too many failed codes: nothing is checked for ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def judge_ensure_user(judge: Judge) -> User:
    """The judge's own sign-in account (no password: judges sign in with codes)."""
    if judge.user_id:
        if not judge_account_allowed(judge.user):
            raise TabletRefused(f"Judge {judge.letter}: {JUDGE_ACCOUNT_REFUSAL}")
        return judge.user
    username = f"judge-{judge.competition.slug}-{judge.letter}".lower()[:150]
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": judge.name}
    )
    if not created and not judge_account_allowed(user):
        raise TabletRefused(f"The account {username} exists and is not a judge's account.")
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=Role.JUDGE.value))
    judge.user = user
    judge.save(update_fields=["user"])
    return user


@transaction.atomic
def tablet_code_issue(*, judge: Judge, actor: User | None) -> str:
    """A fresh single-use sign-in code for ``judge`` (shown at the desk as text and QR)."""
    if actor is not None and not staff_can(
        actor, "adjudication.manage_tablets", judge.competition_id
    ):
        raise TabletRefused("You do not have permission to sign tablets in.")
    judge = (
        Judge.objects.select_for_update(of=("self",))
        .select_related("competition", "user")
        .get(pk=judge.pk)
    )
    user = judge_ensure_user(judge)
    # One live code per judge: the new device (and its created_at, the code's start)
    # replaces the old one with its unused codes.
    StaticDevice.objects.filter(user=user, name=TABLET_DEVICE).delete()
    device = StaticDevice.objects.create(user=user, name=TABLET_DEVICE, confirmed=True)
    return StaticToken.objects.create(device=device, token=StaticToken.random_token()).token


def _code_expired(device) -> bool:
    if not (isinstance(device, StaticDevice) and device.name == TABLET_DEVICE):
        return False
    lifetime = dt.timedelta(hours=settings.TABLET_CODE_HOURS)
    return device.created_at is None or device.created_at + lifetime <= timezone.now()


def _end_of_competition(competition: Competition) -> dt.datetime:
    zone = zoneinfo.ZoneInfo(competition.timezone)
    last_day = dt.datetime.combine(competition.ends_on, dt.time(23, 59), tzinfo=zone)
    return max(last_day, timezone.now() + dt.timedelta(hours=12))


# --- Failed codes ----------------------------------------------------------------------------


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _counters(competition: Competition, letter: str, address: str) -> list[tuple[str, int]]:
    """(key, limit) of each counter a failed code adds to."""
    return [
        (f"tablet:{competition.pk}:{_digest(letter)}", settings.TABLET_CODE_FAILURES),
        (f"tablet:address:{_digest(address)}", settings.TABLET_CODE_ADDRESS_FAILURES),
    ]


def _limited(keys: list[str]) -> int:
    """Seconds until every lock of ``keys`` has lifted (0: none is locked)."""
    now = time.time()
    untils = caches["throttle"].get_many([f"{key}:lock" for key in keys]).values()
    return max((int(until - now) + 1 for until in untils if until > now), default=0)


def _failure_record(counters: list[tuple[str, int]], *, what: str) -> None:
    cache = caches["throttle"]
    window = settings.TABLET_CODE_LOCK_MINUTES * 60
    for key, limit in counters:
        cache.add(key, 0, timeout=window)
        try:
            failures = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            failures = 1
        if failures >= limit:
            cache.set(f"{key}:lock", time.time() + window, timeout=window)
            cache.delete(key)
            logger.warning("tablet codes locked after %d failures (%s)", failures, what)


def _code_check(judge: Judge, code: str):
    """The device of ``judge`` that accepts ``code`` (a desk code is used up), or None."""
    with transaction.atomic():
        for found in devices_for_user(judge.user):
            device = type(found).objects.select_for_update().get(pk=found.pk)
            if _code_expired(device):
                continue
            if device.verify_is_allowed()[0] and device.verify_token(code):
                return device
        # Failures are counted in the cache: django-otp's own per-device delay doubles
        # without bound, so a stranger's wrong codes would shut the judge out for good.
        transaction.set_rollback(True)
    return None


def tablet_code_verify(*, competition: Competition, letter: str, code: str, address: str | None):
    """The judge whose code this is, and the device that verified it: a single-use desk
    code (used up now) or their authenticator's TOTP. Refused (``TabletLimited``) while
    too many codes failed for this letter or from this address."""
    letter = letter.strip().upper()
    code = code.strip()
    counters = _counters(competition, letter, address or "unknown")
    wait = _limited([key for key, _ in counters])
    if wait:
        minutes = max(1, round(wait / 60))
        raise TabletLimited(
            f"Too many wrong codes. Wait about {minutes} minute{'s' if minutes != 1 else ''}"
            " and try again, or ask the scrutineer.",
            wait,
        )
    judge = Judge.objects.select_related("user").filter(competition=competition, letter=letter)
    judge = judge.first()
    if judge is not None and judge.user is not None and not judge_account_allowed(judge.user):
        raise TabletRefused(
            f"This judge's account cannot sign in on a tablet. {JUDGE_ACCOUNT_REFUSAL}"
        )
    device = _code_check(judge, code) if judge is not None and judge.user and code else None
    if device is None:
        _failure_record(counters, what=f"{competition.slug} {letter[:3]!r}, {address}")
        raise TabletRefused("That letter and code do not match. Ask the scrutineer for a new code.")
    caches["throttle"].delete(counters[0][0])
    return judge, device


def tablet_session_start(*, judge: Judge, session_key: str, user_agent: str = "") -> TabletSession:
    """Bind a signed-in browser session to ``judge`` until the competition ends; the
    desks' tablets column hears of it after the commit."""
    tablet = TabletSession.objects.create(
        judge=judge,
        session_key=session_key,
        user_agent=user_agent[:300],
        expires_at=_end_of_competition(judge.competition),
    )
    announce(judge.competition_id, "tablet.signed_in", {"tablet": tablet.pk})
    return tablet


def tablet_session_active(
    *, session_key: str | None, tablet_id: int | None
) -> TabletSession | None:
    if not session_key or not tablet_id:
        return None
    tablet = (
        TabletSession.objects.select_related("judge__competition", "judge__user")
        .filter(pk=tablet_id, session_key=session_key, revoked_at__isnull=True)
        .first()
    )
    if tablet is None or tablet.expires_at <= timezone.now():
        return None
    return tablet


@transaction.atomic
def tablet_revoke(*, tablet: TabletSession, actor: User | None) -> TabletSession:
    """Sign a tablet out at once; its judge signs in again with a new code."""
    if actor is not None and not staff_can(
        actor, "adjudication.manage_tablets", tablet.judge.competition_id
    ):
        raise TabletRefused("You do not have permission to revoke tablets.")
    updated = TabletSession.objects.filter(pk=tablet.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    if updated:
        # Empty the session but leave a marker, so the tablet is told why it is out.
        store = SessionStore(session_key=tablet.session_key)
        if store.exists(tablet.session_key):
            store.clear()
            store["tablet_signed_out"] = True
            store.save()
        # The judge's API refresh tokens go too (access tokens are refused by their iat).
        for token in OutstandingToken.objects.filter(user_id=tablet.judge.user_id):
            BlacklistedToken.objects.get_or_create(token=token)
    tablet.refresh_from_db()
    if updated:
        announce(tablet.judge.competition_id, "tablet.revoked", {"tablet": tablet.pk})
    return tablet
