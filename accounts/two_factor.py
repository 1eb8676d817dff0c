"""Two-factor sign-in for organizers, scrutineers, chairmen and every staff account.

After the password, the admin and the desk let such a person in only once their
session is verified by a second factor (django-otp): an authenticator app's TOTP, or
one of their single-use backup codes. Someone with no device yet enrols an
authenticator at their first sign-in (a QR code); enrolling another device needs a
verified session. Judges keep their tablet sign-in (a single-use code from the desk);
a tablet's device is never anyone's second factor, so it opens no staff page.

Services here; the pages are ``accounts.views``; the admin checks
``accounts.admin_site``, the desk ``adjudication.desk.pages.desk_required``, and the
websockets ``accounts.websocket.TwoFactorScopeMiddleware``.
"""

from __future__ import annotations

from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import audit_record
from accounts.models import AuditEntry, User
from accounts.roles import Role
from accounts.services import user_tokens_revoke

TWO_FACTOR_ROLES = (Role.ORGANIZER, Role.SCRUTINEER, Role.CHAIRMAN)
AUTHENTICATOR = "authenticator"
BACKUP_CODES = "backup codes"
BACKUP_CODE_COUNT = 10
# The desk's tablet codes live on a static device of this name (adjudication.tablet.sessions).
TABLET_DEVICE = "tablet sign-in"


def two_factor_required(user) -> bool:
    """Staff, superusers and holders of the organizer, scrutineer or chairman role."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    roles = [r.value for r in TWO_FACTOR_ROLES]
    # competition_roles: the per-competition assignments (competitions.CompetitionStaff).
    return (
        user.groups.filter(name__in=roles).exists()
        or user.competition_roles.filter(role__in=roles).exists()
    )


def is_second_factor(device) -> bool:
    """Whether ``device`` counts as a second factor: a tablet's desk code never does."""
    if device is None:
        return False
    return not (isinstance(device, StaticDevice) and device.name == TABLET_DEVICE)


def two_factor_pending(user) -> bool:
    """Signed in with the password but the second factor not yet verified."""
    if not two_factor_required(user):
        return False
    # django-otp's OTPMiddleware sets otp_device from the session's verified device.
    return not is_second_factor(getattr(user, "otp_device", None))


def session_verified(user, session) -> bool:
    """Whether ``session`` (e.g. a websocket's) holds a verified device of ``user``."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return is_second_factor(device) and device.user_id == user.pk and device.confirmed


def second_factor_devices(user: User):
    return (d for d in devices_for_user(user, confirmed=True) if is_second_factor(d))


def has_device(user: User) -> bool:
    return any(True for _ in second_factor_devices(user))


def two_factor_verify(*, user: User, token: str, request=None) -> Device | None:
    """The device that accepts ``token`` (TOTP or a backup code, used up), or None.

    django-otp throttles each device after a failure (doubling delays)."""
    token = "".join(token.split()).lower()
    if not token:
        return None
    for device in second_factor_devices(user):
        with transaction.atomic():
            locked = type(device).objects.select_for_update().get(pk=device.pk)
            if locked.verify_is_allowed()[0] and locked.verify_token(token):
                audit_record(
                    action=AuditEntry.Action.VERIFIED,
                    actor=user,
                    request=request,
                    message=f"with {locked.name}",
                )
                return locked
    audit_record(action=AuditEntry.Action.VERIFY_FAILED, actor=user, request=request)
    return None


def authenticator_pending(user: User) -> TOTPDevice:
    """The authenticator being enrolled (created unconfirmed, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    return device


@transaction.atomic
def authenticator_confirm(*, user: User, token: str, request=None) -> TOTPDevice | None:
    """Confirm the pending authenticator with its current code; None if the code is wrong."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    token = "".join(token.split())
    if device is None or not device.verify_is_allowed()[0] or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(action=AuditEntry.Action.ENROLLED, actor=user, request=request)
    return device


@transaction.atomic
def backup_codes_issue(
    *, user: User, actor: User | None = None, count: int = BACKUP_CODE_COUNT, request=None
) -> list[str]:
    """Fresh single-use backup codes for ``user``; earlier ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_CODES, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit_record(
        action=AuditEntry.Action.CODES_ISSUED,
        actor=actor or user,
        username=user.get_username() if actor is None else "",
        request=request,
        message=f"{count} backup codes for {user.get_username()}",
    )
    return codes


@transaction.atomic
def two_factor_reset(*, user: User, actor: User | None = None) -> int:
    """Remove every authenticator and backup code of ``user`` (a lost phone): they enrol
    again at their next sign-in, and every API token they hold stops working. Returns how
    many devices went."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        devices = model.objects.filter(user=user).exclude(name=TABLET_DEVICE)
        removed += devices.count()
        devices.delete()
    user_tokens_revoke(user=user)
    audit_record(
        action=AuditEntry.Action.RESET,
        actor=actor,
        message=f"second factor of {user.get_username()} reset",
    )
    return removed
