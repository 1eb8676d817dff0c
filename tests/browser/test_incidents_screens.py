"""In real Chromium, what people see of the day's incidents (issue 19), on either backend:
the desk marks a couple absent on the round page while a judge's tablet has the round's
recall sheet open, and the tablet drops the couple by itself; a redance ordered from
the desk's day page shows on the projector and on a phone without a reload; and the
desk's incidents trail, panels and seeding pages fit the desk's screen.

The pages are served by another ASGI server process (uvicorn on this test's database,
``asgi_server``); what the test sets up is committed here, before the browsers open."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from adjudication.day.floor import floor_move
from adjudication.incidents.couples import entry_mark_absent
from adjudication.incidents.judges import judge_replace
from adjudication.incidents.redance import heat_redance
from adjudication.incidents.seeding import entry_seed
from adjudication.tablet.sessions import tablet_code_issue
from competitions.models import Entry, Round
from competitions.registration import registration_close, registration_submit
from competitions.services import round_transition
from tests.browser.desk_helpers import DESK, PHONE, console_errors, desk_context, shot
from tests.browser.screens import assert_contrast, assert_nothing_clipped, screenshot
from tests.competitions.registration_helpers import couple, open_competition, skating_event
from tests.day.redance_helpers import danced_first_round
from tests.factories.accounts import UserFactory
from tests.factories.competitions import DanceFactory, JudgeFactory, PanelSeatFactory
from tests.leaderboard.helpers import quiet, quiet_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 1280, "height": 800}  # the tablet tests' size
TABLET_PORTRAIT = {"width": 820, "height": 1180}
PROJECTOR = {"width": 1920, "height": 1080}
SMALL_PROJECTOR = {"width": 1280, "height": 720}
LIVE_MS = 5_000  # a desk decision shows on the other screens within this


def _tablet_on_sheet(browser, base: str, judge, path: str):
    code = tablet_code_issue(judge=judge, actor=None)
    context = browser.new_context(viewport=TABLET, locale="en-GB")
    page = context.new_page()
    page.goto(f"{base}/tablet/")
    page.select_option("#competition", judge.competition.slug)
    page.fill("#letter", judge.letter)
    page.fill("#code", code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/tablet/home/")
    page.goto(base + path)
    expect(page.locator("body")).to_have_attribute("data-live", "socket", timeout=10_000)
    return context, page


def test_a_couple_marked_absent_at_the_desk_leaves_the_open_tablet_sheet(
    browser, asgi_server, role_groups, tmp_path
):
    day = quiet_day(couples=6, recall=6)  # every couple recalled: one fewer asks one fewer
    samba = day.dances[0]
    absent = day.entries()[2]
    bib = str(absent.competitor.bib)
    chairman = UserFactory(username="chair", first_name="Clara", is_superuser=True)
    base = f"http://127.0.0.1:{asgi_server}"
    tablet_context, tablet = _tablet_on_sheet(
        browser, base, day.judges[0], f"/tablet/round/{day.first.pk}/d{samba.pk}/"
    )
    tiles = tablet.locator("label.bib-tile")
    expect(tiles).to_have_count(6)
    expect(tiles.filter(has_text=bib)).to_have_count(1)
    expect(tablet.locator("[data-counter]")).to_have_text("6 still to mark (0 of 6)")
    shot(tablet, "incidents-tablet-before-1280", tmp_path)

    desk_ctx = desk_context(browser, base, chairman)
    desk = desk_ctx.new_page()
    errors = console_errors(desk)
    desk.goto(f"{base}/desk/round/{day.first.pk}/")
    row = desk.locator("#couples tbody tr", has_text=absent.competitor.display_name)
    row.get_by_label("What").select_option("absent")
    row.get_by_label("Reason").fill("did not report to the floor")
    row.get_by_role("button", name="Record").click()

    expect(desk.locator("#couples")).to_contain_text("This round's incidents")
    expect(row).to_contain_text("Absent: did not report to the floor")
    expect(row.get_by_role("button", name="Reinstate")).to_be_visible()
    expect(tiles).to_have_count(5, timeout=LIVE_MS)  # the tablet drew the sheet again
    expect(tiles.filter(has_text=bib)).to_have_count(0)
    expect(tablet.locator("[data-counter]")).to_have_text("5 still to mark (0 of 5)")
    shot(tablet, "incidents-tablet-after-absent-1280", tmp_path)
    assert_nothing_clipped(tablet)
    tablet.set_viewport_size(TABLET_PORTRAIT)  # a tablet held upright
    expect(tiles).to_have_count(5)
    shot(tablet, "incidents-tablet-after-absent-820", tmp_path)
    assert_nothing_clipped(tablet)
    shot(desk, "incidents-desk-round-couples-1366", tmp_path)
    assert_nothing_clipped(desk)
    assert errors == []
    desk_ctx.close()
    tablet_context.close()


def test_a_redance_ordered_on_the_day_page_shows_on_the_projector_and_phones(
    browser, asgi_server, role_groups, tmp_path
):
    with quiet():
        danced = danced_first_round()
    slug = danced.p.competition.slug
    chairman = UserFactory(username="chair", is_superuser=True)
    base = f"http://127.0.0.1:{asgi_server}"
    projector_ctx = browser.new_context(viewport=PROJECTOR, locale="en-GB")
    projector = projector_ctx.new_page()
    projector.goto(f"{base}/live/{slug}/")
    expect(projector.locator("[data-live-conn]")).to_have_text("live", timeout=10_000)
    phone_ctx = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    phone = phone_ctx.new_page()
    phone.goto(f"{base}/results/{slug}/")
    redance = projector.locator("[data-live-now] .live-redance")
    expect(redance).to_have_count(0)
    projector.evaluate("() => { window.notReloaded = true; }")

    desk_ctx = desk_context(browser, base, chairman)
    desk = desk_ctx.new_page()
    desk.goto(f"{base}/desk/{slug}/day/")
    panel = desk.locator("[data-redance-panel]")
    panel.get_by_label("Heat to dance again").select_option(
        f"r{danced.round.pk}-d{danced.samba.pk}-h2"
    )
    panel.get_by_label("Why").fill("the music stopped")
    panel.get_by_role("button", name="Redance").click()
    expect(desk.get_by_text("Redance of heat 2 of Samba ordered")).to_be_visible()

    expect(redance).to_have_text("Redance — Heat 2, Samba", timeout=LIVE_MS)
    assert projector.evaluate("() => window.notReloaded === true")
    expect(phone.locator("[data-live-now] .live-redance")).to_have_text(
        "Redance — Heat 2, Samba", timeout=LIVE_MS
    )
    screenshot(projector, tmp_path / "screenshots", "incidents-projector-redance-1920")
    assert_nothing_clipped(projector)
    assert_contrast(projector)
    projector.set_viewport_size(SMALL_PROJECTOR)  # a hall's older projector
    expect(redance).to_be_visible()
    screenshot(projector, tmp_path / "screenshots", "incidents-projector-redance-1280")
    assert_nothing_clipped(projector)
    screenshot(phone, tmp_path / "screenshots", "incidents-phone-redance-390", full_page=True)
    assert_nothing_clipped(phone, projector=False)
    assert_contrast(phone)
    expect(panel.locator("[data-redance]")).to_contain_text("heat 2 of Samba — the music stopped")
    shot(desk, "incidents-desk-day-redance-1366", tmp_path)
    assert_nothing_clipped(desk)
    for context in (desk_ctx, phone_ctx, projector_ctx):
        context.close()


def _a_day_of_incidents():
    """Adult Latin: a couple seeded into the final before registration closed, the first
    round open with a couple absent and heat 1 of the Samba danced again, and judge B
    replaced by a reserve from the first round on."""
    chairman = UserFactory(username="chair", first_name="Clara", is_superuser=True)
    with quiet():
        competition, link = open_competition()
        event = skating_event(competition, name="Adult Latin", max_per_heat=6)
        event.dances.all().delete()
        samba = DanceFactory(event=event, name="Samba", position=1)
        DanceFactory(event=event, name="Rumba", position=2)
        judges = [JudgeFactory(competition=competition, letter=c) for c in "ABC"]
        for judge in judges:
            PanelSeatFactory(event=event, judge=judge)
        for n in range(12):
            registration_submit(
                link=link, details=couple(n, club=f"Club {n}"), event_ids=[event.pk]
            )
        first = Round.objects.create(event=event, position=1, kind="first", recall_count=6)
        Round.objects.create(event=event, position=2, kind="final")
        entries = list(Entry.objects.filter(event=event).order_by("competitor__bib"))
        entry_seed(entry=entries[0], round_position=2, actor=chairman, reason="world ranking 12")
        registration_close(competition=competition, actor=None, seed=1)
        round_transition(round=first, to_status="open", actor=None)
        first.refresh_from_db()
        entry_mark_absent(
            round=first, entry=entries[-1], actor=chairman, reason="did not report to the floor"
        )
        floor_move(competition=competition, action="next", actor=None)
        floor_move(competition=competition, action="danced", actor=None)
        heat_redance(
            round=first,
            dance=samba,
            heat_number=1,
            reason="the music stopped",
            recollect=False,
            actor=chairman,
        )
        reserve = JudgeFactory(competition=competition, letter="R", name="Rita Reserve")
        judge_replace(
            event=event,
            judge=judges[1],
            replacement=reserve,
            from_round=first,
            finish_current=False,
            actor=chairman,
            reason="Judge B was taken ill.",
        )
    return competition, chairman


PAGES = {
    "incidents": [
        "Marked absent",
        "did not report to the floor",
        "Redance ordered",
        "Seeded into a later round",
        "world ranking 12",
        "Judge replaced",
    ],
    "panels": ["replacing B", "Judge B was taken ill."],
    "seeding": ["Seeded (star) couples", "1 seeded", "round 2", "world ranking 12"],
}


def test_the_desks_incidents_panels_and_seeding_pages_fit_the_desk(
    browser, asgi_server, role_groups, tmp_path
):
    competition, chairman = _a_day_of_incidents()
    base = f"http://127.0.0.1:{asgi_server}"
    context = desk_context(browser, base, chairman, viewport=DESK)
    page = context.new_page()
    errors = console_errors(page)

    for name, shows in PAGES.items():
        page.goto(f"{base}/desk/{competition.slug}/{name}/")
        for text in shows:
            expect(page.locator("body")).to_contain_text(text)
        shot(page, f"incidents-desk-{name}-1366", tmp_path)
        assert_nothing_clipped(page)
    seed = page.locator("form.seed input[name=reason]").first.bounding_box()
    unseed = page.locator("form.unseed input[name=reason]").first.bounding_box()

    assert errors == []
    assert unseed["width"] == seed["width"]  # the unseed reason as wide as the seed's
    context.close()
