"""The audit log of the desk over the API: every unsafe call by a signed-in user is
recorded once, like the desk pages' POSTs (refused ones too, with their status); reads
and calls without a valid token are not."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from adjudication.models import TabletSession
from tests.adjudication.day import build_day
from tests.adjudication.test_api import bearer, sign_in
from tests.adjudication.test_desk_api import token_for
from tests.day.helpers import build_programme
from tests.factories.adjudication import TabletSessionFactory

pytestmark = pytest.mark.django_db


def post(client, url, tokens=None, body=None, headers=None, **extra):
    return client.post(
        url,
        body or {},
        content_type="application/json",
        headers={**(bearer(tokens) if tokens else {}), **(headers or {})},
        **extra,
    )


def test_a_tablet_revoked_over_the_api_is_recorded_once(client):
    day = build_day(couples=7, judges=3)
    tablet = TabletSessionFactory(judge=day.judges[1])
    scrutineer, tokens = token_for(client, "scrutineer")
    url = reverse("api:desk-tablet-revoke", args=[tablet.pk])
    before = AuditEntry.objects.count()

    response = post(
        client, url, tokens, REMOTE_ADDR="198.51.100.7", headers={"User-Agent": "Desk app"}
    )
    entries = list(AuditEntry.objects.order_by("id")[before:])

    assert response.status_code == 200
    assert TabletSession.objects.get(pk=tablet.pk).revoked_at is not None
    assert len(entries) == 1
    entry = entries[0]
    assert entry.action == AuditEntry.Action.DESK
    assert entry.actor == scrutineer
    assert entry.username == scrutineer.username
    assert entry.path == url
    assert entry.ip_address == "198.51.100.7"
    assert entry.detail["status"] == 200
    assert entry.detail["view"] == "api:desk-tablet-revoke"
    assert entry.detail["kwargs"] == {"tablet_id": str(tablet.pk)}


def test_a_floor_move_over_the_api_is_recorded_with_its_action(client):
    programme = build_programme(timers=True)
    scrutineer, tokens = token_for(client, "scrutineer")
    url = reverse("api:desk-floor", args=[programme.competition.slug])
    before = AuditEntry.objects.count()

    response = post(client, url, tokens, {"action": "next"})
    entries = list(AuditEntry.objects.order_by("id")[before:])

    assert response.status_code == 200
    assert [(e.action, e.actor, e.path) for e in entries] == [
        (AuditEntry.Action.DESK, scrutineer, url)
    ]
    assert entries[0].detail["posted"] == {"action": ["next"]}


def test_a_refused_desk_call_is_recorded_with_its_status(client):
    # Like a refused desk page POST: a signed-in caller's attempt is kept, with the 403.
    day = build_day(couples=7, judges=3)
    tablet = TabletSessionFactory(judge=day.judges[1])
    judge_tokens = sign_in(client, day.judges[0])
    url = reverse("api:desk-tablet-revoke", args=[tablet.pk])
    before = AuditEntry.objects.count()

    response = post(client, url, judge_tokens)
    entries = list(AuditEntry.objects.order_by("id")[before:])

    assert response.status_code == 403
    assert TabletSession.objects.get(pk=tablet.pk).revoked_at is None
    assert len(entries) == 1
    assert entries[0].action == AuditEntry.Action.DESK
    assert entries[0].username == day.judges[0].user.username
    assert entries[0].detail["status"] == 403


def test_a_call_without_a_token_is_not_recorded(client):
    # Like the desk pages: an anonymous request has no one to name.
    day = build_day(couples=7, judges=3)
    tablet = TabletSessionFactory(judge=day.judges[1])
    before = AuditEntry.objects.count()

    response = post(client, reverse("api:desk-tablet-revoke", args=[tablet.pk]))

    assert response.status_code == 401
    assert AuditEntry.objects.count() == before


def test_desk_reads_are_not_recorded(client):
    programme = build_programme(timers=True)
    _, tokens = token_for(client, "scrutineer")
    before = AuditEntry.objects.count()

    floor = client.get(
        reverse("api:desk-floor", args=[programme.competition.slug]), headers=bearer(tokens)
    )
    tablets = client.get(
        reverse("api:desk-tablets", args=[programme.competition.slug]), headers=bearer(tokens)
    )

    assert (floor.status_code, tablets.status_code) == (200, 200)
    assert AuditEntry.objects.count() == before
