"""Helpers of the results desk's browser tests (test_desk_*.py): a desk browser signed in
as staff, screenshots, and the console's errors (the CSP's refusals among them)."""

from __future__ import annotations

from pathlib import Path

from django.test import Client

from tests.browser.screens import screenshot
from tests.support.auth import sign_in_staff

DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def staff_session(user) -> str:
    """A session cookie of ``user`` signed in with the password and the second factor."""
    client = Client()
    sign_in_staff(client, user)
    return client.cookies["sessionid"].value


def desk_context(browser, base: str, user, viewport=DESK):
    """A browser context signed in as ``user`` on the server at ``base``."""
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.add_cookies(
        [{"name": "sessionid", "value": staff_session(user), "url": base, "httpOnly": True}]
    )
    return context


def console_errors(page) -> list[str]:
    """The page's script errors, console errors (a CSP refusal among them) and failed
    responses from now on, a list that fills; the browser's own /favicon.ico aside."""
    seen: list[str] = []

    def console(message):
        # A failed load is reported by its response below, with its address.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            seen.append(message.text)

    def response(answer):
        if answer.status >= 400 and not answer.url.endswith("/favicon.ico"):
            seen.append(f"{answer.status} {answer.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: seen.append(str(error)))
    page.on("response", response)
    return seen


def shot(page, name: str, tmp_path: Path, *, full_page: bool = True) -> Path:
    """A screenshot in $PODIUM_SCREENSHOTS (else the test's folder), to look at."""
    return screenshot(page, tmp_path / "screenshots", name, full_page=full_page)


def page_height(page) -> int:
    return page.evaluate("() => document.documentElement.scrollHeight")
