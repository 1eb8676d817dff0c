"""The live sockets, through the whole ASGI application (origin check, sessions, routes)."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client

from adjudication.models import Sheet
from adjudication.tablet.sessions import tablet_code_issue, tablet_revoke
from leaderboard.broadcast import relays
from tests.factories.accounts import UserFactory
from tests.leaderboard.helpers import (
    MARKS,
    Pageant,
    followed,
    json_numbers,
    json_strings,
    quiet,
    quiet_day,
)
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")


def application():
    from scoring_site.asgi import application

    return application


def socket(path, cookies=None):
    headers = [ORIGIN]
    if cookies:
        headers.append(
            (b"cookie", "; ".join(f"{k}={v.value}" for k, v in cookies.items()).encode())
        )
    return WebsocketCommunicator(application(), path, headers=headers)


async def receive_json(communicator, timeout=3):
    return json.loads(await communicator.receive_from(timeout=timeout))


async def closed_with(communicator, timeout=3):
    message = await communicator.receive_output(timeout)
    assert message["type"] == "websocket.close"
    return message.get("code")


def run(body):
    async_to_sync(body)()
    relays.drain_background()


# --- The public socket ------------------------------------------------------------------------


def test_public_socket_sends_the_snapshot_on_connect():
    day = quiet_day()

    async def body():
        communicator = socket(f"/ws/live/{day.competition.slug}/")
        connected, _ = await communicator.connect()
        snapshot = await receive_json(communicator)
        await communicator.disconnect()
        assert connected
        assert snapshot["type"] == "snapshot"
        assert snapshot["seq"] == 0
        assert snapshot["floor"][0]["event"] == "Adult Latin"
        assert snapshot["results"] == []

    run(body)


def test_public_socket_for_an_unknown_competition_closes_4404():
    async def body():
        communicator = socket("/ws/live/no-such-thing/")
        connected, _ = await communicator.connect()
        assert connected
        assert await closed_with(communicator) == 4404

    run(body)


def test_a_submitted_sheet_reaches_the_public_socket_after_commit():
    day = quiet_day()
    picks = day.crosses(day.entries()[:6])

    async def body():
        communicator = socket(f"/ws/live/{day.competition.slug}/")
        await communicator.connect()
        await receive_json(communicator)

        await database_sync_to_async(day.send)(day.judges[0], day.dances[0], picks)
        update = await receive_json(communicator)
        await communicator.disconnect()

        assert update["type"] == "update"
        assert update["seq"] == 1
        assert update["kinds"] == ["sheet.submitted"]
        assert [p["in"] for p in update["floor"][0]["parts"]] == [1, 0]

    run(body)


def test_nothing_reaches_the_public_socket_after_a_rollback():
    day = quiet_day()
    picks = day.crosses(day.entries()[:6])

    def send_and_roll_back():
        with transaction.atomic():
            day.send(day.judges[0], day.dances[0], picks)
            transaction.set_rollback(True)

    async def body():
        communicator = socket(f"/ws/live/{day.competition.slug}/")
        await communicator.connect()
        await receive_json(communicator)

        await database_sync_to_async(send_and_roll_back)()

        assert await communicator.receive_nothing(timeout=0.8)
        await communicator.disconnect()

    run(body)
    assert not Sheet.objects.exists()


def test_the_public_socket_carries_no_marks_before_publication():
    pageant = Pageant(reveal="published")

    async def body():
        communicator = socket(f"/ws/live/{pageant.competition.slug}/")
        await communicator.connect()
        texts = [await communicator.receive_from(timeout=3)]
        await database_sync_to_async(pageant.score)(
            pageant.judges[0], pageant.entries[0], "7.5", "9.5"
        )
        texts.append(await communicator.receive_from(timeout=3))
        await communicator.disconnect()

        messages = [json.loads(text) for text in texts]
        assert messages[-1]["floor"][0]["parts"][0]["in"] == 1
        for message in messages:
            strings = json_strings(message)
            assert json_numbers(message).isdisjoint(MARKS)
            assert strings.isdisjoint({"A", "B"})  # no judge letters
            assert [s for s in strings if "running" in s or "marks" in s] == []

    run(body)


def test_a_live_total_event_pushes_the_running_total():
    pageant = Pageant(reveal="live_total")

    async def body():
        communicator = socket(f"/ws/live/{pageant.competition.slug}/")
        await communicator.connect()
        await receive_json(communicator)
        await database_sync_to_async(pageant.score)(
            pageant.judges[0], pageant.entries[0], "7.5", "9.5"
        )
        update = await receive_json(communicator)
        await communicator.disconnect()

        assert update["floor"][0]["running"][0]["total"] == "26.5"
        assert update["floor"][0]["running"][0]["judges_in"] == 1

    run(body)


def test_a_burst_of_sheets_is_coalesced_and_the_last_state_arrives(settings):
    settings.PODIUM_LIVE_INTERVAL = 0.5
    day = quiet_day()
    picks = day.crosses(day.entries()[:6])

    def burst():
        for judge in day.judges:
            day.send(judge, day.dances[0], picks)

    async def body():
        communicator = socket(f"/ws/live/{day.competition.slug}/")
        await communicator.connect()
        await receive_json(communicator)

        await database_sync_to_async(burst)()
        updates = [await receive_json(communicator)]
        while not await communicator.receive_nothing(timeout=1.0):
            updates.append(await receive_json(communicator))
        await communicator.disconnect()

        assert len(updates) == 2  # the first at once, the other two folded into one
        assert [u["type"] for u in updates] == ["update", "delta"]
        updates = followed(updates)
        assert [u["seq"] for u in updates] == [1, 2]
        assert updates[-1]["floor"][0]["parts"][0]["in"] == 3

    run(body)


def test_a_round_opening_and_a_publication_reach_the_public_socket():
    from adjudication.services import round_close, round_publish
    from competitions.services import round_transition
    from tests.adjudication.day import all_recall_sheets

    day = quiet_day()
    with quiet():
        all_recall_sheets(day)
        round_close(round=day.first, actor=None, seed=3)

    async def body():
        communicator = socket(f"/ws/live/{day.competition.slug}/")
        await communicator.connect()
        await receive_json(communicator)

        await database_sync_to_async(round_publish)(round=day.first, actor=None)
        published = await receive_json(communicator)
        await asyncio.sleep(0.3)
        await database_sync_to_async(round_transition)(
            round=day.final, to_status="open", actor=None
        )
        published, opened = followed([published, await receive_json(communicator)])
        await communicator.disconnect()

        assert published["kinds"] == ["round.published"]
        assert published["results"][0]["type"] == "recalls"
        assert len(published["results"][0]["recalled"]) == 6
        assert opened["kinds"] == ["round.opened"]
        assert opened["floor"][0]["kind"] == "final"
        assert opened["results_rev"] == published["results_rev"]

    run(body)


def test_a_reconnecting_screen_gets_a_fresh_snapshot():
    day = quiet_day()
    picks = day.crosses(day.entries()[:6])

    async def body():
        first = socket(f"/ws/live/{day.competition.slug}/")
        await first.connect()
        await receive_json(first)
        await first.disconnect()
        await database_sync_to_async(day.send)(day.judges[0], day.dances[1], picks)
        await asyncio.sleep(0.3)  # the relay sends to nobody

        again = socket(f"/ws/live/{day.competition.slug}/")
        await again.connect()
        snapshot = await receive_json(again)
        await again.disconnect()

        assert snapshot["type"] == "snapshot"
        assert snapshot["seq"] == 1
        assert [p["in"] for p in snapshot["floor"][0]["parts"]] == [0, 1]

    run(body)


# --- The desk ---------------------------------------------------------------------------------


def desk_cookies(user):
    client = Client()
    sign_in_staff(client, user)
    return client.cookies


def test_the_desk_socket_refuses_anonymous_and_unauthorised_users():
    day = quiet_day()
    judge_user = UserFactory(username="someone")

    async def body():
        anonymous = socket(f"/ws/desk/{day.competition.slug}/")
        await anonymous.connect()
        assert await closed_with(anonymous) == 4403

        cookies = await database_sync_to_async(desk_cookies)(judge_user)
        stranger = socket(f"/ws/desk/{day.competition.slug}/", cookies)
        await stranger.connect()
        assert await closed_with(stranger) == 4403

    run(body)


def test_the_public_socket_reads_no_session_even_with_a_staff_cookie(monkeypatch):
    """The public live socket serves everyone the same, so it skips the session and
    sign-in middleware (a session store, a lazy user and a query per phone otherwise);
    the desk's socket on the same cookie still reads the session."""
    from django.contrib.sessions.backends.db import SessionStore

    day = quiet_day()
    user = UserFactory(username="desk")
    user.user_permissions.add(Permission.objects.get(codename="run_results_desk"))
    cookies = desk_cookies(user)
    loads = []
    original = SessionStore.load

    def load(self):
        loads.append(self.session_key)
        return original(self)

    monkeypatch.setattr(SessionStore, "load", load)

    async def body():
        public = socket(f"/ws/live/{day.competition.slug}/", cookies)
        assert (await public.connect())[0]
        assert (await receive_json(public))["type"] == "snapshot"
        await public.disconnect()
        assert loads == []

        desk = socket(f"/ws/desk/{day.competition.slug}/", cookies)
        assert (await desk.connect())[0]
        assert (await receive_json(desk))["type"] == "desk"
        await desk.disconnect()
        assert loads == [cookies["sessionid"].value]

    run(body)


def test_the_public_sockets_database_reads_leave_its_context_as_it_was():
    """What Django's thread-local state binds while the public socket reads (database
    connections, caches: asgiref Locals) stays out of the socket's own context, which
    lives as long as the phone stays connected. A plain ``database_sync_to_async``, the
    control, would keep it there."""
    import contextvars

    from leaderboard.snapshots import public_snapshot_message
    from scoring_site.sockets import read_apart as _read_apart

    day = quiet_day()

    def unchanged_since(before: dict) -> bool:
        now = dict(contextvars.copy_context())
        return now.keys() == before.keys() and all(now[v] is before[v] for v in now)

    async def body():
        before = dict(contextvars.copy_context())
        text = await _read_apart(public_snapshot_message, day.competition)
        assert json.loads(text)["type"] == "snapshot"
        assert unchanged_since(before)

        await database_sync_to_async(public_snapshot_message)(day.competition)
        assert not unchanged_since(before)

    run(body)


def test_the_desk_socket_sends_progress_and_refreshes_after_a_sheet():
    day = quiet_day()
    picks = day.crosses(day.entries()[:6])
    user = UserFactory(username="desk")
    user.user_permissions.add(Permission.objects.get(codename="run_results_desk"))

    async def body():
        cookies = await database_sync_to_async(desk_cookies)(user)
        communicator = socket(f"/ws/desk/{day.competition.slug}/", cookies)
        connected, _ = await communicator.connect()
        first = await receive_json(communicator)
        await database_sync_to_async(day.send)(day.judges[1], day.dances[0], picks)
        second = await receive_json(communicator)
        await communicator.disconnect()

        assert connected
        assert first["type"] == "desk"
        assert first["rounds"][0]["parts"][0]["missing"] == ["A", "B", "C"]
        assert second["kinds"] == ["sheet.submitted"]
        assert second["seq"] > first["seq"]
        assert second["rounds"][0]["parts"][0]["missing"] == ["A", "C"]
        assert second["rounds"][0]["parts"][0]["submitted"] == ["B"]

    run(body)


# --- The tablet -------------------------------------------------------------------------------


def tablet_cookies(day, judge):
    code = tablet_code_issue(judge=judge, actor=None)
    client = Client()
    response = client.post(
        "/tablet/", {"competition": day.competition.slug, "letter": judge.letter, "code": code}
    )
    assert response.status_code == 302
    return client.cookies


def test_the_tablet_socket_needs_a_live_tablet_session(role_groups):
    day = quiet_day()
    user = UserFactory(username="not-a-tablet")

    async def body():
        anonymous = socket("/ws/tablet/")
        await anonymous.connect()
        assert await closed_with(anonymous) == 4401

        cookies = await database_sync_to_async(desk_cookies)(user)
        signed_in_elsewhere = socket("/ws/tablet/", cookies)
        await signed_in_elsewhere.connect()
        assert await closed_with(signed_in_elsewhere) == 4401

    run(body)
    assert day.competition.pk


def test_the_tablet_socket_follows_the_judges_sheets_and_stops_when_revoked(role_groups):
    from adjudication.models import TabletSession

    day = quiet_day()
    picks = day.crosses(day.entries()[:6])
    judge = day.judges[0]

    async def body():
        cookies = await database_sync_to_async(tablet_cookies)(day, judge)
        communicator = socket("/ws/tablet/", cookies)
        connected, _ = await communicator.connect()
        first = await receive_json(communicator)
        await database_sync_to_async(day.send)(judge, day.dances[0], picks)
        second = await receive_json(communicator)

        tablet = await database_sync_to_async(TabletSession.objects.get)()
        await database_sync_to_async(tablet_revoke)(tablet=tablet, actor=None)
        # Revocation is not announced by the service: the next nudge finds it.
        await database_sync_to_async(day.send)(day.judges[1], day.dances[0], picks)
        signed_out = await receive_json(communicator)
        code = await closed_with(communicator)

        assert connected
        assert first["type"] == "tablet"
        assert [p["state"] for p in first["rounds"][0]["parts"]] == ["to_send", "to_send"]
        assert [p["state"] for p in second["rounds"][0]["parts"]] == ["sent", "to_send"]
        assert "marks" not in json.dumps(second)
        assert signed_out["type"] == "signed_out"
        assert code == 4401

    run(body)


def test_a_change_while_the_tablet_socket_connects_is_not_lost(role_groups, monkeypatch):
    """A sheet stored after the tablet's first read but before its socket joined the
    competition's group sent its nudge to nobody: the tablet kept the old state (a
    countdown, a sheet still to send) until the next change."""
    from adjudication.tablet import socket as consumers

    day = quiet_day()
    picks = day.crosses(day.entries()[:6])
    judge = day.judges[0]
    read = consumers._tablet_state
    calls = []

    def read_then_change(scope):
        snapshot = read(scope)
        if not calls:  # the connect's first read; the sheet arrives just after it
            day.send(judge, day.dances[0], picks)
        calls.append(snapshot)
        return snapshot

    monkeypatch.setattr(consumers, "_tablet_state", read_then_change)

    async def body():
        cookies = await database_sync_to_async(tablet_cookies)(day, judge)
        communicator = socket("/ws/tablet/", cookies)
        await communicator.connect()
        states = [await receive_json(communicator)]
        while not await communicator.receive_nothing(timeout=1.0):
            states.append(await receive_json(communicator))
        await communicator.disconnect()

        assert [p["state"] for p in states[-1]["rounds"][0]["parts"]] == ["sent", "to_send"]

    run(body)
