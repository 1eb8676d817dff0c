import json

import pytest

from leaderboard import broadcast
from tests.leaderboard.helpers import quiet_day

pytestmark = pytest.mark.django_db


class FakeLayer:
    def __init__(self):
        self.sent = []

    async def group_send(self, group, message):
        self.sent.append((group, message))


def test_callbacks_run_inside_a_transaction_are_relayed_at_once(
    monkeypatch, django_capture_on_commit_callbacks
):
    """A test capturing on_commit callbacks: the change is visible to this connection
    only, so the relay's thread must not read it; it is sent from here."""
    day = quiet_day()
    picks = day.crosses(day.entries()[:6])
    layer = FakeLayer()
    monkeypatch.setattr(broadcast, "get_channel_layer", lambda: layer)
    handed_over = []
    monkeypatch.setattr(broadcast.relays, "changed", lambda *args: handed_over.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        day.send(day.judges[0], day.dances[0], picks)

    ((group, message),) = [sent for sent in layer.sent if sent[0].startswith("public.")]
    body = json.loads(message["text"])
    assert group == f"public.{day.competition.pk}"
    assert message["type"] == "public.update"
    assert body["kinds"] == ["sheet.submitted"]
    assert body["floor"][0]["parts"][0]["in"] == 1
    assert handed_over == []


def test_a_rolled_back_sheet_announces_nothing(django_capture_on_commit_callbacks):
    from django.db import transaction

    day = quiet_day()
    picks = day.crosses(day.entries()[:6])

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        day.send(day.judges[0], day.dances[0], picks)
        transaction.set_rollback(True)

    assert callbacks == []


# --- Desk and tablet nudges (scoring_site.realtime → the relay's loop) ------------------------


class RecordingLayer:
    """Records each group_send with the thread and loop it ran on; ``delay`` makes a send
    take a while, as a busy Redis would."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.sent = []

    async def group_send(self, group, message):
        import asyncio
        import threading

        if self.delay:
            await asyncio.sleep(self.delay)
        self.sent.append(
            (group, message, threading.current_thread(), id(asyncio.get_running_loop()))
        )


def nudges(layer):
    return [sent for sent in layer.sent if sent[0].startswith("competition.")]


@pytest.fixture
def recording_layer(monkeypatch):
    from tests.leaderboard.helpers import quiet

    layer = RecordingLayer()
    monkeypatch.setattr(broadcast, "get_channel_layer", lambda: layer)
    # Outside a server: no serving loop from an earlier test's consumers.
    monkeypatch.setattr(broadcast.relays, "_serving", None)
    with quiet():  # the public relay reads the database; these tests are about nudges
        yield layer
    broadcast.relays.drain_background()


@pytest.mark.django_db(transaction=True)
def test_a_nudge_leaves_only_after_commit_and_not_from_the_committing_thread(
    recording_layer, monkeypatch
):
    import threading

    from django.db import transaction

    from scoring_site.realtime import announce

    numbered_in = []
    number = broadcast.next_sequence
    monkeypatch.setattr(
        broadcast,
        "next_sequence",
        lambda *args: numbered_in.append(threading.current_thread()) or number(*args),
    )
    with transaction.atomic():
        announce(41, "round.opened", {"round": 7})
        broadcast.relays.drain_background()
        before_commit = list(recording_layer.sent)
    broadcast.relays.drain_background()

    assert before_commit == []
    ((group, message, thread, _loop),) = nudges(recording_layer)
    assert group == "competition.41"
    assert message["type"] == "competition.changed"
    assert message["kinds"] == ["round.opened"]
    assert message["payload"] == {"round": 7}
    assert message["seq"] == 1
    assert thread is not threading.current_thread()
    assert thread.name == "podium-live-relay"
    # Numbered as it left, not by the committing thread (no round trip to the cache there).
    assert len(numbered_in) == 1 and numbered_in[0] is not threading.current_thread()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_nudges_nobody(recording_layer):
    from django.db import transaction

    from scoring_site.realtime import announce, current_sequence

    with transaction.atomic():
        announce(42, "round.closed", {"round": 7})
        transaction.set_rollback(True)
    broadcast.relays.drain_background()

    assert nudges(recording_layer) == []
    assert current_sequence(42) == 0


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_sheet_nudges_nobody_while_a_committed_one_does(recording_layer):
    from django.db import transaction

    day = quiet_day()
    picks = day.crosses(day.entries()[:6])
    broadcast.relays.drain_background()
    recording_layer.sent.clear()  # the day's own set-up

    with transaction.atomic():
        day.send(day.judges[0], day.dances[0], picks)
        transaction.set_rollback(True)
    broadcast.relays.drain_background()
    after_rollback = len(nudges(recording_layer))
    day.send(day.judges[0], day.dances[0], picks)
    broadcast.relays.drain_background()

    assert after_rollback == 0
    ((group, message, _thread, _loop),) = nudges(recording_layer)
    assert group == f"competition.{day.competition.pk}"
    assert message["kinds"] == ["sheet.submitted"]


@pytest.mark.django_db(transaction=True)
def test_many_announcements_outside_a_server_share_one_loop_and_are_folded(recording_layer):
    from scoring_site.realtime import announce

    recording_layer.delay = 0.05  # while one is being sent, the next ones queue up
    for n in range(30):
        announce(43, f"sheet.submitted.{n % 3}")  # autocommit: after "commit" at once
    announce(44, "round.opened")
    broadcast.relays.drain_background()

    sent = nudges(recording_layer)
    assert len({loop for *_rest, loop in sent}) == 1
    by_competition = {}
    for group, message, *_rest in sent:
        by_competition.setdefault(group, []).append(message)
    assert 1 <= len(by_competition["competition.43"]) <= 3
    last = by_competition["competition.43"][-1]
    assert last["seq"] == 30
    assert sorted({k for m in by_competition["competition.43"] for k in m["kinds"]}) == [
        "sheet.submitted.0",
        "sheet.submitted.1",
        "sheet.submitted.2",
    ]
    assert [m["seq"] for m in by_competition["competition.44"]] == [1]


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_nudges_sends_the_first_at_once_and_folds_the_rest(recording_layer):
    import time

    from scoring_site.realtime import announce

    announce(46, "round.opened")
    deadline = time.monotonic() + 5
    while not nudges(recording_layer) and time.monotonic() < deadline:
        time.sleep(0.005)
    first = list(nudges(recording_layer))  # sent without a drain: it did not wait
    for n in range(20):  # 5 ms apart: each could leave on its own, as before the spacing
        announce(46, f"sheet.submitted.{n % 3}")
        time.sleep(0.005)
    broadcast.relays.drain_background()

    sent = [message for _group, message, *_rest in nudges(recording_layer)]
    assert [message["seq"] for _g, message, *_r in first] == [1]
    # A sending every NUDGE_SPACING (0.1 s) at most takes the burst of about 0.1 s.
    assert 2 <= len(sent) <= 5
    assert sent[-1]["seq"] == 21
    assert sorted({k for m in sent[1:] for k in m["kinds"]}) == [
        "sheet.submitted.0",
        "sheet.submitted.1",
        "sheet.submitted.2",
    ]


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_committed_announcement_reaches_a_redis_group_member():
    import asyncio

    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from scoring_site.realtime import announce
    from tests.leaderboard.helpers import quiet

    layer = get_channel_layer()

    async def listen():
        channel = await layer.new_channel()
        await layer.group_add("competition.45", channel)
        await asyncio.get_running_loop().run_in_executor(None, commit_and_drain)
        try:
            return await asyncio.wait_for(layer.receive(channel), timeout=5)
        finally:
            await layer.group_discard("competition.45", channel)

    def commit_and_drain():
        from django.db import connection

        try:
            with quiet():
                announce(45, "round.published", {"round": 3})
                broadcast.relays.drain_background()
        finally:
            connection.close()  # this executor thread's own

    message = async_to_sync(listen)()

    assert message["type"] == "competition.changed"
    assert message["kinds"] == ["round.published"]
    assert message["seq"] == 1


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_change_no_screen_watches_is_numbered_but_built_only_once_one_does(monkeypatch):
    """With Redis, the relay builds a push only when some process listens to the
    competition's public group; unwatched, it still takes the change's number, so that a
    screen joining later reads a snapshot newer than the change."""
    import asyncio

    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from leaderboard.hub import public_group
    from scoring_site.realtime import PUBLIC, current_sequence

    day = quiet_day()
    built = []
    build = broadcast.public_update_message
    monkeypatch.setattr(
        broadcast, "public_update_message", lambda *a, **k: built.append(k["seq"]) or build(*a, **k)
    )
    layer = get_channel_layer()
    group = public_group(day.competition.pk)

    def commit_and_drain(dance):
        from django.db import connection

        try:
            day.send(day.judges[0], dance, day.crosses(day.entries()[:6]))
            broadcast.relays.drain_background()
        finally:
            connection.close()  # this executor thread's own

    async def watch():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        await asyncio.get_running_loop().run_in_executor(None, commit_and_drain, day.dances[1])
        try:
            return await asyncio.wait_for(layer.receive(channel), timeout=5)
        finally:
            await layer.group_discard(group, channel)

    before = current_sequence(day.competition.pk, PUBLIC)
    commit_and_drain(day.dances[0])
    unwatched = current_sequence(day.competition.pk, PUBLIC)
    built_unwatched = list(built)
    message = async_to_sync(watch)()

    assert (built_unwatched, unwatched) == ([], before + 1)
    assert built == [before + 2]
    body = json.loads(message["text"])
    assert (body["seq"], [p["in"] for p in body["floor"][0]["parts"]]) == (before + 2, [1, 1])
