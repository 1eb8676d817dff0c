"""In real Chromium: a published component final (AJS style) on the projector at 1920×1080
and 1280×720 and on a phone (390×844), each couple with the last dance's component scores
labelled beside the total, nothing clipped, readable; and the desk's result of the final
at 1280×720 with the discarded scores bracketed and crossed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.adjudication.component_helpers import component_day
from tests.browser.desk_helpers import PHONE, console_errors, desk_context, shot
from tests.browser.screens import assert_contrast, assert_nothing_clipped, screenshot
from tests.factories.accounts import UserFactory
from tests.support.auth import restore_role_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_the_projector_shows_a_published_component_final(browser, live_server, tmp_path, size):
    restore_role_groups()
    day = component_day()
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/live/{day.competition.slug}/")

    final = page.locator("[data-live-latest] .live-result", has_text="Final")
    expect(page.locator("[data-live-pages]")).to_have_text("1 / 2")
    page.keyboard.press("ArrowRight")  # the results' page (the first says the day is over)
    expect(final).to_be_visible()
    expect(final.locator(".live-placings li").first).to_contain_text("TQ")
    expect(final.locator(".live-placings li").first).to_contain_text("75.000")
    screenshot(page, tmp_path / "shots", f"projector-components-{size[0]}x{size[1]}")
    assert_nothing_clipped(page, projector=True)
    assert_contrast(page, minimum=4.5)
    context.close()


def test_a_phone_shows_a_published_component_final(browser, live_server, tmp_path):
    restore_role_groups()
    day = component_day()
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/results/{day.competition.slug}/")

    row = page.locator(".live-with-components li").first
    expect(row).to_contain_text("Anna Berg")
    expect(row.locator(".live-score-label").first).to_have_text("TQ")
    expect(row.locator(".live-total")).to_have_text("75.000")
    screenshot(page, tmp_path / "shots", "phone-components", full_page=True)
    assert_nothing_clipped(page)
    assert_contrast(page, minimum=4.5)
    context.close()


def test_the_desk_shows_the_component_finals_result(browser, live_server, tmp_path):
    restore_role_groups()
    day = component_day()
    context = desk_context(
        browser,
        live_server.url,
        UserFactory(username="desk", roles=["scrutineer"]),
        viewport={"width": 1280, "height": 720},
    )
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{live_server.url}/desk/round/{day.final.pk}/")

    expect(page.get_by_text("Who scores what")).to_be_visible()
    couple = page.locator("table", has_text="11 Anna Berg & Ben Carr: place 1, total 75.000")
    expect(couple).to_be_visible()
    expect(couple).to_contain_text("(6.5 ✕)")
    shot(page, "desk-components-1280", tmp_path)
    assert [e for e in errors if "WebSocket" not in e and "/ws/desk/" not in e] == []
    context.close()
