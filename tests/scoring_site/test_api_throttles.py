"""Rate limits of the API: registration, tokens and sheets answer 429 with Retry-After."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse

from adjudication.models import Sheet
from competitions.models import Competitor
from scoring_site.api import (
    RegistrationThrottle,
    SheetThrottle,
    TokenRefreshThrottle,
    TokenThrottle,
    throttle_cache,
)
from tests.adjudication.day import build_day
from tests.adjudication.test_api import bearer, recall_body, sign_in, submit_url
from tests.competitions.registration_helpers import open_competition, skating_event
from tests.competitions.test_registration_api import body
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def limit(monkeypatch, throttle, rate):
    monkeypatch.setattr(
        throttle, "THROTTLE_RATES", {**throttle.THROTTLE_RATES, throttle.scope: rate}
    )


def assert_throttled(response):
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["code"] == "throttled"
    assert "throttled" in body["message"].lower()
    assert set(body) == {"code", "message", "errors"}


def guesses(client, count, forwarded_for=None):
    """``count`` wrong passwords at the token endpoint, each from the ``forwarded_for(n)``
    address the client claims (if given)."""
    user = UserFactory()
    return [
        client.post(
            reverse("api:token"),
            {"username": user.username, "password": f"guess {n}"},
            content_type="application/json",
            **({"HTTP_X_FORWARDED_FOR": forwarded_for(n)} if forwarded_for else {}),
        )
        for n in range(count)
    ]


def test_password_guesses_at_the_token_endpoint_are_limited(client, monkeypatch):
    limit(monkeypatch, TokenThrottle, "3/minute")

    answers = guesses(client, 4)

    assert [a.status_code for a in answers[:3]] == [401, 401, 401]
    assert_throttled(answers[3])


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(client, monkeypatch):
    limit(monkeypatch, TokenThrottle, "3/minute")

    answers = guesses(client, 5, forwarded_for=lambda n: f"198.51.100.{n}")  # new each time

    assert [a.status_code for a in answers[:3]] == [401, 401, 401]
    assert_throttled(answers[3])
    assert_throttled(answers[4])


def test_the_right_password_is_refused_too_once_limited(client, monkeypatch):
    limit(monkeypatch, TokenThrottle, "1/minute")
    user = UserFactory()
    body = {"username": user.username, "password": "correct horse battery staple"}

    first = client.post(reverse("api:token"), body, content_type="application/json")
    second = client.post(reverse("api:token"), body, content_type="application/json")

    assert first.status_code == 200
    assert_throttled(second)


def test_refreshes_are_limited_per_address(client, monkeypatch):
    limit(monkeypatch, TokenRefreshThrottle, "1/minute")
    user = UserFactory()
    tokens = client.post(
        reverse("api:token"),
        {"username": user.username, "password": "correct horse battery staple"},
        content_type="application/json",
    ).json()

    first = client.post(
        reverse("api:token-refresh"),
        {"refresh": tokens["refresh"]},
        content_type="application/json",
    )
    second = client.post(
        reverse("api:token-refresh"),
        {"refresh": first.json()["refresh"]},
        content_type="application/json",
    )

    assert first.status_code == 200
    assert_throttled(second)


def test_registrations_are_limited_per_address_and_nothing_is_written(client, monkeypatch):
    limit(monkeypatch, RegistrationThrottle, "2/minute")
    competition, link = open_competition()
    event = skating_event(competition)
    url = reverse("api:registration-link", args=[link.token])

    def register(n):
        return client.post(
            url,
            body(event, name=f"Tom {'ABC'[n]}", email=f"c{n}@example.org"),
            content_type="application/json",
        )

    answers = [register(n) for n in range(3)]
    other_address = client.get(url, REMOTE_ADDR="10.0.0.9")

    assert [a.status_code for a in answers[:2]] == [201, 201]
    assert_throttled(answers[2])
    assert Competitor.objects.count() == 2
    assert other_address.status_code == 200


def test_sheets_are_limited_per_judge(client, monkeypatch):
    limit(monkeypatch, SheetThrottle, "1/minute")
    day = build_day()
    first_judge = sign_in(client, day.judges[0])
    second_judge = sign_in(client, day.judges[1])
    picks = day.entries()[:6]

    sent = client.post(
        submit_url(day.first),
        recall_body(day, picks),
        content_type="application/json",
        headers=bearer(first_judge),
    )
    again = client.post(
        submit_url(day.first),
        recall_body(day, picks, dance_id=day.dances[1].pk, client_key="k2"),
        content_type="application/json",
        headers=bearer(first_judge),
    )
    other = client.post(
        submit_url(day.first),
        recall_body(day, picks, client_key="k3"),
        content_type="application/json",
        headers=bearer(second_judge),
    )

    assert sent.status_code == 201
    assert_throttled(again)
    assert other.status_code == 201
    assert Sheet.objects.count() == 2


@pytest.mark.redis
def test_the_counters_live_in_redis_when_it_is_configured(client, monkeypatch):
    limit(monkeypatch, TokenThrottle, "5/minute")
    user = UserFactory()

    client.post(
        reverse("api:token"),
        {"username": user.username, "password": "wrong"},
        content_type="application/json",
    )

    assert isinstance(throttle_cache, RedisCache)
    redis = caches["throttle"]._cache.get_client(write=False)
    keys = list(redis.scan_iter(match=caches["throttle"].make_key("throttle_token_*")))
    assert len(keys) == 1
