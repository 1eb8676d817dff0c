"""Two-factor sign-in for staff: enforced in the admin, at the desk and over the API's
session; enrolment with a real TOTP code; backup codes work once."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEntry
from accounts.two_factor import backup_codes_issue, two_factor_required
from tests.factories.accounts import UserFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def password_step(client, username):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": PASSWORD, "next": "/desk/"},
    )


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.mark.parametrize("role", ["organizer", "scrutineer", "chairman"])
def test_staff_roles_need_the_second_factor(role):
    assert two_factor_required(UserFactory(roles=[role])) is True


def test_judges_and_competitors_do_not():
    assert two_factor_required(UserFactory(roles=["judge"])) is False
    assert two_factor_required(UserFactory(roles=["competitor"])) is False


def test_a_superuser_needs_it_too():
    assert two_factor_required(UserFactory(is_superuser=True)) is True


def test_the_password_alone_opens_neither_the_admin_nor_the_desk(client):
    UserFactory(username="org", roles=["organizer"])

    signed = password_step(client, "org")
    admin_page = client.get(reverse("admin:index"))
    desk_page = client.get(reverse("adjudication:desk"))

    assert signed.status_code == 302
    assert signed["Location"].startswith(reverse("accounts:two-factor"))
    assert client.get(signed["Location"])["Location"].startswith(
        reverse("accounts:two-factor-setup")
    )
    assert admin_page.status_code == 302
    assert admin_page["Location"].startswith(reverse("admin:login"))
    assert desk_page.status_code == 302
    # The sign-in page sends a half-signed-in person on to the second step.
    assert client.get(admin_page["Location"])["Location"].startswith("/account/two-factor/")


def test_enrolment_with_the_apps_code_opens_the_desk_and_gives_backup_codes(client):
    user = UserFactory(username="scrut", roles=["scrutineer"])
    password_step(client, "scrut")
    page = client.get(reverse("accounts:two-factor-setup") + "?next=/desk/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong = client.post(reverse("accounts:two-factor-setup"), {"token": "000000", "next": "/desk/"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp makes the next try wait
    device.throttle_reset()
    right = client.post(
        reverse("accounts:two-factor-setup"), {"token": current_code(device), "next": "/desk/"}
    )
    desk = client.get(reverse("adjudication:desk"))

    assert page.status_code == 200
    assert b"<svg" in page.content
    assert wrong.status_code == 400
    assert right.status_code == 200
    assert len(right.context["codes"]) == 10
    assert desk.status_code == 200
    device.refresh_from_db()
    assert device.confirmed is True
    assert AuditEntry.objects.filter(actor=user, action="2fa.enrolled").exists()


def test_a_backup_code_verifies_once(client):
    user = UserFactory(username="chair", roles=["chairman"])
    codes = backup_codes_issue(user=user)

    password_step(client, "chair")
    first = client.post(reverse("accounts:two-factor"), {"token": codes[0], "next": "/desk/"})
    desk = client.get(reverse("adjudication:desk"))
    other = Client()
    password_step(other, "chair")
    again = other.post(reverse("accounts:two-factor"), {"token": codes[0], "next": "/desk/"})

    assert first.status_code == 302
    assert first["Location"] == "/desk/"
    assert desk.status_code == 200
    assert again.status_code == 400
    assert other.get(reverse("adjudication:desk")).status_code == 302


def test_a_totp_code_verifies_a_returning_user(client):
    user = UserFactory(username="org", roles=["organizer"])
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    password_step(client, "org")

    response = client.post(reverse("accounts:two-factor"), {"token": current_code(device)})

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_stolen_password_cannot_enrol_another_device(client):
    user = UserFactory(username="org", roles=["organizer"])
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    password_step(client, "org")

    response = client.get(reverse("accounts:two-factor-setup"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two-factor"))
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()


def test_the_next_address_must_stay_on_this_site(client):
    user = UserFactory(username="org", roles=["organizer"])
    codes = backup_codes_issue(user=user)
    password_step(client, "org")

    response = client.post(
        reverse("accounts:two-factor"), {"token": codes[0], "next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("admin:index")


def test_the_api_session_of_an_unverified_organizer_is_anonymous(client):
    user = UserFactory(username="org", roles=["organizer"])
    from rest_framework.test import APIRequestFactory

    from accounts.api_auth import VerifiedSessionAuthentication

    request = APIRequestFactory().get("/api/v1/judge/sheets/")
    request.user = user  # what the session middleware would set, without the OTP device
    request._request = request
    verified = sign_in_staff(Client(), user)

    assert VerifiedSessionAuthentication().authenticate(request) is None
    assert verified.session[DEVICE_ID_SESSION_KEY]


def test_command_issues_codes_and_resets(capsys):
    user = UserFactory(username="org", roles=["organizer"])
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)

    call_command("two_factor", "org", "--backup-codes")
    printed = capsys.readouterr().out.split()
    call_command("two_factor", "org", "--reset")

    assert StaticDevice.objects.filter(user=user).count() == 0
    assert TOTPDevice.objects.filter(user=user).count() == 0
    assert len([word for word in printed if len(word) == 8]) >= 10
    assert AuditEntry.objects.filter(action="2fa.reset").exists()


def test_command_refuses_an_unknown_user():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user named"):
        call_command("two_factor", "nobody")


def test_the_demo_prints_backup_codes_that_work(client, capsys):
    call_command("demo", "--seed", "1")
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.strip().startswith("scrutineer "))
    code = line.split()[-1]
    client.post(reverse("admin:login"), {"username": "scrutineer", "password": "demo-scrutineer"})

    response = client.post(reverse("accounts:two-factor"), {"token": code, "next": "/desk/"})

    assert response.status_code == 302
    assert client.get(reverse("adjudication:desk")).status_code == 200
