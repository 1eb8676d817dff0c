"""Judges' tablets: sign-in with a one-time code (django-otp), sessions bound to a judge
and a competition for the day, and revocation from the desk."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import User
from accounts.roles import JUDGE_ACCOUNT_REFUSAL, Role, judge_account_allowed
from accounts.two_factor import TABLET_DEVICE
from adjudication.models import TabletSession
from competitions.models import Competition, Judge
from scoring_site.realtime import announce


class TabletRefused(Exception):
    pass


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
    if actor is not None and not actor.has_perm("adjudication.manage_tablets"):
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


@transaction.atomic
def tablet_code_verify(*, competition: Competition, letter: str, code: str):
    """The judge whose code this is, and the device that verified it: a single-use desk
    code (used up now) or their authenticator's TOTP. django-otp throttles repeated
    failures per device."""
    judge = (
        Judge.objects.select_related("user")
        .filter(competition=competition, letter=letter.strip().upper())
        .first()
    )
    refused = TabletRefused("That letter and code do not match. Ask the scrutineer for a new code.")
    if judge is not None and judge.user is not None and not judge_account_allowed(judge.user):
        raise TabletRefused(
            f"This judge's account cannot sign in on a tablet. {JUDGE_ACCOUNT_REFUSAL}"
        )
    if judge is None or judge.user is None or not code.strip():
        raise refused
    for device in devices_for_user(judge.user):
        if _code_expired(device):
            continue
        if device.verify_is_allowed()[0] and device.verify_token(code.strip()):
            return judge, device
    raise refused


def tablet_session_start(*, judge: Judge, session_key: str, user_agent: str = "") -> TabletSession:
    """Bind a signed-in browser session to ``judge`` until the competition ends."""
    return TabletSession.objects.create(
        judge=judge,
        session_key=session_key,
        user_agent=user_agent[:300],
        expires_at=_end_of_competition(judge.competition),
    )


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
    if actor is not None and not actor.has_perm("adjudication.manage_tablets"):
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
