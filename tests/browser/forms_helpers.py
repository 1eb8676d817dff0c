"""Helpers of the forms' browser tests: a browser page at a given size, signed in as
staff (the session made by Django's test client, its cookie handed to the browser), and
full-page screenshots."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.test import Client

from tests.browser.screens import capture
from tests.support.auth import sign_in_staff

TIMEOUT_MS = 10_000
SHOTS = Path(os.environ.get("PODIUM_SCREENSHOTS") or "/tmp/podium-screenshots")  # noqa: S108


def open_page(browser, *, width: int, height: int, mobile: bool = False):
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="en-GB",
        is_mobile=mobile,
        has_touch=mobile,
        device_scale_factor=2 if mobile else 1,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def sign_in(context, live_server, user) -> None:
    """``user`` signed in with both factors in ``context``."""
    client = sign_in_staff(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    capture(page, path, full_page=True)
    return path


def page_width(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")
