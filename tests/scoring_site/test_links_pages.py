"""Small things a newcomer sees on a fresh `make run`: the favicon, Podium's own error
pages (never Django's list of URL patterns), the rooms `show_urls` lists, and the
development ALLOWED_HOSTS."""

import io

import pytest
from django.core.management import call_command
from django.test import RequestFactory

from scoring_site.outage import server_error
from scoring_site.site import lan_address, local_hosts
from tests.factories.competitions import CompetitionFactory

pytestmark = pytest.mark.django_db


def test_favicon_is_served_and_every_kind_of_page_links_an_icon(client):
    icon = client.get("/favicon.ico")
    home = client.get("/").content.decode()
    admin = client.get("/admin/login/").content.decode()

    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/x-icon"
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header
    for page in (home, admin):
        assert '<link rel="icon" href="/static/podium/favicon.svg"' in page
    assert client.get("/static/podium/favicon.svg").status_code == 200


def test_an_unknown_address_gets_podiums_404_without_the_url_list(client):
    response = client.get("/no/such/page/")

    body = response.content.decode()
    assert response.status_code == 404
    assert "Nothing here" in body
    assert 'href="/static/podium/podium.css"' in body
    assert "URLconf" not in body and "admin/" not in body and "api/v1/" not in body


def test_the_500_page_is_styled_like_the_site():
    response = server_error(RequestFactory().get("/"))

    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert 'href="/static/podium/podium.css"' in body
    assert '<a class="brand" href="/">Podium</a>' in body


def test_show_urls_lists_every_room_of_the_day_at_the_lan_address():
    competition = CompetitionFactory(slug="spring", status="registration_open")
    out = io.StringIO()

    call_command("show_urls", port=8123, stdout=out)

    base = f"http://{lan_address()}:8123"
    text = out.getvalue()
    for path in (
        "/admin/",
        "/desk/",
        "/tablet/",
        f"/c/{competition.slug}/",
        f"/live/{competition.slug}/",
        f"/results/{competition.slug}/",
        f"/desk/{competition.slug}/day/",
        f"/desk/{competition.slug}/announcer/",
    ):
        assert f"{base}{path}\n" in text, path


def test_the_development_hosts_are_this_machines_names_not_any_host():
    hosts = local_hosts()

    assert "*" not in hosts
    assert {"localhost", "127.0.0.1", lan_address()} <= set(hosts)
