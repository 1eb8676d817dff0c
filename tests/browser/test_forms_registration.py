"""The registration form on a phone (390x844): the fields follow the kind chosen, every
problem shows at once in a summary and beside its field, and nothing is wider than the
screen."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from competitions.models import Competitor
from tests.browser.forms_helpers import open_page, page_width, shot
from tests.competitions.registration_helpers import open_competition, skating_event
from tests.factories.competitions import EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_registration_form_on_a_phone(browser, live_server):
    competition, link = open_competition(name="Spring Open")
    skating_event(competition, name="Adult Latin")
    EventFactory(competition=competition, name="Solo Jazz", entry_kind="solo")
    context, page = open_page(browser, width=390, height=844, mobile=True)
    page.goto(live_server.url + reverse("competitions:register", args=[link.token]))

    partner = page.locator("#id_partner_name")
    members = page.locator("#id_members")
    group_offered = page.locator('input[name="kind"][value="group"]').count()
    couple_shows_partner = partner.is_visible()
    page.check('input[name="kind"][value="solo"]')
    solo_hides_partner = partner.is_hidden() and members.is_hidden()
    shot(page, "forms-registration-390-empty")
    page.check('input[name="kind"][value="couple"]')
    page.fill("#id_name", "R2-D2")
    page.fill("#id_country", "g1")
    page.get_by_role("button", name="Register").click()
    page.wait_for_selector("#error-summary")
    summary = page.locator("#error-summary li").all_inner_texts()
    beside = page.locator(".field-error").count()
    focused = page.evaluate("() => document.activeElement.id")
    width = page_width(page)
    shot(page, "forms-registration-390-errors")
    context.close()

    assert group_offered == 0
    assert couple_shows_partner and solo_hides_partner
    assert len(summary) == 5, summary  # name, partner, country, email, events
    assert beside == 5
    assert focused == "error-summary"
    assert width <= 390
    assert not Competitor.objects.exists()


def test_not_open_page_on_a_phone(browser, live_server):
    competition, link = open_competition(name="Autumn Cup")
    competition.registration_opens_at -= dt.timedelta(days=3)
    competition.registration_closes_at = timezone.now() - dt.timedelta(hours=1)
    competition.save(update_fields=["registration_opens_at", "registration_closes_at"])
    context, page = open_page(browser, width=390, height=844, mobile=True)

    page.goto(live_server.url + reverse("competitions:register", args=[link.token]))
    heading = page.locator("h2").inner_text()
    forms = page.locator("form").count()
    shot(page, "forms-registration-390-closed")
    context.close()

    assert heading == "Registration is closed"
    assert forms == 0
