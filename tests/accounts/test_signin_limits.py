"""Lock-out after repeated failed sign-ins (per account and address) and the per-address
rate, answered 429 with Retry-After, logged and in the audit log."""

import logging
import uuid

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from accounts import signin
from accounts.models import AuditEntry
from accounts.two_factor import backup_codes_issue
from tests.factories.accounts import UserFactory
from tests.support.auth import api_token_body

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def attempt(client, username, password):
    return client.post(reverse("admin:login"), {"username": username, "password": password})


@override_settings(LOCKOUT_FAILURES=3, LOCKOUT_MINUTES=15)
def test_an_account_locks_after_repeated_failures_even_for_the_right_password(client, caplog):
    UserFactory(username="org", roles=["organizer"])
    caplog.set_level(logging.WARNING, logger="podium.signin")

    failures = [attempt(client, "org", "wrong").status_code for _ in range(3)]
    locked = attempt(client, "org", PASSWORD)

    assert failures == [200, 200, 200]  # the form again, with its error
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert b"locked" in locked.content
    assert "_auth_user_id" not in client.session
    assert "sign-in locked for 'org'" in caplog.text
    assert AuditEntry.objects.filter(action="signin.failed", username="org").count() == 3
    assert AuditEntry.objects.filter(action="signin.locked", username="org").count() == 1


def token_request(client, user):
    return client.post(
        reverse("api:token"), api_token_body(user, PASSWORD), content_type="application/json"
    )


@override_settings(LOCKOUT_FAILURES=3)
def test_the_lock_holds_at_the_api_from_the_same_address(client):
    user = UserFactory(username="org", roles=["organizer"])
    for _ in range(3):
        attempt(client, "org", "wrong")

    page = attempt(client, "org", PASSWORD)
    api = token_request(client, user)

    assert page.status_code == 429
    assert api.status_code == 401


@override_settings(LOCKOUT_FAILURES=3)
def test_a_strangers_failures_do_not_lock_the_account_at_another_address(client):
    scrut = UserFactory(username="scrut", roles=["scrutineer"])
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        attempt(stranger, "scrut", "wrong")

    stranger_after = attempt(stranger, "scrut", PASSWORD)
    desk_page = attempt(client, "scrut", PASSWORD)
    desk_api = token_request(Client(), scrut)

    assert stranger_after.status_code == 429
    assert desk_page.status_code == 302
    assert desk_api.status_code == 200
    assert signin.locks("scrut").keys() == {"203.0.113.9"}


@override_settings(LOCKOUT_FAILURES=2)
def test_the_command_shows_and_lifts_the_locks_at_every_address(client):
    from io import StringIO

    from django.core.management import call_command

    UserFactory(username="org", roles=["organizer"])
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(2):
        attempt(client, "org", "wrong")
        attempt(elsewhere, "org", "wrong")
    shown = StringIO()
    call_command("two_factor", "org", stdout=shown)

    call_command("two_factor", "org", "--unlock")

    assert "locked at 127.0.0.1 for" in shown.getvalue()
    assert "locked at 203.0.113.9 for" in shown.getvalue()
    assert attempt(client, "org", PASSWORD).status_code == 302
    assert attempt(elsewhere, "org", PASSWORD).status_code == 302
    assert signin.locks("org") == {}


@override_settings(LOCKOUT_FAILURES=3)
def test_the_lock_lifts_with_the_command_and_success_clears_the_count(client):
    from django.core.management import call_command

    UserFactory(username="org", roles=["organizer"])
    for _ in range(3):
        attempt(client, "org", "wrong")
    call_command("two_factor", "org", "--unlock")

    after = attempt(client, "org", PASSWORD)

    assert after.status_code == 302
    assert signin.locks("org") == {}


@override_settings(LOCKOUT_FAILURES=3)
def test_wrong_second_factor_codes_lock_the_account_and_sign_the_session_out(client):
    user = UserFactory(username="org", roles=["organizer"])
    backup_codes_issue(user=user)
    attempt(client, "org", PASSWORD)

    answers = [
        client.post(reverse("accounts:two-factor"), {"token": f"bad{n}"}).status_code
        for n in range(3)
    ]

    assert answers == [400, 400, 429]
    assert "_auth_user_id" not in client.session
    assert attempt(client, "org", PASSWORD).status_code == 429


@override_settings(SIGN_IN_RATE_PER_MINUTE=4, LOCKOUT_FAILURES=100)
def test_sign_in_is_rate_limited_per_address(client):
    answers = [attempt(client, f"someone{n}", "wrong").status_code for n in range(5)]
    other_address = attempt(Client(REMOTE_ADDR="203.0.113.7"), "someone", "wrong")

    assert answers == [200, 200, 200, 200, 429]
    assert other_address.status_code == 200
    limited = attempt(client, "someone", "wrong")
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert AuditEntry.objects.filter(action="signin.rate_limited").count() == 1


@pytest.mark.redis
def test_the_counters_live_in_redis(settings):
    """Production: every web process shares the counters (Redis cache)."""
    import redis

    prefix = f"podium-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    settings.LOCKOUT_FAILURES = 2
    UserFactory(username="org", roles=["organizer"])
    client = Client()
    attempt(client, "org", "wrong")
    attempt(client, "org", "wrong")

    keys = redis.Redis.from_url(settings.REDIS_URL).keys(f"{prefix}:*")
    try:
        assert any(b"signin:lock" in key for key in keys)
        assert attempt(Client(), "org", PASSWORD).status_code == 429
    finally:
        if keys:
            redis.Redis.from_url(settings.REDIS_URL).delete(*keys)
