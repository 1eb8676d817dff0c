"""The API's JWT tokens: short-lived access, rotating refresh tokens, blacklisting and
revocation from the desk."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from adjudication.tablets import tablet_revoke
from tests.adjudication.day import build_day
from tests.adjudication.test_api import bearer, sheets_url, sign_in
from tests.factories.accounts import UserFactory
from tests.factories.adjudication import TabletSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


def refresh(client, token):
    return client.post(
        reverse("api:token-refresh"), {"refresh": token}, content_type="application/json"
    )


def test_access_tokens_are_short_lived_and_refresh_tokens_last_the_day(client, day):
    tokens = sign_in(client, day.judges[0])

    access = AccessToken(tokens["access"])
    refresh_token = RefreshToken(tokens["refresh"])

    assert access["exp"] - access["iat"] == 10 * 60
    assert refresh_token["exp"] - refresh_token["iat"] == 16 * 3600
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] <= dt.timedelta(minutes=15)


def test_an_expired_access_token_is_refused(client, day):
    sign_in(client, day.judges[0])
    user = day.judges[0].user
    expired = AccessToken.for_user(user)
    expired.set_exp(from_time=timezone.now() - dt.timedelta(minutes=11))

    response = client.get(sheets_url(), headers={"Authorization": f"Bearer {expired}"})

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_an_expired_refresh_token_is_refused(client, day):
    user = UserFactory()
    expired = RefreshToken.for_user(user)
    expired.set_exp(from_time=timezone.now() - dt.timedelta(hours=17))

    response = refresh(client, str(expired))

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_refresh_rotates_and_each_refresh_token_works_once(client, day):
    tokens = sign_in(client, day.judges[0])

    second = refresh(client, tokens["refresh"]).json()
    third = refresh(client, second["refresh"]).json()
    replayed = refresh(client, second["refresh"])

    assert second["refresh"] != tokens["refresh"]
    assert third["refresh"] != second["refresh"]
    assert client.get(sheets_url(), headers=bearer(third)).status_code == 200
    assert replayed.status_code == 401
    assert (
        BlacklistedToken.objects.filter(
            token__jti__in=[
                RefreshToken(t, verify=False)["jti"] for t in (tokens["refresh"], second["refresh"])
            ]
        ).count()
        == 2
    )


def test_an_access_token_is_not_a_refresh_token(client, day):
    tokens = sign_in(client, day.judges[0])

    response = refresh(client, tokens["access"])

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_a_refresh_token_is_not_an_access_token(client, day):
    tokens = sign_in(client, day.judges[0])

    response = client.get(sheets_url(), headers={"Authorization": f"Bearer {tokens['refresh']}"})

    assert response.status_code == 401


def test_revoking_the_judges_tablet_at_the_desk_blacklists_every_refresh_token(
    client, day, scrutineer
):
    judge = day.judges[0]
    phone = sign_in(client, judge)
    laptop = client.post(
        reverse("api:token"),
        {"username": judge.user.username, "password": "correct horse battery staple"},
        content_type="application/json",
    ).json()
    tablet = TabletSessionFactory(judge=judge)

    tablet_revoke(tablet=tablet, actor=scrutineer)

    outstanding = OutstandingToken.objects.filter(user=judge.user)
    assert outstanding.count() == 2
    assert BlacklistedToken.objects.filter(token__in=outstanding).count() == 2
    for tokens in (phone, laptop):
        assert client.get(sheets_url(), headers=bearer(tokens)).json()["code"] == "revoked"
        assert refresh(client, tokens["refresh"]).status_code == 401
