"""In real Chromium: a judge's tablet left on its home page follows the desk over its
websocket (ws/tablet/), without reloading: the round the desk closes shows as closed,
the round it opens appears with its sheets to mark, and a tablet the desk signs out
goes to the sign-in page. The page is served by another ASGI server process (uvicorn,
on this test's database); the desk's changes are committed here, as by another web
process, and reach it through Redis or, on the embedded default, the change log
(scoring_site/change_log.py)."""

import pytest

from adjudication.services import round_close
from adjudication.tablet.sessions import tablet_code_issue, tablet_revoke
from leaderboard.broadcast import relays
from tests.adjudication.day import all_recall_sheets, open_final
from tests.browser.conftest import CHROMIUM
from tests.browser.conftest import CHROMIUM_ARGS as ARGS
from tests.leaderboard.helpers import quiet, quiet_day

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_tablet_on_its_home_page_follows_the_desk_without_reloading(
    asgi_server, role_groups, monkeypatch
):
    day = quiet_day()
    with quiet():
        all_recall_sheets(day)  # every sheet of the first round is in
    judge = day.judges[0]
    code = tablet_code_issue(judge=judge, actor=None)
    base = f"http://127.0.0.1:{asgi_server}"
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API keeps a loop running in this thread: Django would take it
    # for an async context and refuse the ORM calls the test makes between steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        loads = []
        page.on("load", lambda _page: loads.append(page.url))
        page.goto(f"{base}/tablet/")
        page.select_option("#competition", day.competition.slug)
        page.fill("#letter", judge.letter)
        page.fill("#code", code)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/tablet/home/")
        expect(page.locator("body")).to_have_attribute("data-live", "socket", timeout=10_000)
        expect(page.locator("[data-sheets] h2")).to_have_text(["Adult Latin · First round"])
        page.evaluate("() => { window.notReloaded = true; }")
        loads_before = len(loads)

        with quiet():  # the desk closes the first round (nudges still go out)
            round_close(round=day.first, actor=None, seed=3)
        relays.drain_background()
        expect(page.locator("[data-sheets] h2")).to_have_text(
            ["Adult Latin · First round Closed"], timeout=5_000
        )

        with quiet():  # the desk publishes the recalls and opens the final
            open_final(day)
        relays.drain_background()
        final = page.locator("[data-sheets] section", has_text="Adult Latin · Final")
        expect(final.locator(".part .state")).to_have_text(["to mark", "to mark"], timeout=5_000)
        assert page.evaluate("() => window.notReloaded === true")
        assert len(loads) == loads_before
        assert page.url == f"{base}/tablet/home/"

        from adjudication.models import TabletSession

        with quiet():  # the desk signs the tablet out
            tablet_revoke(tablet=TabletSession.objects.get(judge=judge), actor=None)
        relays.drain_background()
        page.wait_for_url("**/tablet/", timeout=5_000)
        expect(page.get_by_role("heading", name="Judge sign-in")).to_be_visible()
        browser.close()
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE")
