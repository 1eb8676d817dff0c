"""A process at capacity spaces its public pushes by what they cost it; one that is not
pushes every interval (leaderboard/broadcast.py)."""

import asyncio
import time

import pytest
from asgiref.sync import async_to_sync
from django.db import connection

from leaderboard import broadcast
from leaderboard.hub import PublicHub, Viewer, _Competition
from tests.leaderboard.helpers import followed, quiet_day
from tests.leaderboard.test_consumers import receive_json, socket


def test_an_idle_process_pushes_every_interval_whatever_a_push_costs(settings):
    settings.PODIUM_LIVE_INTERVAL = 0.25

    assert broadcast.spacing(0.5, busy=False) == 0.25
    assert broadcast.spacing(None, busy=True) == 0.25  # nothing measured yet


def test_a_busy_process_gives_the_screens_a_share_of_its_time_and_waits_no_longer_than_the_cap(
    settings,
):
    settings.PODIUM_LIVE_INTERVAL = 0.25
    cheap = broadcast.SHARE * 0.1  # a push that fits in a tenth of the interval's share

    assert broadcast.spacing(cheap, busy=True) == 0.25
    assert broadcast.spacing(broadcast.SHARE * 0.8, busy=True) == pytest.approx(0.8)
    assert broadcast.spacing(broadcast.SHARE * 60, busy=True) == broadcast.LONGEST


def test_the_hub_knows_what_its_last_push_cost_from_the_build_and_its_own_writes():
    hub = PublicHub()

    async def body():
        written = []

        async def send(message):
            written.append(message)

        viewer = Viewer(send, on_error=lambda: None)
        viewer.release()
        hub.competitions[7] = _Competition()
        hub.competitions[7].viewers[viewer] = None
        before = hub.push_cost(7)
        hub.deliver(7, '{"type": "update", "floor": []}', built_in=0.02)
        return before, written

    before, written = asyncio.run(body())

    assert before is None
    assert len(written) == 1
    assert 0.02 < hub.push_cost(7) < 1.0  # the build's figure and the writes' own time
    assert hub.push_cost(8) is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("busy", [False, True])
def test_a_burst_while_busy_reaches_the_screens_in_fewer_pushes_and_the_last_state_arrives(
    settings, monkeypatch, busy
):
    """Six sheets over about 0.9 s. With a push costing 40 ms of CPU, a process at
    capacity spaces its pushes 0.8 s apart (a twentieth of its time); an idle one every
    0.1 s. The screens end on the same state either way."""
    settings.PODIUM_LIVE_INTERVAL = 0.1
    monkeypatch.setattr(broadcast, "SHARE", 0.05)
    monkeypatch.setattr(broadcast, "requests_waited_within", lambda seconds: busy)
    real_build = broadcast._built
    monkeypatch.setattr(broadcast, "_built", lambda *a: (real_build(*a)[0], 0.04))
    day = quiet_day()
    picks = day.crosses(day.entries()[:6])

    def burst():  # in a thread of its own: the relay builds in the thread-sensitive one
        try:
            for judge in day.judges:
                for dance in day.dances:
                    day.send(judge, dance, picks)
                    time.sleep(0.1)
        finally:
            connection.close()

    async def body():
        communicator = socket(f"/ws/live/{day.competition.slug}/")
        await communicator.connect()
        await receive_json(communicator)
        arrived = []

        async def read():
            while True:
                message = await receive_json(communicator, timeout=3)
                arrived.append((time.monotonic(), message))

        reader = asyncio.ensure_future(read())
        await asyncio.to_thread(burst)
        await asyncio.sleep(2.5)  # the longest spacing here, and then some
        reader.cancel()
        await communicator.disconnect()
        return arrived

    arrived = async_to_sync(body)()
    updates = followed([message for _at, message in arrived])
    gaps = [b[0] - a[0] for a, b in zip(arrived, arrived[1:], strict=False)]

    assert [p["in"] for p in updates[-1]["floor"][0]["parts"]] == [3, 3]
    if busy:
        # The first push's cost is not known before it is made: the next one comes
        # after the interval, the others after the spacing that cost asks for.
        assert 2 <= len(updates) <= 3, gaps
        assert all(gap >= 0.7 for gap in gaps[1:]), gaps
    else:
        assert len(updates) >= 4, gaps


@pytest.mark.redis
def test_a_change_after_a_longer_lease_elsewhere_waits_for_its_trailing_push():
    """Process A takes the lease for a second (it is busy); B, pushing every quarter
    second, commits a change 0.3 s later. B must see that the lease was taken before
    its change (so A's push does not show it) and wait to push after it, not drop it."""
    from leaderboard import lease

    competition_id = 900_000 + int(time.monotonic() * 1000) % 100_000

    async def body():
        address, _prefix = lease.redis_address()
        here, there = lease.Lease(address), lease.Lease(address)
        try:
            taken = await there.claim(competition_id, {"sheet.submitted"}, 1.0, None)
            await asyncio.sleep(0.3)
            return taken, await here.claim(
                competition_id, {"sheet.submitted"}, 0.25, None, newest_age=0.05
            )
        finally:
            await here.close()
            await there.close()

    taken, verdict = asyncio.run(body())

    assert taken.action == lease.PUSH
    assert verdict.wait is not None, verdict
    assert 0.5 < verdict.wait.seconds <= 0.7  # until A's lease ends
