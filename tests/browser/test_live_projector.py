"""In real Chromium: a judge sends a sheet from the tablet page, and the projector page,
open in another browser, shows it without a reload. Both pages are served by another
ASGI server process (uvicorn, on this test's database: PostgreSQL and Redis, or the
embedded default's SQLite file), so the websocket, the relay and the hub run as in
production."""

import pytest

from adjudication.models import Sheet
from adjudication.tablet.sessions import tablet_code_issue
from tests.browser.conftest import CHROMIUM
from tests.browser.conftest import CHROMIUM_ARGS as ARGS
from tests.leaderboard.helpers import quiet_day

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_the_projector_shows_a_sheet_sent_from_a_tablet(asgi_server, role_groups, monkeypatch):
    day = quiet_day()
    judge, samba = day.judges[0], day.dances[0]
    picks = day.entries()[:6]
    code = tablet_code_issue(judge=judge, actor=None)
    base = f"http://127.0.0.1:{asgi_server}"
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API keeps a loop running in this thread: no ORM calls until it
    # stops (Django would take this thread for an async context).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        projector = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        projector.goto(f"{base}/live/{day.competition.slug}/")
        expect(projector.locator("[data-live-conn]")).to_have_text("live", timeout=10_000)
        expect(projector.locator(".live-parts")).to_contain_text("Samba0/3")

        tablet = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        tablet.goto(f"{base}/tablet/")
        tablet.select_option("#competition", day.competition.slug)
        tablet.fill("#letter", judge.letter)
        tablet.fill("#code", code)
        tablet.get_by_role("button", name="Sign in").click()
        tablet.wait_for_url("**/tablet/home/")
        tablet.goto(f"{base}/tablet/round/{day.first.pk}/d{samba.pk}/")
        for entry in picks:
            tablet.locator(f'label.bib-tile:has(input[value="{entry.pk}"])').click()
        tablet.locator("[data-submit]").click()
        tablet.wait_for_url("**/sent/")

        expect(projector.locator(".live-parts")).to_contain_text("Samba1/3", timeout=5_000)
        expect(projector.locator(".live-progress")).to_have_text("1 of 6 sheets in")
        browser.close()
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE")

    assert Sheet.objects.get().judge == judge
