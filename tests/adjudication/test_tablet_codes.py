"""Tablet sign-in codes: a lifetime, and one live code per judge."""

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice

from adjudication.models import TabletSession
from adjudication.tablets import TABLET_DEVICE, tablet_code_issue
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
