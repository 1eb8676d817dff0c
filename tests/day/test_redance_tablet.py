"""A judge's tablet after a redance with the sheets re-collected: the sheet is shown to
send again (heat named), with its earlier marks and no reason asked, and the tablet's
snapshot offers it on the floor again."""

import pytest
from django.urls import reverse

from adjudication.incidents.redance import heat_redance
from adjudication.models import MarkChange, TabletSession
from adjudication.services import round_entries
from adjudication.tablet.snapshot import tablet_snapshot
from tests.adjudication.test_api import bearer
from tests.adjudication.test_api import sign_in as api_sign_in
from tests.adjudication.test_tablet_pages import sign_in
from tests.day.helpers import desk_user
from tests.day.redance_helpers import danced_first_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def returned():
    d = danced_first_round()
    heat_redance(
        round=d.round,
        dance=d.samba,
        heat_number=2,
        reason="the music stopped",
        recollect=True,
        actor=desk_user("chairman"),
    )
    return d


def sheet_url(d):
    return reverse("adjudication:tablet-sheet", args=[d.round.pk, f"d{d.samba.pk}"])


def test_the_tablet_asks_for_the_dance_again_and_takes_it_without_a_reason(client, returned):
    d = returned
    judge = d.p.judges[0]
    sign_in(client, d.p, judge)

    home = client.get(reverse("adjudication:tablet-home")).content.decode()
    assert "send this dance again (redance of heat 2)" in home
    page = client.get(sheet_url(d)).content.decode()
    assert "Send this dance again (redance of heat 2)" in page
    assert 'name="reason"' not in page and "Send again" in page
    entries = round_entries(d.round)
    response = client.post(
        sheet_url(d),
        {
            "client_key": "A-again",
            "base_version": 1,
            "round_revision": d.round.revision,
            "cross": [str(e.pk) for e in entries[1:7]],
        },
    )

    assert response.status_code == 302
    sheet = d.sheet(judge)
    assert (sheet.version, sheet.returned_at, sheet.counts) == (2, None, True)
    kinds = list(
        MarkChange.objects.filter(sheet=sheet).order_by("at", "id").values_list("kind", flat=True)
    )
    assert kinds[0] == "submitted" and "returned" in kinds and kinds[-1] == "corrected"
    reasons = set(
        MarkChange.objects.filter(sheet=sheet, kind="corrected").values_list("reason", flat=True)
    )
    assert reasons == {"sent again after a redance"}
    home = client.get(reverse("adjudication:tablet-home")).content.decode()
    assert "send this dance again" not in home


def test_the_tablet_snapshot_offers_the_returned_sheet_on_the_floor(client, returned):
    d = returned
    sign_in(client, d.p, d.p.judges[1])
    tablet = TabletSession.objects.get()

    snapshot = tablet_snapshot(
        session_key=client.session.session_key,
        tablet_id=tablet.pk,
        user_id=tablet.judge.user_id,
    )

    (first,) = [r for r in snapshot["rounds"] if r["round"] == d.round.pk]
    samba = next(part for part in first["parts"] if part["code"] == f"d{d.samba.pk}")
    assert samba["state"] == "returned"
    assert snapshot["floor"]["sheet_state"] == "returned"
    assert snapshot["floor"]["sheet_url"] == sheet_url(d)


def test_the_judges_api_says_the_sheet_was_returned_and_takes_it_without_a_reason(client, returned):
    d = returned
    judge = d.p.judges[2]
    tokens = api_sign_in(client, judge)
    url = reverse("api:judge-round", args=[d.round.pk])

    body = client.get(url, headers=bearer(tokens)).json()
    samba = next(part for part in body["parts"] if part["dance_id"] == d.samba.pk)
    assert samba["sheet"]["returned"] is True
    sent = client.post(
        reverse("api:judge-sheet-submit", args=[d.round.pk]),
        {
            "dance_id": d.samba.pk,
            "marks": {str(e.pk): 1 for e in round_entries(d.round)[:6]},
            "client_key": "C-again",
            "base_version": 1,
            "round_revision": d.round.revision,
        },
        content_type="application/json",
        headers=bearer(tokens),
    )

    assert sent.status_code in (200, 201)
    assert d.sheet(judge).counts
