"""The registration form's rate limit: the API's per-address registration limit (the same
rate and the same counters) holds for the HTML form's POSTs too."""

import pytest
from django.urls import reverse

from competitions.models import Competitor, Entry, JudgeApplication
from scoring_site.api import RegistrationThrottle
from tests.competitions.registration_helpers import open_competition, skating_event
from tests.competitions.test_registration_pages import form_data
from tests.factories.competitions import RegistrationLinkFactory

pytestmark = pytest.mark.django_db


def limit(monkeypatch, rate):
    monkeypatch.setattr(
        RegistrationThrottle,
        "THROTTLE_RATES",
        {**RegistrationThrottle.THROTTLE_RATES, RegistrationThrottle.scope: rate},
    )


def assert_limited(response):
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    page = response.content.decode()
    assert "wait" in page.lower()
    assert "<script" not in page and "<style" not in page and "style=" not in page


def test_registrations_through_the_form_are_limited_per_address(client, monkeypatch):
    limit(monkeypatch, "2/minute")
    competition, link = open_competition()
    event = skating_event(competition)
    url = reverse("competitions:register", args=[link.token])

    def register(n):
        page = client.get(url)  # reads are not counted
        return client.post(
            url, form_data(page, event, name=f"Tom {'ABC'[n]}", email=f"c{n}@example.org")
        )

    answers = [register(n) for n in range(3)]
    other_address = client.get(url, REMOTE_ADDR="10.0.0.9")

    assert [a.status_code for a in answers[:2]] == [302, 302]
    assert_limited(answers[2])
    assert Competitor.objects.count() == 2
    assert Entry.objects.count() == 2
    assert other_address.status_code == 200


def test_the_form_and_the_api_share_one_counter(client, monkeypatch):
    limit(monkeypatch, "1/minute")
    competition, link = open_competition()
    event = skating_event(competition)
    url = reverse("competitions:register", args=[link.token])
    page = client.get(url)  # reads are not counted
    client.get(reverse("api:registration-link", args=[link.token]))  # the API's read is

    response = client.post(url, form_data(page, event))

    assert_limited(response)
    assert not Competitor.objects.exists()


def test_judge_applications_through_the_form_are_limited_too(client, monkeypatch):
    limit(monkeypatch, "1/minute")
    competition, _ = open_competition()
    link = RegistrationLinkFactory(competition=competition, kind="judge")
    url = reverse("competitions:register", args=[link.token])

    def apply(n):
        return client.post(
            url,
            {"name": f"Ann {'AB'[n]}", "email": f"ann{n}@example.org", "phone": "+44 7700 900123"},
        )

    first, second = apply(0), apply(1)

    assert first.status_code == 200
    assert_limited(second)
    assert JudgeApplication.objects.count() == 1
