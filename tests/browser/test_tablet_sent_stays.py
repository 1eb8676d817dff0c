"""A sheet the judge has sent stays sent (issue 18, item 2), in real Chromium on a tablet
held upright (820x1180) against the live server: the tablet keeps its confirmation
while the dance is still on the floor, lists the sheet as sent, and moves on only to a
sheet still to fill. The live server has no websockets, so the tablet follows by
polling /tablet/state.json, the same snapshot the socket sends."""

import pytest
from playwright.sync_api import expect

from adjudication.day.floor import floor_move
from tests.adjudication.day import build_day
from tests.browser.conftest import TIMEOUT_MS, Tablet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UPRIGHT = {"width": 820, "height": 1180}


@pytest.fixture
def upright(browser, live_server, role_groups, tmp_path):
    context = browser.new_context(viewport=UPRIGHT, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    yield Tablet(context, live_server, tmp_path / "screenshots")
    context.close()


def apply_state(page, sheet_url: str | None = None) -> dict:
    """The tablet's real snapshot, applied as a push would be; with ``sheet_url``, the
    floor names that sheet whatever its state (as the server did before the fix)."""
    return page.evaluate(
        """url => fetch("/tablet/state.json", {credentials: "same-origin"})
            .then(r => r.json())
            .then(state => {
                if (url) state.floor.sheet_url = url;
                window.podiumTablet.apply(state);
                return state;
            })""",
        sheet_url,
    )


def send_recall(tablet, day, dance) -> None:
    page = tablet.page
    for entry in day.entries()[: day.first.recall_count]:
        page.locator(f'label.bib-tile:has(input[value="{entry.pk}"])').click()
    page.locator("[data-submit]").click()
    page.wait_for_url(f"**/tablet/round/{day.first.pk}/d{dance.pk}/sent/")


def start(day, dance) -> None:
    floor_move(
        competition=day.competition,
        action="start",
        actor=None,
        round_id=day.first.pk,
        dance_id=dance.pk,
        heat_number=1,
    )


def test_a_sheet_sent_while_its_dance_is_on_the_floor_keeps_its_confirmation(upright):
    day = build_day()
    samba, rumba = day.dances
    samba_sheet = f"/tablet/round/{day.first.pk}/d{samba.pk}/"
    start(day, samba)
    upright.sign_in(day.judges[0])
    page = upright.page
    page.wait_for_url(f"**{samba_sheet}")  # the home page goes to the sheet on the floor

    send_recall(upright, day, samba)
    state = apply_state(page)  # what the next push brings while Samba is still danced

    assert state["floor"]["sheet_state"] == "sent"
    assert state["floor"]["sheet_url"] is None
    assert state["floor"]["timer"] is None
    page.wait_for_timeout(3_000)  # and the polling fallback's first poll (after 2 s)
    assert page.url.endswith(f"{samba_sheet}sent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("✓ Received by the desk")
    expect(page.locator("[data-live-notice]")).to_be_hidden()
    upright.shot("sent-stays-while-on-the-floor")

    page.get_by_role("link", name="Your sheets").click()
    page.wait_for_url("**/tablet/home/")
    sent = page.locator(f'a[data-part="{day.first.pk}-d{samba.pk}"]')
    expect(sent.locator(".state")).to_have_text("sent")
    page.wait_for_timeout(2_500)
    assert page.url.endswith("/tablet/home/")  # not taken back to the sheet sent
    upright.shot("home-lists-the-sheet-as-sent")

    floor_move(competition=day.competition, action="danced", actor=None)
    start(day, rumba)  # the floor moves on: a sheet still to fill, so the tablet goes
    page.wait_for_url(f"**/tablet/round/{day.first.pk}/d{rumba.pk}/")
    expect(page.locator(".tablet-timer")).to_be_hidden()  # the day has no windows set


def test_a_confirmation_is_never_left_for_a_sheet_already_sent(upright):
    """The judge opened the sheets from the list (the tablet followed nothing): even a
    snapshot naming a sent sheet on the floor (as the server's did) leaves the
    confirmation, of that sheet or another, where it is."""
    day = build_day()
    samba, rumba = day.dances
    samba_sheet = f"/tablet/round/{day.first.pk}/d{samba.pk}/"
    upright.sign_in(day.judges[0])
    page = upright.page
    upright.open_sheet(day.first, f"d{samba.pk}")
    start(day, samba)
    send_recall(upright, day, samba)

    apply_state(page, samba_sheet)
    page.wait_for_timeout(1_000)
    assert page.url.endswith(f"{samba_sheet}sent/")

    page.goto(upright.url(f"/tablet/round/{day.first.pk}/d{rumba.pk}/"))
    send_recall(upright, day, rumba)
    state = apply_state(page, samba_sheet)

    assert [p["state"] for p in state["rounds"][0]["parts"]] == ["sent", "sent"]
    page.wait_for_timeout(1_000)
    assert page.url.endswith(f"/tablet/round/{day.first.pk}/d{rumba.pk}/sent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("✓ Received by the desk")
    upright.shot("confirmation-kept")

    page.goto(upright.url("/tablet/home/"))  # nor the home page
    apply_state(page, samba_sheet)
    page.wait_for_timeout(1_000)
    assert page.url.endswith("/tablet/home/")
