"""In Chromium at the desk's size (1366x768), reaching Podium by a hall address rather
than localhost: the desk's tablet QR page and the admin's registration link page show
that address, and the favicon loads.

Chromium resolves ``podium-hall.test`` to the live server (--host-resolver-rules), so
the request carries that Host as a laptop's address on the hall's network would."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from tests.adjudication.day import build_day
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from tests.browser.screens import screenshot
from tests.competitions.registration_helpers import open_competition
from tests.factories.accounts import UserFactory
from tests.support.auth import restore_role_groups, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HALL = "podium-hall.test"
DESK = {"width": 1366, "height": 768}


@pytest.fixture
def hall_browser(live_server, settings, tmp_path):
    """A desk-sized page whose requests reach the live server as http://podium-hall.test."""
    from playwright.sync_api import sync_playwright

    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", HALL]
    port = live_server.url.rsplit(":", 1)[1]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HALL} 127.0.0.1"],
            )
            context = chromium.new_context(viewport=DESK, locale="en-GB")
            context.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)
            yield context, f"http://{HALL}:{port}", tmp_path
            chromium.close()


def _signed_in(context, base: str, user) -> None:
    """The staff session of ``user`` (password and second factor) in the browser."""
    client = sign_in_staff(Client(), user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}]
    )


def _shot(page, folder: Path, name: str) -> None:
    screenshot(page, folder, name, full_page=True)


def test_the_desks_tablet_qr_page_shows_the_hall_address(hall_browser):
    context, base, shots = hall_browser
    restore_role_groups()
    day = build_day()
    _signed_in(context, base, UserFactory(username="desk", roles=["scrutineer"]))
    page = context.new_page()

    page.goto(f"{base}/desk/{day.competition.slug}/")
    page.get_by_role("button", name="New code / QR").first.click()

    expect(page.locator(".qr svg")).to_be_visible()
    link = page.locator("p.muted", has_text="/tablet/sign-in/")
    expect(link).to_contain_text(f"{base}/tablet/sign-in/{day.competition.slug}/")
    assert "localhost" not in page.content()
    assert page.evaluate("fetch('/favicon.ico').then(r => r.status)") == 200
    _shot(page, shots, "desk-tablet-qr-1366x768")


def test_the_admins_registration_link_page_shows_the_hall_address(hall_browser):
    context, base, shots = hall_browser
    restore_role_groups()
    _, link = open_competition()
    _signed_in(context, base, UserFactory(username="org", roles=["organizer"]))
    page = context.new_page()

    page.goto(f"{base}/admin/competitions/registrationlink/{link.pk}/change/")

    address = f"{base}/register/{link.token}/"
    expect(page.get_by_role("link", name=address)).to_be_visible()
    expect(page.locator(".field-qr_code svg")).to_be_visible()
    _shot(page, shots, "admin-registration-link-1366x768")
