"""In real Chromium: the desk starts a heat on the day page, and the projector and a
judge's tablet (other browsers, served by another ASGI server process on the same
PostgreSQL and Redis) follow without a reload: the projector shows what is on the floor
with its countdown, the tablet opens the sheet to fill; marking it danced moves the
screens on to the judges' scoring window."""

from pathlib import Path

import pytest

from competitions.models import Floor
from tests.day.helpers import build_programme
from tests.support.auth import sign_in_staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]


@pytest.fixture(autouse=True)
def _needs_chromium():
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium: apt-get install chromium")


def test_the_desk_starts_a_heat_and_the_projector_follows(
    asgi_server, role_groups, monkeypatch, client
):
    from django.contrib.auth import get_user_model

    from adjudication.tablets import tablet_code_issue

    p = build_programme(timers=True)
    judge = p.judges[0]
    code = tablet_code_issue(judge=judge, actor=None)
    first = p.round(p.latin)
    samba = p.latin.dances.get(name="Samba")
    desk_user = get_user_model().objects.create_superuser("desk", "d@example.org", None)
    sign_in_staff(client, desk_user)  # the password and the second factor
    session = client.cookies["sessionid"].value
    slug = p.competition.slug
    base = f"http://127.0.0.1:{asgi_server}"
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        projector = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        projector.goto(f"{base}/live/{slug}/")
        expect(projector.locator("[data-live-conn]")).to_have_text("live", timeout=10_000)
        expect(projector.locator(".live-now")).to_have_count(0)

        tablet = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        tablet.goto(f"{base}/tablet/")
        tablet.select_option("#competition", slug)
        tablet.fill("#letter", judge.letter)
        tablet.fill("#code", code)
        tablet.get_by_role("button", name="Sign in").click()
        tablet.wait_for_url("**/tablet/home/")

        desk_context = browser.new_context(viewport={"width": 1280, "height": 900})
        desk_context.add_cookies(
            [{"name": "sessionid", "value": session, "url": base, "httpOnly": True}]
        )
        desk = desk_context.new_page()
        desk.goto(f"{base}/desk/{slug}/day/")
        desk.locator("[data-floor-action=next]").click()
        expect(desk.locator("[data-floor-phase]")).to_have_attribute("data-floor-phase", "dancing")

        now = projector.locator(".live-now")
        expect(now).to_contain_text("Adult Latin – First round · Samba · heat 1", timeout=5_000)
        expect(projector.locator(".live-timer")).to_contain_text("Time: 1:", timeout=2_000)
        expect(projector.locator(".live-heat-now")).to_have_count(1)
        # The projector still fits the screen: no scrollbars.
        assert projector.evaluate("document.documentElement.scrollHeight <= window.innerHeight")

        # The judge's tablet, on its home page, opens the sheet of the dance on the floor.
        tablet.wait_for_url(f"**/tablet/round/{first.pk}/d{samba.pk}/", timeout=10_000)
        expect(tablet.locator(".tablet-timer")).to_contain_text("Performance: 1:")

        desk.locator("[data-floor-action=danced]").click()
        expect(projector.locator(".live-timer")).to_contain_text("Judges scoring", timeout=5_000)
        tablet.reload()
        expect(tablet.locator(".tablet-timer")).to_contain_text("Scoring time: 0:")
        browser.close()
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE")

    assert Floor.objects.get(competition=p.competition).phase == "danced"
