"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's
live server (WSGI: the tablet's pages, polling) or a uvicorn process (``asgi_server``,
tests/browser/servers.py: the websockets of the projector, the tablets and the desk).

Tests here are marked ``browser`` and are skipped, with the reason, where
/usr/bin/chromium is missing (``playwright install`` is not used: it downloads browsers).

Playwright's sync API keeps an asyncio loop "running" in the main thread while it is
started, which Django takes for an async context and refuses ORM calls
(SynchronousOnlyOperation). So Playwright runs only while this package's tests run, and
only then is DJANGO_ALLOW_ASYNC_UNSAFE set; the ORM calls it lets through are the test's
own, made in the test's thread between browser steps.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

# Fixtures, registered by import: the second web process and its clean-up.
from tests.browser.screens import screenshot
from tests.browser.servers import (  # noqa: F401
    asgi_server,
    judge_letters_left_as_found,
    server_env,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000
OUTBOX_KEY = "podium.outbox.v1"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason="needs Debian's chromium: apt-get install chromium")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def browser():
    """Chromium for one test. Per test, not per package: the tests that drive a Playwright
    of their own (the live screens', the whole day's) cannot start one in a process where
    another is still running."""
    from playwright.sync_api import expect, sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            expect.set_options(timeout=TIMEOUT_MS)
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


class Tablet:
    """One tablet: its own browser context (cookies, localStorage), one page."""

    def __init__(self, context, live_server, shots: Path):
        self.context = context
        self.page = context.new_page()
        self.live_server = live_server
        self.shots = shots

    def url(self, path: str) -> str:
        return self.live_server.url + path

    def sign_in(self, judge) -> None:
        from adjudication.tablet.sessions import tablet_code_issue

        code = tablet_code_issue(judge=judge, actor=None)
        page = self.page
        page.goto(self.url("/tablet/"))
        page.select_option("#competition", judge.competition.slug)
        page.fill("#letter", judge.letter)
        page.fill("#code", code)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/tablet/home/")

    def open_sheet(self, round_, part_code: str) -> None:
        """Go to a sheet from the judge's home page, as a judge would."""
        self.page.locator(f'a[data-part="{round_.pk}-{part_code}"]').click()
        self.page.wait_for_url(f"**/tablet/round/{round_.pk}/{part_code}/")

    def outbox(self) -> list:
        return json.loads(self.page.evaluate(f"() => localStorage.getItem({OUTBOX_KEY!r}) || '[]'"))

    def shot(self, name: str) -> Path:
        return screenshot(self.page, self.shots, name, full_page=True)


@pytest.fixture
def role_groups():
    """The role groups of accounts/migrations/0002, which a transactional test's flush
    deletes (tablet codes put the judge in the "judge" group)."""
    from django.contrib.auth.models import Group, Permission

    migration = importlib.import_module("accounts.migrations.0002_role_groups")
    for role, codenames in migration.ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="competitions", codename__in=codenames
            )
        )


@pytest.fixture
def tablets(browser, live_server, role_groups, tmp_path):
    """``tablets()`` opens a new tablet (a fresh browser context at 1280x800)."""
    opened = []

    def open_tablet() -> Tablet:
        context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        return Tablet(context, live_server, tmp_path / "screenshots")

    yield open_tablet
    for context in opened:
        context.close()


@pytest.fixture
def tablet(tablets) -> Tablet:
    return tablets()
