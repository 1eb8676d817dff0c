"""In real Chromium: the staff sign-in with its second factor, and every kind of page
(the admin, the desk, a tablet, the projector) working under the Content-Security-Policy
with not one violation reported."""

import pytest
from playwright.sync_api import expect

from accounts.two_factor import backup_codes_issue
from tests.adjudication.day import build_day
from tests.factories.accounts import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def _watch(page, seen: list) -> None:
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )


def test_staff_sign_in_and_pages_under_the_csp(browser, live_server, role_groups):
    from tests.browser.conftest import VIEWPORT
    from tests.support.auth import restore_role_groups

    restore_role_groups()
    day = build_day()
    user = UserFactory(username="desk", roles=["scrutineer"])
    codes = backup_codes_issue(user=user)
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    page = context.new_page()
    violations: list[str] = []
    _watch(page, violations)
    try:
        page.goto(f"{live_server.url}/desk/")
        page.fill("#id_username", "desk")
        page.fill("#id_password", PASSWORD)
        page.locator("input[type=submit]").click()
        page.wait_for_url("**/account/two-factor/**")
        page.fill("#id_token", codes[0])
        page.locator("input[type=submit]").click()
        page.wait_for_url("**/desk/")
        expect(page.get_by_text(day.competition.name).first).to_be_visible()

        page.goto(f"{live_server.url}/desk/{day.competition.slug}/")
        page.goto(f"{live_server.url}/desk/round/{day.first.pk}/")
        page.goto(f"{live_server.url}/admin/")
        expect(page.locator("#site-name")).to_have_text("Podium")
        page.goto(f"{live_server.url}/admin/competitions/round/")
        page.goto(f"{live_server.url}/admin/competitions/round/{day.first.pk}/change/")
        page.goto(f"{live_server.url}/live/{day.competition.slug}/")
        page.goto(f"{live_server.url}/tablet/")
        header = page.request.get(f"{live_server.url}/tablet/").headers
        page.wait_for_timeout(300)
    finally:
        context.close()

    assert "script-src 'self'" in header["content-security-policy"]
    assert violations == []


def test_an_inline_script_would_be_blocked(browser, live_server):
    """The check above can fail: a page that tries inline script is reported."""
    from tests.browser.conftest import VIEWPORT

    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    violations: list[str] = []
    _watch(page, violations)
    try:
        page.goto(f"{live_server.url}/tablet/")
        page.evaluate(
            "() => { const s = document.createElement('script'); s.textContent = 'window.x=1';"
            " document.body.appendChild(s); }"
        )
        page.wait_for_timeout(300)
        ran = page.evaluate("() => window.x === 1")
    finally:
        context.close()

    assert ran is False
    assert violations
