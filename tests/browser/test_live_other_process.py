"""In real Chromium: the projector follows changes made by another process than the one
serving it, without a reload. ``manage.py simulate`` runs the competition to published
results in a process of its own while two projectors (1920x1080 and 1280x720) are open
on the ASGI server; on the embedded default (SQLite, in-memory channel layer) the
changes cross processes through the change log (scoring_site/change_log.py), with
Redis through the channel layer."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.servers import ROOT
from tests.leaderboard.helpers import quiet_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROJECTORS = {"1920x1080": (1920, 1080), "1280x720": (1280, 720)}


def test_simulate_in_another_process_moves_open_projectors_without_reload(
    asgi_server, server_env, role_groups, monkeypatch, tmp_path
):
    day = quiet_day()
    slug = day.competition.slug
    base = f"http://127.0.0.1:{asgi_server}"
    shots = Path(os.environ.get("PODIUM_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API keeps a loop running in this thread: Django would take it
    # for an async context and refuse the ORM calls the test makes between steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        pages = {}
        for name, (width, height) in PROJECTORS.items():
            page = browser.new_context(viewport={"width": width, "height": height}).new_page()
            page.goto(f"{base}/live/{slug}/")
            expect(page.locator("[data-live-conn]")).to_have_text("live", timeout=10_000)
            expect(page.locator(".live-progress")).to_have_text("0 of 6 sheets in")
            expect(page.locator(".live-placings li")).to_have_count(0)
            page.evaluate("() => { window.notReloaded = true; }")
            page.screenshot(path=str(shots / f"projector-{name}-before.png"))
            pages[name] = page

        simulated = subprocess.run(
            [sys.executable, "manage.py", "simulate", slug, "--seed", "7", "--quiet"],
            cwd=ROOT,
            env=server_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert simulated.returncode == 0, simulated.stdout + simulated.stderr

        for name, page in pages.items():
            # The final's placings, within 2 s of the command's end: no reload.
            expect(page.locator(".live-placings li")).to_have_count(6, timeout=2_000)
            assert page.evaluate("() => window.notReloaded === true")
            expect(page.locator("[data-live-conn]")).to_have_text("live")
            page.screenshot(path=str(shots / f"projector-{name}-after.png"))
        browser.close()
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE")

    day.competition.refresh_from_db()
    assert day.competition.status == "finished"
