"""In real Chromium on a 1280x720 desk: the chairman opens a closed final's what-if from
its round page, changes judge B's Samba places of two couples and recomputes; the two
places that would change are marked in words and symbols, and nothing was stored."""

import pytest
from playwright.sync_api import expect

from adjudication.models import Placing
from tests.adjudication.what_if_helpers import closed_final
from tests.browser.desk_helpers import console_errors, desk_context, shot
from tests.factories.accounts import UserFactory
from tests.support.auth import restore_role_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREEN = {"width": 1280, "height": 720}


def test_the_chairman_changes_two_places_and_sees_them_swap(browser, live_server, tmp_path):
    restore_role_groups()
    day, bibs = closed_final()
    stored = list(Placing.objects.filter(round=day.final).values_list("entry_id", "place"))
    context = desk_context(
        browser, live_server.url, UserFactory(username="chair", roles=["chairman"]), SCREEN
    )
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{live_server.url}/desk/round/{day.final.pk}/")

    page.locator("[data-what-if-link]").click()
    page.get_by_label(f"judge B, Samba, couple {bibs[1]}").fill("3")
    page.get_by_label(f"judge B, Samba, couple {bibs[2]}").fill("2")
    page.locator("[data-recompute]").click()

    result = page.locator("[data-what-if-result]")
    expect(result.locator(".what-if-summary")).to_contain_text("2 places would change")
    expect(result.locator(f'tr[data-couple="{bibs[2]}"]')).to_contain_text("⚠ changed ▲ up")
    expect(result.locator(f'tr[data-couple="{bibs[1]}"]')).to_contain_text("⚠ changed ▼ down")
    expect(result.locator(f'tr[data-couple="{bibs[2]}"]')).to_contain_text("rule 5")
    expect(page.locator("td.changed")).to_have_count(2)
    expect(page.locator("#make-it-so")).to_contain_text("Unlock judge B's Samba sheet")
    shot(page, "what-if-final-1280", tmp_path)
    assert [e for e in errors if "WebSocket" not in e and "/ws/desk/" not in e] == []
    assert stored == list(Placing.objects.filter(round=day.final).values_list("entry_id", "place"))
    context.close()
