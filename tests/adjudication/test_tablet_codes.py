"""Tablet sign-in codes: limited tries (per competition and letter, per address) on the
page and at the API, a lifetime, and one live code per judge."""

import datetime as dt
import time
from unittest import mock

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice

from adjudication.models import TabletSession
from adjudication.tablet.sessions import TABLET_DEVICE, tablet_code_issue
from tests.adjudication.day import build_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day(judges=4)


def page(client, day, letter, code):
    return client.post(
        reverse("adjudication:tablet-sign-in"),
        {"competition": day.competition.slug, "letter": letter, "code": code},
    )


def api(client, day, letter, code):
    return client.post(
        reverse("api:judge-token"),
        {"competition": day.competition.slug, "letter": letter, "code": code},
        content_type="application/json",
    )


def later(minutes):
    """The clock ``minutes`` ahead (the cache's own expiry is not relied on)."""
    now = time.time() + minutes * 60
    return mock.patch("adjudication.tablet.sessions.time.time", return_value=now)


@override_settings(TABLET_CODE_FAILURES=3, TABLET_CODE_LOCK_MINUTES=5)
def test_wrong_codes_on_the_page_are_limited_and_the_right_code_waits(client, day):
    code = tablet_code_issue(judge=day.judges[0], actor=None)

    wrong = [page(client, day, "A", f"wrong{n}").status_code for n in range(3)]
    limited = page(client, day, "A", code)

    assert wrong == [400, 400, 400]
    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 5 * 60
    assert "Too many wrong codes" in limited.content.decode()
    assert not TabletSession.objects.exists()
    with later(6):
        assert page(client, day, "A", code).status_code == 302
    assert TabletSession.objects.count() == 1


@override_settings(TABLET_CODE_FAILURES=3, TABLET_CODE_LOCK_MINUTES=5)
def test_wrong_codes_at_the_api_are_limited_and_the_right_code_waits(client, day):
    code = tablet_code_issue(judge=day.judges[0], actor=None)

    wrong = [api(client, day, "A", f"wrong{n}").status_code for n in range(3)]
    limited = api(client, day, "A", code)

    assert wrong == [401, 401, 401]
    assert limited.status_code == 429
    assert limited.json()["code"] == "throttled"
    assert 0 < int(limited["Retry-After"]) <= 5 * 60
    assert not TabletSession.objects.exists()
    with later(6):
        assert api(client, day, "A", code).status_code == 200


@override_settings(TABLET_CODE_FAILURES=3)
def test_the_page_and_the_api_count_together_from_anywhere(client, day):
    code = tablet_code_issue(judge=day.judges[0], actor=None)
    page(client, day, "A", "wrong1")
    api(Client(REMOTE_ADDR="203.0.113.5"), day, "a", "wrong2")
    page(Client(REMOTE_ADDR="203.0.113.6"), day, "A ", "wrong3")

    assert api(Client(REMOTE_ADDR="203.0.113.7"), day, "A", code).status_code == 429
    assert (
        page(client, day, "B", tablet_code_issue(judge=day.judges[1], actor=None)).status_code
        == 302
    )


@override_settings(TABLET_CODE_FAILURES=100, TABLET_CODE_ADDRESS_FAILURES=3)
def test_wrong_codes_from_one_address_are_limited_across_letters(client, day):
    code = tablet_code_issue(judge=day.judges[3], actor=None)
    for letter in "ABC":
        page(client, day, letter, "wrong")

    here = page(client, day, "D", code)
    elsewhere = page(Client(REMOTE_ADDR="203.0.113.9"), day, "D", code)

    assert here.status_code == 429
    assert elsewhere.status_code == 302


@override_settings(TABLET_CODE_FAILURES=3)
def test_the_right_code_clears_the_letters_count(client, day):
    page(client, day, "A", "wrong1")
    page(client, day, "A", "wrong2")
    assert (
        page(client, day, "A", tablet_code_issue(judge=day.judges[0], actor=None)).status_code
        == 302
    )
    client.post(reverse("adjudication:tablet-sign-out"))

    page(client, day, "A", "wrong3")
    page(client, day, "A", "wrong4")

    assert (
        page(client, day, "A", tablet_code_issue(judge=day.judges[0], actor=None)).status_code
        == 302
    )


@override_settings(TABLET_CODE_HOURS=12)
def test_an_expired_code_is_refused_on_the_page_and_at_the_api(client, day):
    code = tablet_code_issue(judge=day.judges[0], actor=None)
    StaticDevice.objects.filter(name=TABLET_DEVICE).update(
        created_at=timezone.now() - dt.timedelta(hours=12, minutes=1)
    )

    on_page = page(client, day, "A", code)
    at_api = api(client, day, "A", code)

    assert on_page.status_code == 400
    assert "do not match" in on_page.content.decode()
    assert at_api.status_code == 401
    assert not TabletSession.objects.exists()


@override_settings(TABLET_CODE_HOURS=12)
def test_a_code_within_its_lifetime_works(client, day):
    code = tablet_code_issue(judge=day.judges[0], actor=None)
    StaticDevice.objects.filter(name=TABLET_DEVICE).update(
        created_at=timezone.now() - dt.timedelta(hours=11, minutes=59)
    )

    assert page(client, day, "A", code).status_code == 302


def test_a_new_code_retires_the_older_unused_one(client, day):
    older = tablet_code_issue(judge=day.judges[0], actor=None)
    newer = tablet_code_issue(judge=day.judges[0], actor=None)

    on_page = page(client, day, "A", older)
    at_api = api(client, day, "A", older)
    signed_in = page(client, day, "A", newer)

    assert (on_page.status_code, at_api.status_code) == (400, 401)
    assert signed_in.status_code == 302
    assert StaticDevice.objects.filter(name=TABLET_DEVICE).count() == 1
