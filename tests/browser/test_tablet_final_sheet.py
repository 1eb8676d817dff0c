"""The tablet's final sheet (issue 18, item 13), in real Chromium on a tablet held
upright (820x1180) against the live server: a counter of the places left, Send only
for a complete sheet with the reason beside it, the server's own check kept, and a
correction's reason in a full-width field of several rows with its label."""

import pytest
from playwright.sync_api import expect

from adjudication.models import Sheet
from adjudication.services import round_close, round_entries
from tests.adjudication.day import all_recall_sheets, build_day, open_final
from tests.browser.conftest import TIMEOUT_MS, Tablet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UPRIGHT = {"width": 820, "height": 1180}


@pytest.fixture
def upright(browser, live_server, role_groups, tmp_path):
    context = browser.new_context(viewport=UPRIGHT, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    yield Tablet(context, live_server, tmp_path / "screenshots")
    context.close()


def shown_order(page) -> list[str]:
    return page.locator("tr[data-couple]").evaluate_all(
        "rows => rows.map(r => r.getAttribute('data-couple'))"
    )


def place_tile(page, couple: str, place: int):
    return page.locator(f'tr[data-couple="{couple}"] label.place-tile').nth(place - 1)


def post_sheet_without(page, couple_entry_id: int) -> dict:
    """The sheet's form as it stands, less one couple's place, posted as tablet.js posts."""
    return page.evaluate(
        """entryId => {
            const form = document.querySelector("form[data-sheet]");
            const data = new URLSearchParams(new FormData(form));
            data.delete("place-" + entryId);
            return fetch(form.action || location.href, {
                method: "POST", body: data, credentials: "same-origin",
                headers: {
                    "Accept": "application/json",
                    "X-CSRFToken": data.get("csrfmiddlewaretoken"),
                },
            }).then(r => r.json().then(body => ({status: r.status, body})));
        }""",
        couple_entry_id,
    )


def test_the_final_sheet_counts_the_places_left_and_sends_only_when_complete(upright):
    day = build_day()
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    open_final(day)
    samba = day.dances[0]
    finalists = {str(e.competitor.bib): e for e in round_entries(day.final) if not e.withdrawn}
    assert len(finalists) == 6
    upright.sign_in(day.judges[0])
    upright.open_sheet(day.final, f"d{samba.pk}")
    page = upright.page
    counter = page.locator("[data-counter]")
    send = page.locator("[data-submit]")
    why = page.locator("[data-send-why]")

    expect(counter).to_have_text("6 places left to give (0 of 6 couples placed)")
    expect(send).to_be_disabled()
    expect(why).to_be_visible()
    expect(why).to_have_text("Send is possible once every couple has a place: 6 still without one.")

    order = shown_order(page)
    for place, couple in enumerate(order[:5], 1):
        place_tile(page, couple, place).click()
    expect(counter).to_have_text("1 place left to give (5 of 6 couples placed)")
    expect(send).to_be_disabled()
    expect(why).to_contain_text("1 still without one")
    upright.shot("final-one-place-left")

    # The server still refuses a part-filled sheet, whatever the page allows.
    refused = post_sheet_without(page, finalists[order[0]].pk)
    assert refused["status"] == 400
    assert refused["body"]["code"] == "invalid"
    assert not Sheet.objects.filter(round=day.final).exists()

    place_tile(page, order[5], 6).click()
    expect(counter).to_have_text("All 6 couples placed: ready to send")
    expect(send).to_be_enabled()
    expect(why).to_be_hidden()
    upright.shot("final-complete")

    place_tile(page, order[5], 1).click()  # place 1 moves: the first couple has none now
    expect(counter).to_have_text("1 place left to give (5 of 6 couples placed)")
    expect(send).to_be_disabled()
    place_tile(page, order[0], 6).click()
    expect(send).to_be_enabled()
    send.click()

    page.wait_for_url(f"**/tablet/round/{day.final.pk}/d{samba.pk}/sent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("✓ Received by the desk")
    assert Sheet.objects.get(round=day.final).marks.count() == 6


def test_a_correction_asks_its_reason_in_a_full_width_field(upright):
    day = build_day()
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    open_final(day)
    samba = day.dances[0]
    upright.sign_in(day.judges[0])
    upright.open_sheet(day.final, f"d{samba.pk}")
    page = upright.page
    for place, couple in enumerate(shown_order(page), 1):
        place_tile(page, couple, place).click()
    page.locator("[data-submit]").click()
    page.wait_for_url("**/sent/")
    page.get_by_role("link", name="Change this sheet").click()
    page.wait_for_url(f"**/tablet/round/{day.final.pk}/d{samba.pk}/")

    reason = page.get_by_label("Why are you changing this sheet?")
    expect(reason).to_be_visible()
    assert reason.evaluate("node => node.tagName") == "TEXTAREA"
    assert int(reason.get_attribute("rows")) >= 3
    form_box = page.locator("form[data-sheet]").bounding_box()
    box = reason.bounding_box()
    assert box["width"] >= 0.95 * form_box["width"]
    assert box["height"] >= 100  # several lines of the tablet's type, not one
    expect(page.locator("[data-counter]")).to_have_text("All 6 couples placed: ready to send")
    reason.fill("Couples 3 and 4 the wrong way round")
    upright.shot("final-correction-reason")
    page.locator("[data-submit]").click()

    page.wait_for_url("**/sent/")
    assert Sheet.objects.get(round=day.final).version == 2
