"""A judge's receipt in real Chromium: after the round closes the judge finds it on the
tablet held upright (820×1180), saves it as a PDF, and anyone checks its code on a phone
(390×844) at /verify/: the code matches, the same code with one character changed does
not, and nothing is wider than the screen."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from adjudication.models import Receipt
from tests.browser.desk_helpers import PHONE, shot
from tests.receipts.helpers import closed_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UPRIGHT = {"width": 820, "height": 1180}


def _no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_a_judge_saves_a_receipt_and_a_phone_checks_it(tablet, browser, live_server, tmp_path):
    day = closed_day()
    receipt = Receipt.objects.get(round=day.first, judge=day.judges[0], superseded_at=None)
    page = tablet.page
    page.set_viewport_size(UPRIGHT)
    tablet.sign_in(day.judges[0])

    page.locator("[data-receipts-link]").click()
    page.wait_for_url("**/tablet/receipts/")
    code = page.locator("[data-receipt-code]")
    expect(code).to_have_text(receipt.code)
    assert code.bounding_box()["height"] >= 30  # large enough to photograph
    assert _no_sideways_scroll(page)
    tablet.shot("receipts-tablet-820")
    with page.expect_download() as saving:
        page.locator("[data-receipt-pdf]").click()
    saved = saving.value
    assert saved.suggested_filename == f"receipt-{receipt.code}.pdf"
    assert Path(saved.path()).read_bytes()[:4] == b"%PDF"

    phone = browser.new_context(viewport=PHONE, locale="en-GB").new_page()
    phone.goto(live_server.url + "/verify/")
    phone.fill("#receipt-code", receipt.code.lower())
    phone.get_by_role("button", name="Check").click()
    expect(phone.locator("[data-receipt-status]")).to_have_attribute(
        "data-receipt-status", "matches"
    )
    expect(phone.get_by_role("heading", level=2)).to_have_text("✔ Matches")
    assert _no_sideways_scroll(phone)
    shot(phone, "verify-phone-390-matches", tmp_path)

    changed = ("B" if receipt.code[0] == "A" else "A") + receipt.code[1:]
    phone.fill("#receipt-code", changed)
    phone.get_by_role("button", name="Check").click()
    expect(phone.get_by_role("heading", level=2)).to_have_text("✘ Does not match")
    assert _no_sideways_scroll(phone)
    shot(phone, "verify-phone-390-no-match", tmp_path)
