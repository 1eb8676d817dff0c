"""A whole rehearsed day in real Chromium, on whichever backend the environment sets up
(the embedded default, or PostgreSQL and Redis): the demo's Adult Latin Open from its
first round to its final, as the people in the hall live it.

The projector (1920x1080) and a phone (390x844) follow the results; the scrutineer
signs in at the desk (1366x768) with a password and a backup code, issues judge A's
tablet code, and the tablet (820x1180) signs in at the address the desk's QR carries
(the hall's, ``podium-hall.test``). Judge A fills and sends every sheet in the browser;
judges B to G send theirs through the service, as their tablets would. The desk opens,
closes and publishes each round with its buttons; its pages, the projector and the phone
follow without a reload, to the winner's number and name. Every step is photographed
into $PODIUM_SCREENSHOTS or test-artifacts/whole-day/<backend>/; the projector is
checked for clipping and both audience screens for 4.5:1 contrast at each one.

One event rather than the whole demo: its three rounds take the walk through every kind
of step (recall sheets of two heats, a final's places), and the whole demo would take
well over three minutes of browser time on a loaded machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import connection
from playwright.sync_api import expect

from accounts.models import User
from adjudication.services import SheetInput, round_entries, sheet_submit
from competitions.demo import demo_create
from competitions.models import Judge, Round
from leaderboard.broadcast import relays
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.screens import assert_contrast, assert_nothing_clipped, screenshot
from tests.browser.servers import ROOT
from tests.leaderboard.helpers import quiet
from tests.support.auth import restore_role_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HALL = "podium-hall.test"
PROJECTOR = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 768}
TABLET = {"width": 820, "height": 1180}
EVENT = "Adult Latin Open"
WAIT = 20_000  # ms: what a loaded, shared machine may need to show a pushed change


@pytest.fixture
def server_env(server_env):
    """The server answers at the hall's address too, as ``make run`` does on its network."""
    return {**server_env, "ALLOWED_HOSTS": f"{HALL},127.0.0.1,localhost"}


@pytest.fixture
def hall(asgi_server, role_groups, monkeypatch):
    """Chromium, resolving the hall's name to the test's ASGI server; the hall's base URL."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps a loop running in this thread: Django would take it
    # for an async context and refuse the ORM calls the test makes between steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HALL} 127.0.0.1"],
        )
        expect.set_options(timeout=WAIT)
        yield chromium, f"http://{HALL}:{asgi_server}"
        chromium.close()


class Day:
    """The day's screens and where their photographs go."""

    def __init__(self, chromium, base: str):
        self.chromium, self.base = chromium, base
        backend = "postgresql" if connection.vendor == "postgresql" else "embedded"
        default = ROOT / "test-artifacts" / "whole-day"
        self.shots = Path(os.environ.get("PODIUM_SCREENSHOTS") or default) / backend
        self.step = 0

    def open(self, viewport: dict, path: str, **options):
        context = self.chromium.new_context(viewport=viewport, locale="en-GB", **options)
        context.set_default_timeout(WAIT)
        page = context.new_page()
        if path:
            page.goto(self.base + path)
        return page

    def shot(self, page, name: str, *, full_page: bool = False) -> None:
        """What the screen shows (the viewport); ``full_page`` for a phone's scroll."""
        self.step += 1
        with pytest.MonkeyPatch.context() as patch:  # screenshot() prefers the variable
            patch.delenv("PODIUM_SCREENSHOTS", raising=False)
            screenshot(page, self.shots, f"{self.step:02d}-{name}", full_page=full_page)

    def audience(self, projector, phone, moment: str) -> None:
        """Both audience screens photographed and checked: on the projector nothing cut
        off, and every text on either at 4.5:1 or better."""
        self.shot(projector, f"projector-{moment}")
        self.shot(phone, f"phone-{moment}", full_page=True)
        assert_nothing_clipped(projector, projector=True)
        assert_contrast(projector, minimum=4.5)
        assert_contrast(phone, minimum=4.5)
        assert_nothing_clipped(phone, projector=False)


def not_reloaded(*pages) -> None:
    for page in pages:
        page.evaluate("() => { window.notReloaded = true; }")


def still_the_same_page(*pages) -> None:
    for page in pages:
        assert page.evaluate("() => window.notReloaded === true"), f"{page.url} reloaded"


def sign_in_the_desk(day: Day, backup_code: str):
    """The scrutineer at the desk: password, then one of the demo's backup codes."""
    # The tests hash with MD5 for speed; the server knows only the production hashers.
    user = User.objects.get(username="scrutineer")
    user.password = make_password("demo-scrutineer", hasher=PBKDF2PasswordHasher())
    user.save(update_fields=["password"])
    desk = day.open(DESK, "/desk/demo/")
    desk.fill("#id_username", "scrutineer")
    desk.fill("#id_password", "demo-scrutineer")
    desk.locator("input[type=submit]").click()
    desk.fill("#id_token", backup_code)
    day.shot(desk, "desk-second-factor")
    desk.locator("#two-factor-form input[type=submit]").click()
    desk.wait_for_url("**/desk/demo/")
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Podium Demo Open")
    return desk


def sign_in_the_tablet(day: Day, desk, judge: Judge):
    """The desk issues the judge's code; the tablet opens the QR's address, as a scan
    would, and the judge taps Sign in."""
    row = desk.locator("tr", has_text=judge.name)
    row.get_by_role("button", name="New code / QR").click()
    expect(desk.locator(".qr svg")).to_be_visible()
    address = desk.locator("p.muted", has_text="/tablet/sign-in/").inner_text().strip()
    assert address.startswith(f"{day.base}/tablet/sign-in/demo/{judge.letter}/?code=")
    day.shot(desk, "desk-tablet-qr")

    tablet = day.open(TABLET, "", has_touch=True)
    tablet.goto(address)
    expect(tablet.locator("#letter")).to_have_value(judge.letter)
    expect(tablet.locator("#code")).not_to_have_value("")
    day.shot(tablet, "tablet-sign-in")
    tablet.get_by_role("button", name="Sign in").click()
    tablet.wait_for_url("**/tablet/home/")
    expect(tablet.locator("body")).to_have_attribute("data-live", "socket")
    desk.get_by_role("link", name="← back to the desk").click()
    expect(desk.locator("tr", has_text=judge.name)).to_contain_text("since ")
    return tablet


def others_send(round_: Round, dance, judges: list[Judge], marks: dict[int, int]) -> None:
    """The other judges' sheets for one dance, through the service as their tablets'
    requests would go; each is announced to the screens."""
    round_.refresh_from_db()
    for judge in judges:
        sheet_submit(
            data=SheetInput(
                round_id=round_.pk,
                judge_id=judge.pk,
                dance_id=dance.pk,
                marks=marks,
                client_key=f"whole-day-{judge.letter}-{round_.pk}-{dance.pk}",
                base_version=0,
                round_revision=round_.revision,
            ),
            actor=None,
        )
    relays.drain_background()


def fill_on_the_tablet(tablet, round_: Round, entries, recalled: int) -> None:
    """Judge A's sheet as a judge fills it: the recalled couples ticked, or each
    finalist given the place of their order (1 for the first)."""
    if round_.kind == "final":
        for place, entry in enumerate(entries, start=1):
            tablet.locator(
                f'label.place-tile:has(input[name="place-{entry.pk}"][value="{place}"])'
            ).click()
    else:
        for entry in entries[:recalled]:
            tablet.locator(f'label.bib-tile:has(input[value="{entry.pk}"])').click()
        expect(tablet.locator("[data-counter]")).to_have_text(
            f"All {recalled} marked: ready to send"
        )


class Screens:
    """The day's open pages: the audience's two, the desk's two tabs, the tablet."""

    def __init__(self, day: Day, projector, phone, desk, desk_round, tablet):
        self.day, self.projector, self.phone = day, projector, phone
        self.desk, self.desk_round, self.tablet = desk, desk_round, tablet

    def desk_round_shows(self, index: int, letters: str) -> None:
        """The desk's round page shows the sheets in, without a reload."""
        row = self.desk_round.locator("table.progress tbody tr").nth(index)
        expect(row.locator("td").nth(1)).to_have_text(letters)
        still_the_same_page(self.desk_round)


def open_the_round(screens: Screens, round_: Round) -> None:
    """The desk opens the round from its round page; the judge's home page shows its
    sheets to mark without a reload."""
    desk_round, tablet = screens.desk_round, screens.tablet
    desk_round.goto(screens.day.base + "/desk/demo/")
    desk_round.get_by_role("link", name=f"{EVENT} · {round_.get_kind_display()}").click()
    desk_round.wait_for_url(f"**/desk/round/{round_.pk}/")
    not_reloaded(tablet)
    desk_round.get_by_role("button", name="Open for scoring").click()
    expect(desk_round.locator("h1 .badge")).to_have_class("badge badge-open")
    first = tablet.locator(f'a[data-part^="{round_.pk}-"]').first
    expect(first.locator(".state")).to_have_text("to mark")
    still_the_same_page(tablet)
    not_reloaded(desk_round, screens.desk, screens.projector, screens.phone)


def sheets_of_the_round(screens: Screens, round_: Round, judges: list[Judge]) -> None:
    """Every dance: judge A fills and sends the sheet on the tablet, then the others;
    the desk's round page and the projector count each in."""
    round_.refresh_from_db()
    entries = [e for e in round_entries(round_) if not e.withdrawn]
    recalled = round_.recall_count or len(entries)
    if round_.kind == "final":
        marks = {e.pk: place for place, e in enumerate(entries, start=1)}
    else:
        marks = {e.pk: 1 for e in entries[:recalled]}
    dances = list(round_.event.dances.order_by("position", "id"))
    tablet, letters = screens.tablet, " ".join(j.letter for j in judges)
    for index, dance in enumerate(dances):
        if index == 0:
            tablet.locator(f'a[data-part="{round_.pk}-d{dance.pk}"]').click()
        else:
            tablet.get_by_role("link", name=f"Next: {dance.name}").click()
        tablet.wait_for_url(f"**/tablet/round/{round_.pk}/d{dance.pk}/")
        fill_on_the_tablet(tablet, round_, entries, recalled)
        if index == 0:
            screens.day.shot(tablet, f"tablet-{round_.kind}-{dance.name}-filled")
        tablet.locator("[data-submit]").click()
        tablet.wait_for_url(f"**/tablet/round/{round_.pk}/d{dance.pk}/sent/")
        expect(tablet.get_by_role("heading", level=1)).to_have_text("✓ Received by the desk")
        screens.desk_round_shows(index, "A")

        others_send(round_, dance, judges[1:], marks)
        screens.desk_round_shows(index, letters)
        done, due = len(judges) * (index + 1), len(judges) * len(dances)
        expect(
            screens.projector.locator(f'[data-live-floor] [data-round="{round_.pk}"]')
        ).to_contain_text(f"{done} of {due} sheets in")
        if round_.kind == "first" and index == 0:
            screens.day.audience(screens.projector, screens.phone, "first-round-one-dance-in")
    screens.day.shot(tablet, f"tablet-{round_.kind}-last-sent")
    section = screens.desk.locator(
        "section.card", has_text=f"{EVENT} · {round_.get_kind_display()}"
    )
    expect(section.locator("table.progress tbody td.missing")).to_have_text([""] * len(dances))
    still_the_same_page(screens.desk)
    screens.day.shot(screens.desk, f"desk-{round_.kind}-all-in")
    tablet.get_by_role("link", name="Your sheets").click()
    tablet.wait_for_url("**/tablet/home/")


def close_and_publish(screens: Screens, round_: Round) -> list:
    """The desk closes and publishes with its buttons; the projector and the phone show
    the result without a reload. Returns the result's entries in order."""
    desk_round = screens.desk_round
    desk_round.get_by_role("button", name="Close and tabulate").click()
    expect(desk_round.locator("h1 .badge")).to_have_class("badge badge-closed")
    screens.day.shot(desk_round, f"desk-{round_.kind}-closed")
    desk_round.get_by_role("button", name="Publish").click()
    expect(desk_round.locator("h1 .badge")).to_have_class("badge badge-published")
    for page in (screens.projector, screens.phone):
        result = page.locator(f'.live-result[data-round="{round_.pk}"]').first
        expect(result).to_be_visible()
        if round_.kind == "final":
            expect(result.locator(".live-placings li")).to_have_count(6)
        else:
            expect(result.locator(".live-bib")).to_have_count(round_.recall_count)
    still_the_same_page(screens.projector, screens.phone, screens.desk)
    screens.day.audience(screens.projector, screens.phone, f"{round_.kind}-published")


def test_a_whole_day_from_the_first_round_to_the_final(hall):
    chromium, base = hall
    restore_role_groups()
    with quiet():
        report = demo_create(seed=2026)
    rounds = list(Round.objects.filter(event__name=EVENT).order_by("position"))
    judges = list(Judge.objects.filter(seats__event__name=EVENT).order_by("letter"))
    day = Day(chromium, base)

    projector = day.open(PROJECTOR, "/live/demo/")
    phone = day.open(PHONE, "/results/demo/", is_mobile=True, has_touch=True)
    for page in (projector, phone):
        expect(page.locator("[data-live-conn]")).to_have_text("live")
    day.audience(projector, phone, "start")
    not_reloaded(projector, phone)

    desk = sign_in_the_desk(day, report.backup_codes["scrutineer"][0])
    tablet = sign_in_the_tablet(day, desk, judges[0])
    day.shot(tablet, "tablet-home-before")
    not_reloaded(desk)
    screens = Screens(day, projector, phone, desk, desk.context.new_page(), tablet)

    for round_ in rounds:
        open_the_round(screens, round_)
        sheets_of_the_round(screens, round_, judges)
        close_and_publish(screens, round_)

    final = rounds[-1]
    winner = final.placings.get(place=1).entry.competitor
    assert winner == round_entries(final)[0].competitor  # every judge placed them first
    for page in (projector, phone):
        first = page.locator(f'.live-result[data-round="{final.pk}"] .live-placings li').first
        expect(first.locator(".live-bib")).to_have_text(str(winner.bib))
        expect(first.locator(".live-name")).to_have_text(winner.display_name)
    # The phone's list of marks sheets follows too (it was drawn once, by the server).
    event_id = final.event_id
    expect(phone.locator(f'[data-event-published="{event_id}"]')).to_have_text(
        f"{len(rounds)} of {len(rounds)} rounds published"
    )
    day.shot(desk, "desk-end")
    # The first round opened moved the competition on; the desk's heading follows.
    expect(desk.locator("h1 .badge")).to_have_text("In progress")
