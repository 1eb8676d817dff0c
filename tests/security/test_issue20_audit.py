"""The attacker's audit of issue 20's features: judges' receipts and ``/verify/``, the
what-if sandbox, the judge-agreement report, shadow judges and component scoring, tried
as the wrong role, another competition's staff, a judge and the public."""

import pytest
from django.core.cache import cache, caches
from django.urls import reverse

from adjudication.incidents.couples import entry_disqualify
from adjudication.models import Receipt
from adjudication.services import round_publish, round_reopen
from tests.factories.accounts import UserFactory
from tests.receipts.helpers import closed_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(db):
    cache.clear()
    caches["throttle"].clear()
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
    assert entry.bib_label not in body["message"]
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
