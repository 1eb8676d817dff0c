"""In real Chromium at a phone's size (390x844): the audience's results page
(/results/<slug>/) and every event's marks-sheet page it links to, mid-day and at the
end. Every text and link reads at WCAG AA (4.5:1), names wrap rather than being cut,
nothing is wider than the phone, and the marks sheets keep the results page's look."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.screens import assert_contrast, assert_nothing_clipped, screenshot
from tests.browser.screens_day import demo_finished, demo_mid_day
from tests.support.auth import restore_role_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SCENES = {"mid_day": demo_mid_day, "finished": demo_finished}


def _look(page) -> tuple[str, str]:
    """The page's background and text colours, as the eye sees the page as a whole."""
    return page.evaluate(
        "() => { const s = getComputedStyle(document.body); return [s.backgroundColor, s.color]; }"
    )


@pytest.mark.parametrize("scene", SCENES)
def test_the_phone_pages_are_readable_uncut_and_look_alike(
    browser, live_server, role_groups, scene, tmp_path
):
    restore_role_groups()
    competition = SCENES[scene]()
    context = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = context.new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else None)
    shots = tmp_path / "shots"
    try:
        page.goto(f"{live_server.url}/results/{competition.slug}/")
        expect(page.locator(".live-sheets a").first).to_be_visible()
        screenshot(page, shots, f"phone-{scene}-results", full_page=True)
        assert_nothing_clipped(page, projector=False)
        assert_contrast(page, minimum=4.5)
        look = _look(page)
        assert look[0] != "rgba(0, 0, 0, 0)"

        links = page.locator(".live-sheets a")
        names = links.all_inner_texts()
        assert len(names) == 4  # the demo's four events
        for number, name in enumerate(names):
            page.locator(".live-sheets a", has_text=name).click()
            expect(page.locator("h1")).to_have_text(name)
            screenshot(page, shots, f"phone-{scene}-sheets-{number}", full_page=True)
            assert_nothing_clipped(page, projector=False)
            assert_contrast(page, minimum=4.5)
            assert _look(page) == look, f"the marks sheets of {name} change the look"
            page.go_back()
        assert csp == []
    finally:
        context.close()
