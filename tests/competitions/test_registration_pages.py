import pytest
from django.core import mail
from django.urls import reverse

from competitions.models import Competitor, Entry, JudgeApplication
from competitions.registration import link_revoke
from tests.competitions.registration_helpers import open_competition, skating_event
from tests.factories.competitions import RegistrationLinkFactory

pytestmark = pytest.mark.django_db


def form_data(page, event, **overrides):
    data = {
        "form_token": page.context["form"].initial["form_token"],
        "kind": "couple",
        "name": "Tom Lee",
        "partner_name": "Ava Kim",
        "club": "Stars",
        "country": "gb",
        "email": "tom@example.org",
        "events": [str(event.pk)],
    }
    data.update(overrides)
    return data


@pytest.fixture
def setup(client):
    competition, link = open_competition()
    event = skating_event(competition, name="Adult Latin", entry_limit=5)
    url = reverse("competitions:register", args=[link.token])
    return client, url, event


def test_register_page_shows_events_and_places(setup):
    client, url, event = setup

    page = client.get(url)

    assert page.status_code == 200
    assert "Adult Latin" in page.content.decode()
    assert "5 left" in page.content.decode()


def test_registering_leads_to_the_thanks_page_and_emails_the_link(
    setup, django_capture_on_commit_callbacks
):
    client, url, event = setup
    page = client.get(url)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(page, event), follow=True)

    competitor = Competitor.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "competitions:competition-detail", args=[competitor.competition.slug]
    )
    assert "your registration is received" in response.content.decode()
    assert competitor.reference not in response.content.decode()
    assert f"/registration/{competitor.reference}/" in mail.outbox[0].body
    assert competitor.country == "GB"


def test_a_double_submit_of_the_same_form_registers_once(setup):
    client, url, event = setup
    data = form_data(client.get(url), event)

    first = client.post(url, data)
    second = client.post(url, data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Entry.objects.count() == 1


def test_a_refused_form_shows_why_and_offers_a_fresh_token(setup):
    client, url, event = setup
    page = client.get(url)

    response = client.post(url, form_data(page, event, name="R2-D2"))

    assert response.status_code == 400  # bad input; 409 is for full or closed
    assert "letters, spaces, hyphens" in response.content.decode()
    assert response.context["form"].data["form_token"] != page.context["form"].initial["form_token"]
    assert not Competitor.objects.exists()


def test_a_corrected_form_after_a_refusal_registers(setup):
    client, url, event = setup
    refused = client.post(url, form_data(client.get(url), event, name="R2-D2"))

    fixed = client.post(
        url,
        form_data(client.get(url), event)
        | {"form_token": refused.context["form"].data["form_token"]},
    )

    assert fixed.status_code == 302
    assert Competitor.objects.count() == 1


def test_form_errors_are_shown_for_missing_fields(setup):
    client, url, event = setup
    page = client.get(url)

    response = client.post(url, form_data(page, event, email="", events=[]))

    assert response.status_code == 400
    assert "Enter an email address: the confirmation goes there." in response.content.decode()
    assert "Choose at least one event." in response.content.decode()


def test_revoked_link_page_says_so(setup, client):
    _, url, event = setup
    link = event.competition.registration_links.get()
    link_revoke(link=link)

    response = client.get(url)

    assert response.status_code == 410
    assert "withdrawn by the organizer" in response.content.decode()


def test_unknown_link_page_is_not_found(client):
    response = client.get(reverse("competitions:register", args=["x" * 32]))

    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_judge_link_page_takes_an_application(client):
    competition, _ = open_competition()
    link = RegistrationLinkFactory(competition=competition, kind="judge")
    url = reverse("competitions:register", args=[link.token])

    response = client.post(
        url,
        {
            "name": "Ann Adams",
            "letter_preference": "b",
            "email": "ann@example.org",
            "phone": "+44 7700 900123",
        },
    )

    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert JudgeApplication.objects.get().letter_preference == "B"


def test_judge_link_refuses_a_bad_phone_number(client):
    competition, _ = open_competition()
    link = RegistrationLinkFactory(competition=competition, kind="judge")
    url = reverse("competitions:register", args=[link.token])

    response = client.post(
        url, {"name": "Ann Adams", "email": "ann@example.org", "phone": "call me"}
    )

    assert response.status_code == 409
    assert "digits only" in response.content.decode()
    assert not JudgeApplication.objects.exists()


def test_registration_page_for_unknown_reference_is_not_found(client):
    assert (
        client.get(reverse("competitions:registration-detail", args=["y" * 24])).status_code == 404
    )
