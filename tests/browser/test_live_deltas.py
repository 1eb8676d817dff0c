"""In real Chromium: a phone on the results page follows the day through pushes sent as
deltas (leaderboard/deltas.py) and, after each step, reads what a phone that has just
opened the page reads, without ever fetching the snapshot. The changes are made by this
test's process; the page is served by another (``asgi_server``), on either backend."""

import json
import os
import re
from pathlib import Path

import pytest

from adjudication.services import round_close
from tests.adjudication.day import open_final
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.screens import capture
from tests.leaderboard.helpers import quiet_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def without_clock(text: str) -> str:
    return re.sub(r"\b\d{1,2}:\d{2}\b", "hh:mm", text)


def test_a_phone_following_deltas_reads_what_a_fresh_phone_reads(
    asgi_server, role_groups, monkeypatch, tmp_path
):
    day = quiet_day()
    recalled = day.entries()[: day.first.recall_count]
    url = f"http://127.0.0.1:{asgi_server}/results/{day.competition.slug}/"
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        phone = browser.new_context(viewport=PHONE).new_page()
        kinds: list[str] = []
        snapshots_fetched: list[str] = []
        phone.on(
            "websocket",
            lambda ws: ws.on("framereceived", lambda text: kinds.append(json.loads(text)["type"])),
        )
        phone.on(
            "request",
            lambda r: snapshots_fetched.append(r.url) if "snapshot" in r.url else None,
        )
        phone.goto(url)
        expect(phone.locator("[data-live-conn]")).to_have_text("live", timeout=10_000)
        phone.evaluate("() => { window.notReloaded = true; }")

        def reads_as_new(expected: str) -> None:
            root = phone.locator("[data-live-root]")
            expect(root).to_contain_text(expected, timeout=5_000)
            fresh = browser.new_context(viewport=PHONE).new_page()
            fresh.goto(url)
            expect(fresh.locator("[data-live-conn]")).to_have_text("live", timeout=10_000)
            expect(fresh.locator("[data-live-root]")).to_contain_text(expected)
            # The floor's projected times are the push's: a minute may turn between the
            # phone's last push and the fresh phone's snapshot.
            wanted = without_clock(fresh.locator("[data-live-root]").inner_text())
            # Two changes within the push interval reach the phone as two pushes, the
            # second at the interval's end; the fresh phone may have read both before.
            for _ in range(50):
                if without_clock(root.inner_text()) == wanted:
                    break
                phone.wait_for_timeout(100)
            assert without_clock(root.inner_text()) == wanted
            fresh.context.close()

        sent = 0
        for dance in day.dances:
            for judge in day.judges:
                day.send(judge, dance, day.crosses(recalled))
                sent += 1
                reads_as_new(f"{sent} of 6 sheets in")
        round_close(round=day.first, actor=None, seed=3)
        reads_as_new("Results are being checked")
        open_final(day)
        reads_as_new("1 of 2 rounds published")

        assert phone.evaluate("() => window.notReloaded === true")
        shots = Path(os.environ.get("PODIUM_SCREENSHOTS") or tmp_path)
        shots.mkdir(parents=True, exist_ok=True)
        capture(phone, shots / "phone-after-deltas.png")
        browser.close()
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE")

    assert kinds[0] == "snapshot" and kinds.count("snapshot") == 1
    assert kinds.count("delta") >= 6, kinds
    assert snapshots_fetched == []


def test_a_phone_that_lost_a_push_reconnects_and_starts_from_the_snapshot(
    asgi_server, role_groups, monkeypatch
):
    """A frame lost on the way (dropped here, as a parse error would) leaves the next
    delta without its base: the phone opens a new socket, whose first message is the
    snapshot, and shows the state."""
    day = quiet_day()
    picks = day.crosses(day.entries()[: day.first.recall_count])
    url = f"http://127.0.0.1:{asgi_server}/results/{day.competition.slug}/"
    from playwright.sync_api import expect, sync_playwright

    sockets: list[list[str]] = []

    def route(ws):
        server = ws.connect_to_server()
        seen: list[str] = []
        sockets.append(seen)

        def from_server(text):
            kind = json.loads(text)["type"]
            seen.append(kind)
            if len(sockets) == 1 and kind == "update":
                return  # lost
            ws.send(text)

        server.on_message(from_server)

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        phone = browser.new_context(viewport=PHONE).new_page()
        phone.route_web_socket("**/ws/live/**", route)
        phone.goto(url)
        expect(phone.locator("[data-live-conn]")).to_have_text("live", timeout=10_000)
        root = phone.locator("[data-live-root]")

        def seen_on_first_socket(kind):
            for _ in range(100):
                if sockets and kind in sockets[0]:
                    return
                phone.wait_for_timeout(100)
            raise AssertionError(f"no {kind} on the first socket: {sockets}")

        seen_on_first_socket("snapshot")
        day.send(day.judges[0], day.dances[0], picks)
        seen_on_first_socket("update")
        expect(root).to_contain_text("0 of 6 sheets in")  # the push was lost
        phone.wait_for_timeout(400)  # past the push interval: the next sheet goes alone
        day.send(day.judges[1], day.dances[0], picks)

        expect(root).to_contain_text("2 of 6 sheets in", timeout=10_000)
        expect(phone.locator("[data-live-conn]")).to_have_text("live", timeout=10_000)
        browser.close()
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE")

    assert sockets[0][:3] == ["snapshot", "update", "delta"]
    assert len(sockets) == 2 and sockets[1][0] == "snapshot"
