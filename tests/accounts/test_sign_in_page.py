"""The sign-in for people who are not staff (the MC): the admin's sign-in takes staff
accounts only, so the announcer's view sends its users here; the same lock-out as the
admin's applies, and staff coming this way still give their second factor."""

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import AuditEntry
from tests.day.helpers import build_programme
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def sign_in(client, username, password, next_url):
    return client.post(
        f"{reverse('accounts:sign-in')}?next={next_url}",
        {"username": username, "password": password},
    )


def test_the_mc_signs_in_and_reaches_the_announcers_view():
    from django.test import Client

    programme = build_programme()
    UserFactory(username="mc", roles=["announcer"])
    client = Client()
    page = reverse("adjudication:announcer", args=[programme.competition.slug])

    first = client.get(page)
    assert first.status_code == 302
    assert first["Location"].startswith(reverse("accounts:sign-in"))
    assert client.get(first["Location"]).status_code == 200  # the form

    wrong = sign_in(client, "mc", "wrong", page)
    assert wrong.status_code == 200 and b"errornote" in wrong.content
    signed_in = sign_in(client, "mc", PASSWORD, page)

    assert (signed_in.status_code, signed_in["Location"]) == (302, page)
    assert client.get(page).status_code == 200
    # The admin's own sign-in would have refused this account: it is not staff.
    assert (
        b"staff"
        in Client().post(reverse("admin:login"), {"username": "mc", "password": PASSWORD}).content
    )


def test_staff_coming_this_way_still_give_their_second_factor(client):
    UserFactory(username="scrutineer", roles=["scrutineer"])

    answer = sign_in(client, "scrutineer", PASSWORD, "/desk/")

    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("accounts:two-factor"))


def test_a_next_address_on_another_site_is_not_followed(client):
    UserFactory(username="mc", roles=["announcer"])

    answer = sign_in(client, "mc", PASSWORD, "https://evil.example/")

    assert (answer.status_code, answer["Location"]) == (302, "/")


@override_settings(LOCKOUT_FAILURES=3, LOCKOUT_MINUTES=15)
def test_the_lock_out_holds_here_too(client):
    UserFactory(username="mc", roles=["announcer"])

    failures = [sign_in(client, "mc", "wrong", "/").status_code for _ in range(3)]
    locked = sign_in(client, "mc", PASSWORD, "/")

    assert failures == [200, 200, 200]
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="signin.failed", username="mc").count() == 3


def test_staff_who_gave_only_their_password_are_sent_on_to_the_second_factor(client):
    client.force_login(UserFactory(username="scrutineer", roles=["scrutineer"]))

    answer = client.get(f"{reverse('accounts:sign-in')}?next=/desk/")

    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("accounts:two-factor"))
