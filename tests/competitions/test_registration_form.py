"""The competitors' registration page: not open (or closed) says so instead of the form,
every problem comes at once, required fields are marked and only the kinds the events
take are offered; the API answers with every problem at once too."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from competitions.models import Competition, Competitor
from tests.competitions.registration_helpers import open_competition, skating_event
from tests.factories.competitions import CompetitionFactory, EventFactory, RegistrationLinkFactory

pytestmark = pytest.mark.django_db

SEVERAL_PROBLEMS = {
    "kind": "couple",
    "name": "R2-D2",
    "partner_name": "",
    "country": "g1",
    "email": "",
    "birth_year": "1800",
}


def register_url(link):
    return reverse("competitions:register", args=[link.token])


@pytest.fixture
def couples_only():
    competition, link = open_competition(name="Spring Open")
    event = skating_event(competition, name="Adult Latin")
    return competition, link, event


def test_a_competition_not_open_yet_says_when_it_opens_instead_of_the_form(client):
    opens = timezone.now() + dt.timedelta(days=3)
    competition, link = open_competition(name="Spring Open")
    skating_event(competition)
    Competition.objects.filter(pk=competition.pk).update(registration_opens_at=opens)

    page = client.get(register_url(link))
    posted = client.post(register_url(link), {"name": "Tom Lee"})

    text = page.content.decode()
    assert page.status_code == 200
    assert "Registration is not open yet" in text
    assert f'It opens on <time datetime="{timezone.localtime(opens).isoformat()[:19]}' in text
    assert "<form" not in text
    assert posted.status_code == 409
    assert not Competitor.objects.exists()


def test_a_draft_competition_is_not_open_yet(client):
    competition = CompetitionFactory(name="Draft Cup")
    link = RegistrationLinkFactory(competition=competition)

    page = client.get(register_url(link))

    assert "Registration is not open yet" in page.content.decode()
    assert "<form" not in page.content.decode()


def test_a_closed_competition_says_when_it_closed(client):
    competition, link = open_competition(name="Spring Open")
    skating_event(competition)
    closed = timezone.now() - dt.timedelta(hours=2)
    Competition.objects.filter(pk=competition.pk).update(registration_closes_at=closed)

    page = client.get(register_url(link))

    text = page.content.decode()
    assert "Registration is closed" in text
    assert "It closed on" in text
    assert "<form" not in text


def test_every_problem_comes_at_once_in_a_summary_and_beside_its_field(client, couples_only):
    _, link, event = couples_only
    token = client.get(register_url(link)).context["form"].initial["form_token"]

    response = client.post(
        register_url(link), SEVERAL_PROBLEMS | {"form_token": token, "events": []}
    )

    form = response.context["form"]
    assert response.status_code == 400
    assert set(form.errors) == {
        "name", "partner_name", "country", "email", "events", "birth_year"
    }  # fmt: skip
    text = response.content.decode()
    assert 'id="error-summary"' in text
    for field in ("name", "partner_name", "country", "email", "birth_year"):
        assert f'href="#id_{field}"' in text
    assert "Enter the partner&#x27;s name." in text
    assert not Competitor.objects.exists()


def test_required_fields_are_marked_and_the_partner_is_required_for_couples(client, couples_only):
    _, link, _ = couples_only

    text = client.get(register_url(link)).content.decode()

    assert 'for="id_name">Name (leader, soloist or group) <span class="required"' in text
    assert 'data-required-for="couple"' in text
    assert 'Partner&#x27;s name <span class="required" aria-hidden="true">*</span>' in text


def test_only_the_kinds_the_events_take_are_offered(client, couples_only):
    competition, link, _ = couples_only

    couples_page = client.get(register_url(link)).context["form"]
    EventFactory(competition=competition, name="Solo Jazz", entry_kind="solo")
    mixed_page = client.get(register_url(link)).context["form"]

    assert [value for value, _ in couples_page.fields["kind"].choices] == ["couple"]
    assert [value for value, _ in mixed_page.fields["kind"].choices] == ["couple", "solo"]


def test_a_kind_no_event_takes_is_refused(client, couples_only):
    _, link, event = couples_only
    token = client.get(register_url(link)).context["form"].initial["form_token"]

    response = client.post(
        register_url(link),
        {"form_token": token, "kind": "group", "name": "The Stars", "email": "a@example.org",
         "events": [str(event.pk)]},
    )  # fmt: skip

    assert response.status_code == 400
    assert "kind" in response.context["form"].errors


def test_the_api_answers_every_problem_at_once(client, couples_only):
    _, link, event = couples_only

    response = client.post(
        reverse("api:registration-link", args=[link.token]),
        SEVERAL_PROBLEMS | {"events": [event.pk, 999999]},
        content_type="application/json",
    )

    body = response.json()
    assert response.status_code == 400
    assert {"name", "partner_name", "country", "email", "events", "birth_year"} <= set(
        body["errors"]
    )
    assert "One of the chosen events is not part of this competition." in body["errors"]["events"]
