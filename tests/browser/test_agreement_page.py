"""In real Chromium against the live server (either backend): the chairman's agreement
report at 1280×720, anonymous judges and a shadow judge flagged, nothing clipped, the
texts readable, and its CSV a click away."""

import pytest
from playwright.sync_api import expect

from tests.adjudication.agreement_day import judged_day
from tests.browser.desk_helpers import console_errors, desk_context, shot
from tests.browser.screens import assert_contrast, assert_nothing_clipped
from tests.factories.accounts import UserFactory
from tests.support.auth import restore_role_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_DESK = {"width": 1280, "height": 720}


def test_the_agreement_report_reads_on_a_small_desk_screen(browser, live_server, tmp_path):
    restore_role_groups()
    day = judged_day()
    chairman = UserFactory(username="chair", roles=["chairman"])
    context = desk_context(browser, live_server.url, chairman, viewport=SMALL_DESK)
    page = context.new_page()
    errors = console_errors(page)

    page.goto(f"{live_server.url}/desk/{day.competition.slug}/agreement/")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Judges' agreement")
    expect(page.locator("table.agreement")).to_have_count(2)
    expect(page.locator("tr.shadow")).to_have_count(1 + 3)  # recalls, then 2 dances + overall
    expect(page.locator("tr.shadow").first).to_contain_text("Shadow, not counted")
    expect(page.get_by_text("Sam Shadow")).to_have_count(0)
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    assert_nothing_clipped(page)
    assert_contrast(page)
    shot(page, "desk-agreement-1280x720", tmp_path, full_page=False)
    shot(page, "desk-agreement-1280x720-whole", tmp_path)
    assert [e for e in errors if "WebSocket" not in e] == []
    context.close()
