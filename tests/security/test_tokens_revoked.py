"""A staff account's API tokens (access and refresh) stop working when its password
changes, its second factor is reset or it is deactivated; refreshing never keeps them
beyond JWT_SIGN_IN_MAX_AGE after the sign-in."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories.accounts import UserFactory
from tests.support.auth import api_token_body, sign_in_staff

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase for the day"


@pytest.fixture
def scrut():
    return UserFactory(username="scrut", roles=["scrutineer"])


def sign_in(client, user, password=PASSWORD):
    response = client.post(
        reverse("api:token"), api_token_body(user, password), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def desk_call(client, tokens):
    """A desk endpoint: 404 (no such round) for a working token, 401 for a refused one."""
    return client.get(
        reverse("api:desk-round", args=[999_999]),
        headers={"Authorization": f"Bearer {tokens['access']}"},
    )


def refresh(client, token):
    return client.post(
        reverse("api:token-refresh"), {"refresh": token}, content_type="application/json"
    )


def assert_refused(client, tokens, code):
    access = desk_call(client, tokens)
    refreshed = refresh(client, tokens["refresh"])
    assert (access.status_code, access.json()["code"]) == (401, code)
    assert (refreshed.status_code, refreshed.json()["code"]) == (401, code)


def test_tokens_work_until_the_account_changes(client, scrut):
    tokens = sign_in(client, scrut)

    refreshed = refresh(client, tokens["refresh"])

    assert desk_call(client, tokens).status_code == 404
    assert refreshed.status_code == 200
    assert desk_call(client, refreshed.json()).status_code == 404


def test_tokens_are_refused_after_set_password(client, scrut):
    tokens = sign_in(client, scrut)

    scrut.set_password(NEW_PASSWORD)
    scrut.save()

    assert_refused(client, tokens, "credentials_changed")
    assert desk_call(client, sign_in(client, scrut, NEW_PASSWORD)).status_code == 404


def test_tokens_are_refused_after_the_admins_password_form(client, scrut):
    tokens = sign_in(client, scrut)
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    admin = sign_in_staff(Client(), root)

    changed = admin.post(
        reverse("admin:auth_user_password_change", args=[scrut.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert changed.status_code == 302, changed.content
    assert_refused(client, tokens, "credentials_changed")


def test_tokens_are_refused_after_a_second_factor_reset(client, scrut):
    tokens = sign_in(client, scrut)

    call_command("two_factor", "scrut", "--reset")

    assert_refused(client, tokens, "credentials_changed")


def test_tokens_are_refused_after_deactivation_even_once_reactivated(client, scrut):
    tokens = sign_in(client, scrut)

    scrut.is_active = False
    scrut.save(update_fields=["is_active"])
    scrut.is_active = True
    scrut.save()

    assert_refused(client, tokens, "credentials_changed")
    assert desk_call(client, sign_in(client, scrut)).status_code == 404


def test_tokens_are_refused_after_deactivation_in_the_admin(client, scrut):
    tokens = sign_in(client, scrut)
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    admin = sign_in_staff(Client(), root)

    changed = admin.post(
        reverse("admin:accounts_user_change", args=[scrut.pk]),
        {
            "username": "scrut",
            "email": scrut.email,
            "is_staff": "on",
            "groups": [group.pk for group in scrut.groups.all()],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "09:00:00",
        },
    )

    assert changed.status_code == 302, changed.content
    scrut.refresh_from_db()
    assert scrut.is_active is False
    access = desk_call(client, tokens)
    refreshed = refresh(client, tokens["refresh"])
    assert access.status_code == 401
    assert refreshed.status_code == 401


def test_a_token_without_the_credential_stamp_is_refused(client, scrut):
    tokens = {"refresh": str(RefreshToken.for_user(scrut))}
    tokens["access"] = str(RefreshToken(tokens["refresh"]).access_token)

    assert_refused(client, tokens, "credentials_changed")


def signed_in_ago(token: str, hours: float) -> RefreshToken:
    """``token`` re-signed as if its holder signed in ``hours`` ago (its expiry unchanged)."""
    crafted = RefreshToken(token)
    crafted["auth_time"] = int((timezone.now() - dt.timedelta(hours=hours)).timestamp())
    return crafted


def test_tokens_are_refused_past_the_maximum_age_from_the_sign_in(client, scrut):
    tokens = sign_in(client, scrut)
    old = signed_in_ago(tokens["refresh"], 16.5)

    crafted = {"refresh": str(old), "access": str(old.access_token)}

    assert_refused(client, crafted, "sign_in_expired")


def test_refreshing_never_extends_past_the_maximum_age(client, scrut, settings):
    settings.JWT_SIGN_IN_MAX_AGE = dt.timedelta(hours=16)
    tokens = sign_in(client, scrut)
    old = signed_in_ago(tokens["refresh"], 15)

    refreshed = refresh(client, str(old))

    assert refreshed.status_code == 200
    rotated = RefreshToken(refreshed.json()["refresh"])
    assert rotated["auth_time"] == old["auth_time"]
    assert rotated["exp"] == old["auth_time"] + 16 * 3600
    assert rotated["tfa"] is True


def test_the_maximum_age_follows_the_setting(client, scrut, settings):
    settings.JWT_SIGN_IN_MAX_AGE = dt.timedelta(hours=2)
    tokens = sign_in(client, scrut)

    fresh = RefreshToken(tokens["refresh"])
    old = signed_in_ago(tokens["refresh"], 2.5)

    assert fresh["exp"] == fresh["auth_time"] + 2 * 3600
    assert refresh(client, str(old)).json()["code"] == "sign_in_expired"
