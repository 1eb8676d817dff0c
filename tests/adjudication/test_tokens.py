"""The API's JWT tokens: short-lived access, rotating refresh tokens, blacklisting and
revocation from the desk."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from adjudication.models import TabletSession
from adjudication.tablet.sessions import tablet_code_issue, tablet_revoke
from tests.adjudication.day import build_day
from tests.adjudication.test_api import bearer, sheets_url, sign_in
from tests.factories.accounts import UserFactory
from tests.factories.adjudication import TabletSessionFactory
from tests.factories.competitions import CompetitionFactory

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

    # Whole seconds, each rounded down on its own: within a second of the lifetime.
    assert 10 * 60 - 1 <= access["exp"] - access["iat"] <= 10 * 60
    assert 16 * 3600 - 1 <= refresh_token["exp"] - refresh_token["iat"] <= 16 * 3600
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


def test_the_latest_revocation_is_read_with_the_user_in_one_statement(client, day):
    judge = day.judges[0]
    tokens = sign_in(client, judge)
    issued = dt.datetime.fromtimestamp(AccessToken(tokens["access"])["iat"], tz=dt.UTC)
    # An old revocation and a later one: the later one, after the token, refuses it.
    TabletSessionFactory(judge=judge, revoked_at=issued - dt.timedelta(hours=1))
    assert client.get(sheets_url(), headers=bearer(tokens)).status_code == 200
    TabletSessionFactory(judge=judge, revoked_at=issued + dt.timedelta(seconds=5))

    with CaptureQueriesContext(connection) as queries:
        response = client.get(sheets_url(), headers=bearer(tokens))

    assert response.status_code == 401
    assert response.json()["code"] == "revoked"
    # The user and the revocation in one statement; the permission reads nothing more.
    assert len(queries) == 1
    assert "accounts_user" in queries[0]["sql"]
    assert "adjudication_tabletsession" in queries[0]["sql"]
    # The statement written once (adjudication/tokens_api.py), not one the ORM composes.
    assert 'FROM "accounts_user" u WHERE u.id = ' in queries[0]["sql"]


# --- Signing a judge's device in with the desk's code -------------------------------------


def judge_token(client, day, letter, code, slug=None):
    return client.post(
        reverse("api:judge-token"),
        {"competition": slug or day.competition.slug, "letter": letter, "code": code},
        content_type="application/json",
    )


def test_a_desk_code_signs_a_device_in_once(client, day, scrutineer):
    code = tablet_code_issue(judge=day.judges[0], actor=scrutineer)

    first = judge_token(client, day, "a", code)
    again = judge_token(client, day, "A", code)

    assert first.status_code == 200
    tablet = TabletSession.objects.get(pk=first.json()["tablet_id"])
    assert tablet.judge == day.judges[0]
    assert client.get(sheets_url(), headers=bearer(first.json())).status_code == 200
    assert again.status_code == 401
    assert again.json()["code"] == "invalid_code"


def test_a_wrong_letter_or_a_competition_not_running_is_refused(client, day, scrutineer):
    code = tablet_code_issue(judge=day.judges[0], actor=scrutineer)

    draft = CompetitionFactory()
    not_running = judge_token(client, day, "A", code, slug=draft.slug)
    wrong = judge_token(client, day, "B", code)

    assert (not_running.status_code, wrong.status_code) == (401, 401)
    assert not TabletSession.objects.exists()


def test_the_desk_signs_a_code_device_out(client, day, scrutineer):
    tokens = judge_token(
        client, day, "A", tablet_code_issue(judge=day.judges[0], actor=scrutineer)
    ).json()

    tablet_revoke(tablet=TabletSession.objects.get(pk=tokens["tablet_id"]), actor=scrutineer)

    assert client.get(sheets_url(), headers=bearer(tokens)).json()["code"] == "revoked"
    assert refresh(client, tokens["refresh"]).status_code == 401
