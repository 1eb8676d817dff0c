"""The attacker's audit of issue 20's features: judges' receipts and ``/verify/``, the
what-if sandbox, the judge-agreement report, shadow judges and component scoring, tried
as the wrong role, another competition's staff, a judge and the public."""

import csv
import io

import pytest
from django.urls import reverse

from adjudication.incidents.couples import entry_disqualify, entry_reinstate
from adjudication.models import Receipt, Sheet
from adjudication.receipts.checking import receipt_problems
from adjudication.services import recall_decide, round_publish, round_reopen, sheet_unlock
from competitions.models import CompetitionStaff, Dance, Event, StaffRole
from tests.adjudication.agreement_day import judged_day
from tests.factories.accounts import UserFactory
from tests.receipts.helpers import closed_day
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(db):
    return closed_day()


@pytest.fixture
def chairman(db):
    return UserFactory(roles=["chairman"])


def _verify(client, code, **extra):
    return client.post(
        reverse("api:receipt-verify"), {"code": code}, content_type="application/json", **extra
    )


def _current(day, letter="A"):
    return Receipt.objects.get(round=day.first, judge__letter=letter, superseded_at=None)


def _not_recalled(day, receipt):
    crossed = {m["entry_id"] for m in receipt.payload["sheets"][0]["marks"]}
    return next(e for e in day.entries() if e.pk not in crossed)


# --- /verify/ before publication --------------------------------------------------------------


def test_verify_withholds_why_a_receipt_was_superseded_until_the_round_is_published(
    client, day, chairman
):
    old = _current(day)
    entry = _not_recalled(day, old)
    entry_disqualify(round=day.first, entry=entry, actor=chairman, reason="doping test")

    body = _verify(client, old.code).json()
    page = client.post(reverse("adjudication:receipt-verify"), {"code": old.code})

    assert body["status"] == "superseded"
    assert "doping" not in str(body)
    # The reason would name the couple; a bare bib number could also be part of the time.
    assert f"couple {entry.bib_label}" not in body["message"]
    assert "disqualified" not in body["message"]
    assert body["superseded_reason"] == ""
    assert "doping" not in page.content.decode()


def test_verify_withholds_a_reopening_reason_of_an_unpublished_round(client, day, chairman):
    old = _current(day)
    round_reopen(round=day.first, actor=chairman, reason="couple 104 was on the wrong floor")

    body = _verify(client, old.code).json()

    assert body["status"] == "superseded"
    assert "104" not in str(body)


def test_verify_gives_the_reason_once_the_round_is_published(client, day, chairman):
    round_publish(round=day.first, actor=None)
    old = _current(day)
    entry = _not_recalled(day, old)
    entry_disqualify(round=day.first, entry=entry, actor=chairman, reason="doping test")

    body = _verify(client, old.code).json()

    assert body["superseded_reason"] == f"couple {entry.bib_label} is disqualified: doping test"
    assert "doping test" in body["message"]


def test_verify_is_limited_per_address_whatever_x_forwarded_for_says(client, day, monkeypatch):
    from adjudication.verify.api import ReceiptVerifyThrottle

    rates = {**ReceiptVerifyThrottle.THROTTLE_RATES, "receipt_verify": "2/minute"}
    monkeypatch.setattr(ReceiptVerifyThrottle, "THROTTLE_RATES", rates)

    codes = [
        _verify(client, "A" * 16, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(3)
    ]
    page = client.post(
        reverse("adjudication:receipt-verify"),
        {"code": "A" * 16},
        HTTP_X_FORWARDED_FOR="198.51.100.99",
    )

    assert codes == [200, 200, 429]
    assert page.status_code == 429


# --- receipts follow every path that stores a result ------------------------------------------


def _receipts_hold(round_):
    """Every judge of the round holds exactly one current receipt, and each matches."""
    current = list(Receipt.objects.filter(round=round_, superseded_at=None))
    return sorted(r.judge.letter for r in current), [
        p for r in current for p in receipt_problems(r)
    ]


def test_a_recall_decision_at_a_tie_issues_receipts_that_match(day, chairman):
    entries = day.entries()
    samba, rumba = day.dances
    a, b, _ = day.judges
    sheets = {(s.judge_id, s.dance_id): s for s in Sheet.objects.filter(round=day.first)}
    corrected = [(a, samba), (a, rumba), (b, samba)]
    for judge, dance in corrected:
        sheet_unlock(sheet=sheets[judge.pk, dance.pk], actor=chairman, reason="check crosses")
    for judge, dance in corrected:
        day.send(judge, dance, day.crosses(entries[:5] + [entries[6]]), base_version=1, reason="x")

    recall_decide(round=day.first, recall_count=7, actor=chairman)

    assert _receipts_hold(day.first) == (["A", "B", "C"], [])


def test_a_disqualification_and_a_reinstatement_of_an_unpublished_round_issue_receipts_that_match(
    day, chairman
):
    entry = _not_recalled(day, _current(day))

    entry_disqualify(round=day.first, entry=entry, actor=chairman, reason="doping test")
    after_disqualifying = _receipts_hold(day.first)
    entry_reinstate(round=day.first, entry=entry, actor=chairman, reason="the test was clean")

    assert after_disqualifying == (["A", "B", "C"], [])
    assert _receipts_hold(day.first) == (["A", "B", "C"], [])


# --- the agreement report's CSV ---------------------------------------------------------------


def test_the_agreement_csv_neutralises_formulas_in_event_and_dance_names(client):
    day = judged_day()
    Event.objects.filter(pk=day.event.pk).update(name='=HYPERLINK("http://x","y")')
    dance = Dance.objects.filter(event=day.event).order_by("position").first()
    Dance.objects.filter(pk=dance.pk).update(name="+1+1")
    organizer = UserFactory(is_staff=True)
    CompetitionStaff.objects.create(
        competition=day.competition, user=organizer, role=StaffRole.ORGANIZER
    )
    sign_in_staff(client, organizer)

    response = client.get(reverse("adjudication:desk-agreement-csv", args=[day.competition.slug]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))

    assert rows
    assert {r["event"] for r in rows} == {'\'=HYPERLINK("http://x","y")'}
    assert {r["part"] for r in rows if r["measure"] == "final"} >= {"'+1+1"}
