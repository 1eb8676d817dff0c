"""The admin at 1366x768: the competition's change page fits, judges and all; closing
registration asks first, then says what it did."""

import pytest

from tests.browser.forms_helpers import open_page, page_width, shot, sign_in
from tests.competitions.registration_helpers import open_competition, skating_event
from tests.factories.competitions import (
    EntryFactory,
    EventFactory,
    JudgeFactory,
    StatusChangeFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_competition_change_page_fits_1366(browser, live_server, role_groups, organizer):
    event = EventFactory(name="Adult Latin Open Championship", entry_limit=48)
    competition = event.competition
    for n in range(4):
        JudgeFactory(
            competition=competition,
            name=f"Adjudicator Number {n} With A Long Name",
            email=f"adjudicator.number.{n}@example-federation.org",
            phone="+44 20 7946 0000",
            country="GB",
        )
    StatusChangeFactory(competition=competition, note="opened for the spring season")
    context, page = open_page(browser, width=1366, height=768)
    sign_in(context, live_server, organizer)

    page.goto(f"{live_server.url}/admin/competitions/competition/{competition.pk}/change/")
    width = page_width(page)
    shot(page, "forms-admin-competition-1366")
    context.close()

    assert page.url.endswith("/change/")
    assert width <= 1366


def test_close_registration_asks_first_then_reports(browser, live_server, role_groups, organizer):
    competition, _ = open_competition(name="Spring Open", bib_start=101)
    event = skating_event(competition, name="Adult Latin")
    for n in range(3):
        EntryFactory(event=event, competitor__bib=None, competitor__name=f"Leader {'ABC'[n]}")
    context, page = open_page(browser, width=1366, height=768)
    sign_in(context, live_server, organizer)

    page.goto(f"{live_server.url}/admin/competitions/competition/")
    page.check(f'input[name="_selected_action"][value="{competition.pk}"]')
    page.select_option('select[name="action"]', "close_registration")
    page.click('button[name="index"]')
    page.wait_for_selector(".action-summary")
    summary = page.locator(".action-summary").inner_text()
    width = page_width(page)
    shot(page, "forms-admin-close-confirm-1366")
    page.get_by_role("button", name="Yes, close registration").click()
    page.wait_for_selector(".messagelist")
    reported = page.locator(".messagelist").inner_text()
    shot(page, "forms-admin-close-done-1366")
    context.close()

    assert "3 competitors numbered 101–103, 1 event drawn into 1 heat." in summary
    assert width <= 1366
    assert "Registration of Spring Open closed: 3 competitors numbered 101–103" in reported
