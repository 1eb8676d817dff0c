"""What a newcomer's walk of the receipts, the what-if, the agreement report and component
scoring found, each checked in real Chromium at the size where it showed: the desk's page
links at 1280×720, the chairman's way from a round to the agreement report, the what-if's
refusal of a recall sheet with a cross too many in plain words, and the admin's component
event at 1280×720 (the criteria's row within the page; a component no judge scores said
on saving, not on the day)."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.desk_helpers import desk_context, shot
from tests.browser.forms_helpers import open_page, page_width, sign_in
from tests.factories.accounts import UserFactory
from tests.factories.competitions import (
    CriterionFactory,
    DanceFactory,
    EventFactory,
    JudgeFactory,
    PanelSeatFactory,
    RoundFactory,
)
from tests.receipts.helpers import closed_day
from tests.support.auth import restore_role_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_DESK = {"width": 1280, "height": 720}


def _overlapping(boxes: list[dict]) -> list[tuple[int, int]]:
    def apart(a, b):
        return (
            a["x"] + a["width"] <= b["x"]
            or b["x"] + b["width"] <= a["x"]
            or a["y"] + a["height"] <= b["y"]
            or b["y"] + b["height"] <= a["y"]
        )

    return [
        (i, j)
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if not apart(boxes[i], boxes[j])
    ]


def test_the_desk_links_sit_apart_and_a_round_leads_to_the_agreement(
    browser, live_server, tmp_path
):
    """Seven links at 1280 used to wrap mid-button, one pill over the next; a round's page
    had no way to the agreement report (only the competition's page had)."""
    restore_role_groups()
    day = closed_day()
    chairman = UserFactory(username="chair", roles=["chairman"])
    page = desk_context(browser, live_server.url, chairman, viewport=SMALL_DESK).new_page()

    page.goto(f"{live_server.url}/desk/{day.competition.slug}/")
    links = page.locator("nav.page-links a.button")
    expect(links).to_have_count(7)
    boxes = [links.nth(i).bounding_box() for i in range(7)]
    shot(page, "walk-desk-links-1280", tmp_path, full_page=False)
    assert _overlapping(boxes) == []
    assert max(box["height"] for box in boxes) < 60  # one line each

    page.goto(f"{live_server.url}/desk/round/{day.first.pk}/")
    page.locator("[data-agreement-link]").click()
    page.wait_for_url(f"**/desk/{day.competition.slug}/agreement/{day.first.event_id}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(day.first.event.name)
    page.context.close()

    scrutineer = UserFactory(username="scrut2", roles=["scrutineer"])
    page = desk_context(browser, live_server.url, scrutineer, viewport=SMALL_DESK).new_page()
    page.goto(f"{live_server.url}/desk/round/{day.first.pk}/")
    expect(page.locator("[data-what-if-link]")).to_be_visible()
    expect(page.locator("[data-agreement-link]")).to_have_count(0)  # not theirs to read
    page.context.close()


def test_the_what_if_says_how_to_move_a_cross(browser, live_server, tmp_path):
    """It said "move a cross (0 on one couple, 1 on another)"."""
    restore_role_groups()
    day = closed_day()
    chairman = UserFactory(username="chair", roles=["chairman"])
    page = desk_context(browser, live_server.url, chairman, viewport=SMALL_DESK).new_page()
    page.goto(f"{live_server.url}/desk/round/{day.first.pk}/what-if/")

    empty = page.locator("td input[type=checkbox]:not(:checked)").first
    empty.check()
    page.locator("[data-recompute]").click()

    refusal = page.locator("[data-what-if-error]")
    expect(refusal).to_contain_text("untick one couple and tick another")
    expect(refusal).not_to_contain_text("0 on one couple")
    shot(page, "walk-what-if-refusal-1280", tmp_path, full_page=False)
    page.context.close()


def _component_event_without_allocations():
    event = EventFactory(
        name="Adult Standard (AJS)", scoring_method="components", component_allocation="fixed"
    )
    DanceFactory(event=event, name="Waltz", position=1)
    for i, (name, short) in enumerate(
        (("Technical quality", "TQ"), ("Movement to music", "MM")), 1
    ):
        CriterionFactory(
            event=event,
            name=name,
            short_name=short,
            position=i,
            weight=Decimal(1),
            min_score=Decimal(1),
            max_score=Decimal(10),
            step=Decimal("0.5"),
        )
    PanelSeatFactory(event=event, judge=JudgeFactory(competition=event.competition, letter="A"))
    RoundFactory(event=event, kind="final", position=1)
    return event


def test_a_component_event_fits_the_admin_and_says_what_no_judge_scores(
    browser, live_server, role_groups, organizer
):
    """At 1280 the criteria's row ran 600 pixels off the page; a fixed allocation with a
    component nobody scored saved silently and was refused only when the round opened."""
    event = _component_event_without_allocations()
    context, page = open_page(browser, width=1280, height=720)
    sign_in(context, live_server, organizer)

    page.goto(f"{live_server.url}/admin/competitions/event/{event.pk}/change/")
    expect(page.locator("#id_criteria-0-step")).to_be_visible()
    assert page_width(page) <= 1280
    page.locator("[name=_continue]").click()
    page.wait_for_load_state()

    warning = page.locator(".messagelist .warning")
    expect(warning).to_contain_text("cannot open as allocated yet")
    expect(warning).to_contain_text("no judge scores Technical quality in Waltz")
    expect(page.locator(".messagelist .success")).to_have_count(1)  # saved all the same
    assert page_width(page) <= 1280
    context.close()
