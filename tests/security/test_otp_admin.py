"""Nobody reads another person's authenticator secret in the admin: its key, QR code
and configuration address stay hidden even from a superuser (the owner saw them once,
when enrolling)."""

import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories.accounts import UserFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


def test_a_superuser_cannot_read_an_organizers_authenticator_secret(client):
    organizer = UserFactory(roles=["organizer"])
    device = TOTPDevice.objects.create(user=organizer, name="phone", confirmed=True)
    root = get_user_model().objects.create_superuser("root", "root@example.org", None)
    sign_in_staff(client, root)
    base = "/admin/otp_totp/totpdevice"

    change = client.get(f"{base}/{device.pk}/change/")
    config = client.get(f"{base}/{device.pk}/config/")
    qrcode = client.get(f"{base}/{device.pk}/qrcode/")
    missing = client.get(f"{base}/987654/config/")

    assert change.status_code == 200
    assert device.key not in change.content.decode()
    assert (config.status_code, qrcode.status_code) == (403, 403)
    assert missing.status_code == 403  # not a server error
