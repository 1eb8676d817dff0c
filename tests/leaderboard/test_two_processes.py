"""Two processes share the Redis channel layer: a sheet committed in this process (the
web process A of a real deployment) reaches a websocket held by another ASGI server
process (B, uvicorn), as it would behind a load balancer."""

import json
import uuid

import pytest
from websockets.sync.client import connect

from competitions.models import Competition
from leaderboard.broadcast import relays
from tests.leaderboard.helpers import quiet_day

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_sheet_committed_here_reaches_a_viewer_of_the_other_process(asgi_server):
    day = quiet_day()
    slug = f"two-processes-{uuid.uuid4().hex[:8]}"
    Competition.objects.filter(pk=day.competition.pk).update(slug=slug)
    picks = day.crosses(day.entries()[:6])

    with connect(f"ws://127.0.0.1:{asgi_server}/ws/live/{slug}/", open_timeout=10) as viewer:
        snapshot = json.loads(viewer.recv(timeout=10))
        day.send(day.judges[0], day.dances[0], picks)
        relays.drain_background()
        update = json.loads(viewer.recv(timeout=10))

    assert snapshot["type"] == "snapshot"
    assert snapshot["competition"]["slug"] == slug
    assert [p["in"] for p in snapshot["floor"][0]["parts"]] == [0, 0]
    assert update["type"] == "update"
    assert update["competition"]["slug"] == slug
    assert update["kinds"] == ["sheet.submitted"]
    assert [p["in"] for p in update["floor"][0]["parts"]] == [1, 0]
