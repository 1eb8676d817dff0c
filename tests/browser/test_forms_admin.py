"""The competition's change page fits a 1366-pixel screen, judges and all."""

import pytest

from tests.browser.forms_helpers import open_page, page_width, shot, sign_in
from tests.factories.competitions import EventFactory, JudgeFactory, StatusChangeFactory

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
