"""In real Chromium, the hall's projector (/live/<slug>/) at 1920x1080 and 1280x720:
mid-day with two rounds open and a final of ten published, and at the end of the day.
Nothing is cut off on any of its pages, every text is readable, every bib of the open
rounds and every place of the latest results is on one of the pages, and the pages turn
by themselves with the indicator saying which one is showing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from adjudication.services import round_close, round_publish
from competitions.models import Round
from leaderboard.snapshots import public_snapshot
from tests.browser.screens import assert_contrast, assert_nothing_clipped, screenshot
from tests.browser.screens_day import (
    demo_finished,
    demo_live_totals,
    demo_mid_day,
    skating_sheets,
)
from tests.support.auth import restore_role_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"1920x1080": (1920, 1080), "1280x720": (1280, 720)}
SCENES = {"mid_day": demo_mid_day, "live_totals": demo_live_totals, "finished": demo_finished}


@pytest.fixture
def screen(browser, live_server, role_groups):
    restore_role_groups()
    contexts = []

    def open_screen(path: str, width: int, height: int):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.csp_errors = []
        page.on(
            "console",
            lambda m: page.csp_errors.append(m.text) if "Content Security" in m.text else None,
        )
        page.goto(live_server.url + path)
        return page

    yield open_screen
    for context in contexts:
        context.close()


def _pages(page) -> int:
    """How many pages the projector turns through (the indicator's "n / N")."""
    indicator = page.locator("[data-live-pages]")
    if indicator.is_hidden():
        return 1
    return int(re.fullmatch(r"\s*\d+ / (\d+)\s*", indicator.inner_text()).group(1))


def _visible_texts(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all(
        "(nodes) => nodes.filter((n) => n.checkVisibility()).map((n) => n.innerText.trim())"
    )


def _walk_pages(page, shots, name: str) -> tuple[set[str], set[str]]:
    """Every page of the projector, in turn: checked, photographed; what each showed."""
    bibs, placings = set(), set()
    count = _pages(page)
    for number in range(1, count + 1):
        if count > 1:
            expect(page.locator("[data-live-pages]")).to_have_text(f"{number} / {count}")
        screenshot(page, shots, f"{name}-page{number}")
        assert_nothing_clipped(page, projector=True)
        assert_contrast(page, minimum=4.5)
        bibs |= set(_visible_texts(page, "[data-live-floor] .live-heat .live-bib"))
        placings |= {
            " ".join(text.split())
            for text in _visible_texts(page, "[data-live-latest] .live-placings li")
        }
        page.keyboard.press("ArrowRight")  # the next page now, not in N seconds
    return bibs, placings


@pytest.mark.parametrize("scene", SCENES)
def test_the_projector_shows_everything_readable_on_its_pages(screen, scene, tmp_path):
    competition = SCENES[scene]()
    snapshot = public_snapshot(competition)
    wanted_bibs = {str(b) for item in snapshot["floor"] for h in item["heats"] for b in h["bibs"]}
    by_round = {block["round"]: block for block in snapshot["results"]}
    latest = [by_round[pk] for pk in snapshot["recent"] if pk in by_round]
    wanted_rows = {
        (row["place"], str(row["bib"]))
        for block in latest
        if block["type"] == "placings"
        for row in block["placings"]
    }
    assert len(wanted_rows) >= 10 or scene == "live_totals"
    assert scene == "finished" or len(snapshot["floor"]) == 2

    for size, (width, height) in SIZES.items():  # one competition, built once, two screens
        page = screen(f"/live/{competition.slug}/", width, height)
        expect(page.locator(".live-screen")).to_be_visible()

        bibs, placings = _walk_pages(page, tmp_path / "shots", f"projector-{scene}-{size}")

        assert wanted_bibs <= bibs, f"bibs never shown: {sorted(wanted_bibs - bibs)}"
        shown_rows = {tuple(text.split(" ", 2)[:2]) for text in placings}
        assert wanted_rows <= shown_rows, f"places never shown: {sorted(wanted_rows - shown_rows)}"
        assert page.csp_errors == []


def test_the_pages_turn_by_themselves_and_follow_the_snapshot_without_a_reload(screen):
    competition = demo_mid_day()
    page = screen(f"/live/{competition.slug}/", 1280, 720)
    page.evaluate("() => { window.notReloaded = true; }")
    indicator = page.locator("[data-live-pages]")
    expect(indicator).to_have_text("1 / 2")
    root = page.locator("[data-live-root]")
    root.evaluate("(root) => root.setAttribute('data-live-page-seconds', '1')")
    expect(indicator).to_have_text("2 / 2", timeout=5_000)
    expect(indicator).to_have_text("1 / 2", timeout=5_000)
    root.evaluate("(root) => root.setAttribute('data-live-page-seconds', '600')")

    # A new result published: the polled snapshot (the socket's stand-in under WSGI)
    # brings it; the projector turns to its page, with the page count grown, unreloaded.
    waltz = Round.objects.get(event__competition=competition, event__name="Junior Waltz")
    skating_sheets(waltz, dances=1)
    round_close(round=waltz, actor=None, seed=1)
    round_publish(round=waltz, actor=None)
    result = page.locator("[data-live-latest] .live-result", has_text="Junior Waltz")
    expect(result).to_be_visible(timeout=10_000)
    expect(indicator).to_have_text(re.compile(r"^\d / 2$"))  # the Waltz's round left the floor
    assert page.evaluate("() => window.notReloaded") is True
    assert_nothing_clipped(page, projector=True)
