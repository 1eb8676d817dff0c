"""The countdown on an open sheet page (static/podium/countdown.js) is re-armed by
tablet.js from each snapshot of the tablet (floor.timer, server_time), in real Chromium:
the scoring window once the dance is danced, the next heat's performance window on the
same sheet, none once the floor has moved on; what the judge typed stays. The socket
itself is tested against a real ASGI server in tests/browser/test_live_day.py."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.adjudication.day import build_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def apply_floor_timer(page, sheet_url: str, timer: dict | None, server_time: str) -> None:
    """The tablet's real snapshot, with the sheet on the floor and its window's timer."""
    page.evaluate(
        """([url, timer, serverTime]) => fetch("/tablet/state.json", {credentials: "same-origin"})
            .then(r => r.json())
            .then(state => {
                state.floor = {sheet_url: url, timer: timer};
                state.server_time = serverTime;
                window.podiumTablet.apply(state);
            })""",
        [sheet_url, timer, server_time],
    )


def test_each_snapshot_re_arms_the_sheet_s_countdown_and_leaves_the_marks(tablet):
    day = build_day()
    samba, rumba = day.dances
    sheet = f"/tablet/round/{day.first.pk}/d{samba.pk}/"
    tablet.sign_in(day.judges[0])
    page = tablet.page
    page.goto(tablet.url(sheet))
    timer = page.locator(".tablet-timer")
    expect(timer).to_be_hidden()  # nothing on the floor when the page was made
    entry = day.entries()[0]
    page.locator(f'label.bib-tile:has(input[value="{entry.pk}"])').click()
    page.evaluate("() => { window.notReloaded = true; }")
    now = dt.datetime.now(dt.UTC)
    server_time = now.isoformat()

    def window(label: str, seconds: int) -> dict:
        return {"label": label, "deadline": (now + dt.timedelta(seconds=seconds)).isoformat()}

    apply_floor_timer(page, sheet, window("Performance", 75), server_time)
    expect(timer).to_contain_text("Performance: 1:1")

    apply_floor_timer(page, sheet, window("Scoring time", -5), server_time)
    expect(timer).to_have_text("Scoring time is up: send your sheet now")

    apply_floor_timer(page, sheet, window("Performance", 85), server_time)  # heat 2
    expect(timer).to_contain_text("Performance: 1:2")
    expect(timer).not_to_have_class(re.compile(r"\btimer-over\b"))

    rumba_sheet = f"/tablet/round/{day.first.pk}/d{rumba.pk}/"
    apply_floor_timer(page, rumba_sheet, window("Performance", 85), server_time)
    expect(timer).to_be_hidden()  # the floor moved on: not this sheet's window

    assert page.evaluate("() => window.notReloaded === true")
    expect(page.locator(f'input[name="cross"][value="{entry.pk}"]')).to_be_checked()
