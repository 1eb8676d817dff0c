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

    ((group, message),) = layer.sent
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
