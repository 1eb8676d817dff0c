"""Links and QR codes carry the address people reached Podium at: SITE_URL when it is set,
else the address of the request (checked against ALLOWED_HOSTS), never "localhost"."""

import pytest
import segno
from django.core import mail
from django.urls import reverse

from competitions.models import Competitor
from tests.adjudication.day import build_day
from tests.competitions.registration_helpers import open_competition, skating_event
from tests.factories.accounts import UserFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db

HALL = "192.168.1.20:8123"


@pytest.fixture(autouse=True)
def hall_network(settings):
    """The embedded default on a hall network: no SITE_URL, the laptop's LAN address."""
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "192.168.1.20"]


def qr_of(url: str, scale: int) -> str:
    return segno.make(url, error="m").svg_inline(scale=scale)


def test_the_desk_tablet_code_links_and_encodes_the_hall_address(client):
    day = build_day()
    sign_in_staff(client, UserFactory(username="desk", roles=["scrutineer"]))
    judge = day.judges[0]

    page = client.post(reverse("adjudication:desk-tablet-code", args=[judge.pk]), HTTP_HOST=HALL)

    url = (
        f"http://{HALL}/tablet/sign-in/{day.competition.slug}/{judge.letter}/"
        f"?code={page.context['code']}"
    )
    body = page.content.decode()
    assert page.context["url"] == url
    assert f'href="{url}"' in body or url in body
    assert qr_of(url, 6) in body
    assert "localhost" not in body


def test_site_url_wins_over_the_request_address(client, settings):
    settings.SITE_URL = "https://podium.example.org/"
    day = build_day()
    sign_in_staff(client, UserFactory(username="desk", roles=["scrutineer"]))

    page = client.post(
        reverse("adjudication:desk-tablet-code", args=[day.judges[0].pk]), HTTP_HOST=HALL
    )

    assert page.context["url"].startswith("https://podium.example.org/tablet/sign-in/")


def test_the_admin_registration_link_page_shows_the_hall_address(client):
    organizer = UserFactory(username="org", roles=["organizer"])
    sign_in_staff(client, organizer)
    competition, link = open_competition()

    page = client.get(
        reverse("admin:competitions_registrationlink_change", args=[link.pk]), HTTP_HOST=HALL
    )

    url = f"http://{HALL}/register/{link.token}/"
    body = page.content.decode()
    assert page.status_code == 200
    assert f'<a href="{url}">{url}</a>' in body
    assert segno.make(url, error="m").svg_inline(scale=5, title=str(link)) in body


def _register(client, email="tom@example.org", host=HALL):
    competition, link = open_competition()
    event = skating_event(competition, name="Adult Latin")
    url = reverse("competitions:register", args=[link.token])
    page = client.get(url, HTTP_HOST=HALL)
    data = {
        "form_token": page.context["form"].initial["form_token"],
        "kind": "couple",
        "name": "Tom Lee",
        "partner_name": "Ava Kim",
        "club": "Stars",
        "country": "gb",
        "email": email,
        "events": [str(event.pk)],
    }
    return client.post(url, data, HTTP_HOST=host), url, data


def test_the_confirmation_email_links_to_the_address_the_registration_came_in_on(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response, _, _ = _register(client)

    competitor = Competitor.objects.get()
    assert response.status_code == 302
    assert f"http://{HALL}/registration/{competitor.reference}/" in mail.outbox[0].body
    assert "localhost" not in mail.outbox[0].body


def test_registering_again_emails_the_link_at_the_new_request_address(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _, url, data = _register(client)
    competitor = Competitor.objects.get()
    page = client.get(url, HTTP_HOST="localhost:9000")
    data["form_token"] = page.context["form"].initial["form_token"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, data, HTTP_HOST="localhost:9000")

    assert len(mail.outbox) == 2
    assert f"http://localhost:9000/registration/{competitor.reference}/" in mail.outbox[1].body


def test_the_api_registration_email_follows_the_request_address(
    client, django_capture_on_commit_callbacks
):
    competition, link = open_competition()
    event = skating_event(competition, name="Adult Latin")
    body = {
        "kind": "couple",
        "name": "Tom Lee",
        "partner_name": "Ava Kim",
        "email": "tom@example.org",
        "events": [event.pk],
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/registration/{link.token}/",
            body,
            content_type="application/json",
            HTTP_HOST=HALL,
        )

    assert response.status_code == 201, response.content
    competitor = Competitor.objects.get()
    assert f"http://{HALL}/registration/{competitor.reference}/" in mail.outbox[0].body


def test_a_host_outside_allowed_hosts_is_refused_and_no_email_goes(client):
    response, _, _ = _register(client, host="attacker.example")

    assert response.status_code == 400
    assert not Competitor.objects.exists()
    assert mail.outbox == []


def test_a_reminder_without_site_url_has_no_localhost_link():
    from competitions.emails import send_reminder
    from tests.factories.competitions import CompetitorFactory

    competitor = CompetitorFactory(email="tom@example.org")

    send_reminder(competitor=competitor)

    assert "localhost" not in mail.outbox[0].body
    assert "linked in the confirmation email" in mail.outbox[0].body
