"""The embedded default's change log (scoring_site/change_log.py): what one process
appends, the others' watchers hear, once, in order, across a rotation; never their own.
"Another process" is this one with another pid (``os.getpid`` patched while it writes);
the browser tests (tests/browser/test_live_other_process.py) cross real processes."""

import asyncio
import os

import pytest

from scoring_site import change_log, realtime


@pytest.fixture
def log(settings, tmp_path):
    settings.PODIUM_LIVE_CHANGE_LOG = tmp_path / "live" / "changes.log"
    settings.PODIUM_LIVE_WATCH_MS = 10
    return settings.PODIUM_LIVE_CHANGE_LOG


def elsewhere(monkeypatch, competition_id, kind, payload=None, pid=1):
    """``record`` as another process would."""
    with monkeypatch.context() as patch:
        patch.setattr(os, "getpid", lambda: pid)
        change_log.record(competition_id, kind, payload or {})


def test_a_reader_hears_the_other_processes_changes_not_its_own(log, monkeypatch):
    reader = change_log.Reader(log)  # before the file exists: all of it will be new

    change_log.record(7, "sheet.submitted", {"round": 1})
    elsewhere(monkeypatch, 7, "round.closed", {"round": 1})
    elsewhere(monkeypatch, 8, "floor", {"phase": "dancing"}, pid=2)

    assert reader.changes() == [
        (7, "round.closed", {"round": 1}),
        (8, "floor", {"phase": "dancing"}),
    ]
    assert reader.changes() == []


def test_a_reader_starts_where_the_log_ends(log, monkeypatch):
    elsewhere(monkeypatch, 7, "round.opened")
    reader = change_log.Reader(log)
    elsewhere(monkeypatch, 7, "round.closed")

    assert reader.changes() == [(7, "round.closed", {})]


def test_a_line_being_written_waits_for_its_end(log, monkeypatch):
    reader = change_log.Reader(log)
    elsewhere(monkeypatch, 7, "round.opened")
    line = log.read_bytes()
    log.write_bytes(line + line[:10])  # half of a second line

    assert reader.changes() == [(7, "round.opened", {})]
    with log.open("ab") as rest:
        rest.write(line[10:])
    assert reader.changes() == [(7, "round.opened", {})]


def test_nothing_is_lost_when_the_log_is_rotated(log, monkeypatch):
    monkeypatch.setattr(change_log, "ROTATE_AT", 200)
    reader = change_log.Reader(log)
    heard = []
    for n in range(30):
        elsewhere(monkeypatch, n, "sheet.submitted")
        if n % 7 == 0:
            heard += reader.changes()
    heard += reader.changes()

    assert [competition_id for competition_id, _, _ in heard] == list(range(30))
    assert log.with_name("changes.log.1").exists()
    assert log.stat().st_size < 400


def test_with_redis_nothing_is_logged_nor_watched(settings, tmp_path):
    settings.PODIUM_LIVE_CHANGE_LOG = None

    async def serve():
        change_log.watch(lambda *change: None)
        return [t for t in asyncio.all_tasks() if t.get_name() == "podium-change-log"]

    change_log.record(7, "round.opened", {})
    assert asyncio.run(serve()) == []
    assert list(tmp_path.iterdir()) == []


def test_a_serving_loop_relays_other_processes_changes_once_per_tick(log, monkeypatch):
    relayed = []

    async def serve():
        change_log.watch(lambda *change: relayed.append(change))
        change_log.watch(lambda *change: relayed.append(("twice", *change)))  # one per loop
        elsewhere(monkeypatch, 7, "sheet.submitted", {"round": 1})
        elsewhere(monkeypatch, 7, "sheet.submitted", {"round": 2})  # folded, latest payload
        elsewhere(monkeypatch, 7, "round.closed", {"round": 1})
        change_log.record(7, "round.published", {})  # made here: relayed here already
        for _ in range(200):
            await asyncio.sleep(0.01)
            if len(relayed) >= 2:
                break
        await asyncio.sleep(0.05)

    asyncio.run(serve())

    assert relayed == [(7, "sheet.submitted", {"round": 2}), (7, "round.closed", {"round": 1})]


@pytest.mark.django_db
def test_a_committed_announcement_is_logged_for_the_other_processes(
    log, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(realtime, "_listeners", [])
    monkeypatch.setattr(realtime, "_transport", lambda competition_id, message: None)
    reader = change_log.Reader(log)
    with django_capture_on_commit_callbacks(execute=True):
        realtime.announce(51, "round.opened", {"round": 3})

    with monkeypatch.context() as patch:
        patch.setattr(os, "getpid", lambda: 1)  # the reader is another process
        assert reader.changes() == [(51, "round.opened", {"round": 3})]
