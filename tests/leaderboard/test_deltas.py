"""Pushes sent as deltas on the push before (leaderboard/deltas.py, leaderboard/hub.py)."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from hypothesis import given
from hypothesis import strategies as st

from leaderboard import deltas
from leaderboard.hub import Viewer
from tests.leaderboard.helpers import followed, quiet_day
from tests.leaderboard.test_consumers import receive_json, run, socket

values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner),
    max_leaves=6,
)
cards = st.builds(
    lambda round_, extra: {"round": round_, **extra},
    st.integers(1, 6),
    st.dictionaries(st.sampled_from(["sheets_in", "parts", "status"]), values, max_size=3),
)
pushes = st.builds(
    lambda seq, floor, others: {"type": "update", "seq": seq, **others, "floor": floor},
    st.integers(1, 50),
    st.lists(cards, max_size=5),  # rounds may repeat: then the floor goes whole
    st.dictionaries(st.sampled_from(["now", "next", "results", "results_rev", "kinds"]), values),
)


@given(pushes, pushes)
def test_a_delta_rebuilds_the_push_exactly(before, after):
    if len(after) > 3 and after["seq"] % 2:
        del after["floor"]  # a push without a floor too
    made = deltas.delta(before, after)
    assert json.loads(json.dumps(made)) == made  # plain JSON
    assert deltas.apply(before, made) == after


def test_a_delta_holds_only_the_cards_that_changed():
    floor = [{"round": n, "sheets_in": 0, "heats": [list(range(12))]} for n in range(1, 41)]
    before = {"type": "update", "seq": 7, "now": {"round": 3}, "results_rev": "a", "floor": floor}
    after = json.loads(json.dumps(before))
    after.update(seq=8, kinds=["sheet.submitted"])
    after["floor"][2]["sheets_in"] = 1
    del after["floor"][5]

    made = deltas.delta(before, after)

    assert made["base"] == 7 and made["seq"] == 8
    assert made["set"] == {"kinds": ["sheet.submitted"]} and made["gone"] == []
    assert made["cards"] == [after["floor"][2]]
    assert made["order"] == [card["round"] for card in after["floor"]]
    assert len(json.dumps(made)) < len(json.dumps(after)) / 5


def test_no_delta_between_other_messages():
    update = {"type": "update", "seq": 2, "floor": []}
    assert deltas.delta({"type": "snapshot", "seq": 1, "floor": []}, update) is None
    assert deltas.delta(update, {"type": "snapshot", "seq": 3}) is None


@pytest.mark.django_db(transaction=True)
def test_a_screen_with_the_last_push_gets_a_delta_and_a_new_one_the_push_whole():
    day = quiet_day()
    picks = day.crosses(day.entries()[:6])

    early_seen, late_seen = [], []

    async def body():
        early = socket(f"/ws/live/{day.competition.slug}/")
        await early.connect()
        early_seen.append(await receive_json(early))
        await database_sync_to_async(day.send)(day.judges[0], day.dances[0], picks)
        early_seen.append(await receive_json(early))

        late = socket(f"/ws/live/{day.competition.slug}/")
        await late.connect()
        late_seen.append(await receive_json(late))
        await asyncio.sleep(0.3)
        await database_sync_to_async(day.send)(day.judges[1], day.dances[0], picks)
        early_seen.append(await receive_json(early))
        late_seen.append(await receive_json(late))
        await early.disconnect()
        await late.disconnect()

    run(body)

    assert [m["type"] for m in early_seen] == ["snapshot", "update", "delta"]
    assert [m["type"] for m in late_seen] == ["snapshot", "update"]
    assert early_seen[2]["base"] == early_seen[1]["seq"]
    assert followed(early_seen)[2] == late_seen[1]
    assert [p["in"] for p in late_seen[1]["floor"][0]["parts"]] == [2, 0]


def test_a_viewer_that_fell_behind_catches_up_with_the_push_whole():
    async def body():
        written: list[str] = []
        gate = asyncio.Event()

        async def send(message):
            if message["text"] == "whole 1":
                await gate.wait()  # a connection that is not reading
            written.append(message["text"])

        viewer = Viewer(send, on_error=lambda: None)
        viewer.release()
        viewer.push({"text": "whole 1"}, 1)
        viewer.push({"text": "whole 2"}, 2, {"text": "delta 2"})  # waiting: kept, whole
        gate.set()
        await asyncio.sleep(0.01)
        viewer.push({"text": "whole 3"}, 3, {"text": "delta 3"})
        viewer.push({"text": "whole 5"}, 5, {"text": "delta 5"})  # push 4 never came
        return written

    assert asyncio.run(body()) == ["whole 2", "delta 3", "whole 5"]
