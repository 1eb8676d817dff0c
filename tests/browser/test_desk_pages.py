"""In real Chromium against the live server (either backend): a finished round's desk page
stays short with its audit trail folded; a paper sheet waiting for its confirmation
shows the marks as typed beside the Confirm button; the competition's public page links
to its results, timetable, running order and projector; the running order reads on a
phone (390x844): a heat a block, its time on screen, each name on its own line."""

import re

import pytest
from playwright.sync_api import expect

from adjudication.models import Sheet
from adjudication.services import round_close, round_publish
from tests.adjudication.day import all_recall_sheets, build_day
from tests.browser.desk_helpers import (
    DESK,
    PHONE,
    console_errors,
    desk_context,
    page_height,
    shot,
)
from tests.day.helpers import build_programme
from tests.factories.accounts import UserFactory
from tests.support.auth import restore_role_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _errors_but_the_socket(errors: list[str]) -> list[str]:
    # The live server speaks no websocket: desk.js polls instead, as designed.
    return [e for e in errors if "WebSocket" not in e and "/ws/desk/" not in e]


def test_a_finished_rounds_page_folds_its_audit_trail(browser, live_server, tmp_path):
    restore_role_groups()
    day = build_day()
    all_recall_sheets(day)
    for judge in day.judges:  # every judge corrects both sheets: more trail
        for dance in day.dances:
            day.send(judge, dance, day.crosses(day.entries()[1:7]), base_version=1, reason="typo")
    round_close(round=day.first, actor=None, seed=3)
    round_publish(round=day.first, actor=None)
    context = desk_context(
        browser, live_server.url, UserFactory(username="desk", roles=["scrutineer"])
    )
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{live_server.url}/desk/round/{day.first.pk}/")

    trail = page.locator("details.trail")
    expect(trail.locator("summary")).to_contain_text("Audit trail · 48 changes, newest first")
    expect(trail.locator("tbody tr").first).to_be_hidden()
    expect(page.locator("details.sheet-list")).to_contain_text("The 6 sheets")
    expect(page.locator("details.sheet-list tbody tr").first).to_be_hidden()
    expect(page.get_by_text("Type in a paper sheet")).to_have_count(0)
    folded = page_height(page)
    shot(page, "desk-round-finished-1366", tmp_path)
    trail.locator("summary").click()
    expect(trail.locator("tbody tr")).to_have_count(48)
    times = trail.locator("tbody tr td:first-child").all_inner_texts()
    opened = page_height(page)
    context.close()

    assert folded < 3 * DESK["height"]
    assert opened - folded > 1000  # the trail's 48 rows, out of the way until asked for
    assert times == sorted(times, reverse=True)  # newest first
    assert _errors_but_the_socket(errors) == []


def test_a_paper_sheet_shows_its_typed_marks_beside_confirm(browser, live_server, tmp_path):
    restore_role_groups()
    day = build_day()
    typist = UserFactory(username="typist", roles=["scrutineer"])
    crossed = day.entries()[1:7]
    day.send(day.judges[1], day.dances[0], day.crosses(crossed), source="paper", actor=typist)
    context = desk_context(
        browser, live_server.url, UserFactory(username="desk", roles=["scrutineer"])
    )
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{live_server.url}/desk/round/{day.first.pk}/")

    check = page.locator("[data-paper-check]")
    expect(check.locator(".typed-mark")).to_have_text([f"✕ {e.bib_label}" for e in crossed])
    confirm = check.get_by_role("button", name="Confirm")
    marks_box, button_box = check.locator(".typed").bounding_box(), confirm.bounding_box()
    confirm.scroll_into_view_if_needed()
    shot(page, "desk-round-paper-1366", tmp_path, full_page=False)
    confirm.click()
    expect(page.locator(".message")).to_contain_text("Paper sheet confirmed")
    expect(page.locator("[data-paper-check]")).to_have_count(0)
    context.close()

    # Beside the button: on the screen with it, within a row's reach.
    assert abs(marks_box["y"] - button_box["y"]) < 120
    assert button_box["y"] + button_box["height"] < DESK["height"] * 2
    assert Sheet.objects.get(judge=day.judges[1], dance=day.dances[0]).confirmed_at is not None
    assert _errors_but_the_socket(errors) == []


def test_the_competitions_page_links_to_its_other_pages(browser, live_server, tmp_path):
    p = build_programme()
    slug = p.competition.slug
    page = browser.new_context(viewport=PHONE, locale="en-GB").new_page()
    errors = console_errors(page)
    page.goto(f"{live_server.url}/c/{slug}/")
    nav = page.locator("nav.page-links")
    expect(nav.get_by_role("link")).to_have_text(
        ["Results", "Timetable", "Running order", "Projector"]
    )
    shot(page, "public-competition-390", tmp_path, full_page=False)

    arrivals = {}
    for name in ("Results", "Timetable", "Running order", "Projector"):
        page.goto(f"{live_server.url}/c/{slug}/")
        page.locator("nav.page-links").get_by_role("link", name=name).click()
        page.wait_for_load_state()
        arrivals[name] = page.url.removeprefix(live_server.url)
        if name == "Timetable":  # the timetable is in view, at the running order's head
            expect(page.locator("#timetable")).to_be_in_viewport()
    page.context.close()

    assert arrivals == {
        "Results": f"/results/{slug}/",
        "Timetable": f"/c/{slug}/running-order/#timetable",
        "Running order": f"/c/{slug}/running-order/",
        "Projector": f"/live/{slug}/",
    }
    assert _errors_but_the_socket(errors) == []


def test_the_running_order_reads_on_a_phone(browser, live_server, tmp_path):
    p = build_programme()
    page = browser.new_context(viewport=PHONE, locale="en-GB").new_page()
    errors = console_errors(page)
    page.goto(f"{live_server.url}/c/{p.competition.slug}/running-order/")
    shot(page, "running-order-390", tmp_path)

    width = page.evaluate("() => document.documentElement.scrollWidth")
    rows = page.locator(".ro-heats tbody tr")
    heats = rows.count()
    boxes = []
    for n in range(heats):
        row = rows.nth(n)
        time_box = row.locator(".ro-slot-time").bounding_box()
        entries = row.locator(".ro-entry")
        first, last = entries.first.bounding_box(), entries.last.bounding_box()
        boxes.append((row.locator(".ro-slot-time").inner_text(), time_box, first, last))
    # The timetable's links go to their event.
    page.locator("#timetable a").first.click()
    target = re.search(r"#(line-\d+)$", page.url).group(1)
    expect(page.locator(f"#{target}")).to_be_in_viewport()
    page.context.close()

    assert width <= PHONE["width"]
    assert heats >= 6
    for text, time_box, first, last in boxes:
        assert re.fullmatch(r"\d\d:\d\d", text.strip())
        assert time_box["x"] >= 0 and time_box["x"] + time_box["width"] <= PHONE["width"]
        assert first["y"] > time_box["y"]  # the names below the heat's time
        assert first["x"] == last["x"]  # one name a line, lined up
    assert errors == []
