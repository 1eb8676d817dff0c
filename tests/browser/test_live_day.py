"""In real Chromium: the desk starts a heat on the day page, and the projector and a
judge's tablet (other browsers, served by another ASGI server process on the test's
database, on either backend) follow without a reload: the projector shows what is on the floor
with its countdown, the tablet opens the sheet to fill; marking it danced moves the
screens on to the judges' scoring window, and a sheet page already open re-arms its
countdown from each snapshot (the scoring window, the next heat of the same dance)."""

import datetime as dt
import functools
import re

import pytest

from competitions.models import Floor
from tests.browser.conftest import CHROMIUM
from tests.browser.conftest import CHROMIUM_ARGS as ARGS
from tests.day.helpers import build_programme
from tests.support.auth import sign_in_staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_the_desk_starts_a_heat_and_the_projector_follows(
    asgi_server, role_groups, monkeypatch, client
):
    from django.contrib.auth import get_user_model

    p = build_programme(timers=True)
    judge = p.judges[0]
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

        tablet = sign_in_tablet(browser, base, slug, judge)

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

        tablet.evaluate("() => { window.notReloaded = true; }")

        desk.locator("[data-floor-action=danced]").click()
        expect(projector.locator(".live-timer")).to_contain_text("Judges scoring", timeout=5_000)
        # The tablet's countdown moves on to the scoring window by itself.
        expect(tablet.locator(".tablet-timer")).to_contain_text("Scoring time: 0:", timeout=5_000)
        assert tablet.evaluate("() => window.notReloaded === true")
        browser.close()
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE")

    assert Floor.objects.get(competition=p.competition).phase == "danced"


def sign_in_tablet(browser, base, slug, judge):
    from adjudication.tablet.sessions import tablet_code_issue

    code = tablet_code_issue(judge=judge, actor=None)
    tablet = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    tablet.goto(f"{base}/tablet/")
    tablet.select_option("#competition", slug)
    tablet.fill("#letter", judge.letter)
    tablet.fill("#code", code)
    tablet.get_by_role("button", name="Sign in").click()
    tablet.wait_for_url("**/tablet/home/")
    return tablet


def test_the_next_heat_of_the_dance_re_arms_the_performance_countdown_on_the_open_sheet(
    asgi_server, role_groups, monkeypatch
):
    """Two heats of the Samba share one sheet page: when heat 2 starts, the judge who
    kept the page open (marks typed) sees heat 2's performance window, not heat 1's
    long-gone deadline, and what is typed stays."""
    from django.utils import timezone

    from adjudication.day.floor import floor_move

    p = build_programme(timers=True)
    judge = p.judges[0]
    first = p.round(p.latin)
    samba = p.latin.dances.get(name="Samba")
    assert first.heats.count() == 2
    move = functools.partial(floor_move, competition=p.competition, actor=None)
    samba_heat = {"round_id": first.pk, "dance_id": samba.pk}
    slug = p.competition.slug
    base = f"http://127.0.0.1:{asgi_server}"
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        tablet = sign_in_tablet(browser, base, slug, judge)
        expect(tablet.locator("body")).to_have_attribute("data-live", "socket", timeout=10_000)

        # Heat 1 started two minutes ago: its 90 s performance window is over.
        started = timezone.now() - dt.timedelta(seconds=120)
        move(action="start", **samba_heat, heat_number=1, at=started)
        tablet.wait_for_url(f"**/tablet/round/{first.pk}/d{samba.pk}/", timeout=10_000)
        timer = tablet.locator(".tablet-timer")
        expect(timer).to_have_text("Performance is up: send your sheet now")

        tablet.locator("label.bib-tile").first.click()  # a mark typed for heat 1
        tablet.evaluate("() => { window.notReloaded = true; }")
        move(action="danced", at=started + dt.timedelta(seconds=60))
        expect(timer).to_have_text("Scoring time is up: send your sheet now", timeout=5_000)

        move(action="start", **samba_heat, heat_number=2)
        # Same sheet URL, a fresh window: heat 2 is still dancing.
        expect(timer).to_contain_text("Performance: 1:", timeout=5_000)
        expect(timer).not_to_have_class(re.compile(r"\btimer-over\b"))
        tablet.wait_for_timeout(600)  # a few ticks of the countdown
        expect(timer).not_to_contain_text("is up")
        assert tablet.evaluate("() => window.notReloaded === true")
        expect(tablet.locator("label.bib-tile input").first).to_be_checked()
        browser.close()
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE")

    floor = Floor.objects.get(competition=p.competition)
    assert (floor.phase, floor.dance_id, floor.heat_number) == ("dancing", samba.pk, 2)
