"""Issue 18 items 6 and 7 in real Chromium (pytest-django's live server, both backends):
the desk runs a day planned for weeks ahead and its day page follows the actual start
and says so; after a rehearsal stopped half way and resumed, the projector, a phone and
the desk's day page show the competition finished with its results.

Screenshots go to $PODIUM_SCREENSHOTS (else the test's tmp_path)."""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from adjudication.ops import simulation
from competitions.models import Round
from competitions.timetable import timetable_insert_break
from tests.browser.conftest import TIMEOUT_MS
from tests.day.helpers import build_programme
from tests.support.auth import restore_role_groups, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROJECTOR = {"width": 1920, "height": 1080}
DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def screens(browser, live_server, client, tmp_path):
    """``screens(viewport, desk=False)`` opens a page in a fresh context; with ``desk``
    signed in as a desk superuser (password and second factor)."""
    from django.contrib.auth import get_user_model

    restore_role_groups()  # a transactional test's flush empties them; simulate needs them
    contexts = []
    folder = Path(os.environ.get("PODIUM_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)

    def open_screen(viewport, *, desk=False):
        context = browser.new_context(viewport=viewport, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        if desk:
            user = get_user_model().objects.create_superuser(
                f"desk{len(contexts)}", "desk@example.org", None
            )
            sign_in_staff(client, user)
            session = client.cookies["sessionid"].value
            context.add_cookies(
                [{"name": "sessionid", "value": session, "url": live_server.url, "httpOnly": True}]
            )
        page = context.new_page()
        page.shot = lambda name: page.screenshot(path=str(folder / f"{name}.png"))
        return page

    open_screen.url = live_server.url
    yield open_screen
    for context in contexts:
        context.close()


def after(text: str, first: str) -> int:
    """Minutes from ``first`` to ``text`` (both "HH:MM"), through midnight if need be."""
    minutes = [int(t[:2]) * 60 + int(t[3:5]) for t in (text, first)]
    return (minutes[0] - minutes[1]) % (24 * 60)


def hhmm(moment: dt.datetime, competition) -> str:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(competition.timezone)).strftime("%H:%M")


def test_a_day_planned_weeks_ahead_run_today_follows_the_actual_start(screens):
    p = build_programme()  # planned for Saturday 6 March 2027, 09:00
    desk = screens(DESK, desk=True)
    desk.goto(f"{screens.url}/desk/{p.competition.slug}/day/")
    notice = desk.locator("[data-date-notice]")
    expect(notice).to_contain_text("Planned for Saturday 6 March 2027 at 09:00; today is")
    desk.shot("dayclock-desk-before-start-1366")

    desk.locator("[data-floor-action=next]").click()
    expect(desk.locator("[data-floor-phase]")).to_have_attribute("data-floor-phase", "dancing")
    started = timezone.now()

    expect(notice).to_contain_text("this day began on")
    heats = desk.locator("tr.timetable-on_floor ol.slots li")
    expect(heats).to_have_count(4)
    times = [text.split()[0] for text in heats.all_inner_texts()]
    # The heat on the floor at its actual start, the next ones two minutes apart after it.
    assert times[0] in {hhmm(started - dt.timedelta(seconds=s), p.competition) for s in (0, 60)}
    assert [after(t, times[0]) for t in times] == [0, 2, 4, 6]
    # Every line follows the one before it, from the actual start (not 09:00 in March).
    spans = desk.locator("table.timetable tbody tr td:nth-child(2)").all_inner_texts()
    starts = [after(span[:5], times[0]) for span in spans]
    assert starts == sorted(starts) and starts[-1] < 60, spans
    desk.shot("dayclock-desk-started-on-another-date-1366")

    projector = screens(PROJECTOR)
    projector.goto(f"{screens.url}/live/{p.competition.slug}/")
    expect(projector.locator(".live-now")).to_contain_text("Adult Latin – First round")
    next_lines = projector.locator(".live-next-line").all_inner_texts()
    assert next_lines and all(after(line[:5], times[0]) < 60 for line in next_lines), next_lines
    projector.shot("dayclock-projector-started-on-another-date-1920")


def test_after_a_rehearsal_stopped_and_resumed_every_screen_shows_it_finished(screens, monkeypatch):
    p = build_programme()
    slug = p.competition.slug
    timetable_insert_break(
        competition=p.competition, after_position=2, minutes=20, title="Tea", actor=None
    )
    projector = screens(PROJECTOR)
    projector.goto(f"{screens.url}/live/{slug}/")

    waited = []

    def interrupted(seconds):  # Ctrl-C during the fourth heat of a paced rehearsal
        waited.append(seconds)
        if len(waited) == 4:
            raise KeyboardInterrupt

    monkeypatch.setattr(simulation, "pause", interrupted)
    with pytest.raises(KeyboardInterrupt):
        call_command("simulate", slug, seed=4, pace="1", stdout=StringIO())
    projector.reload()
    expect(projector.locator(".live-now")).to_contain_text("On the floor")
    projector.shot("dayclock-projector-rehearsal-stopped-1920")

    call_command("simulate", slug, seed=4, stdout=StringIO())

    # The open projector follows (by polling: the live server has no websockets).
    expect(projector.locator(".live-finished")).to_have_text(
        f"{p.competition.name}: finished", timeout=20_000
    )
    expect(projector.locator(".live-now")).to_have_count(0)
    expect(projector.locator("[data-live-next]")).to_have_text(
        "Finished: every result is published"
    )
    # The latest results (up to three, newest first) are the projector's pages.
    published = min(3, Round.objects.filter(event__competition=p.competition).count())
    expect(projector.locator("[data-live-latest] .live-result")).to_have_count(published)
    assert projector.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    projector.shot("dayclock-projector-finished-1920")

    phone = screens(PHONE)
    phone.goto(f"{screens.url}/results/{slug}/")
    expect(phone.locator(".live-finished")).to_be_visible()
    expect(phone.get_by_text("Nothing on the floor right now")).to_have_count(0)
    expect(phone.locator(".live-now")).to_have_count(0)
    expect(phone.locator("[data-live-results] .live-result")).to_have_count(4)
    phone.shot("dayclock-phone-finished-390")

    desk = screens(DESK, desk=True)
    desk.goto(f"{screens.url}/desk/{slug}/day/")
    expect(desk.locator("[data-finished]")).to_contain_text("is finished")
    expect(desk.locator("[data-finished] h3")).to_have_text(
        ["Adult Latin", "Junior Waltz", "Pageant"]
    )
    expect(desk.locator("[data-floor-action]")).to_have_count(0)
    expect(desk.get_by_role("button", name="Start break")).to_have_count(0)
    desk.shot("dayclock-desk-finished-1366")
