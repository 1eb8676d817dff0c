"""The tablet follows the floor (static/podium/tablet.js) in real Chromium, served by
pytest-django's live server, which has no websockets: so these are the polling fallback
(/tablet/state.json) and the tablet's own choices on a snapshot. The websocket itself is
tested against a real ASGI server in tests/browser/test_live_tablet.py."""

import pytest
from playwright.sync_api import expect

from adjudication.services import round_close
from tests.adjudication.day import all_recall_sheets, build_day, open_final

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def apply_with_floor(page, sheet_url: str) -> None:
    """The tablet's real snapshot, plus what the floor says the judge should fill now."""
    page.evaluate(
        """url => fetch("/tablet/state.json", {credentials: "same-origin"})
            .then(r => r.json())
            .then(state => {
                state.floor = {sheet_url: url};
                window.podiumTablet.apply(state);
            })""",
        sheet_url,
    )


def test_without_a_socket_the_home_page_polls_and_shows_the_round_the_desk_opens(tablet):
    day = build_day()
    all_recall_sheets(day)
    round_close(round=day.first, actor=None, seed=3)
    tablet.sign_in(day.judges[0])
    page = tablet.page
    expect(page.locator("body")).to_have_attribute("data-live", "polling")
    page.evaluate("() => { window.notReloaded = true; }")

    open_final(day)

    final = page.locator("[data-sheets] section", has_text="Adult Latin · Final")
    expect(final.locator(".part .state")).to_have_text(["to mark", "to mark"])
    assert page.evaluate("() => window.notReloaded === true")


def test_the_tablet_goes_to_the_sheet_on_the_floor_but_never_leaves_typed_marks(tablet):
    day = build_day()
    samba, rumba = day.dances
    samba_url = f"/tablet/round/{day.first.pk}/d{samba.pk}/"
    rumba_url = f"/tablet/round/{day.first.pk}/d{rumba.pk}/"
    tablet.sign_in(day.judges[0])
    page = tablet.page

    apply_with_floor(page, samba_url)  # on the home page: it goes there

    page.wait_for_url(f"**{samba_url}")
    entry = day.entries()[0]
    page.locator(f'label.bib-tile:has(input[value="{entry.pk}"])').click()
    apply_with_floor(page, rumba_url)  # a mark typed: it stays and says what is next

    notice = page.locator("[data-live-notice]")
    expect(notice).to_contain_text("Next on the floor")
    expect(notice.get_by_role("link")).to_have_attribute("href", rumba_url)
    assert page.url.endswith(samba_url)
    expect(page.locator(f'input[name="cross"][value="{entry.pk}"]')).to_be_checked()

    page.get_by_role("link", name="← Your sheets").click()
    page.wait_for_url("**/tablet/home/")
    apply_with_floor(page, samba_url)  # followed once already: the judge chose to leave
    page.wait_for_timeout(500)
    assert page.url.endswith("/tablet/home/")
