"""Signing staff in for tests: the password step (force_login) and the second factor,
as the two-factor page would (a confirmed device recorded in the session)."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken


def verify_second_factor(client, user):
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="test second factor", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def second_factor_code(user) -> str:
    """A fresh single-use backup code of ``user``, e.g. for the API's token (otp)."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="test second factor", defaults={"confirmed": True}
    )
    token = StaticToken.random_token()
    device.token_set.create(token=token)
    return token


def api_token_body(user, password: str) -> dict:
    """The token request of ``user``: with a second factor when their role needs one."""
    from accounts.two_factor import two_factor_required

    body = {"username": user.get_username(), "password": password}
    if two_factor_required(user):
        body["otp"] = second_factor_code(user)
    return body


def sign_in_staff(client, user):
    """Signed in with the password and a verified second factor."""
    client.force_login(user)
    return verify_second_factor(client, user)


def restore_role_groups():
    """The role groups with every permission their data migrations grant, for
    transactional tests (whose flush empties the groups' table)."""
    import importlib

    from django.contrib.auth.models import Group, Permission

    for name in (
        "0002_role_groups",
        "0003_registration_permissions",
        "0004_desk_permissions",
        "0006_audit_log_permission",
        "0007_floor_permissions",
        "0009_incident_permissions",
        "0010_judge_agreement",
    ):
        migration = importlib.import_module(f"accounts.migrations.{name}")
        grants = getattr(migration, "ROLE_PERMISSIONS", None) or migration.GRANTS
        for role, codenames in grants.items():
            group, _ = Group.objects.get_or_create(name=role)
            group.permissions.add(*Permission.objects.filter(codename__in=codenames))
