"""Receipts of a component round: issued to every counting judge (never a shadow) when
the result is stored, each covering the judge's component sheets, matched by /verify/ and
its API; a component score changed behind the services' back is reported."""

import pytest
from django.db import connection
from django.urls import reverse

from adjudication.models import Receipt, Sheet
from adjudication.receipts.checking import receipt_problems
from adjudication.results.receipt_pdf import receipt_text
from tests.adjudication.component_helpers import ComponentDay
from tests.adjudication.test_component_shadows import seat_shadow, send_shadow
from tests.leaderboard.helpers import quiet

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(db):
    with quiet():
        day = ComponentDay(final_only=True)
        day.shadow = seat_shadow(day.event)
        day.open(day.final)
        day.send_all(day.final)
        send_shadow(day, day.final, day.shadow)
        day.close(day.final)
    return day


def _verify(client, body):
    return client.post(reverse("api:receipt-verify"), body, content_type="application/json")


def test_every_counting_judge_holds_a_receipt_of_their_component_sheets(day):
    receipts = Receipt.objects.filter(round=day.final, superseded_at=None).order_by("judge__letter")

    assert [r.judge.letter for r in receipts] == ["A", "B", "C", "D"]
    a = receipts[0].payload
    assert [s["part"] for s in a["sheets"]] == ["Waltz", "Tango"]
    # 4 couples × 4 components in each dance, each mark naming its component
    assert [len(s["marks"]) for s in a["sheets"]] == [16, 16]
    assert {m["criterion"] for m in a["sheets"][0]["marks"]} == {c.name for c in day.components}
    assert a["result_sha256"]
    assert all(receipt_problems(r) == [] for r in receipts)


def test_a_component_receipt_matches_on_the_verify_api_and_page(client, day):
    receipt = Receipt.objects.get(round=day.final, judge__letter="D", superseded_at=None)

    body = _verify(client, {"code": receipt.code, "receipt": receipt_text(receipt)}).json()
    page = client.post(reverse("adjudication:receipt-verify"), {"code": receipt.code})

    assert body["status"] == "matches" and body["judge"] == "D"
    assert [s["part"] for s in body["sheets"]] == ["Waltz", "Tango"]
    assert 'data-receipt-status="matches"' in page.content.decode()


def test_a_component_score_changed_behind_the_services_back_is_reported(client, day):
    receipt = Receipt.objects.get(round=day.final, judge__letter="B", superseded_at=None)
    mark = Sheet.objects.get(round=day.final, judge=day.judges[1], dance=day.dances[1]).marks.last()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE adjudication_mark SET value = 1 WHERE id = %s", [mark.pk])

    body = _verify(client, {"code": receipt.code}).json()

    assert body["status"] == "changed"


def test_the_shadow_holds_no_receipt_though_its_sheets_are_kept(day):
    assert not Receipt.objects.filter(judge=day.shadow).exists()
    assert Sheet.objects.filter(judge=day.shadow, round=day.final).count() == 2
