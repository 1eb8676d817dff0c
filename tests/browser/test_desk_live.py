"""In real Chromium, over the desk's websocket: the desk's round page and its competition
page follow what happens elsewhere without reloading. A sheet sent (by the service, as
by another web process) shows on the open round page within 2 s; closing swaps Close
for Publish; an unlocked sheet takes Publish away while the reason a scrutineer is
typing stays, with its focus; a tablet signing in shows in the tablets column.

The pages are served by another ASGI server process (uvicorn on this test's database,
``asgi_server``); the changes are committed here."""

import pytest
from playwright.sync_api import expect

from adjudication.models import Sheet
from adjudication.services import round_close, sheet_unlock
from leaderboard.broadcast import relays
from tests.browser.desk_helpers import DESK, console_errors, desk_context, page_height, shot
from tests.factories.accounts import UserFactory
from tests.leaderboard.helpers import quiet, quiet_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE_MS = 2_000  # a change shows on an open desk page within this


def _send_rest(day, judge):
    """``judge``'s two recall sheets, the first ``recall`` couples crossed."""
    picks = day.crosses(day.entries()[: day.first.recall_count])
    for dance in day.dances:
        day.send(judge, dance, picks)


def test_the_round_page_follows_sheets_closing_and_unlocking_without_reloading(
    browser,
    asgi_server,
    role_groups,
    tmp_path,
):
    day = quiet_day()
    with quiet():
        for judge in day.judges[:2]:
            _send_rest(day, judge)
    chairman = UserFactory(username="chair", is_superuser=True)
    base = f"http://127.0.0.1:{asgi_server}"
    context = desk_context(browser, base, chairman)
    page = context.new_page()
    errors = console_errors(page)
    loads = []
    page.on("load", lambda _page: loads.append(page.url))
    page.goto(f"{base}/desk/round/{day.first.pk}/")
    box = page.locator("[data-live-fragment]")
    expect(box).to_have_attribute("data-live", "socket", timeout=10_000)
    missing = page.locator("table.progress td.missing")
    expect(missing).to_have_text(["C", "C"])
    page.evaluate("() => { window.notReloaded = true; }")

    day.send(day.judges[2], day.dances[0], day.crosses(day.entries()[:6]))
    relays.drain_background()
    expect(missing).to_have_text(["", "C"], timeout=LIVE_MS)
    day.send(day.judges[2], day.dances[1], day.crosses(day.entries()[:6]))
    relays.drain_background()
    expect(missing).to_have_text(["", ""], timeout=LIVE_MS)
    close = page.get_by_role("button", name="Close and tabulate")
    publish = page.get_by_role("button", name="Publish")
    expect(close).to_be_visible()
    expect(publish).to_have_count(0)

    with quiet():
        round_close(round=day.first, actor=None, seed=3)
    relays.drain_background()
    expect(publish).to_be_visible(timeout=LIVE_MS)
    expect(close).to_have_count(0)
    expect(page.locator("h1 .badge")).to_have_text("Closed")

    # The chairman types a reason to reopen; meanwhile a sheet is unlocked elsewhere.
    reason = page.locator("form.actions input[name=reason]")
    reason.click()
    reason.type("judge A's Samba")
    sheet = Sheet.objects.get(round=day.first, judge=day.judges[0], dance=day.dances[0])
    with quiet():
        sheet_unlock(sheet=sheet, actor=chairman, reason="crossed the wrong couple")
    relays.drain_background()
    expect(page.get_by_text("Waiting for corrections")).to_be_visible(timeout=LIVE_MS)
    expect(publish).to_have_count(0)
    expect(reason).to_have_value("judge A's Samba")
    expect(reason).to_be_focused()
    reason.type(", heat 1")
    expect(reason).to_have_value("judge A's Samba, heat 1")

    assert page.evaluate("() => window.notReloaded === true")
    assert loads == [page.url]
    assert errors == []
    assert page_height(page) < 4 * DESK["height"]
    shot(page, "desk-round-live-1366", tmp_path)
    context.close()


def test_a_tablet_signing_in_shows_in_the_desks_tablets_column(
    browser,
    asgi_server,
    role_groups,
    tmp_path,
):
    from adjudication.tablet.sessions import tablet_code_issue

    day = quiet_day()
    judge = day.judges[1]
    base = f"http://127.0.0.1:{asgi_server}"
    context = desk_context(browser, base, UserFactory(username="desk", is_superuser=True))
    desk = context.new_page()
    errors = console_errors(desk)
    desk.goto(f"{base}/desk/{day.competition.slug}/")
    expect(desk.locator("[data-live-fragment]")).to_have_attribute(
        "data-live", "socket", timeout=10_000
    )
    column = desk.locator(f'[data-tablets="{judge.letter}"]')
    expect(column.get_by_role("button", name="Sign out")).to_have_count(0)
    desk.evaluate("() => { window.notReloaded = true; }")

    code = tablet_code_issue(judge=judge, actor=None)
    tablet_context = browser.new_context(viewport={"width": 1280, "height": 800})
    tablet = tablet_context.new_page()
    tablet.goto(f"{base}/tablet/")
    tablet.select_option("#competition", day.competition.slug)
    tablet.fill("#letter", judge.letter)
    tablet.fill("#code", code)
    tablet.get_by_role("button", name="Sign in").click()
    tablet.wait_for_url("**/tablet/home/")

    expect(column.get_by_role("button", name="Sign out")).to_have_count(1, timeout=LIVE_MS)
    expect(desk.locator('[data-tablets="A"] button')).to_have_count(0)
    assert desk.evaluate("() => window.notReloaded === true")
    assert errors == []
    shot(desk, "desk-competition-tablets-1366", tmp_path)
    tablet_context.close()
    context.close()
