"""In real Chromium: the announcer's page at the end of the day numbers each place once
("10. 310 Jasmine Okafor", not "10. 10. 310 …"), reads the final from the last place to
the winner, and is readable and uncut on the MC's tablet."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.browser.screens import assert_contrast, assert_nothing_clipped, screenshot
from tests.browser.screens_day import demo_finished
from tests.factories.accounts import UserFactory
from tests.support.auth import restore_role_groups, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_announcer_reads_each_place_once(browser, live_server, role_groups, tmp_path):
    restore_role_groups()
    competition = demo_finished()
    client = sign_in_staff(Client(), UserFactory(roles=["announcer"]))
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/desk/{competition.slug}/announcer/")
        finals = page.locator(".announcer-final")
        expect(finals.first).to_be_visible()
        screenshot(page, tmp_path / "shots", "announcer-finished", full_page=True)

        pageant = finals.filter(has_text="Miss Podium Pageant").locator("li")
        lines = [" ".join(t.split()) for t in pageant.all_inner_texts()]
        assert len(lines) == 10
        assert re.fullmatch(r"10\. 3\d\d \D+", lines[0]) and lines[-1].startswith("1. 3")
        # What the eye sees also holds the list's own markers, which innerText leaves out.
        markers = page.locator(".announce-list li").evaluate_all(
            "(items) => items.filter((li) => getComputedStyle(li).display === 'list-item'"
            " && getComputedStyle(li).listStyleType !== 'none').map((li) => li.innerText)"
        )
        places = [m for m in markers if re.match(r"\d+(\.\d)?\. ", m)]
        assert places == [], f"numbered twice: {places[:3]}"
        assert_nothing_clipped(page, projector=False)
        assert_contrast(page, minimum=4.5)
    finally:
        context.close()
