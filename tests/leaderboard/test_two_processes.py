"""Two processes share the Redis channel layer: a sheet committed in this process (the
web process A of a real deployment) reaches a websocket held by another ASGI server
process (B, uvicorn), as it would behind a load balancer."""

import json
import uuid

import pytest
from websockets.sync.client import connect

from competitions.models import Competition
from leaderboard.broadcast import relays
from tests.leaderboard.helpers import followed, quiet_day

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_sheet_committed_here_reaches_a_viewer_of_the_other_process(asgi_server):
    day = quiet_day()
    slug = f"two-processes-{uuid.uuid4().hex[:8]}"
    Competition.objects.filter(pk=day.competition.pk).update(slug=slug)
    picks = day.crosses(day.entries()[:6])

    with connect(
        f"ws://127.0.0.1:{asgi_server}/ws/live/{slug}/",
        # A browser's Origin: the server checks it against ALLOWED_HOSTS.
        origin=f"http://127.0.0.1:{asgi_server}",
        open_timeout=10,
    ) as viewer:
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


@pytest.fixture
def slow_interval(monkeypatch, settings):
    """One public push per second at most, here and in the second server: wide enough
    that pushes one interval apart are told from pushes made twice, on a busy machine."""
    monkeypatch.setenv("PODIUM_LIVE_INTERVAL_MS", "1000")
    settings.PODIUM_LIVE_INTERVAL = 1.0


def tablet_session(base: str, day, judge):
    """A requests session signed in as ``judge``'s tablet on the server at ``base``."""
    import requests

    from adjudication.tablet.sessions import tablet_code_issue

    code = tablet_code_issue(judge=judge, actor=None)
    session = requests.Session()
    session.get(f"{base}/tablet/", timeout=10)
    answer = session.post(
        f"{base}/tablet/",
        data={
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "competition": day.competition.slug,
            "letter": judge.letter,
            "code": code,
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:300]
    return session


def post_sheet(session, base: str, day, judge, dance, entries) -> int:
    """What a tablet's outbox posts for a recall sheet."""
    url = f"{base}/tablet/round/{day.first.pk}/d{dance.pk}/"
    token = session.cookies["csrftoken"]
    data = [
        ("csrfmiddlewaretoken", token),
        ("client_key", uuid.uuid4().hex),
        ("judge", str(judge.pk)),
        ("base_version", "0"),
        ("round_revision", str(day.first.revision)),
    ] + [("cross", str(entry.pk)) for entry in entries]
    answer = session.post(
        url,
        data=data,
        headers={"Accept": "application/json", "X-CSRFToken": token, "Referer": url},
        timeout=10,
    )
    return answer.status_code


def test_a_burst_through_two_processes_is_pushed_about_once_per_interval(
    slow_interval, asgi_server, role_groups
):
    """Sheets committed at the same time through this process and through the other
    one: the Redis lease (leaderboard/lease.py) lets one push per interval through,
    where each process coalescing on its own would push twice as often."""
    import threading
    import time

    day = quiet_day()
    slug = f"two-processes-{uuid.uuid4().hex[:8]}"
    Competition.objects.filter(pk=day.competition.pk).update(slug=slug)
    day.competition.slug = slug
    base = f"http://127.0.0.1:{asgi_server}"
    picks = day.entries()[:6]
    there = tablet_session(base, day, day.judges[2])
    answers = []

    def through_the_other_process():
        for dance in day.dances:
            answers.append(post_sheet(there, base, day, day.judges[2], dance, picks))
            time.sleep(0.15)

    received = []

    def read(viewer):
        while True:
            try:
                text = viewer.recv(timeout=3)
            except TimeoutError:
                return
            received.append((time.monotonic(), json.loads(text)))

    with connect(
        f"ws://127.0.0.1:{asgi_server}/ws/live/{slug}/",
        # A browser's Origin: the server checks it against ALLOWED_HOSTS.
        origin=f"http://127.0.0.1:{asgi_server}",
        open_timeout=10,
    ) as viewer:
        json.loads(viewer.recv(timeout=10))  # the snapshot
        reader = threading.Thread(target=read, args=(viewer,))
        reader.start()
        started = time.monotonic()
        other = threading.Thread(target=through_the_other_process)
        other.start()
        for judge in day.judges[:2]:
            for dance in day.dances:
                day.send(judge, dance, day.crosses(picks))
                time.sleep(0.1)
        other.join()
        burst = time.monotonic() - started
        relays.drain_background()
        reader.join()

    assert answers == [201, 201]
    updates = followed([body for _at, body in received])
    gaps = [b[0] - a[0] for a, b in zip(received, received[1:], strict=False)]
    assert [p["in"] for p in updates[-1]["floor"][0]["parts"]] == [3, 3]
    # One push per second across both processes: the first at once, then one per
    # started second of the burst, and the trailing one.
    assert 1 <= len(updates) <= int(burst) + 2, (burst, gaps)
    assert all(gap >= 0.5 for gap in gaps), (burst, gaps)
    # (No check of the sequence numbers here: this test process keeps its cache, and so
    # its public sequence, in memory; the servers of a deployment share Redis's.)


def test_a_phone_asking_for_compression_gets_the_pushes_as_they_are(asgi_server):
    """Browsers ask for permessage-deflate; the server, run as the Dockerfile runs it,
    declines, so a push is not compressed again for every socket."""
    day = quiet_day()
    slug = f"no-deflate-{uuid.uuid4().hex[:8]}"
    Competition.objects.filter(pk=day.competition.pk).update(slug=slug)

    with connect(
        f"ws://127.0.0.1:{asgi_server}/ws/live/{slug}/",
        origin=f"http://127.0.0.1:{asgi_server}",
        compression="deflate",
        open_timeout=10,
    ) as viewer:
        snapshot = json.loads(viewer.recv(timeout=10))

    assert snapshot["type"] == "snapshot"
    assert viewer.response.headers.get("Sec-WebSocket-Extensions") is None


def test_the_servers_here_run_uvicorn_as_the_dockerfile_does():
    """The commands the test above and the benchmarks (bench_day's and bench_cost's
    servers) start decline compression, as the image's does."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    command = next(
        line for line in (root / "Dockerfile").read_text().splitlines() if line.startswith("CMD")
    )
    servers = (root / "tests" / "browser" / "servers.py").read_text()
    benches = [(root / "bench" / f).read_text() for f in ("_common.py", "bench_registration.py")]

    assert "--ws-per-message-deflate false" in command
    assert '"--ws-per-message-deflate", "false"' in servers
    assert all('"--ws-per-message-deflate", "false"' in bench for bench in benches)
