"""Signing staff in for tests: the password step (force_login) and the second factor,
as the two-factor page would (a confirmed device recorded in the session)."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice


def verify_second_factor(client, user):
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="test second factor", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def sign_in_staff(client, user):
    """Signed in with the password and a verified second factor."""
    client.force_login(user)
    return verify_second_factor(client, user)
